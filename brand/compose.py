"""What a brand kit adds to a job: the one function both the generate form's "What the brand
kit adds" box and the submit use, so what is shown is exactly what is sent."""

from dataclasses import dataclass, field, replace

from providers.base import JobSpec, ModelInfo

from .models import BrandKit

# How the kit's images are used: as references, or the logo as an opening or end card.
IMAGE_USES = {
    "reference": "As reference images",
    "last_frame": "Logo as the last frame (end card)",
    "first_frame": "Logo as the first frame",
    "none": "Not at all",
}


@dataclass
class Applied:
    """A spec with the kit applied, and what the kit added, for people to read."""

    spec: JobSpec
    prompt_addition: str = ""
    negative_addition: str = ""
    images_used: list[str] = field(default_factory=list)  # "the logo (reference)"
    notes: list[str] = field(default_factory=list)  # what was left out, and why


def prompt_addition(kit: BrandKit, model: ModelInfo) -> str:
    """The text appended to the prompt: voice and style, colours, words to avoid (and the
    visual rules, for a model that takes no negative prompt)."""
    parts = []
    if kit.voice_notes.strip():
        parts.append(_sentence(kit.voice_notes))
    if kit.colour_list:
        parts.append(f"Brand colours: {', '.join(kit.colour_list)}.")
    if kit.avoided_words:
        parts.append(f"Avoid: {', '.join(kit.avoided_words)}.")
    if kit.visual_rules.strip() and not model.negative_prompt:
        parts.append(f"Never show: {_clause(kit.visual_rules)}.")
    return " ".join(parts)


def image_uses(kit: BrandKit, model: ModelInfo) -> list[tuple[str, str]]:
    """The ways ``model`` can take ``kit``'s images (empty when there are none to offer)."""
    images = kit.ordered_images()
    if not images:
        return []
    has_logo = images[0].kind == "logo"
    uses = []
    if model.max_reference_images:
        uses.append("reference")
    if has_logo:
        uses += [role for role in ("last_frame", "first_frame") if role in model.frame_images]
    return [(use, IMAGE_USES[use]) for use in uses] + [("none", IMAGE_USES["none"])]


def apply(kit: BrandKit | None, spec: JobSpec, model: ModelInfo, image_use: str = "") -> Applied:
    """``spec`` with ``kit`` applied for ``model``: its text appended to the prompt, its visual
    rules merged into the negative prompt, its images where the model takes them (the
    visitor's own images first; never more than the model's maximum)."""
    if kit is None:
        return Applied(spec)
    applied = Applied(spec, prompt_addition=prompt_addition(kit, model))
    if model.negative_prompt and kit.visual_rules.strip():
        applied.negative_addition = _clause(kit.visual_rules)
    elif kit.visual_rules.strip():
        applied.notes.append(
            f"{model.name} takes no negative prompt: the visual rules are added to the prompt."
        )
    prompt = "\n\n".join(p for p in (spec.prompt.strip(), applied.prompt_addition) if p)
    negative = ", ".join(p for p in (spec.negative_prompt.strip(), applied.negative_addition) if p)
    images = list(spec.images) + _images(kit, spec, model, image_use, applied)
    applied.spec = replace(spec, prompt=prompt, negative_prompt=negative, images=tuple(images))
    return applied


def _images(kit, spec, model, image_use, applied) -> list:
    offered = kit.ordered_images()
    if not offered or image_use == "none":
        return []
    allowed = dict(image_uses(kit, model))
    use = image_use or next(iter(allowed))
    if use not in allowed:
        applied.notes.append(f"{model.name} cannot take the kit's images that way; none are sent.")
        return []
    roles = [image.role for image in spec.images]
    frames = [r for r in roles if r != "reference"]
    if use == "reference":
        if frames and not model.references_with_frames:
            applied.notes.append(
                f"Left out all kit images: {model.name} cannot combine reference images with "
                "the frame you gave."
            )
            return []
        room = max(model.max_reference_images - roles.count("reference"), 0)
        used, left = offered[:room], offered[room:]
        if left:
            why = " (yours come first)" if roles.count("reference") else ""
            applied.notes.append(
                f"Left out {_names(left)}: {model.name} takes at most "
                f"{model.max_reference_images} reference images{why}."
            )
        applied.images_used += [f"{i.label} (reference)" for i in used]
        return [kit.image_input(i, "reference") for i in used]
    logo = offered[0]
    what = "end card" if use == "last_frame" else "first frame"
    if use in roles:
        applied.notes.append(f"The logo is not used as the {what}: you gave that frame yourself.")
        return []
    if roles.count("reference") and not model.references_with_frames:
        applied.notes.append(
            f"The logo is not used as the {what}: {model.name} cannot combine frames with your "
            "reference images."
        )
        return []
    if use == "last_frame" and model.last_frame_needs_first and "first_frame" not in roles:
        applied.notes.append(
            f"The logo is not used as the end card: {model.name} needs a first frame with it."
        )
        return []
    applied.images_used.append(f"the logo ({what})")
    return [kit.image_input(logo, use)]


def _names(images) -> str:
    names = [i.label for i in images]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _clause(text: str) -> str:
    return " ".join(text.split()).rstrip(" .")


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    return text if text.endswith((".", "!", "?")) else text + "."
