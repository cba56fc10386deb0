import operator
from collections import defaultdict
from datetime import timedelta
from functools import reduce
from typing import Self

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from .compare_and_set import CompareAndSet


class JobStateMachine(CompareAndSet):
    """A job's moves through its states: submitted once, polled until the provider has
    made it, its clips collected. Built into ``VideoJob``; each move goes through its
    ``_move`` (a compare-and-set that redraws the status panel and tells of an end)."""

    # --- submitting ----------------------------------------------------------------------

    def claim_for_submit(self) -> bool:
        """queued → submitting. From here on, a lost answer means an unknown outcome."""
        return self._move(
            self.Status.QUEUED, self.Status.SUBMITTING, submit_attempts=self.submit_attempts + 1
        )

    def mark_submitted(self, job_id: str, polling_url: str) -> bool:
        now = timezone.now()
        return self._move(
            self.Status.SUBMITTING,
            self.Status.WAITING,
            provider_job_id=job_id,
            polling_url=polling_url,
            submitted_at=now,
            next_poll_at=now + timedelta(seconds=settings.POLL_MIN_SECONDS),
            deadline=now + timedelta(seconds=settings.JOB_DEADLINE_SECONDS),
            error="",
        )

    def requeue_submit(self, delay: float, message: str, attempts: int) -> bool:
        """The provider refused for now (rate limit, outage), or its model list could not be
        read: nothing was started, try later."""
        return self._move(
            [self.Status.SUBMITTING, self.Status.QUEUED],
            self.Status.QUEUED,
            next_submit_at=timezone.now() + timedelta(seconds=delay),
            submit_attempts=attempts,
            error=message,
        )

    def mark_needs_attention(self, message: str) -> bool:
        return self._move(
            [self.Status.SUBMITTING, self.Status.QUEUED], self.Status.NEEDS_ATTENTION, error=message
        )

    def cancel_before_sending(self) -> bool:
        """queued → cancelled: nothing went to the provider, so nothing is paid for."""
        return self._move(
            self.Status.QUEUED,
            self.Status.CANCELLED,
            error="You cancelled this job before it was sent; nothing was charged.",
            failure=self.Failure.CANCELLED,
        )

    def mark_cancelled(self) -> bool:
        """waiting → cancelled, after the provider stopped it. A job that finished meanwhile
        (its clips being copied) stays as it is."""
        return self._move(
            self.Status.WAITING,
            self.Status.CANCELLED,
            error="You cancelled this job.",
            failure=self.Failure.CANCELLED,
        )

    def resolve(self) -> bool:
        """An admin has looked at a job whose submit outcome was unknown and closed it."""
        return self._move(
            self.Status.NEEDS_ATTENTION,
            self.Status.FAILED,
            error=self.error + " An administrator marked this job as resolved.",
        )

    # --- polling -------------------------------------------------------------------------

    def poll_delay(self, retry_after: float | None = None) -> float:
        """About 5 s growing to 30 s; a provider's Retry-After wins when it asks for longer."""
        delay = min(
            settings.POLL_MIN_SECONDS * (1.5 ** min(self.poll_count, 20)),
            settings.POLL_MAX_SECONDS,
        )
        return max(delay, retry_after or 0)

    @classmethod
    def claim_due_polls(cls, limit: int, lease: timedelta) -> list[Self]:
        """Up to ``limit`` waiting jobs whose poll is due, earliest first, taken for one sweep.

        Each claimed job's poll moves ``lease`` ahead (so no other sweep takes it meanwhile,
        and a sweep that dies leaves it due again when the lease lapses) and its generation
        moves on, so that the answer of an older, slower poll can no longer be written.
        """
        now = timezone.now()
        with transaction.atomic():
            ids = list(
                cls.objects.filter(status=cls.Status.WAITING, next_poll_at__lte=now)
                .order_by("next_poll_at")
                .select_for_update(skip_locked=True)
                .values_list("pk", flat=True)[:limit]
            )
            if not ids:
                return []
            # The batch form of the compare-and-set: rows still waiting and due (locked above
            # on PostgreSQL; SQLite's write transaction holds the whole file).
            cls.objects.filter(pk__in=ids, status=cls.Status.WAITING, next_poll_at__lte=now).update(
                poll_generation=models.F("poll_generation") + 1, next_poll_at=now + lease
            )
        return list(
            cls.objects.filter(pk__in=ids, status=cls.Status.WAITING)
            .select_related("key")
            .order_by()
        )

    def release_poll(self) -> bool:
        """Hand a claimed job back, due at once, unless a newer poll has taken it over."""
        return self._update_if(
            models.Q(status=self.Status.WAITING, poll_generation=self.poll_generation),
            next_poll_at=timezone.now(),
        )

    @classmethod
    def next_poll_due(cls):
        """When the earliest waiting job is next due for a poll (None if no job is waiting)."""
        return (
            cls.objects.filter(status=cls.Status.WAITING, next_poll_at__isnull=False)
            .order_by("next_poll_at")
            .values_list("next_poll_at", flat=True)
            .first()
        )

    # What the status panel shows of a waiting job that a poll can change.
    SHOWN_WHILE_WAITING = ("provider_status", "error", "cost", "cost_is_estimate")

    def schedule_poll(self, delay: float, **fields) -> bool:
        """Ask again in ``delay`` seconds, unless a newer poll has taken the job over. The
        status panel is redrawn only if the poll brought something it shows: most polls find
        the job as it was, and each of its viewers would otherwise get the panel in full."""
        news = any(
            name in fields and fields[name] != getattr(self, name)
            for name in self.SHOWN_WHILE_WAITING
        )
        return self._move(
            self.Status.WAITING,
            self.Status.WAITING,
            condition=models.Q(poll_generation=self.poll_generation),
            redraw=news,
            next_poll_at=timezone.now() + timedelta(seconds=delay),
            **fields,
        )

    def finds_as_it_was(self, **fields) -> bool:
        """Whether a poll's answer (``fields``, as ``schedule_poll`` would write them) leaves
        every one of them as the row has it already."""
        return all(getattr(self, name) == value for name, value in fields.items())

    @classmethod
    def schedule_polls(cls, delays: list[tuple[Self, float]]) -> int:
        """The batch form of ``schedule_poll`` for polls that found their jobs as they were
        (see ``finds_as_it_was``): each job is asked again after its delay, unless a newer poll
        has taken it over, by one UPDATE per delay instead of one per job; most polls of a
        sweep are such. Returns how many jobs were scheduled."""
        now, by_delay = timezone.now(), defaultdict(list)
        for job, delay in delays:
            by_delay[delay].append(job)
        scheduled = 0
        for delay, jobs in by_delay.items():
            claims = reduce(
                operator.or_,
                (models.Q(pk=job.pk, poll_generation=job.poll_generation) for job in jobs),
            )
            scheduled += cls.objects.filter(claims, status=cls.Status.WAITING).update(
                next_poll_at=now + timedelta(seconds=delay),
                poll_count=models.F("poll_count") + 1,
                updated_at=now,
            )
        return scheduled

    def poll_now(self) -> bool:
        """Make the job due for a poll right away (a webhook said it ended); a poll of it still
        in flight can no longer write its answer."""
        return self._update_if(
            models.Q(status=self.Status.WAITING, poll_generation=self.poll_generation),
            poll_generation=self.poll_generation + 1,
            next_poll_at=timezone.now(),
        )

    def past_deadline(self) -> bool:
        return self.deadline is not None and timezone.now() >= self.deadline

    def record_outputs(
        self, outputs, cost, provider_status: str, estimate=False, unusable_cost=""
    ) -> bool:
        """waiting → collecting, with one pending Clip per output, atomically."""
        with transaction.atomic():
            moved = self._move(
                self.Status.WAITING,
                self.Status.COLLECTING,
                cost=cost,
                cost_is_estimate=estimate,
                unusable_cost=unusable_cost,
                provider_status=provider_status,
                poll_count=self.poll_count + 1,
                next_poll_at=None,
            )
            if moved:
                Clip = self.clips.model
                Clip.objects.bulk_create(
                    Clip(
                        job=self,
                        index=output.index,
                        source_url=output.url,
                        source_fallback_url=output.fallback_url,
                        source_expires_at=output.expires_at,
                    )
                    for output in outputs
                )
        return moved

    # --- collecting ----------------------------------------------------------------------

    def finish_if_collected(self) -> bool:
        """collecting → ready (or failed) once every clip has ended one way or another."""
        Clip = self.clips.model
        clips = list(self.clips.values_list("status", flat=True))
        if not clips or any(s not in Clip.TERMINAL for s in clips):
            return False
        kept = (Clip.Status.READY, Clip.Status.DELETED)  # deleted: it was copied, then removed
        if any(s in kept for s in clips):
            failed = sum(s not in kept for s in clips)
            note = f"{failed} of {len(clips)} clips could not be copied." if failed else ""
            return self._move(self.Status.COLLECTING, self.Status.READY, error=note)
        return self._move(
            self.Status.COLLECTING,
            self.Status.FAILED,
            error="The provider made the video, but none of its clips could be copied.",
            failure=self.Failure.COPY,
        )

    def reopen_for_collecting(self) -> bool:
        """A clip is being copied again: the job is collecting until it ends once more."""
        return self._move(
            [self.Status.READY, self.Status.FAILED],
            self.Status.COLLECTING,
            finished_at=None,
            error="",
            failure="",
        )
