"""Two versions of one video side by side: which versions a job can be compared with, and
which clip of each plays. Members and the guests of a share link use the same rules; what
differs is the clips they may see (``clips``: every ready clip, or the ready clips a link
shares)."""

from dataclasses import dataclass, field

from .models import Clip, VideoJob


class NotComparable(Exception):
    """The comparison asked for does not exist (the message says why, in plain words)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class Comparison:
    """``job`` (the page's version) beside another version: ``earlier`` on the left, ``later``
    on the right, whichever of them was asked for. ``choices`` are the versions ``job`` could
    be compared with instead."""

    job: VideoJob
    earlier: VideoJob
    earlier_clip: Clip
    later: VideoJob
    later_clip: Clip
    choices: list[VideoJob] = field(default_factory=list)

    @property
    def other(self) -> VideoJob:
        return self.earlier if self.later == self.job else self.later

    @property
    def made_from(self) -> bool:
        """Whether the later version was made straight from a clip of the earlier one."""
        return self.later.parent_id is not None and self.later.parent.job_id == self.earlier.pk


def compare(job: VideoJob, with_id: str, clips) -> Comparison:
    """``job`` beside the version whose public id is ``with_id`` (by default, beside the
    version it was made from). Both must have a clip among ``clips`` (ready clips); the other
    version must be of ``job``'s line of versions. Raises ``NotComparable`` otherwise.

    Multi-clip versions play their first clip in ``clips``, except that a version made from a
    clip of the other plays beside that very clip."""
    versions = job.versions() or [job]
    first = {}
    for clip in clips.filter(job__in=versions).order_by("-index"):
        first[clip.job_id] = clip
    if job.pk not in first:
        raise NotComparable("This version has no clip in storage yet.")
    choices = [v for v in versions if v.pk in first and v.pk != job.pk]
    if with_id:
        if with_id == str(job.public_id):
            raise NotComparable("A version cannot be compared with itself: choose another one.")
        other = next((v for v in choices if str(v.public_id) == with_id), None)
        if other is None:
            raise NotComparable("That is not a version of this video with a clip in storage.")
    elif job.parent_id is None:
        raise NotComparable("This video is a first version: there is nothing to compare it with.")
    else:
        other = next((v for v in choices if v.pk == job.parent.job_id), None)
        if other is None:
            raise NotComparable("The version this one was made from has no clip in storage.")
    earlier, later = sorted((job, other), key=versions.index)
    earlier_clip = first[earlier.pk]
    if later.parent_id and later.parent.job_id == earlier.pk:
        made_from = clips.filter(pk=later.parent_id).first()
        earlier_clip = made_from or earlier_clip
    for clip, version in ((earlier_clip, earlier), (first[later.pk], later)):
        clip.job = version
    return Comparison(
        job=job,
        earlier=earlier,
        earlier_clip=earlier_clip,
        later=later,
        later_clip=first[later.pk],
        choices=choices,
    )
