"""Limits on what a provider hands back, read from the headers before any frame is decoded:
a clip over them is not kept, an export of one stored earlier fails, each with a plain message,
and neither takes the memory the file asks for."""

from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from sandbox.clips import ClipSpec
from sandbox.clips import render as render_sandbox_clip
from tests.factories import make_job, make_ready_clip
from tests.helpers import hostile_video
from videos import renditions
from videos.media import ingest
from videos.models import Clip, Rendition

MB = 1024**2
TOO_BIG = (
    "The provider sent a video whose frame size cannot be read, or is larger than this server "
    "handles (4096x4096, 16.8 million pixels a frame)."
)


def peak_growth(work) -> tuple[object, int]:
    """Run ``work``; return what it raised (or None) and how far resident memory peaked above
    where it started (the kernel's high-water mark, reset first)."""
    Path("/proc/self/clear_refs").write_text("5")
    before = _status("VmRSS")
    try:
        work()
    except Exception as exc:  # what the caller asserts on
        raised = exc
    else:
        raised = None
    return raised, _status("VmHWM") - before


def _status(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(field)


@pytest.mark.parametrize(
    "stated", [None, (320, 180)], ids=["header-says-huge", "header-says-small"]
)
def test_two_16000x16000_frames_are_refused_before_they_are_decoded(tmp_path, stated):
    """63 KB of blank frames: decoded, one is 256 million pixels (gigabytes as a poster).
    Whether the header says so or says 320x180, nothing that size is ever allocated."""
    path = hostile_video(tmp_path / "huge.mov", size=(16000, 16000), stated=stated)
    assert path.stat().st_size < 100_000
    raised, growth = peak_growth(lambda: ingest.probe(str(path)))
    assert isinstance(raised, ingest.ClipRefused)
    assert str(raised) == TOO_BIG
    assert growth < 100 * MB


@pytest.mark.parametrize(
    ("video", "message"),
    [
        (
            {"last_at": 3600},
            "The provider sent a video of 1 hour; the longest this server handles is 10 minutes.",
        ),
        (
            {"rate": 1000},
            "The provider sent a video of 1000 frames a second; "
            "the most this server handles is 120.",
        ),
        (
            {"streams": 20, "frames": 1},
            "The provider sent a file of 20 streams; the most this server handles is 16.",
        ),
        (
            {"size": (9000, 16)},
            "The provider sent a video of 9000x16 pixels; "
            "the longest side this server handles is 8192 pixels.",
        ),
    ],
    ids=["an-hour", "1000-fps", "20-streams", "9000-wide"],
)
def test_a_video_over_a_limit_is_refused_with_what_was_wrong(tmp_path, video, message):
    path = hostile_video(tmp_path / "hostile.mov", **video)
    with pytest.raises(ingest.ClipRefused) as refused:
        ingest.probe(str(path))
    assert str(refused.value) == message


def test_the_limits_are_settings(tmp_path, settings):
    path = hostile_video(tmp_path / "clip.mov", size=(320, 180), frames=24)
    assert ingest.probe(str(path)).width == 320  # within the defaults
    settings.VIDEO_MAX_FRAMES = 10
    with pytest.raises(ingest.ClipRefused) as refused:
        ingest.probe(str(path))
    assert str(refused.value) == (
        "The provider sent a video of 24 frames; the most this server handles is 10."
    )
    settings.VIDEO_MAX_FRAMES, settings.VIDEO_MAX_PIXELS = 36000, 320 * 180 - 1
    with pytest.raises(ingest.ClipRefused) as refused:
        ingest.probe(str(path))
    assert str(refused.value) == TOO_BIG.replace("4096x4096, 16.8", "0.1")


def test_a_real_h264_clip_over_the_pixel_limit_says_its_size(tmp_path, settings):
    """H.264 carries its size in its own header: the message gives it."""
    path = tmp_path / "clip.mp4"
    render_sandbox_clip(ClipSpec("Harbour", 320, 240, 1, 0, 1, False), path)
    settings.VIDEO_MAX_PIXELS = 256 * 256
    with pytest.raises(ingest.ClipRefused) as refused:
        ingest.probe(str(path))
    assert str(refused.value) == (
        "The provider sent a video of 320x240 pixels; "
        "the largest this server handles is 256x256, 0.1 million pixels a frame."
    )


# --- exports of clips stored before the limits -------------------------------------------------


def stored_clip(user, source: Path) -> Clip:
    clip = make_ready_clip(make_job(user))
    name = f"clips/{clip.job.public_id}/old.mov"
    name = default_storage.save(name, ContentFile(source.read_bytes()))
    Clip.objects.filter(pk=clip.pk).update(file=name, size=source.stat().st_size)
    clip.refresh_from_db()
    return clip


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("video", "message"),
    [
        (
            {"last_at": 3600},
            "The original is a video of 1 hour; the longest this server handles is 10 minutes.",
        ),
        (
            {"size": (16000, 16000)},
            "The original is a video whose frame size cannot be read, or is larger than this "
            "server handles (4096x4096, 16.8 million pixels a frame).",
        ),
    ],
    ids=["an-hour", "16000x16000"],
)
def test_an_export_of_a_clip_over_a_limit_fails_with_what_was_wrong(user, tmp_path, video, message):
    clip = stored_clip(user, hostile_video(tmp_path / "old.mov", **video))
    rendition, _ = Rendition.ask(clip, "vertical")
    raised, growth = peak_growth(lambda: renditions.render(rendition.pk))
    assert raised is None
    rendition.refresh_from_db()
    assert rendition.status == Rendition.Status.FAILED
    assert rendition.error == message
    assert rendition.attempts == 1  # refused for good, not tried again
    assert list(Path(default_storage.path("")).glob(".partial/*.render.mp4")) == []
    assert growth < 100 * MB


@pytest.mark.django_db
def test_an_export_never_decodes_a_later_frame_larger_than_the_limit(user, tmp_path):
    """Header and first frame 320x180, then 16000x16000: the copy keeps it (one frame is
    decoded, for the poster), but the export's decoder refuses the huge frame."""
    source = hostile_video(tmp_path / "grows.mov", size=(320, 180), later=(16000, 16000))
    assert ingest.probe(str(source)).width == 320
    clip = stored_clip(user, source)
    rendition, _ = Rendition.ask(clip, "vertical")
    renditions.render(rendition.pk)
    rendition.refresh_from_db()
    assert rendition.status == Rendition.Status.FAILED
    assert rendition.error == (
        "The original could not be decoded: it is damaged, or has frames larger than this "
        "server handles (ArgumentError)."
    )
    assert list(Path(default_storage.path("")).glob(".partial/*.render.mp4")) == []
