"""How much video this server decodes: limits read from a container's headers, before any frame.

A provider's file is untrusted. A few megabytes can state two frames of 16000x16000 pixels
(gigabytes once decoded), an hour of frames, or a thousand frames a second. ``opened`` opens a
video for reading and refuses it, with a plain sentence saying what was wrong, when its headers
say more than the limits in settings (``VIDEO_MAX_*``). Every decoder it opens is also told the
largest frame it may allocate (FFmpeg's ``max_pixels``): a stream whose header says small while
its frames are huge fails to decode instead of taking the memory, both while FFmpeg reads the
stream's parameters at open and later. ``check_frame`` checks a decoded frame before it is
turned into anything larger.
"""

import math
from contextlib import contextmanager
from dataclasses import dataclass

import av
from django.conf import settings


class OverLimit(Exception):
    """What a video states is more than this server handles; the text completes a sentence."""


@dataclass(frozen=True)
class Limits:
    seconds: float
    fps: float
    frames: int
    pixels: int
    side: int
    streams: int

    @classmethod
    def from_settings(cls) -> "Limits":
        return cls(
            seconds=settings.VIDEO_MAX_SECONDS,
            fps=settings.VIDEO_MAX_FPS,
            frames=settings.VIDEO_MAX_FRAMES,
            pixels=settings.VIDEO_MAX_PIXELS,
            side=settings.VIDEO_MAX_SIDE,
            streams=settings.VIDEO_MAX_STREAMS,
        )


def decoder_options() -> dict[str, str]:
    """Options for every decoder of a provider's video: no frame larger than the limit."""
    return {"max_pixels": str(settings.VIDEO_MAX_PIXELS)}


@contextmanager
def opened(source, subject: str, refusal: type[Exception]):
    """``av.open(source)`` for reading, refused with ``refusal("<subject> <what was wrong>.")``
    when the headers state more than the limits. Nothing is decoded beyond what FFmpeg reads
    to learn the streams' parameters, and that within ``max_pixels``."""
    options = decoder_options()
    with av.open(source, options=options) as container:
        try:
            check(container)
        except OverLimit as exc:
            raise refusal(f"{subject} {exc}.") from None
        for stream in container.streams:
            if stream.codec_context is not None:
                stream.codec_context.options = {**stream.codec_context.options, **options}
        yield container


def check(container) -> None:
    """Raise OverLimit when ``container``'s headers state more than the limits."""
    limits = Limits.from_settings()
    streams = container.streams
    if len(streams) > limits.streams:
        raise OverLimit(
            f"a file of {len(streams)} streams; the most this server handles is {limits.streams}"
        )
    for stream in streams.video:
        if stream.codec_context is None:
            continue  # no decoder for it here: it is never decoded
        _check_size(stream.codec_context.width, stream.codec_context.height, limits)
        rate = stream.average_rate
        if rate and rate > limits.fps:
            raise OverLimit(
                f"a video of {float(rate):g} frames a second; "
                f"the most this server handles is {limits.fps:g}"
            )
    seconds = duration(container)
    if seconds > limits.seconds:
        raise OverLimit(
            f"a video of {_span(seconds)}; the longest this server handles is "
            f"{_span(limits.seconds)}"
        )
    for stream in streams.video:
        own = float(stream.duration * stream.time_base) if stream.duration else seconds
        rate = stream.average_rate or 0
        frames = stream.frames or math.ceil(own * rate)
        if frames > limits.frames:
            raise OverLimit(
                f"a video of {frames} frames; the most this server handles is {limits.frames}"
            )


def check_frame(frame, subject: str, refusal: type[Exception]) -> None:
    """A decoded frame larger than the limits (its header said otherwise): refused before it is
    converted into anything bigger."""
    try:
        _check_size(frame.width, frame.height, Limits.from_settings())
    except OverLimit as exc:
        raise refusal(f"{subject} {exc}.") from None


def duration(container) -> float:
    """The longest duration the container or any of its streams states, in seconds."""
    durations = [container.duration / av.time_base if container.duration else 0.0]
    for stream in container.streams:
        if stream.duration and stream.time_base:
            durations.append(float(stream.duration * stream.time_base))
    return max(durations)


def _check_size(width: int, height: int, limits: Limits) -> None:
    if width <= 0 or height <= 0:
        # FFmpeg could not learn the size within max_pixels (or the file never says it).
        raise OverLimit(
            "a video whose frame size cannot be read, or is larger than this server handles "
            f"({_pixels(limits.pixels)})"
        )
    if max(width, height) > limits.side:
        raise OverLimit(
            f"a video of {width}x{height} pixels; "
            f"the longest side this server handles is {limits.side} pixels"
        )
    if width * height > limits.pixels:
        raise OverLimit(
            f"a video of {width}x{height} pixels; "
            f"the largest this server handles is {_pixels(limits.pixels)}"
        )


def _pixels(count: int) -> str:
    square = math.isqrt(count)
    shape = f"{square}x{square}, " if square * square == count else ""
    return f"{shape}{count / 1e6:.1f} million pixels a frame"


def _span(seconds: float) -> str:
    hours, rest = divmod(round(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    parts = [
        f"{count} {unit}{'' if count == 1 else 's'}"
        for count, unit in ((hours, "hour"), (minutes, "minute"), (secs, "second"))
        if count
    ]
    return " ".join(parts) or "0 seconds"
