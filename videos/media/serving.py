"""Serving stored clips: with HTTP Range from local storage, handed to nginx with
X-Accel-Redirect, or as short-lived presigned URLs from S3; and whole batches as one streamed zip.
Ownership is the caller's business: views check it before calling anything here.
"""

import re
from urllib.parse import quote

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import FileResponse, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.utils.http import content_disposition_header
from zipstream import ZipStream

CHUNK = 1 << 20


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


def _opened_when_read(name: str, size: int):
    """A stored file's chunks, opened only when the zip comes to it: a package of hundreds of
    clips holds one file open at a time, and starts sending before it has reached the last
    (on S3, opening asks the server about the object)."""
    yield from _stored_chunks(default_storage.open(name, "rb"), size)


def first_after_last(first: str, last: str) -> bool:
    return bool(first and last) and int(last) < int(first)


def asks_for_range(request) -> bool:
    """Whether the request asks for a valid byte range, as a video player does (its first
    request included); a download asks for the whole file."""
    match = RANGE.match(request.headers.get("Range", "").strip())
    return bool(match and any(match.groups()) and not first_after_last(*match.groups()))


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


def stored_zip_response(files, extras, filename: str):
    """One uncompressed zip streamed with a known length: ``files`` are (storage name, size,
    name in the zip), read from storage a chunk at a time while the zip is sent; ``extras``
    are (name in the zip, bytes), small files made for it (manifests)."""
    archive = ZipStream(sized=True)
    for name, size, arcname in files:
        archive.add(_opened_when_read(name, size), arcname, size=size)
    for arcname, data in extras:
        archive.add(data, arcname)
    response = StreamingHttpResponse(archive, content_type="application/zip")
    response["Content-Length"] = str(len(archive))
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
