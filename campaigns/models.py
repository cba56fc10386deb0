"""Campaigns: one brief made as several videos (formats x models x wordings x takes), planned
and priced first, started together once confirmed."""

import hashlib
import uuid
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from brand.models import BrandKit, Preset
from common.models import PendingUpload
from common.storage import remove_when_committed
from common.uploads import megabytes
from inbox.models import Notification, notify
from keys.models import ProviderKey
from providers.base import Estimate, JobSpec
from videos import formats, lifecycle
from videos.images import forget_inputs, save_inputs
from videos.models import Clip, VideoJob, job_ended
from workspaces.models import OwnedQuerySet, Project, Workspace

from .package import folder_of


class CampaignQuerySet(OwnedQuerySet):
    def drafts(self):
        """Plans nobody has started (or discarded) yet."""
        return self.filter(started_at__isnull=True)

    def with_summary(self):
        """Each with how many videos it made (``made``), how many are ready (``ready``), its
        starred clips (``winners``) and what its videos count for in spend (``spent``)."""
        spent = (
            VideoJob.objects.filter(variant__campaign=models.OuterRef("pk"))
            .order_by()
            .values("variant__campaign")
            .annotate(total=models.Sum(VideoJob.objects.charged_amount()))
            .values("total")
        )
        # Distinct: the joins to jobs and clips would count a video once per clip.
        ready = models.Q(variants__job__status=VideoJob.Status.READY)
        starred = models.Q(variants__job__clips__starred=True)
        return self.annotate(
            made=models.Count("variants", distinct=True),
            ready=models.Count("variants", filter=ready, distinct=True),
            winners=models.Count("variants__job__clips", filter=starred, distinct=True),
            spent=models.Subquery(spent),
        )


class CampaignNotStarted(Exception):
    """Why a planned campaign could not start (in plain words); nothing was sent."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class PlanRefused(Exception):
    """Why a plan was not saved (in plain words); the form and its images are kept."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class Campaign(models.Model):
    """A plan of videos until someone confirms its total; then their jobs (``variants``)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="campaigns")
    # SET_NULL: a plan nobody started must not keep its project from being deleted; the
    # videos of a started campaign carry the project themselves (and protect it).
    project = models.ForeignKey(
        Project, null=True, blank=True, on_delete=models.SET_NULL, related_name="campaigns"
    )
    key = models.ForeignKey(
        ProviderKey, null=True, on_delete=models.SET_NULL, related_name="campaigns"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="campaigns"
    )
    # The generate form's own key: the same form sent twice plans one campaign.
    idempotency_key = models.CharField(max_length=64, blank=True)
    name = models.CharField(max_length=200)
    brief = models.TextField(blank=True)
    brand_kit = models.ForeignKey(BrandKit, null=True, blank=True, on_delete=models.SET_NULL)
    preset = models.ForeignKey(Preset, null=True, blank=True, on_delete=models.SET_NULL)
    # [{"format", "model", "model_name", "wording", "take", "prompt", "negative_prompt",
    #   "parameters", "images": [index into image_inputs], "estimate", "basis", "notes"}]
    plan = models.JSONField(default=list)
    # The images of every planned video, stored once (as a job's image_inputs), and their
    # bytes: what its workspace's unstarted plans hold counts against PLAN_IMAGES_MAX_BYTES.
    image_inputs = models.JSONField(default=list, blank=True)
    image_bytes = models.PositiveBigIntegerField(default=0)
    estimated_total = models.DecimalField(max_digits=10, decimal_places=2, null=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    # When its starter was told that all its videos had ended (once per campaign; a video
    # submitted again after that clears it, so its end is told too).
    told_finished_at = models.DateTimeField(null=True, blank=True)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["created_by", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="one_campaign_per_form",
            )
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("campaigns:campaign", args=[self.public_id])

    @classmethod
    def name_from(cls, prompt: str) -> str:
        words = " ".join(prompt.split())
        return (words[:60].rsplit(" ", 1)[0] + "…") if len(words) > 60 else words or "Campaign"

    @classmethod
    def draft(cls, form, planned, *, by) -> "Campaign":
        """The plan of a checked generate form (``planned``: planning.fan_out), not sent:
        each distinct image stored once."""
        stored, where = [], {}
        entries = []
        for item in planned:
            indexes = []
            for image in item.spec.images:
                digest = (image.role, image.mime_type, hashlib.sha256(image.data).hexdigest())
                if digest not in where:
                    where[digest] = len(stored)
                    stored.append(image)
                indexes.append(where[digest])
            entries.append(
                {
                    "format": item.ad_format.key if item.ad_format else "",
                    "format_name": item.format_name,
                    "model": item.model.id,
                    "model_name": item.model.name,
                    "wording": item.wording,
                    "take": item.take,
                    "prompt": item.spec.prompt,
                    "negative_prompt": item.spec.negative_prompt,
                    "parameters": VideoJob.parameters_of(item.spec),
                    "images": indexes,
                    "estimate": str(item.estimate.amount) if item.estimate else None,
                    "basis": item.estimate.basis if item.estimate else "",
                    "notes": item.notes,
                }
            )
        amounts = [item.estimate.amount for item in planned if item.estimate]
        key = form.cleaned_data["key"]
        image_bytes = sum(len(image.data) for image in stored)
        cls.check_room(key.workspace, image_bytes)
        # The images chosen on the form are pending uploads: the plan takes their files over.
        saved = save_inputs(tuple(stored), form.kept_paths)
        try:
            with transaction.atomic():
                campaign = cls.objects.create(
                    idempotency_key=form.cleaned_data["idempotency_key"],
                    workspace=key.workspace,
                    project=form.cleaned_data.get("project"),
                    key=key,
                    created_by=by,
                    name=cls.name_from(form.brief.prompt),
                    brief=form.brief.prompt,
                    brand_kit=form.kit,
                    preset=form.preset,
                    plan=entries,
                    image_inputs=saved,
                    image_bytes=image_bytes,
                    estimated_total=sum(amounts, Decimal(0)) if amounts else None,
                )
                PendingUpload.objects.consume(form.pending)
                return campaign
        except IntegrityError:  # the same form, sent twice at once: its first plan
            forget_inputs(saved, kept=form.kept_paths.values())
            return cls.objects.get(
                created_by=by, idempotency_key=form.cleaned_data["idempotency_key"]
            )

    @classmethod
    def check_room(cls, workspace, image_bytes: int) -> None:
        """PlanRefused unless ``workspace``'s unstarted plans may hold ``image_bytes`` more of
        images (settings.PLAN_IMAGES_MAX_BYTES)."""
        if not image_bytes:
            return
        drafts = cls.objects.drafts().filter(workspace=workspace)
        held = drafts.aggregate(total=models.Sum("image_bytes"))["total"] or 0
        if held + image_bytes <= settings.PLAN_IMAGES_MAX_BYTES:
            return
        limit = megabytes(settings.PLAN_IMAGES_MAX_BYTES)
        raise PlanRefused(
            f"This plan was not saved: its images ({megabytes(image_bytes)}) would take the "
            f"images of {workspace.name}'s plans nobody has started past {limit} (they hold "
            f"{megabytes(held)}). Start or discard some plans on the Campaigns page, then plan "
            f"this again; a plan nobody starts is forgotten after "
            f"{settings.UNSTARTED_PLAN_DAYS} days."
        )

    @property
    def is_draft(self) -> bool:
        return self.started_at is None

    def tell_if_finished(self) -> bool:
        """Once every video has ended (ready, partly ready, failed), tell whoever started the
        campaign, once, how many are ready (True if this call told)."""
        statuses = list(
            VideoJob.objects.filter(variant__campaign=self).values_list("status", flat=True)
        )
        if not statuses or any(status not in VideoJob.TERMINAL for status in statuses):
            return False
        if self.created_by is None:
            return False
        with transaction.atomic():
            first = Campaign.objects.filter(pk=self.pk, told_finished_at__isnull=True).update(
                told_finished_at=timezone.now()
            )
            if not first:
                return False
            total, ready = len(statuses), statuses.count(VideoJob.Status.READY)
            notify(
                [self.created_by],
                workspace=self.workspace,
                kind=Notification.Kind.CAMPAIGN_FINISHED,
                text=f"Your campaign “{self.name}” is finished: {self.outcome(ready, total)}",
                url=self.get_absolute_url(),
            )
        return True

    @staticmethod
    def outcome(ready: int, total: int) -> str:
        """ "2 of 3 videos are ready, 1 did not finish", in words."""
        videos = f"video{'s' if total != 1 else ''}"
        if ready == total:
            return f"all {total} {videos} are ready" if total > 1 else "its video is ready"
        if ready == 0:
            return f"none of its {total} {videos} could be made"
        verb = "is" if ready == 1 else "are"
        return f"{ready} of {total} {videos} {verb} ready, {total - ready} did not finish"

    @property
    def priced_total(self) -> Decimal:
        """What its planned videos are estimated at in all (those with no price count
        nothing until the provider reports their cost)."""
        return sum(
            (Decimal(entry["estimate"]) for entry in self.plan if entry["estimate"] is not None),
            Decimal(0),
        )

    @property
    def unpriced(self) -> int:
        """How many planned videos have no published price."""
        return sum(1 for entry in self.plan if entry["estimate"] is None)

    def start(self, *, by) -> bool:
        """Create every planned job and queue their submits, all or none: the total must fit
        the budgets (counted inside one transaction, so two campaigns started at once are
        counted one after the other). False if it had already started (a second click)."""
        key = self.key
        if key is None or not key.usable:
            raise CampaignNotStarted(
                "The key of this plan can no longer start jobs: fix it on the Keys page, "
                "or plan the campaign again with another key."
            )
        with transaction.atomic():
            claimed = Campaign.objects.filter(pk=self.pk, started_at__isnull=True).update(
                started_at=timezone.now()
            )
            if not claimed:
                return False
            # The whole campaign must fit, counted once against what the month has spent or
            # is still making (as the spend page counts it): its own videos are not there yet.
            VideoJob.check_budgets(
                key.workspace,
                self.project,
                self.priced_total,
                what=f"This campaign of {len(self.plan)} videos",
            )
            for number, entry in enumerate(self.plan, start=1):
                job, _ = lifecycle.start_job(
                    by,
                    key,
                    self._spec(entry),
                    f"campaign-{self.public_id.hex}-{number}",
                    [self.image_inputs[i] for i in entry["images"]],
                    estimate=Estimate(Decimal(entry["estimate"]), entry["basis"])
                    if entry["estimate"] is not None
                    else None,
                    project=self.project,
                    brand_kit=self.brand_kit,
                    preset=self.preset,
                    budget_checked=True,
                )
                Variant.objects.create(
                    campaign=self,
                    job=job,
                    number=number,
                    ad_format=entry["format"],
                    wording=entry["wording"],
                    take=entry["take"],
                )
        self.refresh_from_db(fields=["started_at"])
        return True

    @staticmethod
    def _spec(entry) -> JobSpec:
        return JobSpec(
            model=entry["model"],
            prompt=entry["prompt"],
            negative_prompt=entry["negative_prompt"],
            **VideoJob.spec_settings_of(entry["parameters"]),
        )

    def videos(self) -> list["Variant"]:
        """Its videos in order, each with its job and its ready clips (``clips``, each with
        its exports and its ``job`` set): three queries, whatever the size."""
        ready = Clip.objects.filter(status=Clip.Status.READY).prefetch_related("renditions")
        variants = list(
            self.variants.select_related("job").prefetch_related(
                models.Prefetch("job__clips", queryset=ready, to_attr="ready_clips")
            )
        )
        for variant in variants:
            variant.clips = variant.job.ready_clips
            for clip in variant.clips:
                clip.job = variant.job
        return variants

    def spent(self):
        """What its videos count for in spend and budgets."""
        return VideoJob.objects.filter(variant__campaign=self).charged_total()

    def ready_clips(self, picks) -> list:
        """The ready clips of its videos named by ``picks`` ((job public id, clip number)
        pairs), in that order, in one query; LookupError when one is not among them."""
        wanted = {(str(job), number - 1) for job, number in picks}
        found = {
            (str(clip.job.public_id), clip.index): clip
            for clip in Clip.objects.filter(
                job__variant__campaign=self,
                status=Clip.Status.READY,
                job__public_id__in={job for job, _ in picks},
            ).select_related("job__variant")
            if (str(clip.job.public_id), clip.index) in wanted
        }
        return [found[(str(job), number - 1)] for job, number in picks]

    def discard(self) -> bool:
        """Forget a plan nobody started, and its stored images (remove_plan_images)."""
        deleted, _ = Campaign.objects.filter(pk=self.pk, started_at__isnull=True).delete()
        return bool(deleted)


class Variant(models.Model):
    """One video of a started campaign: its job, and where it sits in the campaign."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="variants")
    job = models.OneToOneField(VideoJob, on_delete=models.CASCADE, related_name="variant")
    number = models.PositiveIntegerField()
    ad_format = models.CharField(max_length=20, blank=True)
    wording = models.PositiveIntegerField(default=0)
    take = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["campaign", "number"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "number"], name="unique_variant_number")
        ]

    def __str__(self):
        return f"{self.campaign} #{self.number}"

    @property
    def model_name(self) -> str:
        return self.job.model_label

    @property
    def format(self):
        return formats.get(self.ad_format)

    @property
    def format_name(self) -> str:
        if self.format:
            return self.format.name
        return self.job.parameters.get("aspect_ratio") or "As made"

    @property
    def folder(self) -> str:
        """The package's folder for this video's format, e.g. "9x16-reels-tiktok-shorts"."""
        if self.format:
            return folder_of(self.format)
        ratio = self.job.parameters.get("aspect_ratio")
        return slugify(ratio.replace(":", "x")) if ratio else "as-made"


@receiver(lifecycle.job_resubmitted)
def follow_resubmitted(sender, old, new, **kwargs):
    """A campaign's video submitted again (after a failure) keeps its place in the campaign:
    the board, compare and the package show the new job."""
    if Variant.objects.filter(job=old).update(job=new):
        # Its end will be told again, with the whole campaign's outcome.
        Campaign.objects.filter(variants__job=new).update(told_finished_at=None)


@receiver(job_ended)
def tell_once_per_campaign(sender, job, **kwargs) -> bool:
    """A campaign's video is not told about on its own: once the last of the campaign's videos
    has ended, its starter is told once about all of them. Checked after the job's end is
    committed, so that two videos ending at the same moment cannot each miss the other."""
    campaign = Campaign.objects.filter(variants__job=job).first()
    if campaign is None:
        return False
    transaction.on_commit(campaign.tell_if_finished, robust=True)
    return True


@receiver(post_delete, sender=Campaign)
def remove_plan_images(sender, instance, **kwargs):
    """A plan nobody started takes its images with it once its deletion is committed
    (discarded, forgotten, or with its workspace); a started campaign's images are its
    videos' now."""
    if instance.started_at is None:
        remove_when_committed(entry["path"] for entry in instance.image_inputs)


@receiver(lifecycle.recovery_ran)
def forget_unstarted_plans(sender, **kwargs):
    """Plans nobody started or discarded within ``UNSTARTED_PLAN_DAYS`` are forgotten, with
    their stored images (nothing of them was ever sent)."""
    since = timezone.now() - timedelta(days=settings.UNSTARTED_PLAN_DAYS)
    for campaign in Campaign.objects.drafts().filter(created_at__lt=since):
        campaign.discard()
