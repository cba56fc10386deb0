"""Getting provider clips into our storage as real videos, and serving them back.

``copy_output`` streams one output (through the providers' download guard and size cap) to a
temporary file beside the media root (constant memory, SHA-256 on the fly), proves with PyAV that
it is a playable video, makes a poster frame and moves both into storage. A partial file never
outlives the attempt that wrote it.
"""

import hashlib
import io
import json
import logging
import os
import queue
import re
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import av
from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import FileResponse, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.utils.http import content_disposition_header
from zipstream import ZipStream

log = logging.getLogger(__name__)

CHUNK = 1 << 20
PARTIAL_DIR = ".partial"


class ClipRefused(Exception):
    """The download is not something we keep (empty, not a playable video)."""


class LeaseLost(Exception):
    """Another worker took the clip over (this one's lease lapsed): stop, change nothing."""


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
    """Prove ``path`` is a playable video: a video stream, a duration, a decodable frame."""
    try:
        with av.open(path) as container:
            if not container.streams.video:
                raise ClipRefused("The provider sent a file without any video in it.")
            stream = container.streams.video[0]
            duration = container.duration / av.time_base if container.duration else 0.0
            if not duration and stream.duration and stream.time_base:
                duration = float(stream.duration * stream.time_base)
            frame = next(container.decode(stream), None)
            if frame is None or duration <= 0:
                raise ClipRefused("The provider sent a video that does not play (no frames).")
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
    """Hashes and writes chunks on a second thread while the first keeps reading the network.

    Disk writes and SHA-256 release the GIL, so a download runs at the speed of the slower of
    network and disk rather than their sum. The queue is bounded: memory stays a few MiB.
    """

    def __init__(self, file):
        self.file = file
        self.queue: queue.Queue[list[bytes] | None] = queue.Queue(maxsize=8)
        self.batch: list[bytes] = []
        self.batched = 0
        self.hash = hashlib.sha256()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._drain, daemon=True)

    def _drain(self):
        try:
            while (batch := self.queue.get()) is not None:
                for chunk in batch:
                    self.hash.update(chunk)
                self.file.writelines(batch)
        except BaseException as exc:  # reported to the reading thread
            self.error = exc
            while self.queue.get() is not None:  # keep the reader from blocking
                pass

    def put(self, chunk: bytes) -> None:
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


def partial_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / PARTIAL_DIR
    path.mkdir(parents=True, exist_ok=True)
    return path


PARTIAL_NAME = re.compile(r"^(?P<job>[0-9a-f-]{36})-(?P<index>\d+)-(?P<attempt>\d+)-")


def partial_prefix(job_id, index: int, attempt: int) -> str:
    """Partial files are named for the clip and the attempt (the lease) that writes them."""
    return f"{job_id}-{index}-{attempt}"


def partials() -> list[tuple[Path, str, int, int]]:
    """Every partial file: (path, job public id, clip index, attempt that wrote it)."""
    found = []
    for path in partial_dir().glob("*.part"):
        if match := PARTIAL_NAME.match(path.name):
            found.append((path, match["job"], int(match["index"]), int(match["attempt"])))
    return found


def copy_output(provider, output, *, stem: str, partial_prefix: str, heartbeat=None) -> dict:
    """Stream one provider output into storage. Returns the Clip fields to record.

    ``heartbeat`` renews the caller's lease now and then; when it answers False the lease is
    lost to another worker and the copy stops (LeaseLost). Raises ClipRefused (keep nothing),
    DownloadRefused, or other provider errors (retry later).
    """
    fd, tmp_name = tempfile.mkstemp(prefix=f"{partial_prefix}-", suffix=".part", dir=partial_dir())
    beat_every = settings.CLIP_LEASE_SECONDS / 3
    try:
        size, last_beat = 0, time.monotonic()
        with (
            _Spool(os.fdopen(fd, "wb")) as spool,
            provider.open_output(output) as download,
        ):
            for chunk in download.iter_bytes():
                size += len(chunk)
                spool.put(chunk)
                if heartbeat and time.monotonic() - last_beat > beat_every:
                    if heartbeat() is False:
                        raise LeaseLost()
                    last_beat = time.monotonic()
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


# --- serving stored media ------------------------------------------------------------------

# Eighteen digits (an exabyte) are plenty; longer "numbers" are not a range worth parsing.
RANGE = re.compile(r"^bytes=(\d{0,18})-(\d{0,18})$")


def _file_chunks(handle, start: int, length: int):
    try:
        handle.seek(start)
        while length > 0:
            chunk = handle.read(min(CHUNK, length))
            if not chunk:
                break
            length -= len(chunk)
            yield chunk
    finally:
        handle.close()


def _stored_chunks(handle, length: int):
    """A whole stored file, a chunk at a time.

    django-storages' S3File would first download the whole object into memory on its first
    read: its object's body is streamed instead, as it arrives.
    """
    obj = getattr(handle, "obj", None)
    if obj is None or not hasattr(obj, "get"):
        yield from _file_chunks(handle, 0, length)
        return
    handle.close()
    body = obj.get()["Body"]
    try:
        yield from body.iter_chunks(CHUNK)
    finally:
        body.close()


def first_after_last(first: str, last: str) -> bool:
    return bool(first and last) and int(last) < int(first)


def serve(request, name: str, content_type: str, *, download_as: str | None = None):
    """A stored file, with HTTP Range for local storage.

    Behind nginx (``MARKETOS_MEDIA_ACCEL_PREFIX``) the bytes are handed off with
    X-Accel-Redirect; with remote storage (S3) the browser is sent to the storage's own,
    short-lived URL. Ownership is the caller's business: check it before calling this.
    """
    disposition = (
        content_disposition_header(as_attachment=True, filename=download_as)
        if download_as
        else "inline"
    )
    if settings.MEDIA_ACCEL_PREFIX:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = settings.MEDIA_ACCEL_PREFIX + quote(name)
        response["Content-Disposition"] = disposition
        # nginx keeps this header (and drops Vary: Cookie): without it a shared cache could
        # keep an owner's clip, which nginx sends with Last-Modified, and hand it to others.
        response["Cache-Control"] = "private, max-age=3600"
        return response
    try:
        default_storage.path(name)
    except NotImplementedError:
        # The storage's own URL answers with the same type and disposition (a download keeps
        # its file name), and does Range itself.
        parameters = {
            "ResponseContentType": content_type,
            "ResponseContentDisposition": disposition,
        }
        return HttpResponseRedirect(default_storage.url(name, parameters=parameters))
    size = default_storage.size(name)
    header = request.headers.get("Range", "").strip()
    start, end = 0, size - 1
    status = 200
    match = RANGE.match(header) if header else None
    if match and first_after_last(*match.groups()):
        match = None  # not a valid range at all: ignored, the whole file is sent (RFC 9110)
    if match and any(match.groups()):
        first, last = match.groups()
        if first:
            start, end = int(first), min(int(last), size - 1) if last else size - 1
        else:
            start = max(size - int(last), 0)
        if start >= size or start > end:
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{size}"
            response["Accept-Ranges"] = "bytes"
            return response
        status = 206
    handle = default_storage.open(name, "rb")
    if status == 200:
        response = FileResponse(handle, content_type=content_type)
    else:
        length = end - start + 1
        response = StreamingHttpResponse(
            _file_chunks(handle, start, length), status=206, content_type=content_type
        )
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Content-Length"] = str(end - start + 1)
    response["Accept-Ranges"] = "bytes"
    response["Content-Disposition"] = disposition
    response["Cache-Control"] = "private, max-age=3600"
    return response


def zip_response(job, clips, manifest: dict, filename: str):
    """Every clip and a manifest in one uncompressed zip, streamed, with a known length."""
    archive = ZipStream(sized=True)
    for clip in clips:
        chunks = _stored_chunks(default_storage.open(clip.file.name, "rb"), clip.size)
        archive.add(chunks, clip.download_name(len(clips)), size=clip.size)
    archive.add(json.dumps(manifest, indent=2).encode(), "manifest.json")
    response = StreamingHttpResponse(archive, content_type="application/zip")
    response["Content-Length"] = str(len(archive))
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
