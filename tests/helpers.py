"""Helpers shared by tests (import them from here, never from conftest or another test)."""

from providers.base import JobSpec, ModelInfo, ProviderError


def submit(provider, job: JobSpec):
    """Submit as the app does: with the model as the provider lists it (or, for a model it
    does not list, a bare description, to see what the provider itself says)."""
    try:
        models = provider.list_models()
    except ProviderError:
        models = []
    model = next((m for m in models if m.id == job.model), None)
    return provider.submit(job, model or ModelInfo(provider.slug, job.model, job.model))
