"""Ad formats: the shapes marketers publish in, and how to get one from a model that may not
make it.

A format is data: its ratio, its pixel size at 1080 on the short side, the durations its
placements usually run, the bitrate platforms accept, and the bands at the top and bottom that
the platform's own interface covers (as fractions of the height). ``plan`` says which aspect
ratio to ask a model for and whether the clip must then be reframed into the format.
"""

import math
from dataclasses import dataclass

from providers.base import ModelInfo


@dataclass(frozen=True)
class AdFormat:
    key: str
    name: str
    ratio: str  # "9:16"
    width: int
    height: int
    # The placements' usual lengths in seconds, most usual first.
    durations: tuple[int, ...]
    max_bitrate: int  # bits per second
    safe_top: float  # fraction of the height covered by the platform's interface
    safe_bottom: float

    @property
    def value(self) -> float:
        return ratio_value(self.ratio)

    def size_for(self, source_width: int, source_height: int) -> tuple[int, int]:
        """The export's pixel size: the format's size, scaled down so that its short side is no
        longer than the source's (upscaling adds no detail, only bytes); both sides even."""
        short_side = min(self.width, self.height)
        scale = min(1.0, min(source_width, source_height) / short_side)
        return _even(self.width * scale), _even(self.height * scale)

    def usual_duration(self, model: ModelInfo) -> int | None:
        """The first of the format's usual durations the model offers, else None."""
        return next((d for d in self.durations if d in model.durations), None)


def _even(value: float) -> int:
    return max(2, round(value / 2) * 2)


def ratio_value(ratio: str) -> float:
    width, height = (int(part) for part in ratio.split(":"))
    return width / height


FORMATS = {
    f.key: f
    for f in (
        AdFormat(
            "vertical",
            "Reels, TikTok, Shorts (9:16)",
            "9:16",
            1080,
            1920,
            (15, 10, 8, 6),
            8_000_000,
            safe_top=0.14,
            safe_bottom=0.35,
        ),
        AdFormat(
            "landscape",
            "YouTube (16:9)",
            "16:9",
            1920,
            1080,
            (6, 15, 8, 10),
            8_000_000,
            safe_top=0.0,
            safe_bottom=0.12,
        ),
        AdFormat(
            "square",
            "Feed square (1:1)",
            "1:1",
            1080,
            1080,
            (6, 10, 8, 15),
            6_000_000,
            safe_top=0.0,
            safe_bottom=0.10,
        ),
        AdFormat(
            "portrait",
            "Feed portrait (4:5)",
            "4:5",
            1080,
            1350,
            (6, 10, 8, 15),
            6_000_000,
            safe_top=0.0,
            safe_bottom=0.12,
        ),
    )
}


def choices() -> list[tuple[str, str]]:
    return [(f.key, f.name) for f in FORMATS.values()]


def get(key: str | None) -> AdFormat | None:
    return FORMATS.get(key or "")


@dataclass(frozen=True)
class Plan:
    """What to ask the model for to publish in a format."""

    aspect_ratio: str | None  # None: the model takes no ratio, it makes its own shape
    reframe: bool  # the clip it makes must be reframed into the format


def plan(model: ModelInfo, ad_format: AdFormat, resolution: str | None = None) -> Plan:
    """The model's own ratio for the format if it has it (at ``resolution``: some models make
    only some ratios at 1080p); else the nearest it offers (by the ratio of the two shapes, so
    4:5 is nearer 3:4 than 1:1), and a reframe."""
    offered = model.aspect_ratios_at.get(resolution or "") or model.aspect_ratios
    if ad_format.ratio in offered:
        return Plan(ad_format.ratio, False)
    if not offered:
        return Plan(None, True)
    target = math.log(ad_format.value)
    nearest = min(offered, key=lambda r: abs(math.log(ratio_value(r)) - target))
    return Plan(nearest, True)


def matching(width: int, height: int) -> AdFormat | None:
    """The format whose shape a ``width`` x ``height`` video has (within 2 %), or None."""
    shape = width / height
    return next((f for f in FORMATS.values() if abs(f.value / shape - 1) < 0.02), None)


def needs_reframe(ratio: str | None, ad_format: AdFormat) -> bool:
    """Whether a clip made at ``ratio`` (None: unknown) must be reframed into ``ad_format``."""
    return ratio != ad_format.ratio


# Cropping keeps at least this share of the source's width; a narrower target gets bars.
MIN_CROP_KEPT = 0.6


def fits_by_cropping(source_width: int, source_height: int, ad_format: AdFormat) -> bool:
    """Crop (cut the sides) when the format is narrower than the source and the crop keeps at
    least 60 % of the width; otherwise the whole picture is kept, with black bars around it."""
    source = source_width / source_height
    return ad_format.value < source and ad_format.value / source >= MIN_CROP_KEPT
