"""The e-mails the app sends (invitations, password resets, notifications): plain text whose
links are absolute and survive copying.

Every e-mail goes out through ``send`` and every link in one is made by ``link``, from
MARKETOS_PUBLIC_URL: a worker sending a notification has no request to take a host from, and a
host taken from a request is whatever the request said. Bodies are sent as they are written
(7-bit, or 8-bit for non-ASCII text), never quoted-printable: that encoding cuts every line
longer than 76 characters with a "=", and a link carrying a signed token is longer.
"""

import email.policy
import logging
import smtplib

from django.conf import settings
from django.core import checks
from django.core.mail import EmailMessage, mailers

log = logging.getLogger(__name__)

# The longest line RFC 5322 allows. Python's default (78) sends any longer line, such as a long
# link, quoted-printable.
LONGEST_LINE = 998


class PlainEmail(EmailMessage):
    """A plain-text e-mail whose lines are sent unbroken (up to LONGEST_LINE characters)."""

    def message(self, *, policy=email.policy.default):
        return super().message(policy=policy.clone(max_line_length=LONGEST_LINE))


def link(path: str, request=None) -> str:
    """The absolute address of ``path`` (a path on this site) for an e-mail: on
    MARKETOS_PUBLIC_URL. Without it (``check --deploy`` reports that), the request's own
    address if there is one."""
    if not path.startswith("/") or path.startswith(("//", "/\\")):
        raise ValueError(f"An e-mail links to a path on this site, not {path!r}.")
    if settings.PUBLIC_URL:
        return settings.PUBLIC_URL + path
    if request is not None:
        return request.build_absolute_uri(path)
    log.warning("MARKETOS_PUBLIC_URL is not set: an e-mail carries the bare path %s", path)
    return path


def send(recipients, subject: str, body: str) -> bool:
    """E-mail ``body`` (plain text) to each of ``recipients`` (addresses), one message each.
    False when the mail server could not take them (logged, never raised)."""
    # One line: a header cannot hold a line break (a provider's error text may).
    subject = " ".join(str(subject).split())[:150]
    messages = [PlainEmail(subject, body, None, [address]) for address in recipients]
    try:
        mailers.default.send_messages(messages)
    except (OSError, smtplib.SMTPException):
        log.exception("Could not send “%s” to %d people", subject, len(messages))
        return False
    return True


@checks.register(checks.Tags.security, deploy=True)
def check_public_url(app_configs, **kwargs):
    """In production, e-mailed links need the app's public address."""
    if settings.PUBLIC_URL.startswith("http://"):
        return [
            checks.Warning(
                f"MARKETOS_PUBLIC_URL is plain http ({settings.PUBLIC_URL}).",
                hint="E-mailed links then open over an unencrypted connection: use https.",
                id="marketos.W002",
            )
        ]
    if settings.PUBLIC_URL:
        return []
    return [
        checks.Error(
            "MARKETOS_PUBLIC_URL is not set.",
            hint=(
                "Set it to the public origin people open the app at, e.g. "
                "https://video.example.com: every link an e-mail carries (invitations, password "
                "resets, notifications) and the address given to providers for webhooks are "
                "built from it."
            ),
            id="marketos.E001",
        )
    ]
