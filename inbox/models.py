"""Notifications: a line in a user's inbox (the badge in the nav) and, once the change that
caused it is committed, an e-mail.

This app sits below ``videos`` and ``review``: they call ``notify``; it knows only users and
workspaces.
"""

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from workspaces import mail
from workspaces.models import Workspace


def is_local_path(url: str) -> bool:
    """Whether ``url`` is a path on this site ("/videos/…"), never another host or scheme."""
    return (
        isinstance(url, str)
        and url.startswith("/")
        and not url.startswith(("//", "/\\"))
        and url_has_allowed_host_and_scheme(url, allowed_hosts=None)
    )


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

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="inbox_unread_by_recipient")]

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
    recipients, *, workspace, kind: str, text: str, url: str, email_subject: str | None = None
) -> list[Notification]:
    """A notification for each of ``recipients`` (users; None and repeats skipped), made in one
    query, and an e-mail to each who has an address, sent once the current transaction commits
    (nothing is sent for a change that is rolled back, and a mail server that is down is logged,
    never raised)."""
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
            recipient=user, workspace=workspace, kind=kind, text=text, url=url, created_at=now
        )
        for user in people.values()
    )
    addresses = [user.email for user in people.values() if user.email]
    if addresses:
        subject = (email_subject or text)[:120]
        transaction.on_commit(lambda: _send(addresses, subject, text, url), robust=True)
    return rows


def _send(addresses: list[str], subject: str, text: str, url: str) -> None:
    body = (
        f"{text}\n\n"
        f"Open it here:\n{mail.link(url)}\n\n"
        "You get this e-mail because you are a member of the workspace on MarketOS Video.\n"
    )
    mail.send(addresses, subject, body)
