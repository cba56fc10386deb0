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
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import models
from django.utils import timezone
from PIL import Image

from .images import EXTENSIONS, checked_image

KEPT_FOR = timedelta(days=1)
# Enough for every image field of a few forms at once; a bound on what one person can pile up.
MAX_PENDING = 40


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
        """``upload`` (a file sent with a form) checked with Pillow and stored for ``owner``;
        ValidationError saying what is wrong otherwise."""
        mime_type, data = checked_image(upload, label)
        if cls.objects.of(owner).count() >= MAX_PENDING:
            raise ValidationError(
                f"{label}: you have {MAX_PENDING} images waiting to be used; remove some, or "
                "use them, before choosing more."
            )
        public_id = uuid.uuid4()
        stored = default_storage.save(
            f"uploads/{public_id.hex}.{EXTENSIONS.get(mime_type, 'bin')}", ContentFile(data)
        )
        return cls.objects.create(
            public_id=public_id,
            owner=owner,
            name=(getattr(upload, "name", "") or "")[:200],
            mime_type=mime_type,
            path=stored,
            size=len(data),
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
        if cls.objects.of(owner).count() >= MAX_PENDING:
            raise ValidationError(
                f"You have {MAX_PENDING} images waiting to be used: the images of that video "
                "are not copied. Remove some, or use them, then start from it again."
            )
        with default_storage.open(path, "rb") as handle:
            data = handle.read()
        public_id = uuid.uuid4()
        stored = default_storage.save(
            f"uploads/{public_id.hex}.{EXTENSIONS.get(mime_type, 'bin')}", ContentFile(data)
        )
        return cls.objects.create(
            public_id=public_id,
            owner=owner,
            name=name[:200],
            mime_type=mime_type,
            path=stored,
            size=len(data),
            copied_from=path,
        )

    def thumbnail(self, side: int = 320) -> tuple[str, bytes]:
        """(mime type, bytes) of a copy at most ``side`` pixels a side, for showing it: a
        phone need not fetch a 10 MB image to show it at 96 pixels."""
        with Image.open(io.BytesIO(self.read())) as image:
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
