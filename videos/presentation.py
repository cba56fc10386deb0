"""What the job page says about a job, in people's words: its settings, its next step, and
what it announces aloud when it ends. Kept out of the model; templates reach it through the
``job_words`` filters."""

from . import formats
from .models import VideoJob

Status = VideoJob.Status

NEXT_STEPS = {
    Status.QUEUED: "It will be sent to the provider in a moment.",
    Status.SUBMITTING: "Sending the request to the provider.",
    Status.WAITING: "The provider is generating the video; this takes from ten seconds to "
    "several minutes. You can leave this page: the job goes on.",
    Status.COLLECTING: "The video is done; its clips are being copied into your library.",
    Status.READY: "Your clips are done: they stay in your library until you delete them, "
    "and you can download a copy of any of them.",
    Status.NEEDS_ATTENTION: "We did not send it again on our own, so you are not charged "
    "twice. Check your provider account: if no video was started there, submit it again.",
}

ANNOUNCEMENTS = {
    Status.READY: "Your video is ready.",
    Status.FAILED: "Your video could not be made.",
    Status.BLOCKED: "Your video was blocked by the safety filter.",
    Status.EXPIRED: "Your video took too long and was stopped.",
    Status.CANCELLED: "Your video was cancelled.",
    Status.NEEDS_ATTENTION: "Your video needs your attention.",
}


def settings_summary(job: VideoJob) -> list[str]:
    """The settings as people read them: ["8 s", "720p", "16:9", "no audio"], the length
    being the video's real one once it is made."""
    p = job.parameters
    seconds = job.made_seconds or p.get("duration")
    words = [f"{seconds} s"] if seconds else []
    words += [p[name] for name in ("resolution", "aspect_ratio") if p.get(name)]
    if ad_format := formats.get(p.get("ad_format")):
        words.append(f"for {ad_format.name}")
    if p.get("generate_audio") is not None:
        words.append("with audio" if p["generate_audio"] else "no audio")
    if (p.get("sample_count") or 1) > 1:
        words.append(f"{p['sample_count']} clips")
    if p.get("seed") is not None:
        words.append(f"seed {p['seed']}")
    return words


def next_step(job: VideoJob) -> str:
    """What happens next, or what to do about a job that ended without clips."""
    if job.status in NEXT_STEPS:
        return NEXT_STEPS[job.status]
    if job.failure:
        return job.get_failure_display()
    return "Submit it again, or change the prompt or settings first."


def announcement(job: VideoJob) -> str:
    """What the page says aloud when the job ends while it is open ("" while it runs)."""
    return ANNOUNCEMENTS.get(job.status, "")
