"""The demo's sample work, so that every page has something real on it at first run: an agency
workspace with a client and its projects, a ready multi-clip video, a video shared with the
client through a link (the client's comment, and version 2 made from it) and a finished small
campaign.

Made by ``seed_demo`` before the app's processes start (the provider sandbox is not running
then): the clips are real MP4s rendered offline, copied in through the app's own ingest path
(probed, given a poster, stored where the app stores clips), and every record is made with the
app's models and review actions, so that pages, downloads, the share page, the campaign board
and package and the spend page all show the same real content and figures. Running it again
finds what it made and changes nothing.
"""

import contextlib
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from campaigns.models import Campaign, Variant
from inbox.models import Notification
from keys.models import ProviderKey
from providers.base import Output
from review.models import Comment, Reviewer, ReviewEvent, ShareLink, Verdict
from review.prompts import revision_prompt
from videos import formats
from videos.media import ingest
from videos.models import Clip, VideoJob
from workspaces.access import create_workspace
from workspaces.models import Budget, Client, Membership, Project, Workspace, month_of

AGENCY = "Demo Agency"
CLIENT = "Northwind Coffee"
PROJECT = "Summer sale"
CAMPAIGN_PROJECT = "Autumn blend launch"
GUEST = "Dana at Northwind"
LINK_LABEL = "Northwind review"
BUDGET = Decimal(50)

HERO = (
    "Summer sale hero: a tall glass of iced coffee on a sunny terrace, the camera slowly "
    "pushing in as the ice settles"
)
MULTI = (
    "Cold brew pour in slow motion, three angles: close-up on the bottle, the pour over ice, "
    "a hand lifting the glass"
)
FEEDBACK = "Love the light. Can the glass be bigger in frame, and end on our logo?"
BRIEF = (
    "Autumn blend launch: steam rising from a ceramic cup on a wooden table, falling leaves "
    "outside the window, warm and cosy"
)


@dataclass(frozen=True)
class Models:
    """The sandbox models the samples are made with, and what the provider charges for them
    (given by ``seed_demo``, which may name them)."""

    multi_clip: str
    single: str
    name: Callable[[str], str]
    # (model, settings, number of outputs) -> what the provider reports as the job's cost
    cost: Callable[[str, dict, int], Decimal]
    # Renders one real clip: (prompt, settings, clip index, clips, destination path)
    render: Callable[[str, dict, int, int, Path], None]


@dataclass
class Made:
    """What the samples are (found or made), for the command's summary and the tests."""

    workspace: Workspace
    project: Project
    multi_clip: VideoJob
    shared: VideoJob
    revised: VideoJob
    link: ShareLink
    campaign: Campaign
    created: list[str] = field(default_factory=list)


class _LocalOutputs:
    """Plays the provider for the ingest path: its "outputs" are files rendered here."""

    def __init__(self, paths: list[Path]):
        self.paths = paths

    @contextlib.contextmanager
    def open_output(self, output):
        path = self.paths[output.index]

        class Download:
            def iter_bytes(self):
                with path.open("rb") as handle:
                    while chunk := handle.read(ingest.CHUNK):
                        yield chunk

        yield Download()


class _Clock:
    """Moments of the samples' story, minutes ago, in order and inside this month (so that this
    month's spend counts all of them, whenever the demo is first run)."""

    SPAN = 140  # minutes: the story's first moment

    def __init__(self):
        self.now = timezone.now()
        elapsed = self.now - month_of(self.now)[0]
        # Squeezed into the month's first moments when it has only just begun.
        self.minute = min(timedelta(minutes=1), elapsed / (self.SPAN + 1))

    def ago(self, minutes: float):
        return self.now - self.minute * minutes


def seed(user, models: Models, key_for: Callable[[Workspace], ProviderKey]) -> Made:
    """Find or make the samples for ``user``, in an agency workspace they own, with the key
    ``key_for`` gives for that workspace."""
    clock = _Clock()
    created: list[str] = []
    workspace = _agency(user, created)
    membership = Membership.objects.get(workspace=workspace, user=user)
    key = key_for(workspace)
    client, _ = Client.objects.get_or_create(workspace=workspace, name=CLIENT)
    project, _ = Project.objects.get_or_create(client=client, name=PROJECT)
    launch, _ = Project.objects.get_or_create(client=client, name=CAMPAIGN_PROJECT)
    if not Budget.objects.filter(workspace=workspace, client=None).exists():
        Budget.set(workspace, None, BUDGET, by=membership)
    with tempfile.TemporaryDirectory(prefix="marketos-demo-") as scratch:
        studio = _Studio(user, key, models, Path(scratch), clock, created)
        campaign = _campaign(studio, membership, launch)
        shared, link, revised = _shared_video(studio, membership, project)
        multi = studio.job(
            "demo-multi-clip",
            MULTI,
            models.multi_clip,
            {"duration": 4, "resolution": "720p", "aspect_ratio": "16:9", "generate_audio": True},
            project=project,
            outputs=3,
            minutes_ago=12,
        )
    # The key used last, and the model used last with it, are what the generate form offers.
    last = multi.created_at + timedelta(seconds=30)
    ProviderKey.objects.filter(pk=key.pk, last_used_at__isnull=True).update(last_used_at=last)
    return Made(workspace, project, multi, shared, revised, link, campaign, created)


def _agency(user, created: list[str]) -> Workspace:
    found = Workspace.objects.filter(
        name=AGENCY,
        personal=False,
        memberships__user=user,
        memberships__role=Membership.Role.OWNER,
    ).first()
    if found is None:
        found = create_workspace(user, AGENCY)
        created.append(f"the workspace “{AGENCY}”")
    return found


class _Studio:
    """Makes sample videos as the app would have: a ready job, its clips rendered, ingested
    and stored, its cost reported, told to its starter."""

    def __init__(self, user, key, models: Models, scratch: Path, clock: _Clock, created):
        self.user, self.key, self.models = user, key, models
        self.scratch, self.clock, self.created = scratch, clock, created

    def find(self, idempotency_key: str) -> VideoJob | None:
        return VideoJob.objects.filter(owner=self.user, idempotency_key=idempotency_key).first()

    def job(
        self,
        idempotency_key: str,
        prompt: str,
        model: str,
        settings: dict,
        *,
        project: Project,
        outputs: int = 1,
        minutes_ago: int,
        parent: Clip | None = None,
        attach: Callable[[VideoJob], object] | None = None,
        take: int = 1,
    ) -> VideoJob:
        """The ready job of ``idempotency_key``, made once. ``attach``: called with the new job
        before it ends (a campaign files it as one of its videos, as starting one does)."""
        if found := self.find(idempotency_key):
            return found
        started = self.clock.ago(minutes_ago)
        cost = self.models.cost(model, settings, outputs)
        parameters = {**settings, "sample_count": outputs} if outputs > 1 else dict(settings)
        with transaction.atomic():
            job = VideoJob.objects.create(
                workspace=self.key.workspace,
                owner=self.user,
                key=self.key,
                idempotency_key=idempotency_key,
                provider=self.key.provider,
                model=model,
                model_name=self.models.name(model),
                prompt=prompt,
                parameters=parameters,
                project=project,
                parent=parent,
                continuation="revise" if parent else "",
                version=parent.job.version + 1 if parent else 1,
                status=VideoJob.Status.COLLECTING,
                provider_job_id=f"demo-{idempotency_key}",
                provider_status="completed",
                estimated_cost=cost,
                cost=cost,
                created_at=started,
                submitted_at=started + timedelta(seconds=2),
            )
            if attach is not None:
                attach(job)
            # Another take of the same prompt is another video, as a provider's would be.
            shown = f"Take {take}: {prompt}" if take > 1 else prompt
            self._clips(job, shown, settings, outputs, started)
            job.finish_if_collected()
            finished = min(started + timedelta(seconds=95), self.clock.now)
            VideoJob.objects.filter(pk=job.pk).update(finished_at=finished, updated_at=finished)
            Notification.objects.filter(recipient=self.user, url=job.get_absolute_url()).update(
                created_at=finished
            )
        job.refresh_from_db()
        self.created.append(f"the video “{job.label}”")
        return job

    def _clips(self, job: VideoJob, prompt: str, settings: dict, outputs: int, started) -> None:
        paths = []
        for index in range(outputs):
            path = self.scratch / f"{job.public_id}-{index}.mp4"
            self.models.render(prompt, settings, index, outputs, path)
            paths.append(path)
        provider = _LocalOutputs(paths)
        for index in range(outputs):
            # Kept by the provider no longer: the sandbox that "made" it has never seen it.
            clip = Clip.objects.create(
                job=job,
                index=index,
                source_url="",
                source_expires_at=started + timedelta(minutes=1),
                status=Clip.Status.COPYING,
                attempts=1,
                lease_until=timezone.now() + timedelta(minutes=5),
            )
            facts = ingest.copy_output(
                provider,
                Output(index=index, url=""),
                stem=f"clips/{job.public_id}/clip-{index + 1}",
                partial_prefix=clip.partial_prefix,
            )
            clip.mark_ready(**facts)
            ready = min(started + timedelta(seconds=90), self.clock.now)
            Clip.objects.filter(pk=clip.pk).update(ready_at=ready)


def _shared_video(studio: _Studio, membership: Membership, project: Project):
    """Version 1, shared with the client by a link; the client's comment and request for
    changes; version 2 made from that comment (the link shows it, newest first)."""
    from demo.env import client_link

    token, password = client_link(_secret_key())
    clock = studio.clock
    settings = {"duration": 8, "resolution": "720p", "aspect_ratio": "16:9", "generate_audio": True}
    first = studio.job(
        "demo-shared-v1", HERO, studio.models.single, settings, project=project, minutes_ago=95
    )
    clip = first.clips.get(index=0)
    link = ShareLink.objects.filter(job=first, label=LINK_LABEL).first()
    if link is None:
        with _at(first.workspace, clock.ago(90)):
            link, _ = ShareLink.create(
                by=membership,
                job=first,
                label=LINK_LABEL,
                can_comment=True,
                can_approve=True,
                can_download=True,
                password=password,
                token=token,
            )
        studio.created.append(f"the client link “{LINK_LABEL}”")
        guest = Reviewer.guest(link, GUEST)
        with _at(first.workspace, clock.ago(70)):
            link.opened_by(guest)
            comment = Comment.add(clip, FEEDBACK, by=guest, at_seconds="2")
            verdict = Verdict.decide(clip, Verdict.State.CHANGES_REQUESTED, by=guest)
        Comment.objects.filter(pk=comment.pk).update(created_at=clock.ago(70))
        Verdict.objects.filter(pk=verdict.pk).update(decided_at=clock.ago(69))
        ShareLink.objects.filter(pk=link.pk).update(last_used_at=clock.ago(70))
    else:
        _keep_known(link, token, password)
    second = studio.find("demo-shared-v2")
    if second is None:
        answered = list(Comment.objects.filter(clip=clip, parent=None, body=FEEDBACK))
        second = studio.job(
            "demo-shared-v2",
            revision_prompt(first.prompt, answered),
            studio.models.single,
            settings,
            project=project,
            parent=clip,
            minutes_ago=40,
        )
        member = Reviewer(user=studio.user)
        with _at(first.workspace, clock.ago(40)):
            Comment.address(answered, second, by=member)
            detail = "; ".join(f"{c.who}, {c.quoted}" for c in answered)
            ReviewEvent.record(ReviewEvent.Kind.REVISED, member, clip=clip, detail=detail)
    return first, link, second


def _keep_known(link: ShareLink, token: str, password: str) -> None:
    """The sample link opens with the token and password the banner prints, even when the
    demo's secrets were made again over an existing database."""
    if link.check_password(password) and ShareLink.objects.from_token(token) == link:
        return
    again, _ = ShareLink.create(
        by=Membership.objects.get(workspace=link.workspace, user=link.created_by),
        job=link.job,
        label=link.label,
        can_comment=link.can_comment,
        can_approve=link.can_approve,
        can_download=link.can_download,
        password=password,
        token=token,
    )
    ShareLink.objects.filter(pk=again.pk).update(created_at=link.created_at)
    # The old one is closed (its token is no longer known to anyone).
    ShareLink.objects.filter(pk=link.pk).update(revoked_at=timezone.now())


def _campaign(studio: _Studio, membership: Membership, project: Project) -> Campaign:
    """A finished campaign of three videos: two takes for Reels and one for YouTube, one of
    them starred as the winner, told once to its starter."""
    found = Campaign.objects.filter(created_by=studio.user, idempotency_key="demo-campaign")
    if campaign := found.first():
        return campaign
    model = studio.models.single
    planned = [("vertical", 1), ("vertical", 2), ("landscape", 1)]
    started = studio.clock.ago(130)
    entries = []
    for ad_format, take in planned:
        chosen = formats.get(ad_format)
        settings = {
            "duration": 4,
            "resolution": "720p",
            "aspect_ratio": chosen.ratio,
            "generate_audio": True,
            "ad_format": ad_format,
        }
        cost = studio.models.cost(model, settings, 1)
        entries.append(
            {
                "format": ad_format,
                "format_name": chosen.name,
                "model": model,
                "model_name": studio.models.name(model),
                "wording": 0,
                "take": take,
                "prompt": BRIEF,
                "negative_prompt": "",
                "parameters": settings,
                "images": [],
                "estimate": str(cost),
                "basis": "",
                "notes": [],
            }
        )
    with transaction.atomic():
        campaign = Campaign.objects.create(
            workspace=studio.key.workspace,
            project=project,
            key=studio.key,
            created_by=studio.user,
            idempotency_key="demo-campaign",
            name=CAMPAIGN_PROJECT,
            brief=BRIEF,
            plan=entries,
            estimated_total=sum((Decimal(e["estimate"]) for e in entries), Decimal(0)),
            created_at=started - timedelta(minutes=2),
            started_at=started,
        )
        jobs = []
        for number, entry in enumerate(entries, start=1):
            variant = Variant(
                campaign=campaign,
                number=number,
                ad_format=entry["format"],
                wording=0,
                take=entry["take"],
            )
            job = studio.job(
                f"campaign-{campaign.public_id.hex}-{number}",
                entry["prompt"],
                model,
                entry["parameters"],
                project=project,
                minutes_ago=130 - number,
                attach=_filed_as(variant),
                take=entry["take"],
            )
            jobs.append(job)
        jobs[1].clips.get(index=0).star(True)
    # Told once its last video ended (after the commit, as the worker's moves are).
    Notification.objects.filter(recipient=studio.user, url=campaign.get_absolute_url()).update(
        created_at=max(job.finished_at for job in jobs)
    )
    studio.created.append(f"the campaign “{campaign.name}”")
    return campaign


def _filed_as(variant: Variant):
    def attach(job: VideoJob) -> None:
        variant.job = job
        variant.save()

    return attach


@contextlib.contextmanager
def _at(workspace: Workspace, moment):
    """Dates what the block records (review events, the team's notifications) at ``moment``,
    so that the trail and the inbox tell the samples' story in order."""
    recorded = [
        ReviewEvent.objects.filter(workspace=workspace),
        Notification.objects.filter(workspace=workspace),
        ShareLink.objects.filter(workspace=workspace),
    ]
    last = [rows.order_by("-pk").values_list("pk", flat=True).first() or 0 for rows in recorded]
    yield
    for rows, pk in zip(recorded, last, strict=True):
        rows.filter(pk__gt=pk).update(created_at=moment)


def _secret_key() -> str:
    from django.conf import settings

    return settings.SECRET_KEY
