"""Byte sources for downloads and HTTP Range handling (RFC 9110 single ranges, 206 and 416)."""

from __future__ import annotations

import re
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .web import Request, Response

CHUNK = 64 * 1024
# Padding goes out in large pieces: fewer Python iterations and syscalls for gigabytes.
PADDING_CHUNK = 1024 * 1024
_ZEROS = bytes(PADDING_CHUNK)
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


class FileSource:
    """A file on disk, read in chunks."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.size = path.stat().st_size

    def read(self, start: int, end: int) -> Iterator[bytes]:
        """Yield bytes ``start`` to ``end`` inclusive."""
        with self.path.open("rb") as handle:
            handle.seek(start)
            remaining = end - start + 1
            while remaining > 0:
                chunk = handle.read(min(CHUNK, remaining))
                if not chunk:
                    return
                remaining -= len(chunk)
                yield chunk


class BytesSource:
    """A small in-memory body (used for the not-a-video page)."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.size = len(data)

    def read(self, start: int, end: int) -> Iterator[bytes]:
        yield self.data[start : end + 1]


class PaddedMp4Source:
    """A real MP4 followed by one top-level ``free`` box that pads the file to ``size`` bytes.

    Players skip ``free`` boxes, so the file stays playable, but a downloader sees a file of
    whatever size a test needs (gigabytes). The padding is computed per range and never stored.
    """

    def __init__(self, mp4: FileSource, size: int) -> None:
        self.mp4 = mp4
        padding = max(size - mp4.size, 8)
        # A box longer than 4 GiB - 1 needs the 64-bit "largesize" header form.
        if padding > 0xFFFFFFFF:
            self.box_header = struct.pack(">I4sQ", 1, b"free", padding)
        else:
            self.box_header = struct.pack(">I4s", padding, b"free")
        self.size = mp4.size + padding

    def read(self, start: int, end: int) -> Iterator[bytes]:
        if start < self.mp4.size:
            yield from self.mp4.read(start, min(end, self.mp4.size - 1))
        header_start = self.mp4.size
        header_end = header_start + len(self.box_header) - 1
        if start <= header_end and end >= header_start:
            yield self.box_header[max(start, header_start) - header_start : end - header_start + 1]
        position = max(start, header_end + 1)
        while position <= end:
            count = min(PADDING_CHUNK, end - position + 1)
            yield _ZEROS[:count]
            position += count


type Source = FileSource | BytesSource | PaddedMp4Source


@dataclass
class RangeBody:
    source: Source
    start: int
    end: int

    @property
    def length(self) -> int:
        return self.end - self.start + 1

    def chunks(self) -> Iterator[bytes]:
        return self.source.read(self.start, self.end)


class RangeNotSatisfiable(Exception):
    """The requested range lies outside the body (answered with 416)."""


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """Resolve a Range header against ``size``.

    Returns ``(start, end)`` for a satisfiable single range and ``None`` to serve the whole body
    (no header, a multi-range or a malformed header, which servers may ignore); raises
    ``RangeNotSatisfiable`` for a range that cannot be served.
    """
    if not header:
        return None
    match = _RANGE.match(header.strip().replace(" ", ""))
    if match is None:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise RangeNotSatisfiable
        return max(0, size - suffix), size - 1
    start = int(first)
    end = int(last) if last else size - 1
    if start >= size or (last and end < start):
        raise RangeNotSatisfiable
    return start, min(end, size - 1)


def media_response(
    request: Request, source: Source, *, content_type: str = "video/mp4", broken: bool = False
) -> Response:
    """Serve ``source`` with Range support; ``broken`` drops the connection half-way through."""
    headers = [("Content-Type", content_type), ("Accept-Ranges", "bytes")]
    try:
        resolved = parse_range(request.headers.get("range"), source.size)
    except RangeNotSatisfiable:
        return Response(
            status=416,
            headers=[*headers, ("Content-Range", f"bytes */{source.size}")],
        )
    if resolved is None:
        status, start, end = 200, 0, source.size - 1
    else:
        status, (start, end) = 206, resolved
        headers.append(("Content-Range", f"bytes {start}-{end}/{source.size}"))
    body = RangeBody(source, start, end)
    return Response(
        status=status,
        body=body,
        headers=headers,
        truncate_after=body.length // 2 if broken else None,
    )
