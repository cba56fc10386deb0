"""Uploaded images checked with Pillow: the generate form's frames and references, the logos
and product shots of brand kits, and every pending upload (common.models.PendingUpload)."""

from django import forms
from PIL import Image, UnidentifiedImageError

IMAGE_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}
EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"}
MAX_IMAGE_BYTES = 10 * 1024 * 1024
MAX_IMAGE_SIDE = 4096
MIN_IMAGE_SIDE = 64
ACCEPT = "image/png,image/jpeg,image/webp"


def checked_image(upload, label: str) -> str:
    """The mime type of an uploaded image, read from its file (Pillow reads the header, then
    verifies the rest a chunk at a time; the image is never decoded nor copied into memory),
    or a ValidationError saying what is wrong. An upload refused while it arrived
    (common.uploads.RefusedUpload) says why."""
    if refusal := getattr(upload, "refusal", ""):
        raise forms.ValidationError(f"{label}: {refusal}")
    if upload.size > MAX_IMAGE_BYTES:
        raise forms.ValidationError(
            f"{label}: the image is {upload.size / 1024**2:.1f} MB; at most 10 MB is accepted."
        )
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            kind, (width, height) = image.format, image.size
            if kind in IMAGE_TYPES and _within(width, height):
                image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise forms.ValidationError(
            f"{label}: this file is not an image we can read. Use a PNG, JPEG or WebP."
        ) from None
    finally:
        upload.seek(0)
    if kind not in IMAGE_TYPES:
        raise forms.ValidationError(
            f"{label}: {kind} images are not accepted; use PNG, JPEG or WebP."
        )
    if not _within(width, height):
        raise forms.ValidationError(
            f"{label}: the image is {width} x {height} pixels; each side must be between "
            f"{MIN_IMAGE_SIDE} and {MAX_IMAGE_SIDE}."
        )
    return IMAGE_TYPES[kind]


def _within(width: int, height: int) -> bool:
    return min(width, height) >= MIN_IMAGE_SIDE and max(width, height) <= MAX_IMAGE_SIDE
