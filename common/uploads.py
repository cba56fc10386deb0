"""Files sent with a request, spooled to disk and counted as they arrive.

Every file a form sends goes, chunk by chunk, to a temporary file (FILE_UPLOAD_HANDLERS names
only this handler: nothing is held in memory, whatever the request's size). While it arrives it
is counted: a file passing ``MAX_IMAGE_BYTES``, and every file that would take the request's
files past ``settings.UPLOAD_MAX_REQUEST_BYTES``, is refused there and then. Its temporary file
is removed and the rest of its bytes are read and dropped (as Django's ``SkipFile`` does), and
it is handed to the form as a ``RefusedUpload`` that says why, so the form shows the reason by
its field; the request's other fields and files are parsed as usual, so nothing else the
person typed or chose is lost. (``StopUpload`` would still read the rest of the request, and
would drop every field after the file; ``SkipFile`` would drop the file without a trace.)
"""

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler

from .images import MAX_IMAGE_BYTES


def megabytes(size: int) -> str:
    """A size as people read it: "9.5 MB"."""
    return f"{size / 1024**2:.1f}".removesuffix(".0") + " MB"


def names(files, shown: int = 3) -> str:
    """“a.png”, “b.png” and “c.png”; “a.png”, “b.png”, “c.png” and 4 more."""
    quoted = [f"“{f.name}”" for f in files]
    if len(quoted) > shown:
        return f"{', '.join(quoted[:shown])} and {len(quoted) - shown} more"
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} and {quoted[-1]}"


def too_much(files) -> str:
    """What is said of ``files``, refused because the request's files passed their total."""
    limit = megabytes(settings.UPLOAD_MAX_REQUEST_BYTES)
    if len(files) == 1:
        return (
            f"{names(files)} was not added: the images sent at once came to more than {limit}. "
            "Add it again on its own."
        )
    return (
        f"{len(files)} images were not added ({names(files)}): the images sent at once came "
        f"to more than {limit}. Add them again, a few at a time."
    )


class RefusedUpload(UploadedFile):
    """A file refused while it arrived (nothing of it is kept): ``reason`` is TOO_BIG or
    TOO_MUCH; ``refusal`` says why in words."""

    TOO_BIG, TOO_MUCH = "too big", "too much"

    def __init__(self, name, content_type, reason: str):
        super().__init__(file=None, name=name, content_type=content_type, size=0)
        self.reason = reason
        limit = megabytes(MAX_IMAGE_BYTES)
        self.refusal = (
            f"“{self.name}” is larger than {limit}; at most {limit} is accepted. Make it "
            "smaller, or choose another."
            if reason == self.TOO_BIG
            else too_much([self])
        )

    def __bool__(self):  # a file all the same: the form must see it, to say why it is refused
        return True

    def open(self, mode=None):
        raise ValueError(self.refusal)

    def close(self):
        pass


class CountedUploadHandler(TemporaryFileUploadHandler):
    """Each file to a temporary file on disk, refused while it arrives once it passes the size
    of one image, or once the request's files pass their total."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.total = 0  # bytes of the files kept so far in this request

    def new_file(self, field_name, file_name, content_type, content_length, *args, **kwargs):
        # The temporary file first: whatever is refused, the parser closes ``self.file``.
        super().new_file(field_name, file_name, content_type, content_length, *args, **kwargs)
        self.refusal = ""
        if content_length is not None and content_length > MAX_IMAGE_BYTES:
            self._refuse(RefusedUpload.TOO_BIG)
        elif self.total >= settings.UPLOAD_MAX_REQUEST_BYTES:
            self._refuse(RefusedUpload.TOO_MUCH)

    def receive_data_chunk(self, raw_data, start):
        if self.refusal:
            return None  # dropped as it arrives
        if start + len(raw_data) > MAX_IMAGE_BYTES:
            self._refuse(RefusedUpload.TOO_BIG)
        elif self.total + len(raw_data) > settings.UPLOAD_MAX_REQUEST_BYTES:
            self._refuse(RefusedUpload.TOO_MUCH)
        else:
            self.total += len(raw_data)
            return super().receive_data_chunk(raw_data, start)
        self.total -= start  # what was kept of it is no longer counted
        return None

    def file_complete(self, file_size):
        if self.refusal:
            return RefusedUpload(self.file_name, self.content_type, self.refusal)
        return super().file_complete(file_size)

    def _refuse(self, reason: str) -> None:
        self.refusal = reason
        self.file.close()  # a temporary file: closing it removes it
