from datetime import timedelta

from django.db import models
from django.utils import timezone

from keys import vault

from ..media import claims


class CompareAndSet:
    """State changes by conditional UPDATE: only the caller that finds the old state wins.

    Messages stored along the way (``error``, ``raw_error``) never keep the key in clear, even
    when a provider echoes it back.
    """

    def provider_key(self):
        raise NotImplementedError

    def _redacted(self, fields: dict) -> dict:
        texts = {name: fields[name] for name in ("error", "raw_error") if fields.get(name)}
        key = self.provider_key() if texts else None
        if key is None:
            return fields
        try:
            secret = key.reveal()
        except vault.VaultError:
            return fields
        return fields | {name: vault.redact(text, secret) for name, text in texts.items()}

    def _fence(self) -> dict:
        """Extra conditions a state change must still meet (a clip: the same claim)."""
        return {}

    def _update_if(self, condition: models.Q, **fields) -> bool:
        """Set ``fields`` only if the row still meets ``condition`` (and the fence); the one
        primitive every state change goes through. True if this caller won."""
        fields = self._redacted(fields)
        changed = type(self).objects.filter(condition, pk=self.pk, **self._fence()).update(**fields)
        if changed:
            for name, value in fields.items():
                if hasattr(value, "resolve_expression"):
                    # Worked out by the database (a counter): read again when next asked for.
                    self.__dict__.pop(name, None)
                else:
                    setattr(self, name, value)
            self._changed(fields)
        return bool(changed)

    def _changed(self, fields: dict) -> None:
        """Called after this caller's update won (``fields`` as written)."""

    def _move(self, from_statuses, to_status, condition=None, **fields) -> bool:
        """``from_statuses`` → ``to_status`` (and ``fields``), if the row is in one of them
        (and also meets ``condition``, a Q, when given)."""
        if isinstance(from_statuses, str):
            from_statuses = [from_statuses]
        where = models.Q(status__in=from_statuses) & (condition or models.Q())
        return self._update_if(where, status=to_status, **fields)


class LeasedWorkQuerySet(models.QuerySet):
    def lapsed_leases(self):
        """Work whose worker's lease has lapsed: it died, or stalled past its lease."""
        return self.filter(status=self.model.WORKING, lease_until__lt=timezone.now())


class LeasedWork(CompareAndSet, models.Model):
    """Work a worker claims for a while: copying a clip, rendering an export, and whatever a
    worker copies or renders next. Kinds of work get all of this by being built on it.

    - A claim moves the work to its kind's ``WORKING`` status with a lease (renewed by the
      worker's heartbeat, ``claims.Heartbeat``) and counts an attempt. ``attempts`` is the
      fence: a worker whose lease lapsed and was taken over holds an older count, so whatever
      it tries to record changes nothing (and two workers that read the same count cannot
      both win a claim).
    - The attempt cap is checked at every claim and by recovery (``give_up_if_exhausted``):
      work whose workers keep dying ends failed with a plain message, never done again
      without end.
    - Each attempt has a time and size budget (``max_seconds``, ``max_bytes``; None: none);
      work over it ends failed (trying again would take as long again).
    - Partial files are named for the claim that writes them (``partial_prefix``) and
      removed only when no live lease holds them (``remove_abandoned_partials``).

    A kind has a ``Status`` with PENDING, READY and FAILED, names its working status
    ``WORKING`` and its partial files ``PARTIAL_KIND``, and says its ``max_attempts`` and
    ``lease_seconds``.
    """

    WORKING: str
    PARTIAL_KIND: str
    # Its over-budget messages: "Rendering stopped after 5 minutes: an export may take …"
    DOING: str
    WHAT: str

    attempts = models.PositiveSmallIntegerField(default=0)
    lease_until = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    ready_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def max_attempts(self) -> int:
        raise NotImplementedError

    @property
    def lease_seconds(self) -> float:
        raise NotImplementedError

    # The budget of one attempt (None: none).
    max_seconds: float | None = None
    max_bytes: int | None = None

    def _fence(self) -> dict:
        return {"attempts": self.attempts}

    def _failure(self, message: str, raw: str = "") -> dict:
        """The fields that record an error (the provider's own words too, for kinds that keep
        them)."""
        fields = {"error": message}
        if any(field.name == "raw_error" for field in self._meta.fields):
            fields["raw_error"] = raw
        return fields

    def _retry_fields(self, delay: float | None) -> dict:
        """What else a retry records (a kind that waits before trying again: when)."""
        return {}

    def _unheld(self) -> models.Q:
        """Nobody holds it: waiting, or working under a lapsed lease (its worker died)."""
        return models.Q(status=self.Status.PENDING) | models.Q(
            status=self.WORKING, lease_until__lt=timezone.now()
        )

    def claim(self) -> bool:
        """Waiting (or working under a lapsed lease) → working, for one worker; the earlier
        attempts' partial files, nobody's now, are removed. Work that has used up its attempts
        is not claimed: it ends failed."""
        if self.attempts >= self.max_attempts:
            self.give_up_if_exhausted()
            return False
        claimed = self._update_if(
            self._unheld(),
            status=self.WORKING,
            lease_until=timezone.now() + timedelta(seconds=self.lease_seconds),
            attempts=self.attempts + 1,
        )
        if claimed:
            for partial in claims.partials(self.PARTIAL_KIND):
                if partial.pk == self.pk and partial.attempt < self.attempts:
                    partial.path.unlink(missing_ok=True)
        return claimed

    def give_up_if_exhausted(self) -> bool:
        """End work that used up its attempts and that nobody holds now."""
        if self.attempts < self.max_attempts:
            return False
        last = self.error or "Each one stopped before it finished."
        return self._update_if(
            self._unheld(),
            status=self.Status.FAILED,
            lease_until=None,
            error=f"Gave up after {self.attempts} attempts. {last}",
        )

    def extend_lease(self) -> bool:
        """Renew this worker's claim; False when another worker has taken the work over."""
        return self._update_if(
            models.Q(status=self.WORKING),
            lease_until=timezone.now() + timedelta(seconds=self.lease_seconds),
        )

    def heartbeat(self) -> claims.Heartbeat:
        """What the worker calls as it goes, from just after its claim: keeps the lease,
        stops the work when the lease is lost or the attempt's budget is spent."""
        return claims.Heartbeat(
            self.extend_lease,
            every=self.lease_seconds / 3,
            max_seconds=self.max_seconds,
            max_bytes=self.max_bytes,
            over_time=(
                f"{self.DOING} stopped after {_duration_words(self.max_seconds or 0)}: "
                f"{self.WHAT} may take no longer on this server, so it is not tried again. "
                "An admin can raise the limit."
            ),
            over_size=(
                f"{self.DOING} stopped at {_size_words(self.max_bytes or 0)}: "
                f"{self.WHAT} may be no larger on this server, so it is not tried again. "
                "An admin can raise the limit."
            ),
        )

    @property
    def partial_prefix(self) -> str:
        """How this claim's partial files are named."""
        return claims.partial_prefix(self.PARTIAL_KIND, self.pk, self.attempts)

    def partial_is_abandoned(self, attempt: int) -> bool:
        """Whether a partial file written by ``attempt`` can no longer be anyone's work."""
        holding = self.status == self.WORKING and self.lease_until > timezone.now()
        return attempt != self.attempts or not holding

    @classmethod
    def remove_abandoned_partials(cls) -> int:
        """Delete the partial files of this kind no live lease holds: a dead attempt's, or
        one of work that ended or is gone. A slow worker still holding its lease keeps its
        file, however old."""
        files = claims.partials(cls.PARTIAL_KIND)
        works = cls.objects.in_bulk({partial.pk for partial in files})
        removed = 0
        for partial in files:
            work = works.get(partial.pk)
            if work is None or work.partial_is_abandoned(partial.attempt):
                partial.path.unlink(missing_ok=True)
                removed += 1
        return removed

    def mark_ready(self, **facts) -> bool:
        return self._move(
            self.WORKING,
            self.Status.READY,
            ready_at=timezone.now(),
            lease_until=None,
            **self._failure(""),
            **facts,
        )

    def retry_later(self, message: str, raw: str = "", delay: float | None = None) -> bool:
        """A failed attempt: waiting again (to be tried again), or failed with ``message``
        once the attempts are used up."""
        if self.attempts >= self.max_attempts:
            return self.give_up(f"{message} Gave up after {self.attempts} attempts.", raw)
        return self._move(
            self.WORKING,
            self.Status.PENDING,
            lease_until=None,
            **self._retry_fields(delay),
            **self._failure(message, raw),
        )

    def give_up(self, message: str, raw: str = "", status: str | None = None) -> bool:
        return self._move(
            [self.WORKING, self.Status.PENDING],
            status or self.Status.FAILED,
            lease_until=None,
            **self._failure(message, raw),
        )


def _size_words(size: int) -> str:
    """512 MB, 4 KB."""
    for unit, scale in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if size >= scale:
            return f"{size / scale:.3g} {unit}"
    return f"{size} bytes"


def _duration_words(seconds: float) -> str:
    """5 minutes, 90 seconds."""
    seconds = round(seconds)
    if seconds % 60 == 0 and seconds >= 60:
        return f"{seconds // 60} minute{'s' if seconds != 60 else ''}"
    return f"{seconds} second{'s' if seconds != 1 else ''}"
