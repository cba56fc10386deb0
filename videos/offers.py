"""What a job is sent as, and what can be done next with a clip: carry on from it (extend,
edit) or make it again from feedback (revise), each an ``Offer`` saying yes with the request and
its estimate, or no with the reason in plain words.
"""

from dataclasses import dataclass, replace

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from keys.vault import VaultError
from providers import registry
from providers.base import (
    CONTINUATIONS,
    Continuation,
    Estimate,
    InvalidSpec,
    JobSpec,
    ProviderError,
)

from .models import Clip, VideoJob

REVISE = "revise"


def spec_for(job: VideoJob, *, with_images: bool = True) -> JobSpec:
    from .images import load_inputs

    return JobSpec(
        model=job.model,
        prompt=job.prompt,
        negative_prompt=job.negative_prompt,
        **job.spec_settings(),
        images=load_inputs(job.image_inputs) if with_images else (),
        callback_url=callback_url(job),
        parent=continuation_of(job),
    )


def continuation_of(job: VideoJob) -> Continuation | None:
    """How a version job refers to the clip it carries on from, in its provider's terms (None
    for a revision: a new generation that only follows on from the clip in our records)."""
    if job.continuation not in CONTINUATIONS or job.parent is None:
        return None
    return continuation_from(job.parent, job.continuation)


def continuation_from(clip: Clip, kind: str) -> Continuation:
    """How a job carrying on (``kind``) from ``clip`` names it to the clip's provider."""
    adapter = registry.adapter(clip.job.provider)
    parent = adapter.continuation(kind, clip.job.provider_job_id, clip.source_url)
    return replace(parent, source_seconds=clip.whole_seconds)


def callback_url(job: VideoJob) -> str | None:
    """Where the provider should report the job's end, when webhooks are set up for it."""
    if not (settings.PUBLIC_URL and registry.webhook_secret(job.provider)):
        return None
    return settings.PUBLIC_URL + reverse("provider_webhook", args=[job.provider])


def model_of(job: VideoJob):
    """The job's model as the key's catalogue describes it now, or None if it is gone."""
    return next((m for m in job.key.models() if m.id == job.model), None)


@dataclass(frozen=True)
class Offer:
    """Whether a clip can be extended or edited now, and if not, why not (said to the user)."""

    allowed: bool
    reason: str = ""
    spec: JobSpec | None = None
    estimate: Estimate | None = None


def continuation_offer(clip: Clip, kind: str, model=None) -> Offer:
    job = clip.job
    what = CONTINUATIONS.get(kind)
    if what is None:
        return Offer(False, "Unknown action.")
    if job.key is None or not job.key.usable:
        return Offer(False, f"{what} needs the key this clip was made with, which cannot be used.")
    if not job.provider_job_id:
        return Offer(False, f"{what} is not possible: the provider's job is unknown.")
    try:
        model = model or model_of(job)
    except (ProviderError, VaultError):
        return Offer(False, f"{what} is not possible right now: the model list did not load.")
    if model is None or kind not in model.continuations:
        name = model.name if model else job.model_label
        return Offer(False, f"{name} cannot {what.lower()} a clip.")
    if clip.source_expires_at and clip.source_expires_at <= timezone.now():
        kept_until = date_format(timezone.localtime(clip.source_expires_at))
        return Offer(
            False,
            f"{what} works only while {registry.label(job.provider)} still keeps the clip, "
            f"which it no longer does (it kept it until {kept_until}).",
        )
    adapter = registry.adapter(job.provider)
    base = spec_for(job, with_images=False)  # carrying on from a clip takes no images
    parent = continuation_from(clip, kind)
    changes: dict = {"parent": parent}
    if kind == "extend" and model.extend_resolution:
        changes["resolution"] = model.extend_resolution
    try:
        # What the model allows for a source this long (not what the clip's job asked for:
        # an extended clip is longer than that).
        changes["duration"] = adapter.continuation_duration(
            kind, model, parent.source_seconds, base.duration
        )
        spec = replace(base, **changes)
        spec.validate(model)
    except InvalidSpec as exc:
        return Offer(False, f"{what} is not possible for this clip: {exc.message}")
    return Offer(True, spec=spec, estimate=adapter.estimate(spec, model))


def clip_offers(clips) -> list[tuple[Clip, str, str, Offer]]:
    """For each ready clip: (clip, kind, label, offer) of everything its model can do next."""
    ready = [clip for clip in clips if clip.status == Clip.Status.READY]
    if not ready or ready[0].job.key is None:
        return []
    try:
        model = model_of(ready[0].job)
    except (ProviderError, VaultError):
        return []
    if model is None:
        return []
    return [
        (clip, kind, CONTINUATIONS[kind], continuation_offer(clip, kind, model))
        for clip in ready
        for kind in model.continuations
    ]


def revision_offer(clip: Clip) -> Offer:
    """Whether the clip can be made again from feedback (a new generation with the clip's
    model, settings, images and key, and a revised prompt), and what that should cost."""
    job = clip.job
    if job.key is None or not job.key.usable:
        return Offer(
            False, "A revision needs the key this clip was made with, which cannot be used."
        )
    # With its images: a first frame changes some models' price (image-to-video).
    spec = replace(spec_for(job), parent=None, callback_url=None)
    try:
        model = model_of(job)
    except (ProviderError, VaultError):
        model = None
    if model is not None:
        if clip.whole_seconds in model.durations:
            # As long as the clip being revised (an extended clip is longer than its job
            # asked), where the model makes that length.
            spec = replace(spec, duration=clip.whole_seconds)
        estimate = registry.adapter(job.provider).estimate(spec, model)
    else:  # the catalogue did not answer: the first version's own estimate is the best guide
        estimate = Estimate(job.estimated_cost, "") if job.estimated_cost is not None else None
    return Offer(True, spec=spec, estimate=estimate)
