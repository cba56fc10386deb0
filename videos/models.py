import logging
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from . import vault
from .providers import get_provider
from .providers.base import InvalidKey, KeyCheck, ProviderError

log = logging.getLogger(__name__)


class Provider(models.TextChoices):
    OPENROUTER = "openrouter", "OpenRouter"
    GEMINI = "gemini", "Gemini / Veo"


class ProviderKeyQuerySet(models.QuerySet):
    def owned_by(self, user):
        return self.filter(owner=user)


class ProviderKey(models.Model):
    """A user's own API key for one provider, encrypted at rest; only its mask is ever shown."""

    class Status(models.TextChoices):
        UNVERIFIED = "unverified", "Not verified yet"
        VALID = "valid", "Works"
        INVALID = "invalid", "Refused by the provider"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="provider_keys"
    )
    provider = models.CharField(max_length=20, choices=Provider)
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
        ordering = ["provider", "label"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "provider", "label"], name="unique_key_label_per_provider"
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
        return get_provider(self.provider, self.reveal())

    def verify(self) -> tuple[bool | None, str]:
        """Ask the provider whether the key works and record the answer.

        Returns (works, message): True/False when the provider gave a verdict, None when it could
        not be asked (unreachable, garbage reply); then the stored status is left as it was.
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
        self._record(self.Status.VALID, check.detail)
        return True, check.detail

    def _wrong_provider_hint(self) -> str:
        other = {
            Provider.OPENROUTER: ("AIza", "a Gemini"),
            Provider.GEMINI: ("sk-or-", "an OpenRouter"),
        }[self.provider]
        if self.masked.startswith(other[0]):
            return f" It looks like {other[1]} key: add it under that provider instead."
        return ""

    def _record(self, status: str, message: str) -> None:
        now = timezone.now()
        type(self).objects.filter(pk=self.pk).update(
            status=status, status_message=message[:300], last_verified_at=now, updated_at=now
        )
        self.status, self.status_message, self.last_verified_at = status, message[:300], now

    def mark_used(self) -> None:
        now = timezone.now()
        type(self).objects.filter(pk=self.pk).update(last_used_at=now)
        self.last_used_at = now
