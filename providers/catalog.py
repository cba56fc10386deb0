"""The models a key can use, cached so that forms stay fast.

The cache entry is keyed by provider, base URL and a keyed hash of the secret (never the secret),
so two users with the same key share it and a replaced key gets a fresh catalogue.
"""

import hashlib
import hmac

from django.conf import settings
from django.core.cache import cache
from django.views.decorators.debug import sensitive_variables

from .base import ModelInfo
from .registry import base_url, get_provider

CACHE_SECONDS = 3600


@sensitive_variables("api_key")
def cache_key(slug: str, api_key: str) -> str:
    digest = hmac.new(settings.SECRET_KEY.encode(), api_key.encode(), hashlib.sha256).hexdigest()
    url_digest = hashlib.sha256(base_url(slug).encode()).hexdigest()[:12]
    return f"catalog:{slug}:{url_digest}:{digest[:32]}"


@sensitive_variables("api_key")
def models_for(slug: str, api_key: str, *, refresh: bool = False) -> list[ModelInfo]:
    """The key's models, from cache when possible. Raises ProviderError when it cannot list them."""
    key = cache_key(slug, api_key)
    if not refresh and (models := cache.get(key)) is not None:
        return models
    models = get_provider(slug, api_key).list_models()
    cache.set(key, models, CACHE_SECONDS)
    return models


@sensitive_variables("api_key")
def model_for(slug: str, api_key: str, model_id: str) -> ModelInfo | None:
    return next((m for m in models_for(slug, api_key) if m.id == model_id), None)
