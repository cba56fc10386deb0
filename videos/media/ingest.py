"""Getting provider clips into our storage as real videos.

``copy_output`` streams one output (through the providers' download guard and size cap) to a
temporary file beside the media root (constant memory, SHA-256 on the fly on a second thread),
proves with PyAV that it is a playable video, makes a poster frame and moves both into storage.
Its partial file is named for the claim that writes it (``claims``), so that only abandoned
ones are ever removed.
"""

import hashlib
import io
import logging
import os
import queue
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import av
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from . import limits
from .claims import partial_dir

log = logging.getLogger(__name__)

CHUNK = 1 << 20


class ClipRefused(Exception):
    """The download is not something we keep (empty, not a playable video)."""


@dataclass
class VideoFacts:
    duration: float
    width: int
    height: int
    content_type: str
    poster_jpeg: bytes


def container_type(path: str, demuxers: list[str]) -> str:
    """FFmpeg reads MP4 and QuickTime with one demuxer; the ftyp brand tells them apart."""
    if "webm" in demuxers or "matroska" in demuxers:
        return "video/webm"
    with open(path, "rb") as handle:
        head = handle.read(12)
    return "video/quicktime" if head[4:12] == b"ftypqt  " else "video/mp4"


def probe(path: str) -> VideoFacts:
    """Prove ``path`` is a playable video within the limits: a video stream, a duration, a
    decodable frame (the poster)."""
    try:
        with limits.opened(path, "The provider sent", ClipRefused) as container:
            if not container.streams.video:
                raise ClipRefused("The provider sent a file without any video in it.")
            stream = container.streams.video[0]
            if stream.codec_context is None:
                raise ClipRefused("The provider sent a video in a format this server cannot read.")
            stream.codec_context.thread_count = 1  # one frame: more threads only take memory
            duration = container.duration / av.time_base if container.duration else 0.0
            if not duration and stream.duration and stream.time_base:
                duration = float(stream.duration * stream.time_base)
            frame = next(container.decode(stream), None)
            if frame is None or duration <= 0:
                raise ClipRefused("The provider sent a video that does not play (no frames).")
            limits.check_frame(frame, "The provider sent", ClipRefused)
            poster = io.BytesIO()
            frame.to_image().save(poster, format="JPEG", quality=85)
            content_type = container_type(path, container.format.name.split(","))
            return VideoFacts(
                duration=round(duration, 3),
                width=stream.codec_context.width,
                height=stream.codec_context.height,
                content_type=content_type,
                poster_jpeg=poster.getvalue(),
            )
    except av.FFmpegError:
        raise ClipRefused("The provider sent something that is not a video.") from None


class _Spool:
    """Writes chunks as they come and hashes them on a second thread.

    Reading the network and writing the disk (this thread) and SHA-256 (the other) all release
    the GIL, and take about as long as each other: the copy runs at the speed of the slower
    thread rather than of the sum. The queue is bounded: memory stays a few MiB.
    """

    def __init__(self, file):
        self.file = file
        self.queue: queue.Queue[list[bytes] | None] = queue.Queue(maxsize=8)
        self.batch: list[bytes] = []
        self.batched = 0
        self.hash = hashlib.sha256()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._hash, daemon=True)

    def _hash(self):
        try:
            while (batch := self.queue.get()) is not None:
                for chunk in batch:
                    self.hash.update(chunk)
        except BaseException as exc:  # reported to the reading thread
            self.error = exc
            while self.queue.get() is not None:  # keep the reader from blocking
                pass

    def put(self, chunk: bytes) -> None:
        self.file.write(chunk)
        # Hand over about a MiB at a time: one thread switch per MiB, not per network read.
        self.batch.append(chunk)
        self.batched += len(chunk)
        if self.batched >= CHUNK:
            self._flush()

    def _flush(self) -> None:
        if self.error:
            raise self.error
        if self.batch:
            self.queue.put(self.batch)
            self.batch, self.batched = [], 0

    @property
    def digest(self) -> str:
        return self.hash.hexdigest()

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc_info):
        if exc_info[0] is None:
            self._flush()
        self.queue.put(None)
        self.thread.join()
        self.file.close()
        if self.error and exc_info[0] is None:
            raise self.error


class _MovableFile(File):
    """Lets FileSystemStorage move the finished temporary file instead of copying it."""

    def temporary_file_path(self):
        return self.name


def copy_output(provider, output, *, stem: str, partial_prefix: str, heartbeat=None) -> dict:
    """Stream one provider output into storage. Returns the Clip fields to record.

    ``heartbeat`` (a ``claims.Heartbeat``), called with the bytes so far as they come, keeps
    the caller's lease and stops the copy (LeaseLost, OverBudget). Raises ClipRefused (keep
    nothing), DownloadRefused, or other provider errors (retry later).
    """
    fd, tmp_name = tempfile.mkstemp(prefix=f"{partial_prefix}-", suffix=".part", dir=partial_dir())
    try:
        size = 0
        with (
            _Spool(os.fdopen(fd, "wb")) as spool,
            provider.open_output(output) as download,
        ):
            for chunk in download.iter_bytes():
                size += len(chunk)
                spool.put(chunk)
                if heartbeat:
                    heartbeat(size)
        digest = spool.digest
        if size == 0:
            raise ClipRefused("The provider sent an empty file.")
        facts = probe(tmp_name)
        extension = {"video/quicktime": "mov", "video/webm": "webm"}.get(facts.content_type, "mp4")
        clip_name = f"{stem}.{extension}"
        poster_name = f"{stem}.jpg"
        for name in (clip_name, poster_name):
            # A retry after a crash between save and record must not leave a renamed twin.
            default_storage.delete(name)
        with open(tmp_name, "rb") as handle:
            stored = default_storage.save(clip_name, _MovableFile(handle, name=tmp_name))
        poster = default_storage.save(poster_name, ContentFile(facts.poster_jpeg))
        return {
            "file": stored,
            "poster": poster,
            "size": size,
            "sha256": digest,
            "content_type": facts.content_type,
            "duration": facts.duration,
            "width": facts.width,
            "height": facts.height,
        }
    finally:
        Path(tmp_name).unlink(missing_ok=True)
