"""Logging filters.

``ShareTokens`` takes share-link tokens out of every log line: a guest's URL is ``/s/<token>/...``
and the token is the link's only key, so Django's request logging ("Not Found: /s/<token>/"),
its development server and gunicorn's access lines would otherwise write live keys to the log.
It sits on the handlers (settings ``LOGGING``), so that it sees every record they write,
whichever logger made it.
"""

import logging
import re

# The guests' prefix (review.throttle.PREFIX) and the token after it, up to the next "/", space,
# quote or query.
TOKEN = re.compile(r"(/s/)[^/\s?#\"'<>]+")
REDACTED = r"\1[link]"


def redact(text: str) -> str:
    return TOKEN.sub(REDACTED, text)


class ShareTokens(logging.Filter):
    """Rewrites a record whose message (with its arguments) or traceback names a share link,
    so that the token never reaches a handler; other records pass untouched."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format: the handler reports it, as it would anyway
            return True
        if "/s/" in message:
            record.msg, record.args = redact(message), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text and "/s/" in record.exc_text:
            record.exc_text = redact(record.exc_text)
        for name in ("request_line", "path"):  # extras some loggers add
            value = getattr(record, name, None)
            if isinstance(value, str) and "/s/" in value:
                setattr(record, name, redact(value))
        return True
