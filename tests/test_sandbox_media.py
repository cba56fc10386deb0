"""In-process tests of clip rendering, range arithmetic, padded MP4s and marker parsing."""

from __future__ import annotations

import struct
import time
from pathlib import Path

import pytest

from sandbox import scenarios
from sandbox.clips import ClipCache, ClipSpec, size_for_aspect, size_for_dimensions
from sandbox.media import FileSource, PaddedMp4Source, RangeNotSatisfiable, parse_range
from sandbox.testing import probe_video


@pytest.mark.parametrize(
    ("aspect", "size"),
    [
        ("16:9", (320, 180)),
        ("9:16", (180, 320)),
        ("1:1", (240, 240)),
        ("4:3", (320, 240)),
        ("3:4", (240, 320)),
        ("3:2", (320, 214)),
        ("21:9", (320, 138)),
        ("9:21", (138, 320)),
    ],
)
def test_sizes_are_small_even_and_shaped_like_the_aspect(
    aspect: str, size: tuple[int, int]
) -> None:
    assert size_for_aspect(aspect) == size
    assert all(side % 2 == 0 for side in size)


def test_sizes_from_dimensions() -> None:
    assert size_for_dimensions("1280x720") == (320, 180)
    assert size_for_dimensions("1080x1920") == (180, 320)


def test_render_is_fast_cached_and_distinct_per_index(tmp_path: Path) -> None:
    cache = ClipCache(tmp_path)
    first = ClipSpec("Cache me", 320, 180, 4, 0, 2, True)
    started = time.perf_counter()
    path = cache.path_for(first)
    assert time.perf_counter() - started < 3  # typically ~0.15 s; generous for busy CI
    modified = path.stat().st_mtime_ns
    assert cache.path_for(first) == path
    assert path.stat().st_mtime_ns == modified

    second = cache.path_for(ClipSpec("Cache me", 320, 180, 4, 1, 2, True))
    assert second != path
    assert second.read_bytes() != path.read_bytes()
    video = probe_video(path.read_bytes())
    assert video.frames == 48
    assert video.has_audio
    # faststart: the moov box precedes the media data.
    data = path.read_bytes()
    assert data.index(b"moov") < data.index(b"mdat")


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("bytes=0-9", (0, 9)),
        ("bytes=90-", (90, 99)),
        ("bytes=-10", (90, 99)),
        ("bytes=-500", (0, 99)),
        ("bytes=50-500", (50, 99)),
        ("bytes=0-1,5-6", None),
        ("items=0-1", None),
    ],
)
def test_parse_range(header: str | None, expected: tuple[int, int] | None) -> None:
    assert parse_range(header, 100) == expected


@pytest.mark.parametrize("header", ["bytes=100-", "bytes=9-3", "bytes=-0"])
def test_unsatisfiable_ranges(header: str) -> None:
    with pytest.raises(RangeNotSatisfiable):
        parse_range(header, 100)


def test_padded_mp4_uses_a_64_bit_free_box_beyond_4_gib(tmp_path: Path) -> None:
    clip = ClipCache(tmp_path).path_for(ClipSpec("pad", 240, 240, 2, 0, 1, False))
    source = FileSource(clip)
    huge = PaddedMp4Source(source, 5 * 1024**3)
    assert huge.size == 5 * 1024**3
    header = b"".join(huge.read(source.size, source.size + 15))
    assert header[:8] == struct.pack(">I4s", 1, b"free")
    assert struct.unpack(">Q", header[8:])[0] == huge.size - source.size
    assert b"".join(huge.read(0, source.size - 1)) == clip.read_bytes()
    assert b"".join(huge.read(huge.size - 4, huge.size - 1)) == bytes(4)


def test_padded_mp4_below_4_gib_uses_a_32_bit_box(tmp_path: Path) -> None:
    clip = ClipCache(tmp_path).path_for(ClipSpec("pad", 240, 240, 2, 0, 1, False))
    source = FileSource(clip)
    padded = PaddedMp4Source(source, source.size + 1000)
    assert b"".join(padded.read(source.size, source.size + 7)) == struct.pack(">I4s", 1000, b"free")
    whole = b"".join(padded.read(0, padded.size - 1))
    assert len(whole) == padded.size
    assert probe_video(whole).frames == 24


def test_marker_parsing() -> None:
    parsed = scenarios.parse(
        "Launch [sandbox:fail] [SANDBOX:429-poll=3] [sandbox:slow=2.5] [sandbox:huge] "
        "[sandbox:clips=2]"
    )
    assert parsed.has("fail")
    assert parsed.faults == {"429-poll": 3}
    assert parsed.slow_seconds == 2.5
    assert parsed.huge_bytes == 3 * 1024**3
    assert parsed.clips == 2
    assert scenarios.parse("plain prompt") == scenarios.Scenario()
    with pytest.raises(scenarios.ScenarioError, match="Unknown"):
        scenarios.parse("[sandbox:fial]")
    with pytest.raises(scenarios.ScenarioError, match="Bad value"):
        scenarios.parse("[sandbox:slow=soon]")
