"""Encryption at rest for users' provider keys.

Secrets are encrypted with ``MultiFernet`` built from ``settings.VAULT_KEYS`` (newest first): the
newest key encrypts, every configured key decrypts, so vault keys can be rotated without downtime.
Nothing in this module ever puts a secret into an exception message or a log line.
"""

from functools import cache
from urllib.parse import quote

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.views.decorators.debug import sensitive_variables

from providers import registry


class VaultError(Exception):
    """A stored secret cannot be decrypted with any configured vault key."""


@cache
def _fernets(keys: tuple[str, ...]) -> tuple[Fernet, ...]:
    if not keys:
        raise ImproperlyConfigured("MARKETOS_VAULT_KEYS is empty: no key to encrypt secrets with.")
    try:
        return tuple(Fernet(key.encode()) for key in keys)
    except ValueError:
        raise ImproperlyConfigured(
            "MARKETOS_VAULT_KEYS holds a value that is not a Fernet key (32 url-safe base64 bytes)."
        ) from None


def _configured() -> tuple[Fernet, ...]:
    keys = tuple(settings.VAULT_KEYS)
    if not keys and settings.DEBUG:
        # A development-only key, so a bare `runserver` works; production refuses to start without.
        keys = ("ZGV2ZWxvcG1lbnQtb25seS12YXVsdC1rZXktMDAwMDA=",)
    return _fernets(keys)


def vault() -> MultiFernet:
    return MultiFernet(list(_configured()))


@sensitive_variables("secret")
def encrypt(secret: str) -> str:
    return vault().encrypt(secret.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return vault().decrypt(token.encode()).decode()
    except InvalidToken:
        raise VaultError("no configured vault key can decrypt this secret") from None


def reencrypt(token: str) -> str:
    """Return ``token`` encrypted under the newest vault key (for key rotation)."""
    try:
        return vault().rotate(token.encode()).decode()
    except InvalidToken:
        raise VaultError("no configured vault key can decrypt this secret") from None


def is_current(token: str) -> bool:
    """True when ``token`` already decrypts with the newest vault key alone."""
    newest = _configured()[0]
    try:
        newest.decrypt(token.encode())
    except InvalidToken:
        return False
    return True


@sensitive_variables("secret")
def redact(text: str, secret: str) -> str:
    """``text`` with every copy of ``secret`` (plain or URL-encoded) replaced by its mask: a
    provider that echoes the key in an error must not get it stored or shown."""
    if not text or not secret:
        return text
    for form in {secret, quote(secret, safe="")}:
        text = text.replace(form, mask(secret))
    return text


@sensitive_variables("secret")
def mask(secret: str) -> str:
    """A display form that identifies a key without revealing it: ``sk-or-…a1b2``."""
    issuer = registry.issuer_of(secret)
    prefix = registry.adapter(issuer).key_prefix if issuer else ""
    tail = secret[-4:] if len(secret) >= 16 else ""
    return f"{prefix}…{tail}"
