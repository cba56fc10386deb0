"""Task paths queued before the tasks moved beside their steps in ``videos.lifecycle``.

A deployment upgraded with tasks still queued under ``videos.tasks.<name>`` runs them through
these names; everything new is queued under ``videos.lifecycle``.
"""

from .lifecycle import collect_clip, poll_job, recover_jobs, submit_job

__all__ = ["collect_clip", "poll_job", "recover_jobs", "submit_job"]
