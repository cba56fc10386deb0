"""Render small, real, playable MP4 clips for sandbox jobs.

Every clip is an H.264 (yuv420p) video at about 12 fps with the moov atom at the front
(``movflags=faststart``) so browsers can start playing before the whole file arrives. Frames show
the prompt, "clip i of n" and a moving ball, so a player visibly plays and two outputs of one job
never have the same bytes. Rendered files are cached on disk because demos ask for the same prompt
over and over and the app downloads every clip at least once.
"""

from __future__ import annotations

import array
import hashlib
import math
import os
import tempfile
import textwrap
import threading
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
from PIL import Image, ImageDraw, ImageFont

FPS = 12
AUDIO_RATE = 24_000
# Bump when the look of the clips changes so stale cache entries are not served.
RENDER_VERSION = "1"
LONG_SIDE = 320


@dataclass(frozen=True)
class ClipSpec:
    """Everything that determines the bytes of one rendered clip (and so its cache key)."""

    prompt: str
    width: int
    height: int
    duration: int
    index: int
    total: int
    audio: bool

    def cache_key(self) -> str:
        parts = [
            RENDER_VERSION,
            self.prompt,
            f"{self.width}x{self.height}",
            str(self.duration),
            f"{self.index}/{self.total}",
            "audio" if self.audio else "mute",
        ]
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def frame_size(width_ratio: int, height_ratio: int) -> tuple[int, int]:
    """Small even pixel size for an aspect ratio: 16:9 -> 320x180, 9:16 -> 180x320, 1:1 -> 240x240.

    Square clips get 240 rather than 320 so that every shape has a comparable pixel count.
    """
    if width_ratio == height_ratio:
        return 240, 240
    long_ratio, short_ratio = max(width_ratio, height_ratio), min(width_ratio, height_ratio)
    short = max(2, round(LONG_SIDE * short_ratio / long_ratio / 2) * 2)
    return (LONG_SIDE, short) if width_ratio > height_ratio else (short, LONG_SIDE)


def size_for_aspect(aspect_ratio: str) -> tuple[int, int]:
    """Pixel size for an ``"W:H"`` aspect ratio string."""
    width_ratio, height_ratio = (int(part) for part in aspect_ratio.split(":"))
    return frame_size(width_ratio, height_ratio)


def size_for_dimensions(size: str) -> tuple[int, int]:
    """Pixel size with the same shape as a ``"WIDTHxHEIGHT"`` string (e.g. ``"1280x720"``)."""
    width, height = (int(part) for part in size.lower().split("x"))
    divisor = math.gcd(width, height)
    return frame_size(width // divisor, height // divisor)


class ClipCache:
    """Renders clips on demand and keeps them as files under ``directory``."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True)
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()

    def path_for(self, spec: ClipSpec) -> Path:
        """Return the path of the rendered clip, rendering it first if it is not cached."""
        path = self.directory / f"{spec.cache_key()}.mp4"
        if path.exists():
            return path
        # One lock per clip: concurrent downloads of the same clip render it once, while
        # different clips still render in parallel.
        with self._locks_guard:
            lock = self._locks.setdefault(spec.cache_key(), threading.Lock())
        with lock:
            if not path.exists():
                fd, tmp_name = tempfile.mkstemp(suffix=".mp4", dir=self.directory)
                os.close(fd)
                try:
                    render(spec, Path(tmp_name))
                    # Atomic rename: a reader never sees a half-written file, even across
                    # several sandbox processes sharing one cache directory.
                    os.replace(tmp_name, path)
                finally:
                    Path(tmp_name).unlink(missing_ok=True)
        return path


# Distinct, saturated backgrounds so clip 1, 2 and 3 of one job are told apart at a glance.
PALETTE = [(32, 64, 160), (150, 40, 80), (30, 120, 70), (150, 100, 20)]


def render(spec: ClipSpec, destination: Path) -> None:
    """Encode ``spec`` as an MP4 file at ``destination``."""
    frames = max(1, spec.duration * FPS)
    background = PALETTE[spec.index % len(PALETTE)]
    title_size, small_size = max(10, spec.height // 14), max(9, spec.height // 18)
    title_font = ImageFont.load_default(size=title_size)
    small_font = ImageFont.load_default(size=small_size)
    wrap_width = max(12, spec.width // max(6, spec.height // 24))
    prompt_lines = textwrap.wrap(spec.prompt or "(no prompt)", width=wrap_width)[:4]
    label = f"clip {spec.index + 1} of {spec.total}"

    with av.open(str(destination), "w", format="mp4", options={"movflags": "+faststart"}) as out:
        video = out.add_stream("libx264", rate=FPS)
        video.width = spec.width
        video.height = spec.height
        video.pix_fmt = "yuv420p"
        video.options = {"preset": "ultrafast", "crf": "30"}
        audio = out.add_stream("aac", rate=AUDIO_RATE, layout="mono") if spec.audio else None

        for number in range(frames):
            image = Image.new("RGB", (spec.width, spec.height), background)
            draw = ImageDraw.Draw(image)
            progress = number / frames
            radius = max(6, spec.height // 12)
            x = radius + progress * (spec.width - 2 * radius)
            y = spec.height * 0.78 + math.sin(progress * 4 * math.pi) * spec.height * 0.08
            draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=(250, 210, 60))
            draw.text((8, 6), label, font=title_font, fill=(255, 255, 255))
            line_height = small_size + 3
            for line_number, line in enumerate(prompt_lines):
                top = 10 + title_size + line_number * line_height
                draw.text((8, top), line, font=small_font, fill=(230, 230, 230))
            timestamp = f"{number / FPS:4.1f}s"
            draw.text(
                (spec.width - 8, spec.height - 6),
                timestamp,
                font=small_font,
                fill=(255, 255, 255),
                anchor="rd",
            )
            frame = av.VideoFrame.from_image(image).reformat(format="yuv420p")
            frame.pts = number
            frame.time_base = Fraction(1, FPS)
            out.mux(video.encode(frame))
        out.mux(video.encode(None))

        if audio is not None:
            _encode_tone(out, audio, spec)


def _encode_tone(out: av.container.OutputContainer, stream: av.AudioStream, spec: ClipSpec) -> None:
    """A quiet sine tone whose pitch depends on the clip index, for the whole clip."""
    total_samples = spec.duration * AUDIO_RATE
    frequency = 330.0 + 110.0 * spec.index
    samples_per_frame = 1024
    for start in range(0, total_samples, samples_per_frame):
        count = min(samples_per_frame, total_samples - start)
        wave = array.array(
            "f",
            (
                0.1 * math.sin(2 * math.pi * frequency * (start + n) / AUDIO_RATE)
                for n in range(count)
            ),
        )
        frame = av.AudioFrame(format="fltp", layout="mono", samples=count)
        frame.planes[0].update(wave.tobytes())
        frame.sample_rate = AUDIO_RATE
        frame.pts = start
        frame.time_base = Fraction(1, AUDIO_RATE)
        out.mux(stream.encode(frame))
    out.mux(stream.encode(None))
