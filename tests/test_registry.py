"""A provider is one module and one registry line: nothing else in the app names one."""

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse

from providers import registry
from providers.base import Estimate, JobState, JobStatus, KeyCheck, ModelInfo, SubmitResult
from videos.models import ProviderKey

ROOT = Path(__file__).resolve().parent.parent


class AcmeVideo:
    """A throwaway third provider, entirely in memory."""

    slug = "acme"
    label = "Acme Video"
    key_prefix = "acme-"
    key_help = "Acme keys start with acme- and are on your Acme dashboard."
    base_url_setting = "ACME_BASE_URL"
    webhook_secret_setting = ""

    def __init__(self, api_key, *, base_url, timeout=30.0):
        self.api_key, self.base_url = api_key, base_url

    def verify_key(self, *, timeout=None):
        return KeyCheck(detail=f"Acme accepted the key at {self.base_url}.")

    def list_models(self):
        return [ModelInfo(provider="acme", id="acme/rocket", name="Acme Rocket", durations=(5,))]

    def submit(self, spec):
        return SubmitResult(job_id="a1", polling_url="a1")

    def poll(self, polling_url):
        return JobState(JobStatus.RUNNING)

    def open_output(self, output):
        raise NotImplementedError

    @staticmethod
    def estimate(spec, model):
        return Estimate(Decimal("0.50"), f"{spec.duration} s at $0.10/s")


@pytest.fixture
def acme(settings):
    settings.ACME_BASE_URL = "https://api.acme.example"
    with registry.registered(AcmeVideo):
        yield AcmeVideo


def test_a_third_provider_appears_in_the_keys_page_and_the_generate_form(alice, user, acme):
    page = alice.get(reverse("videos:keys")).content.decode()
    assert '<option value="acme">Acme Video</option>' in page
    assert "Acme keys start with acme-" in page

    secret = "acme-0123456789abcdefghijklmnop"
    response = alice.post(
        reverse("videos:keys"), {"provider": "acme", "label": "Studio", "secret": secret}
    )
    assert response.status_code == 302
    key = ProviderKey.objects.get(owner=user, provider="acme")
    assert key.status == ProviderKey.Status.VALID and key.get_provider_display() == "Acme Video"
    assert "https://api.acme.example" in key.status_message  # its base-URL setting was used

    page = alice.get(reverse("videos:generate")).content.decode()
    assert "Studio (Acme Video" in page and "Acme Rocket" in page and "5 seconds" in page
    assert "Estimated cost: <strong>$0.50</strong>" in page


def test_an_acme_key_filed_under_openrouter_is_caught(alice, acme):
    response = alice.post(
        reverse("videos:keys"),
        {"provider": "openrouter", "label": "x", "secret": "acme-0123456789abcdefghijklmnop"},
    )
    assert "looks like an Acme Video key" in response.content.decode()


def test_no_provider_is_named_outside_providers():
    """The app derives everything from the registry; only configuration and the offline demo
    may spell a provider's name (settings read its environment variables by name)."""
    allowed = {
        "marketos/settings.py",
        "demo/env.py",
        "demo/management/commands/seed_demo.py",
    }
    pattern = re.compile(r"openrouter|gemini|\bveo\b", re.IGNORECASE)
    offenders = []
    for folder in ("videos", "demo", "marketos", "templates", "static"):
        for path in (ROOT / folder).rglob("*"):
            relative = path.relative_to(ROOT).as_posix()
            if not path.is_file() or relative in allowed or "/migrations/" in relative:
                continue
            for number, line in enumerate(path.read_text().splitlines(), start=1):
                if pattern.search(line):
                    offenders.append(f"{relative}:{number}: {line.strip()}")
    assert offenders == []
