"""Notifications: a line in a user's inbox (the badge in the nav) and, once the change that
caused it is committed, an e-mail.

This app sits below ``videos`` and ``review``: they call ``notify``; it knows only users and
workspaces.

Notifications of one source that can come in bursts (a share link's guests) are e-mailed as a
digest (``EmailDigest``): the first at once, then at most one per person and source each
MARKETOS_CLIENT_EMAIL_INTERVAL_SECONDS, gathering what came in between.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import models, transaction
from django.tasks import task
from django.utils import timezone

from common.redirects import is_local_path
from workspaces import mail
from workspaces.models import Workspace

log = logging.getLogger(__name__)

# What every notification e-mail ends with.
WHY = "You get this e-mail because you are a member of the workspace on MarketOS Video.\n"


class NotificationQuerySet(models.QuerySet):
    def for_user(self, user):
        """``user``'s own notifications (nothing for an anonymous visitor)."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(recipient=user)

    def unread_for(self, user):
        return self.for_user(user).filter(read_at__isnull=True)

    def mark_all_read(self, user) -> int:
        """Mark every unread notification of ``user`` read; how many were."""
        return self.unread_for(user).update(read_at=timezone.now())


class Notification(models.Model):
    """Something a user should know about: a client's comment, a finished or failed video."""

    class Kind(models.TextChoices):
        CLIENT_COMMENT = "client_comment", "A client commented"
        CLIENT_VERDICT = "client_verdict", "A client approved or asked for changes"
        JOB_READY = "job_ready", "A video is ready"
        JOB_FAILED = "job_failed", "A video did not finish"
        CAMPAIGN_FINISHED = "campaign_finished", "A campaign's videos are finished"
        LINK_PAUSED = "link_paused", "A share link was paused after wrong passwords"

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=30, choices=Kind)
    text = models.CharField(max_length=300)
    # A path on this site (checked when made and again when opened).
    url = models.CharField(max_length=500)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # E-mailed with the others of its source (``EmailDigest.key``), not on its own; pending
    # until that e-mail has gone.
    email_digest = models.CharField(max_length=100, blank=True)
    email_pending = models.BooleanField(default=False)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="inbox_unread_by_recipient"),
            models.Index(
                fields=["recipient", "email_digest"],
                condition=models.Q(email_pending=True),
                name="inbox_pending_email",
            ),
        ]

    def __str__(self):
        return self.text

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    def mark_read(self) -> bool:
        """Mark it read (True), unless it was already."""
        now = timezone.now()
        done = Notification.objects.filter(pk=self.pk, read_at__isnull=True).update(read_at=now)
        if done:
            self.read_at = now
        return bool(done)


def notify(
    recipients,
    *,
    workspace,
    kind: str,
    text: str,
    url: str,
    email_subject: str | None = None,
    digest: str = "",
) -> list[Notification]:
    """A notification for each of ``recipients`` (users; None and repeats skipped), made in one
    query, and an e-mail to each who has an address, sent once the current transaction commits
    (nothing is sent for a change that is rolled back, and a mail server that is down is logged,
    never raised). With ``digest`` (a key naming the source), the e-mail is ``EmailDigest``'s:
    at once if that person had none of this source lately, else gathered into the next."""
    if not is_local_path(url):
        raise ValueError(f"A notification links to a path on this site, not {url!r}.")
    if kind not in Notification.Kind.values:
        raise ValueError(f"Unknown notification kind {kind!r}.")
    people = {user.pk: user for user in recipients if user is not None and user.is_active}
    if not people:
        return []
    text = text[:300]
    now = timezone.now()
    rows = Notification.objects.bulk_create(
        Notification(
            recipient=user,
            workspace=workspace,
            kind=kind,
            text=text,
            url=url,
            created_at=now,
            email_digest=digest,
            email_pending=bool(digest and user.email),
        )
        for user in people.values()
    )
    subject = (email_subject or text)[:120]
    if digest:
        mailed = [user.pk for user in people.values() if user.email]
        for pk in mailed:
            transaction.on_commit(
                lambda pk=pk: EmailDigest.gather(pk, digest, subject), robust=True
            )
        return rows
    addresses = [user.email for user in people.values() if user.email]
    if addresses:
        transaction.on_commit(lambda: _send(addresses, subject, text, url), robust=True)
    return rows


def _send(addresses: list[str], subject: str, text: str, url: str) -> None:
    body = f"{text}\n\nOpen it here:\n{mail.link(url)}\n\n{WHY}"
    mail.send(addresses, subject, body)


class EmailDigestQuerySet(models.QuerySet):
    def overdue(self):
        """Digests whose send is long past due: the process that was to send it died."""
        grace = timedelta(seconds=settings.RECOVERY_GRACE_SECONDS)
        return self.filter(due_at__lt=timezone.now() - grace)


class EmailDigest(models.Model):
    """The e-mails one person gets about one source of notifications (``key``, e.g. a share
    link): at most one each MARKETOS_CLIENT_EMAIL_INTERVAL_SECONDS, the notifications made in
    between gathered into the next. ``due_at`` is set while a send is owed (claimed by a
    compare-and-set, so one send is queued at a time); a send owed long ago is sent by the
    recovery (``send_overdue``), so nothing is lost when a process dies."""

    # Notifications listed one by one in an e-mail; the rest are counted.
    LISTED = 10

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    key = models.CharField(max_length=100)
    subject = models.CharField(max_length=150, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)

    objects = EmailDigestQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["recipient", "key"], name="one_digest_per_source")
        ]

    def __str__(self):
        return f"{self.key} for {self.recipient}"

    @classmethod
    def gather(cls, recipient_pk: int, key: str, subject: str) -> None:
        """``recipient``'s pending notifications of ``key`` are owed an e-mail: sent now if
        they had none of this source within the interval, else queued for when it ends."""
        digest, _ = cls.objects.get_or_create(recipient_id=recipient_pk, key=key)
        if subject and digest.subject != subject:
            cls.objects.filter(pk=digest.pk).update(subject=subject)
            digest.subject = subject
        digest.owe()

    def pending(self):
        return Notification.objects.filter(
            recipient_id=self.recipient_id, email_digest=self.key, email_pending=True
        )

    def owe(self) -> None:
        """Claim the next send (unless one is owed already): now, or when the interval since
        the last one ends, by a queued task."""
        now = timezone.now()
        due = now
        if self.sent_at is not None:
            interval = timedelta(seconds=settings.CLIENT_EMAIL_INTERVAL_SECONDS)
            due = max(now, self.sent_at + interval)
        if not EmailDigest.objects.filter(pk=self.pk, due_at__isnull=True).update(due_at=due):
            return  # a send is owed already: it takes these along
        self.due_at = due
        if due <= now:
            self.send()
        else:
            send_email_digest.using(run_after=due).enqueue(self.pk)

    def send(self) -> int:
        """The owed e-mail, with every pending notification; how many it carried. Marked sent
        only once it has gone: a process dying in between sends it again rather than never."""
        due = self.due_at
        if due is None:
            return 0
        pending = list(self.pending().order_by("created_at", "pk"))
        user = self.recipient
        if pending and user.email and user.is_active:
            mail.send([user.email], self.subject or pending[-1].text, self.body(pending))
        now = timezone.now()
        Notification.objects.filter(pk__in=[n.pk for n in pending]).update(email_pending=False)
        sent = {"sent_at": now} if pending else {}
        EmailDigest.objects.filter(pk=self.pk, due_at=due).update(due_at=None, **sent)
        self.due_at, self.sent_at = None, now if pending else self.sent_at
        if self.pending().exists():  # made while this one was being sent
            self.owe()
        return len(pending)

    @staticmethod
    def body(pending) -> str:
        if len(pending) == 1:
            note = pending[0]
            return f"{note.text}\n\nOpen it here:\n{mail.link(note.url)}\n\n{WHY}"
        lines = [f"{len(pending)} new since the last e-mail:", ""]
        for note in pending[: EmailDigest.LISTED]:
            lines += [f"- {note.text}", f"  {mail.link(note.url)}"]
        more = len(pending) - EmailDigest.LISTED
        if more > 0:
            lines.append(f"And {more} more: see them in the app.")
        return "\n".join(lines) + f"\n\n{WHY}"

    @classmethod
    def send_overdue(cls) -> int:
        """Send every digest whose send is long overdue; how many were."""
        count = 0
        for digest in cls.objects.overdue().select_related("recipient"):
            try:
                digest.send()
            except Exception:  # one bad digest never stops the others
                log.exception("Could not send e-mail digest %s", digest.pk)
            else:
                count += 1
        return count


@task
def send_email_digest(digest_pk: int) -> None:
    digest = EmailDigest.objects.filter(pk=digest_pk).select_related("recipient").first()
    if digest is not None:
        digest.send()  # nothing when the send it was queued for is done
