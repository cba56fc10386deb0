"""Provider adapters. Adding a provider means one module and one line in ``REGISTRY``."""

from django.conf import settings
from django.views.decorators.debug import sensitive_variables

from .base import Provider
from .gemini import GeminiProvider
from .openrouter import OpenRouterProvider

REGISTRY: dict[str, tuple[type, str]] = {
    "openrouter": (OpenRouterProvider, "OPENROUTER_BASE_URL"),
    "gemini": (GeminiProvider, "GEMINI_BASE_URL"),
}


@sensitive_variables("api_key")
def get_provider(slug: str, api_key: str) -> Provider:
    cls, base_url_setting = REGISTRY[slug]
    return cls(api_key, base_url=getattr(settings, base_url_setting))
