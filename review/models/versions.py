"""The versions of a video: every job made from a first one, and jobs grouped by video."""

from videos.models import Clip, VideoJob


def version_stack(job: VideoJob, limit: int = 200) -> list[int]:
    """The ids of every version of ``job``'s video: its first version and every job made from
    it, directly or through later versions (other takes of a version included). One query per
    step up and per generation down, bounded."""
    root_id, parent_clip = job.pk, job.parent_id
    for _ in range(50):
        if parent_clip is None:
            break
        found = Clip.objects.filter(pk=parent_clip).values_list("job_id", "job__parent_id").first()
        if found is None:
            break
        root_id, parent_clip = found
    stack, step = [root_id], [root_id]
    while step and len(stack) < limit:
        made = VideoJob.objects.filter(parent__job_id__in=step).exclude(pk__in=stack)
        step = list(made.values_list("pk", flat=True)[: limit - len(stack)])
        stack += step
    return stack


def chains(jobs) -> list[list]:
    """``jobs`` grouped by the video they are versions of, newest activity first, each chain
    newest version first (``job.parent`` is read: select it along)."""
    by_pk = {job.pk: job for job in jobs}

    def first_version(job):
        for _ in range(50):
            earlier = by_pk.get(job.parent.job_id) if job.parent_id else None
            if earlier is None:
                return job
            job = earlier
        return job

    grouped = {}
    for job in jobs:
        grouped.setdefault(first_version(job).pk, []).append(job)
    ordered = sorted(grouped.values(), key=lambda c: max(j.created_at for j in c), reverse=True)
    for chain in ordered:
        chain.sort(key=lambda j: (j.version, j.created_at), reverse=True)
    return ordered
