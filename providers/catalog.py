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


@sensitive_variables("api_key")
def cached_name(slug: str, api_key: str, model_id: str) -> str:
    """The model's name from the key's cached catalogue, without asking the provider ("" when
    the catalogue is not cached or does not list it)."""
    models = cache.get(cache_key(slug, api_key)) or []
    return next((m.name for m in models if m.id == model_id), "")


def readable_name(model_id: str) -> str:
    """A name people can read made from a model id, for when no catalogue named it:
    "google/veo-3.1" -> "Veo 3.1"."""
    words = model_id.rsplit("/", 1)[-1].replace("_", "-").split("-")
    return " ".join(word[:1].upper() + word[1:] for word in words if word) or model_id
