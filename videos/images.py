"""Image inputs of a job (first frame, last frame, references), kept in storage."""

import hashlib
import uuid

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from common.images import EXTENSIONS
from providers.base import ImageInput


def load_inputs(image_inputs: list[dict]) -> tuple[ImageInput, ...]:
    images = []
    for entry in image_inputs:
        with default_storage.open(entry["path"], "rb") as handle:
            images.append(ImageInput(entry["role"], entry["mime_type"], handle.read()))
    return tuple(images)


def save_inputs(images: tuple[ImageInput, ...], kept: dict[str, str] | None = None) -> list[dict]:
    """Store checked images; the job keeps their names and sends them inline when submitting.
    An image in storage already (a pending upload the job takes over: ``kept`` maps the
    SHA-256 of its bytes to its name) is not stored a second time. With ``kept`` (a form's
    images), each entry says whether the person chose it (``"chosen"``) or a brand kit added
    it, so that a new video made from this one brings back only theirs."""
    folder = f"inputs/{uuid.uuid4()}"
    saved = []
    for number, image in enumerate(images, start=1):
        path = (kept or {}).get(hashlib.sha256(image.data).hexdigest())
        entry = {"role": image.role, "mime_type": image.mime_type}
        if kept is not None:
            entry["chosen"] = path is not None
        if path is None:
            name = f"{folder}/{number}-{image.role}.{EXTENSIONS.get(image.mime_type, 'bin')}"
            path = default_storage.save(name, ContentFile(image.data))
        saved.append(entry | {"path": path})
    return saved


def chosen_inputs(image_inputs: list[dict], had_kit: bool) -> list[dict] | None:
    """The entries of a job's images that the person chose (a brand kit's left out), or None
    when that cannot be told: a job saved before its entries said so, made with a kit."""
    if any("chosen" not in entry for entry in image_inputs):
        return None if had_kit else list(image_inputs)
    return [entry for entry in image_inputs if entry["chosen"]]


def forget_inputs(saved: list[dict], kept=()) -> None:
    """Delete stored images no job came to use (the job was refused), but those in ``kept``
    (storage names of pending uploads, which stay their owner's)."""
    for entry in saved:
        if entry["path"] not in kept:
            default_storage.delete(entry["path"])
