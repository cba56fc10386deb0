"""The Keys pages: add, list, replace, verify, delete; bad input and other users' keys."""

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import GEMINI_KEY, OPENROUTER_KEY, logged_in, make_job, make_key, make_user
from videos.models import ProviderKey, VideoJob
from workspaces.access import personal_workspace

pytestmark = pytest.mark.django_db


def add_key(client, secret, provider="openrouter", label="Agency"):
    return client.post(
        reverse("videos:keys"), {"provider": provider, "label": label, "secret": secret}
    )


def test_add_openrouter_key_verifies_and_lists_it_masked(alice, providers, user):
    response = add_key(alice, OPENROUTER_KEY)
    assert response.status_code == 302
    key = ProviderKey.objects.get(owner=user)
    assert key.masked == "sk-or-…cdef"
    assert key.status == ProviderKey.Status.VALID
    assert key.last_verified_at is not None
    page = alice.get(reverse("videos:keys")).content.decode()
    assert "sk-or-…cdef" in page
    assert "Works" in page
    assert OPENROUTER_KEY not in page


def test_add_gemini_key_verifies(alice, providers, user):
    assert add_key(alice, GEMINI_KEY, provider="gemini", label="Veo").status_code == 302
    key = ProviderKey.objects.get(owner=user)
    assert key.masked == "AIza…pqrs"
    assert key.status == ProviderKey.Status.VALID
    assert "video models: Gemini Omni" in key.status_message


@pytest.mark.parametrize(
    ("provider", "secret"),
    [
        ("openrouter", "sk-or-v1-not-a-key-the-sandbox-knows-1234"),
        ("gemini", "AIzaNotValid0000000000000000"),
    ],
)
def test_a_refused_key_is_saved_as_invalid_with_the_reason(
    alice, providers, user, provider, secret
):
    add_key(alice, secret, provider=provider)
    key = ProviderKey.objects.get(owner=user)
    assert key.status == ProviderKey.Status.INVALID
    assert "refused this key" in key.status_message


@pytest.mark.parametrize(
    ("secret", "message"),
    [
        ("", "Paste the API key"),
        ("     ", "Paste the API key"),
        ("sk-or-" + "x" * 300, "longer than any API key"),
        ("sk-or-short", "too short"),
        ("sk-or-v1-abc def-0123456789abcdef", "spaces, line breaks"),
        ("sk-or-v1-abc\ndef-0123456789abcdef", "spaces, line breaks"),
        ("AIzaSyA-0123456789abcdefghijklmnop", "looks like a Gemini key"),
    ],
)
def test_bad_secrets_get_a_clear_message_and_keep_the_form(alice, user, secret, message):
    response = add_key(alice, secret, label="My label")
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert 'value="My label"' in page  # what the user typed is kept...
    assert not ProviderKey.objects.exists()
    if secret.strip():
        assert secret.strip() not in page  # ...but the secret is never echoed back


def test_openrouter_key_filed_as_gemini_is_refused(alice):
    response = add_key(alice, OPENROUTER_KEY, provider="gemini")
    assert response.status_code == 400
    assert "looks like an OpenRouter key" in response.content.decode()


def test_whitespace_around_a_pasted_key_is_removed(alice, providers, user):
    add_key(alice, f"  \t{OPENROUTER_KEY}\n ")
    key = ProviderKey.objects.get(owner=user)
    assert key.reveal() == OPENROUTER_KEY
    assert key.status == ProviderKey.Status.VALID


@pytest.mark.parametrize(
    ("filed_under", "secret", "hint"),
    [
        ("gemini", "sk-or-v1-sandbox-0123456789abcdef0123456789abcdef", "an OpenRouter key"),
        ("openrouter", "AIzaSandbox-0123456789abcdefghijklmnopqrs", "a Gemini key"),
    ],
)
def test_verification_says_when_a_key_belongs_to_the_other_provider(
    providers, user, filed_under, secret, hint
):
    # The form stops this on the way in; a key stored earlier (or by an admin) is caught here.
    key = ProviderKey(
        workspace=personal_workspace(user), owner=user, provider=filed_under, label="oops"
    )
    key.set_secret(secret)
    key.save()
    works, message = key.verify()
    assert works is False
    assert "refused this key" in message
    assert f"It looks like {hint}: add it under that provider." in message
    assert key.status == ProviderKey.Status.INVALID


def test_duplicate_label_gets_a_message(alice, providers, user):
    make_key(user)
    response = add_key(alice, OPENROUTER_KEY)
    assert response.status_code == 400
    assert "already has a key with this name" in response.content.decode()


def test_replace_secret(alice, providers, user):
    key = make_key(user, secret="sk-or-v1-sandbox-old-0000000000000000aaaa")
    new = "sk-or-v1-sandbox-new-0000000000000000bbbb"
    response = alice.post(reverse("videos:key_replace", args=[key.public_id]), {"secret": new})
    assert response.status_code == 302
    key.refresh_from_db()
    assert key.reveal() == new
    assert key.masked == "sk-or-…bbbb"
    assert key.status == ProviderKey.Status.VALID


def test_replace_with_bad_secret_keeps_the_old_one(alice, user):
    key = make_key(user)
    response = alice.post(reverse("videos:key_replace", args=[key.public_id]), {"secret": "x"})
    assert response.status_code == 400
    assert "too short" in response.content.decode()
    key.refresh_from_db()
    assert key.reveal() == OPENROUTER_KEY


def test_delete_asks_then_deletes(alice, user):
    key = make_key(user)
    url = reverse("videos:key_delete", args=[key.public_id])
    assert "Delete “Agency”?" in alice.get(url).content.decode()
    assert alice.post(url).status_code == 302
    assert not ProviderKey.objects.exists()


def test_verify_button_with_htmx_returns_just_the_row(alice, providers, user):
    key = make_key(user)
    response = alice.post(
        reverse("videos:key_verify", args=[key.public_id]), headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.strip().startswith(f'<li class="key-row" id="key-{key.public_id}"')
    assert "Works" in html
    assert "<html" not in html


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("hang", "did not answer in time"),
        ("500", "had a problem on its side (HTTP 500)"),
        ("html", "not the JSON its API documents"),
        ("list", "not the JSON its API documents"),
        ("nothing-listens", "Could not reach"),
    ],
)
@pytest.mark.parametrize("provider", ["openrouter", "gemini"])
def test_verification_failures_explain_and_keep_the_key(
    alice, user, settings, misbehaving_server, mode, expected, provider
):
    # Port 9 (discard) has no listener here: the connection is refused.
    base = "http://127.0.0.1:9" if mode == "nothing-listens" else f"{misbehaving_server}/{mode}"
    settings.OPENROUTER_BASE_URL = f"{base}/api/v1"
    settings.GEMINI_BASE_URL = base
    settings.VERIFY_TIMEOUT = 0.5
    secret = OPENROUTER_KEY if provider == "openrouter" else GEMINI_KEY
    key = make_key(user, secret=secret, provider=provider)
    ProviderKey.objects.filter(pk=key.pk).update(status=ProviderKey.Status.VALID)
    response = alice.post(reverse("videos:key_verify", args=[key.public_id]), follow=True)
    page = response.content.decode()
    assert expected in page
    assert "The key is kept as it was." in page
    key.refresh_from_db()
    assert key.status == ProviderKey.Status.VALID  # an unanswered check changes nothing
    assert key.reveal() == secret


def test_other_users_get_404_for_every_key_url(client, user, other_user):
    key = make_key(user)
    client.force_login(other_user)
    for name in [
        "videos:key_detail",
        "videos:key_replace",
        "videos:key_delete",
        "videos:key_verify",
    ]:
        url = reverse(name, args=[key.public_id])
        assert client.get(url).status_code in (404, 405), name
        assert client.post(url, {"secret": OPENROUTER_KEY}).status_code == 404, name
    assert key.masked not in client.get(reverse("videos:keys")).content.decode()
    key.refresh_from_db()
    assert key.reveal() == OPENROUTER_KEY


def test_get_on_post_only_urls_is_refused(alice, user):
    key = make_key(user)
    assert alice.get(reverse("videos:key_verify", args=[key.public_id])).status_code == 405
    assert alice.get(reverse("videos:key_replace", args=[key.public_id])).status_code == 405


def test_deleting_a_key_keeps_its_jobs(alice, user):
    key = make_key(user)
    job = make_job(user, key=key, idempotency_key="x", provider="openrouter", model="m", prompt="p")
    alice.post(reverse("videos:key_delete", args=[key.public_id]))
    job.refresh_from_db()
    assert job.key is None
    assert alice.get(job.get_absolute_url()).status_code == 200


def test_a_gemini_key_with_no_video_model_says_so(user, providers, monkeypatch):
    from providers.gemini import GeminiProvider

    monkeypatch.setattr(GeminiProvider, "_video_models", lambda self, timeout=None: [])
    key = make_key(user, GEMINI_KEY, "gemini")
    works, message = key.verify()
    assert works is False and "offers no video model" in message
    assert key.status == ProviderKey.Status.NO_MODELS and not key.usable


def test_deleting_a_key_with_running_jobs_says_what_happens_first(alice, user):
    import uuid

    from videos.models import VideoJob

    key = make_key(user)
    for status in (VideoJob.Status.WAITING, VideoJob.Status.READY):
        make_job(
            user,
            key=key,
            idempotency_key=uuid.uuid4().hex,
            provider="openrouter",
            model="google/veo-3.1",
            status=status,
        )
    page = alice.get(reverse("videos:key_delete", args=[key.public_id])).content.decode()
    assert "1 video is still being made with this key" in page
    assert "may still make and charge for it" in page


def test_the_key_list_names_the_workspace_of_every_key(alice, user, agency):
    mine = make_key(user, label="Mine")
    team = make_key(user, workspace=agency, label="Team")
    page = alice.get(reverse("videos:keys")).content.decode()
    row = page.split(f'id="key-{mine.public_id}"')[1].split("</li>")[0]
    assert "in your personal workspace" in row
    row = page.split(f'id="key-{team.public_id}"')[1].split("</li>")[0]
    assert "in Acme Agency" in row
    # Also on a workspace's own keys page, and for someone with one workspace only.
    page = alice.get(reverse("videos:keys", args=[agency.slug])).content.decode()
    assert "in Acme Agency" in page and "Mine" not in page
    solo = make_user("solo")
    make_key(solo, label="Solo")
    page = logged_in(solo).get(reverse("videos:keys")).content.decode()
    assert "in your personal workspace" in page


def test_a_refused_key_is_listed_disabled_with_why_and_never_chosen_nor_accepted(
    alice, user, providers
):
    good = make_key(user, label="Good")
    refused = make_key(user, label="Refused")
    refused.mark_refused("OpenRouter refused this key (401).")
    # Used last, the refused key was the form's first choice.
    ProviderKey.objects.filter(pk=refused.pk).update(last_used_at=timezone.now())
    page = alice.get(reverse("videos:generate")).content.decode()
    select = page.split('<select name="key"')[1].split("</select>")[0]
    options = {o.split('value="')[1].split('"')[0]: o for o in select.split("<option")[1:]}
    assert " disabled" in options[str(refused.pk)]
    assert "refused by the provider, verify it again on the Keys page" in options[str(refused.pk)]
    assert " selected" in options[str(good.pk)] and " disabled" not in options[str(good.pk)]
    assert " selected" not in options[str(refused.pk)]
    assert "This key cannot start a job" not in page
    # Sent anyway, the server refuses it, and nothing is created.
    response = alice.post(
        reverse("videos:generate"),
        {"idempotency_key": "x" * 32, "key": refused.pk, "model": "google/veo-3.1", "prompt": "p"},
    )
    assert "cannot start a job" in response.content.decode()
    assert not VideoJob.objects.exists()
