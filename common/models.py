"""Pending uploads: an image someone chose on a form, kept on the server from the moment it was
chosen, so that no re-render of the form and no refused submit loses it.

It belongs to the person who chose it (nobody else ever sees it) until what the form saves (a
job, a campaign plan, a brand kit) takes it over: the stored file then becomes that thing's,
without a second copy. One nobody used within ``KEPT_FOR`` is forgotten by the periodic
housekeeping. A new video started from an earlier one's settings brings that job's images back
as pending uploads, each a copy of the job's file (``copy_of``), so the job keeps its own.
"""

import io
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import models
from django.utils import timezone
from PIL import Image

from .images import EXTENSIONS, checked_image
from .uploads import megabytes

KEPT_FOR = timedelta(days=1)


class NoRoom(ValidationError):
    """Someone has as many images waiting to be used as are kept for one person."""


class PendingUploadQuerySet(models.QuerySet):
    def of(self, user):
        """The pending uploads ``user`` chose (none for a visitor who is not logged in)."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(owner=user)

    def named(self, values) -> list["PendingUpload"]:
        """Those among these named by ``values`` (public ids, as sent by a form), in that
        order; a value that is no public id, or none of these, is left out."""
        wanted = []
        for value in values:
            try:
                wanted.append(uuid.UUID(str(value)))
            except ValueError:
                continue
        found = {u.public_id: u for u in self.filter(public_id__in=wanted)}
        return [found[w] for w in dict.fromkeys(wanted) if w in found]

    def check_room(self, owner, size: int, what: str, then: str = "choose it again") -> None:
        """ValidationError, starting with ``what``, unless ``owner`` may keep one more image
        of ``size`` bytes waiting (settings.PENDING_UPLOADS_MAX and _MAX_BYTES)."""
        waiting = self.of(owner).aggregate(count=models.Count("pk"), bytes=models.Sum("size"))
        count, total = waiting["count"], waiting["bytes"] or 0
        if count >= settings.PENDING_UPLOADS_MAX:
            held = f"you have {count} images waiting to be used, the most that are kept"
        elif total + size > settings.PENDING_UPLOADS_MAX_BYTES:
            limit = megabytes(settings.PENDING_UPLOADS_MAX_BYTES)
            held = (
                f"the images you have waiting to be used come to {megabytes(total)}, and at "
                f"most {limit} are kept"
            )
        else:
            return
        raise NoRoom(
            f"{what}: {held}. Remove some, or use them, then {then}; images not used within "
            "a day are forgotten."
        )

    def stale(self):
        """Chosen more than ``KEPT_FOR`` ago and never used."""
        return self.filter(created_at__lt=timezone.now() - KEPT_FOR)

    def forget_stale(self) -> int:
        """Forget the stale ones, with their files; how many."""
        forgotten = 0
        for upload in self.stale():
            forgotten += upload.forget()
        return forgotten

    def consume(self, uploads) -> list[str]:
        """``uploads`` taken over by what was saved with them: no longer pending, their files
        kept (now the saver's). The storage names of those that were still pending."""
        taken = []
        for upload in uploads:
            deleted, _ = PendingUpload.objects.filter(pk=upload.pk).delete()
            if deleted:
                taken.append(upload.path)
        return taken


class PendingUpload(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pending_uploads"
    )
    name = models.CharField(max_length=200, blank=True)  # the file's name on their computer
    mime_type = models.CharField(max_length=20)
    path = models.CharField(max_length=300)  # a name in the default storage
    size = models.PositiveIntegerField(default=0)
    # The stored image it is a copy of (an earlier job's input brought back to a new form), so
    # that showing that form again brings back this one instead of another copy.
    copied_from = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = PendingUploadQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return self.name or str(self.public_id)

    @classmethod
    def keep(cls, owner, upload, label: str) -> "PendingUpload":
        """``upload`` (a file sent with a form) checked with Pillow and stored for ``owner``,
        streamed from its temporary file; ValidationError saying what is wrong otherwise."""
        mime_type = checked_image(upload, label)
        name = (getattr(upload, "name", "") or "")[:200]
        cls.objects.check_room(owner, upload.size, f"{label}: “{name}”" if name else label)
        public_id = uuid.uuid4()
        upload.seek(0)
        stored = default_storage.save(
            f"uploads/{public_id.hex}.{EXTENSIONS.get(mime_type, 'bin')}", File(upload.file)
        )
        return cls.objects.create(
            public_id=public_id,
            owner=owner,
            name=name,
            mime_type=mime_type,
            path=stored,
            size=upload.size,
        )

    @classmethod
    def copy_of(cls, owner, path: str, mime_type: str, name: str = "") -> "PendingUpload":
        """The stored image ``path`` (an earlier job's input) as ``owner``'s pending upload,
        with its own copy of the file (the job keeps its own): the one made from it already
        while it is still pending. ValidationError when ``owner`` has too many waiting;
        OSError when the file is no longer stored."""
        made = cls.objects.of(owner).filter(copied_from=path).first()
        if made is not None:
            return made
        size = default_storage.size(path)
        cls.objects.check_room(
            owner, size, "The images of that video are not copied", then="start from it again"
        )
        public_id = uuid.uuid4()
        with default_storage.open(path, "rb") as handle:
            stored = default_storage.save(
                f"uploads/{public_id.hex}.{EXTENSIONS.get(mime_type, 'bin')}", File(handle)
            )
        return cls.objects.create(
            public_id=public_id,
            owner=owner,
            name=name[:200],
            mime_type=mime_type,
            path=stored,
            size=size,
            copied_from=path,
        )

    def thumbnail(self, side: int = 320) -> tuple[str, bytes]:
        """(mime type, bytes) of a copy at most ``side`` pixels a side, for showing it: a
        phone need not fetch a 10 MB image to show it at 96 pixels. Read from storage as it
        decodes (a JPEG decoded at the smallest scale that is still large enough)."""
        with default_storage.open(self.path, "rb") as handle, Image.open(handle) as image:
            image.draft("RGB", (side, side))
            image.thumbnail((side, side))
            buffer = io.BytesIO()
            if image.mode not in ("RGB", "RGBA"):
                image = image.convert("RGBA")
            image.save(buffer, format="PNG", optimize=True)
        return "image/png", buffer.getvalue()

    def read(self) -> bytes:
        with default_storage.open(self.path, "rb") as handle:
            return handle.read()

    def forget(self) -> bool:
        """Delete it and its file, unless something took it over meanwhile."""
        deleted, _ = PendingUpload.objects.filter(pk=self.pk).delete()
        if deleted:
            default_storage.delete(self.path)
        return bool(deleted)
