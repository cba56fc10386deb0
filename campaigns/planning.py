"""One brief, fanned out: every format x model x wording x take of a campaign as a job spec,
with its price and what had to change for that model, before anything is sent.

Each model gets the brief's settings where it offers them and its nearest otherwise (the
generate form's rules: durations narrowed by the resolution, the format's shape or the nearest
with a reframe), the brand kit applied for that model as the generate form applies it, and a
seed per take where the model takes one.
"""

import secrets
from dataclasses import dataclass, field, replace

from brand import compose
from providers import registry
from providers.base import FRAME_ROLES, Estimate, InvalidSpec, JobSpec, ModelInfo
from videos import formats


class NotPlannable(Exception):
    """The campaign asked for cannot be made (the message says which video and why)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class Planned:
    """One video of a campaign."""

    ad_format: formats.AdFormat | None
    model: ModelInfo
    wording: int  # 0: the prompt as written; n: the n-th other wording
    take: int
    spec: JobSpec
    estimate: Estimate | None
    notes: list[str] = field(default_factory=list)

    @property
    def format_name(self) -> str:
        return self.ad_format.name if self.ad_format else (self.spec.aspect_ratio or "As made")


def fan_out(form) -> list[Planned]:
    """Every video a checked generate form asks for, in the order they are shown: by format,
    then model, wording and take. NotPlannable when one of them cannot be made."""
    choices = form.variant_choices()
    catalogue = {m.id: m for m in form.models}
    models = [catalogue[name] for name in choices["models"] if name in catalogue]
    adapter = registry.adapter(form.chosen_key.provider)
    brief = form.brief
    prompts = [brief.prompt, *form.wordings]
    takes = choices["takes"]
    # Takes of one video differ by seed: the brief's own, or one drawn for the campaign.
    first_seed = brief.seed if brief.seed is not None else secrets.randbelow(2**31)
    planned = []
    for format_key in choices["formats"]:
        ad_format = formats.get(format_key)
        for model in models:
            spec, notes = adapted(brief, model, ad_format)
            for wording, prompt in enumerate(prompts):
                applied = compose.apply(
                    form.kit, replace(spec, prompt=prompt), model, form.value("brand_images") or ""
                )
                made = applied.spec
                try:
                    made.validate(model)
                except InvalidSpec as exc:
                    where = ", ".join(
                        p for p in (model.name, ad_format.name if ad_format else "") if p
                    )
                    raise NotPlannable(f"{where}: {' '.join(exc.errors.values())}") from None
                for take in range(1, takes + 1):
                    seed = made.seed
                    if model.seed and takes > 1:
                        seed = (first_seed + take - 1) % 2**32
                    final = replace(made, seed=seed)
                    planned.append(
                        Planned(
                            ad_format,
                            model,
                            wording,
                            take,
                            final,
                            adapter.estimate(final, model),
                            notes + applied.notes,
                        )
                    )
    return planned


def adapted(brief: JobSpec, model: ModelInfo, ad_format) -> tuple[JobSpec, list[str]]:
    """The brief as ``model`` can make it in ``ad_format`` (None: the brief's own shape), and
    what had to change, in words."""
    notes = []
    resolution = _kept(brief.resolution, model.resolutions, "720p")
    durations = model.durations_for(resolution)
    duration = brief.duration if brief.duration in durations else None
    if duration is None and durations:
        usual = ad_format.usual_duration(replace(model, durations=durations)) if ad_format else None
        duration = usual or min(durations, key=lambda d: abs(d - (brief.duration or 8)))
        if brief.duration is not None:
            notes.append(f"{model.name} makes {duration} s instead of {brief.duration} s.")
    if ad_format is not None:
        aspect_ratio = formats.plan(model, ad_format, resolution).aspect_ratio
    else:
        offered = model.aspect_ratios_at.get(resolution or "") or model.aspect_ratios
        aspect_ratio = _kept(brief.aspect_ratio, offered, "16:9")
    images = _images(brief, model, notes)
    negative = brief.negative_prompt if model.negative_prompt else ""
    if brief.negative_prompt and not negative:
        notes.append(f"{model.name} takes no negative prompt.")
    spec = replace(
        brief,
        model=model.id,
        resolution=resolution,
        duration=duration,
        aspect_ratio=aspect_ratio,
        generate_audio=brief.generate_audio if model.audio else None,
        seed=brief.seed if model.seed else None,
        negative_prompt=negative,
        person_generation=brief.person_generation
        if brief.person_generation in model.person_generation
        else None,
        sample_count=max(1, min(brief.sample_count, model.max_outputs)),
        images=images,
        ad_format=ad_format.key if ad_format else None,
    )
    return spec, notes


def _kept(value, offered, preferred):
    """``value`` if offered, else ``preferred`` if offered, else the first offered (None when
    the model takes no such setting)."""
    if not offered:
        return None
    if value in offered:
        return value
    return preferred if preferred in offered else offered[0]


def _images(brief: JobSpec, model: ModelInfo, notes: list[str]) -> tuple:
    """The brief's images that ``model`` takes."""
    frames = [i for i in brief.images if i.role in FRAME_ROLES and i.role in model.frame_images]
    references = [i for i in brief.images if i.role == "reference"]
    if frames and not model.references_with_frames:
        references = []
    references = references[: model.max_reference_images]
    kept = tuple(frames + references)
    if len(kept) < len(brief.images):
        dropped = len(brief.images) - len(kept)
        notes.append(
            f"{model.name} does not take {dropped} of the images; it is made without "
            f"{'it' if dropped == 1 else 'them'}."
        )
    return kept
