"""Every provider the app can use: one line each in ``ADAPTERS``.

The rest of the app never names a provider: choices, labels, key shapes, base URLs and webhook
support all come from the adapter classes listed here.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.views.decorators.debug import sensitive_variables

from .base import Provider
from .gemini import GeminiProvider
from .openrouter import OpenRouterProvider

ADAPTERS: dict[str, type[Provider]] = {
    OpenRouterProvider.slug: OpenRouterProvider,
    GeminiProvider.slug: GeminiProvider,
}


def adapter(slug: str) -> type[Provider]:
    """The adapter class for ``slug``; KeyError for a provider this server does not know."""
    return ADAPTERS[slug]


def choices() -> list[tuple[str, str]]:
    """(slug, label) of every provider, for model fields and forms (evaluated on each use)."""
    return [(slug, cls.label) for slug, cls in ADAPTERS.items()]


def label(slug: str) -> str:
    cls = ADAPTERS.get(slug)
    return cls.label if cls else slug


def key_name(slug: str) -> str:
    """ "an OpenRouter key", "a Gemini key": for messages about a key of this provider."""
    name = label(slug)
    return f"{'an' if name[:1] in 'AEIOU' else 'a'} {name} key"


def base_url(slug: str) -> str:
    return getattr(settings, adapter(slug).base_url_setting)


def webhook_secret(slug: str) -> str:
    """The webhook signing secret configured for ``slug``, or "" (no webhooks: poll)."""
    cls = ADAPTERS.get(slug)
    return getattr(settings, cls.webhook_secret_setting, "") if cls else ""


@sensitive_variables("secret")
def issuer_of(secret: str) -> str | None:
    """The provider whose keys look like ``secret`` (by prefix), if any."""
    return next((slug for slug, cls in ADAPTERS.items() if secret.startswith(cls.key_prefix)), None)


@sensitive_variables("api_key")
def get_provider(slug: str, api_key: str) -> Provider:
    return adapter(slug)(api_key, base_url=base_url(slug), timeout=settings.PROVIDER_TIMEOUT)


@contextmanager
def registered(cls: type[Provider]) -> Iterator[type[Provider]]:
    """Add a provider for the duration of a block (tests: a throwaway third provider)."""
    ADAPTERS[cls.slug] = cls
    try:
        yield cls
    finally:
        del ADAPTERS[cls.slug]
