"""Image inputs of a job (first frame, last frame, references), kept in storage."""

from django.core.files.storage import default_storage

from .providers.base import ImageInput


def load_inputs(image_inputs: list[dict]) -> tuple[ImageInput, ...]:
    images = []
    for entry in image_inputs:
        with default_storage.open(entry["path"], "rb") as handle:
            images.append(ImageInput(entry["role"], entry["mime_type"], handle.read()))
    return tuple(images)
