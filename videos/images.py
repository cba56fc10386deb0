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
    SHA-256 of its bytes to its name) is not stored a second time."""
    folder = f"inputs/{uuid.uuid4()}"
    saved = []
    for number, image in enumerate(images, start=1):
        path = (kept or {}).get(hashlib.sha256(image.data).hexdigest())
        if path is None:
            name = f"{folder}/{number}-{image.role}.{EXTENSIONS.get(image.mime_type, 'bin')}"
            path = default_storage.save(name, ContentFile(image.data))
        saved.append({"role": image.role, "mime_type": image.mime_type, "path": path})
    return saved


def forget_inputs(saved: list[dict], kept=()) -> None:
    """Delete stored images no job came to use (the job was refused), but those in ``kept``
    (storage names of pending uploads, which stay their owner's)."""
    for entry in saved:
        if entry["path"] not in kept:
            default_storage.delete(entry["path"])
