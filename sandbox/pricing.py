"""``usage.cost`` of an OpenRouter job, computed from the model's ``pricing_skus``.

The SKU names are the ones OpenRouter lists; which one applies is decided like this:

* ``duration_seconds*`` (Veo, Kling, Wan, Hailuo, HeyGen, multi-clip): the price per second is
  the first SKU that exists of ``duration_seconds_with_audio_<res>`` /
  ``duration_seconds_without_audio_<res>`` (by the job's audio), the same without ``_<res>``,
  ``duration_seconds_<res>``, ``duration_seconds``. ``<res>`` is the resolution in lower case
  (``720p``, ``1080p``, ``4k``). Cost = price x seconds x outputs.
* ``cents_per_second_output`` (Runway, FLUX edit): cents x seconds / 100.
* ``cents_per_video_output_second_<res>`` (Grok): cents x seconds / 100, plus
  ``cents_per_image_input`` / 100 for every input image (frames and references).
* ``video_tokens*`` (Seedance): tokens = width x height x 24 fps x seconds / 1024 at the real
  output size (1280x720 for 720p 16:9); the price per token is ``video_tokens_with_video_input``
  when a video reference is given, else ``video_tokens_<res>`` where it exists, else
  ``video_tokens_without_audio`` when audio is off, else ``video_tokens``.
* ``cents_per_megapixel_second_precise`` / ``_creative`` (FLUX upscale, creative when
  ``creativity`` is 1): cents x output megapixels x seconds / 100, the input taken as 1280x720.

Edit, upscale and avatar jobs take their length from the input, which the sandbox does not
decode: they count as ``ASSUMED_INPUT_SECONDS``. Costs are rounded to 6 decimals.
"""

from __future__ import annotations

from dataclasses import dataclass

from .catalog import OpenRouterModel

ASSUMED_INPUT_SECONDS = 5
TOKEN_FPS = 24
ASSUMED_INPUT_SIZE = (1280, 720)

# Short side in pixels of each resolution name.
_SHORT_SIDE = {
    "360p": 360,
    "480p": 480,
    "720p": 720,
    "768p": 768,
    "1080p": 1080,
    "1K": 1024,
    "2K": 1440,
    "4K": 2160,
}


@dataclass(frozen=True)
class PricedJob:
    seconds: int
    audio: bool
    resolution: str | None
    aspect_ratio: str
    outputs: int = 1
    image_inputs: int = 0
    video_input: bool = False
    upscale_factor: float | None = None
    creativity: int | None = None


def output_dimensions(resolution: str | None, aspect_ratio: str) -> tuple[int, int]:
    """Real pixel size of an output, e.g. ``("720p", "9:16")`` -> ``(720, 1280)``."""
    short = _SHORT_SIDE.get(resolution or "720p", 720)
    width_ratio, height_ratio = (int(part) for part in aspect_ratio.split(":"))
    if width_ratio >= height_ratio:
        return round(short * width_ratio / height_ratio), short
    return short, round(short * height_ratio / width_ratio)


def job_cost(model: OpenRouterModel, job: PricedJob) -> float:
    skus = {name: float(value) for name, value in model.pricing_skus.items()}
    res = (job.resolution or "").lower()
    seconds = job.seconds * job.outputs
    if any(name.startswith("duration_seconds") for name in skus):
        audio = "with_audio" if job.audio else "without_audio"
        for name in (
            f"duration_seconds_{audio}_{res}",
            f"duration_seconds_{audio}",
            f"duration_seconds_{res}",
            "duration_seconds",
        ):
            if name in skus:
                return round(skus[name] * seconds, 6)
    if "cents_per_second_output" in skus:
        return round(skus["cents_per_second_output"] * seconds / 100, 6)
    per_second = skus.get(f"cents_per_video_output_second_{res}")
    if per_second is not None:
        images = skus.get("cents_per_image_input", 0.0) * job.image_inputs
        return round((per_second * seconds + images) / 100, 6)
    if "video_tokens" in skus:
        width, height = output_dimensions(job.resolution, job.aspect_ratio)
        tokens = width * height * TOKEN_FPS * seconds / 1024
        if job.video_input and "video_tokens_with_video_input" in skus:
            price = skus["video_tokens_with_video_input"]
        elif f"video_tokens_{res}" in skus:
            price = skus[f"video_tokens_{res}"]
        elif not job.audio and "video_tokens_without_audio" in skus:
            price = skus["video_tokens_without_audio"]
        else:
            price = skus["video_tokens"]
        return round(tokens * price, 6)
    if "cents_per_megapixel_second_precise" in skus:
        factor = job.upscale_factor or 2.0
        megapixels = ASSUMED_INPUT_SIZE[0] * ASSUMED_INPUT_SIZE[1] * factor**2 / 1_000_000
        name = "creative" if job.creativity else "precise"
        cents = skus[f"cents_per_megapixel_second_{name}"]
        return round(cents * megapixels * seconds / 100, 6)
    raise ValueError(f"no pricing rule for {model.id}: {sorted(skus)}")
