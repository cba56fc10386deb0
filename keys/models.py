"""A workspace's provider keys: encrypted at rest (``keys.vault``), verified with their
provider, only ever shown masked."""

import contextlib
import dataclasses
import logging
import uuid

from django.apps import apps
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from providers import registry
from providers.base import InvalidKey, KeyCheck, ProviderError
from workspaces.models import OwnedQuerySet, Workspace

from . import vault

log = logging.getLogger(__name__)


class ProviderKeyQuerySet(OwnedQuerySet):
    """Keys are seen masked by every member, whatever the role."""

    def usable_by(self, user):
        """Keys ``user`` may start jobs with: those of workspaces where they may generate."""
        return self.filter(workspace__in=Workspace.objects.generating_for(user))


class ProviderKey(models.Model):
    """A workspace's API key for one provider, encrypted at rest; only its mask is ever shown."""

    class Status(models.TextChoices):
        UNVERIFIED = "unverified", "Not verified yet"
        VALID = "valid", "Works"
        NO_CREDIT = "no_credit", "No credits left"
        NO_MODELS = "no_models", "Offers no video model"
        INVALID = "invalid", "Refused by the provider"

    # Keys in these states cannot start a job until they are verified again.
    UNUSABLE = (Status.NO_CREDIT, Status.NO_MODELS, Status.INVALID)

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # PROTECT: a workspace's keys and paid-for videos are not deleted as a side effect; they
    # are deleted (or, later, moved) on purpose before the workspace can go.
    workspace = models.ForeignKey(Workspace, on_delete=models.PROTECT, related_name="provider_keys")
    # SET_NULL: a key added by someone who has since left stays the workspace's key.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="provider_keys",
        verbose_name="added by",
        help_text="Who added the key; the workspace it belongs to decides who may use it.",
    )
    # Fixed once created: the secret belongs to this provider and is only ever sent to it.
    provider = models.CharField(max_length=20, choices=registry.choices)
    label = models.CharField(max_length=100)
    secret_encrypted = models.TextField(editable=False)
    masked = models.CharField(max_length=40, editable=False)
    status = models.CharField(max_length=20, choices=Status, default=Status.UNVERIFIED)
    status_message = models.CharField(max_length=300, blank=True)
    last_verified_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProviderKeyQuerySet.as_manager()

    class Meta:
        # Made in the videos app, whose table it keeps.
        db_table = "videos_providerkey"
        ordering = ["provider", "label"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "provider", "label"], name="unique_key_label_per_provider"
            )
        ]

    def __str__(self):
        return f"{self.label} ({self.get_provider_display()}, {self.masked})"

    def __repr__(self):
        # Never include the ciphertext or the secret in debugging output.
        return f"<ProviderKey {self.pk} {self.provider} {self.masked}>"

    @sensitive_variables("secret")
    def set_secret(self, secret: str) -> None:
        """Store a new secret (encrypted) and forget what we knew about the old one."""
        self.secret_encrypted = vault.encrypt(secret)
        self.masked = vault.mask(secret)
        self.status = self.Status.UNVERIFIED
        self.status_message = ""
        self.last_verified_at = None

    def reveal(self) -> str:
        """The secret in clear text, for the provider adapter only. Raises vault.VaultError."""
        return vault.decrypt(self.secret_encrypted)

    def provider_client(self):
        return registry.get_provider(self.provider, self.reveal())

    def models(self) -> list:
        """The key's video models (cached), each priced for as many clips a job of it makes
        (a model that decides that itself: as many as its latest job here made). Raises
        ProviderError or vault.VaultError."""
        from providers.catalog import models_for

        models = models_for(self.provider, self.reveal())
        decides = [m.id for m in models if m.max_outputs == 1]
        # Jobs are built on keys: their model is asked of the app registry, not imported.
        jobs = apps.get_model("videos", "VideoJob").objects
        made = jobs.outputs_per_job(self.provider, decides) if decides else {}
        return [
            dataclasses.replace(m, outputs_per_job=made[m.id], outputs_known=True)
            if m.id in made
            else m
            for m in models
        ]

    def model_name(self, model_id: str) -> str:
        """``model_id``'s name from the key's cached catalogue ("" when not cached): the
        generate form has just listed it, so starting a job never waits for the provider."""
        from providers.catalog import cached_name

        try:
            return cached_name(self.provider, self.reveal(), model_id)
        except vault.VaultError:
            return ""

    @property
    def usable(self) -> bool:
        return self.status not in self.UNUSABLE

    def verify(self) -> tuple[bool | None, str]:
        """Ask the provider whether the key works and record the answer.

        Returns (works, message): True/False when the provider gave a verdict (False also for
        a key without credits), None when it could not be asked (unreachable, garbage reply);
        then the stored status is left as it was.
        """
        try:
            check: KeyCheck = self.provider_client().verify_key(timeout=settings.VERIFY_TIMEOUT)
        except vault.VaultError:
            message = "This key cannot be decrypted with the server's vault keys; add it again."
            self._record(self.Status.INVALID, message)
            return False, message
        except InvalidKey as exc:
            message = exc.message + self._wrong_provider_hint()
            self._record(self.Status.INVALID, message)
            return False, message
        except ProviderError as exc:
            log.warning("Verifying key %s failed: %s", self.pk, exc.message)
            return None, f"Could not check the key: {exc.message} The key is kept as it was."
        if not check.usable:
            status = (
                self.Status.NO_MODELS if check.problem == "no_models" else self.Status.NO_CREDIT
            )
            self._record(status, check.detail)
            return False, check.detail
        self._record(self.Status.VALID, check.detail)
        return True, check.detail

    def _wrong_provider_hint(self) -> str:
        issuer = registry.issuer_of(self.masked)
        if issuer and issuer != self.provider:
            return f" It looks like {registry.key_name(issuer)}: add it under that provider."
        return ""

    def _record(self, status: str, message: str) -> None:
        with contextlib.suppress(vault.VaultError):  # an unreadable key has nothing to hide
            message = vault.redact(message, self.reveal())
        now = timezone.now()
        type(self).objects.filter(pk=self.pk).update(
            status=status, status_message=message[:300], last_verified_at=now, updated_at=now
        )
        self.status, self.status_message, self.last_verified_at = status, message[:300], now

    def mark_used(self) -> None:
        now = timezone.now()
        type(self).objects.filter(pk=self.pk).update(last_used_at=now)
        self.last_used_at = now

    def mark_accepted(self) -> None:
        """The provider just took a job with this key: it works, whatever we knew before."""
        if self.status != self.Status.VALID:
            self._record(self.Status.VALID, "The provider accepted a job with this key.")

    def mark_refused(self, message: str) -> None:
        self._record(self.Status.INVALID, message)

    def mark_out_of_credit(self, message: str) -> None:
        self._record(self.Status.NO_CREDIT, message)
