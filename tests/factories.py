"""Rows the tests need, made the way the app makes them (import from here, not from conftest)."""

OPENROUTER_KEY = "sk-or-v1-sandbox-0123456789abcdef0123456789abcdef"
GEMINI_KEY = "AIzaSandbox-0123456789abcdefghijklmnopqrs"


def make_key(owner, secret=OPENROUTER_KEY, provider="openrouter", label="Agency"):
    """A provider key, stored encrypted as the keys page would store it."""
    from videos.models import ProviderKey

    key = ProviderKey(owner=owner, provider=provider, label=label)
    key.set_secret(secret)
    key.save()
    return key
