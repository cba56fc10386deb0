"""Image inputs of a job (first frame, last frame, references), kept in storage."""

import uuid

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from brand.images import EXTENSIONS
from providers.base import ImageInput


def load_inputs(image_inputs: list[dict]) -> tuple[ImageInput, ...]:
    images = []
    for entry in image_inputs:
        with default_storage.open(entry["path"], "rb") as handle:
            images.append(ImageInput(entry["role"], entry["mime_type"], handle.read()))
    return tuple(images)


def save_inputs(images: tuple[ImageInput, ...]) -> list[dict]:
    """Store checked images; the job keeps their names and sends them inline when submitting."""
    folder = f"inputs/{uuid.uuid4()}"
    saved = []
    for number, image in enumerate(images, start=1):
        name = f"{folder}/{number}-{image.role}.{EXTENSIONS.get(image.mime_type, 'bin')}"
        path = default_storage.save(name, ContentFile(image.data))
        saved.append({"role": image.role, "mime_type": image.mime_type, "path": path})
    return saved


def forget_inputs(saved: list[dict]) -> None:
    """Delete stored images no job came to use (the job was refused)."""
    for entry in saved:
        default_storage.delete(entry["path"])
