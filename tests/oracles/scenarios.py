"""The fixed matrix of Interactions API calls whose 3.x bodies are kept as golden files.

Each scenario is the exact kwargs given to the SDK, JSON-ready (inline images as base64
text, which is what the 3.x SDK takes for `data`). The images are small real PNGs, the same
bytes every run, so an adapter can be fed the same inputs and compared with the golden.
"""

from __future__ import annotations

import base64
import struct
import zlib
from typing import Any

OMNI_MODEL = "gemini-omni-1.1-flash"
PREVIOUS_INTERACTION_ID = "v1_previous-oracle"
POLLED_INTERACTION_ID = "v1_oracle-job"


def png(rgb: tuple[int, int, int], width: int = 16, height: int = 9) -> bytes:
    """A solid-colour PNG, byte-identical on every run."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height, 9))
        + chunk(b"IEND", b"")
    )


FIRST_FRAME = png((200, 40, 40))
LAST_FRAME = png((40, 40, 200))
REFERENCE_IMAGES = (png((40, 160, 40)), png((230, 200, 30)), png((120, 60, 160)))


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def image_block(data: bytes, mime_type: str = "image/png") -> dict[str, Any]:
    return {"type": "image", "data": b64(data), "mime_type": mime_type}


def text_block(text: str) -> dict[str, Any]:
    return {"type": "text", "text": text}


def video_format(**fields: str) -> dict[str, Any]:
    return {"type": "video", **fields}


def _create(description: str, **kwargs: Any) -> dict[str, Any]:
    return {"description": description, "op": "create", "kwargs": {"model": OMNI_MODEL, **kwargs}}


def _references(count: int) -> dict[str, Any]:
    tags = " and ".join(f"<IMAGE_REF_{index}>" for index in range(count))
    return _create(
        f"reference-to-video with {count} reference image(s)",
        background=True,
        input=[
            *(image_block(image) for image in REFERENCE_IMAGES[:count]),
            text_block(f"A commercial featuring {tags} on a sunny beach."),
        ],
        response_format=video_format(
            aspect_ratio="16:9", resolution="720p", duration="8s", delivery="uri"
        ),
        generation_config={"video_config": {"task": "reference_to_video"}, "seed": 7},
    )


INTERACTION_SCENARIOS: dict[str, dict[str, Any]] = {
    "text_to_video": _create(
        "text-to-video, prompt as a list of one text block",
        background=True,
        input=[text_block("A paper boat drifts down a rainy street at dusk.")],
        response_format=video_format(
            aspect_ratio="16:9", resolution="720p", duration="8s", delivery="inline"
        ),
        generation_config={"video_config": {"task": "text_to_video"}, "seed": 42},
    ),
    "text_to_video_string_input": _create(
        "text-to-video, prompt as a plain string, no task and no seed",
        background=True,
        input="A paper boat drifts down a rainy street at dusk.",
        response_format=video_format(
            aspect_ratio="9:16", resolution="1080p", duration="6s", delivery="uri"
        ),
    ),
    "image_to_video_first_frame": _create(
        "image-to-video from a first frame",
        background=True,
        input=[
            image_block(FIRST_FRAME),
            text_block("<FIRST_FRAME> The product spins on a marble table."),
        ],
        response_format=video_format(
            aspect_ratio="16:9", resolution="720p", duration="8s", delivery="uri"
        ),
        generation_config={"video_config": {"task": "image_to_video"}, "seed": 42},
    ),
    "image_to_video_first_last_frame": _create(
        "image-to-video between a first and a last frame",
        background=True,
        input=[
            image_block(FIRST_FRAME),
            image_block(LAST_FRAME),
            text_block("Start on <FIRST_FRAME> and end on <LAST_FRAME>, a slow dolly-in."),
        ],
        response_format=video_format(
            aspect_ratio="16:9", resolution="1080p", duration="8s", delivery="inline"
        ),
        generation_config={"video_config": {"task": "image_to_video"}},
    ),
    "reference_to_video_1": _references(1),
    "reference_to_video_2": _references(2),
    "reference_to_video_3": _references(3),
    "edit_previous": _create(
        "edit an earlier result: previous_interaction_id and a text instruction",
        background=True,
        previous_interaction_id=PREVIOUS_INTERACTION_ID,
        input=[text_block("Change the setting to snow. Keep everything else the same.")],
        response_format=video_format(delivery="uri"),
        generation_config={"video_config": {"task": "edit"}},
    ),
    "extend_previous": _create(
        "extend an earlier result: previous_interaction_id and task extend",
        background=True,
        previous_interaction_id=PREVIOUS_INTERACTION_ID,
        input=[text_block("The boat sails out into the open sea.")],
        response_format=video_format(duration="8s", delivery="uri"),
        generation_config={"video_config": {"task": "extend"}},
    ),
    "poll_get": {
        "description": "poll: client.interactions.get(id)",
        "op": "get",
        "kwargs": {"id": POLLED_INTERACTION_ID},
    },
    "cancel": {
        "description": "cancel: client.interactions.cancel(id)",
        "op": "cancel",
        "kwargs": {"id": POLLED_INTERACTION_ID},
    },
}
