"""Admins manage keys (verify, delete, replace) but can never read a secret."""

import pytest
from django.urls import reverse

from tests.factories import OPENROUTER_KEY, make_job, make_key
from videos.models import ProviderKey
from workspaces.access import personal_workspace

pytestmark = pytest.mark.django_db


@pytest.fixture
def key(user):
    return make_key(user)


def test_changelist_shows_user_provider_label_mask_status(admin_client, key):
    page = admin_client.get(reverse("admin:keys_providerkey_changelist")).content.decode()
    for text in ["alice", "OpenRouter", "Agency", "sk-or-…cdef", "Not verified yet"]:
        assert text in page
    assert OPENROUTER_KEY not in page


def test_change_form_has_a_write_only_secret_field(admin_client, key):
    page = admin_client.get(reverse("admin:keys_providerkey_change", args=[key.pk]))
    html = page.content.decode()
    assert 'name="new_secret"' in html and 'type="password"' in html
    assert "secret_encrypted" not in html
    assert key.secret_encrypted not in html


def _change(admin_client, key, **extra):
    data = {"owner": key.owner_id, "provider": key.provider, "label": key.label, "new_secret": ""}
    data.update(extra)
    return admin_client.post(reverse("admin:keys_providerkey_change", args=[key.pk]), data)


def test_admin_can_replace_a_secret_or_keep_it(admin_client, key):
    assert _change(admin_client, key, label="Renamed").status_code == 302
    key.refresh_from_db()
    assert key.label == "Renamed" and key.reveal() == OPENROUTER_KEY
    new = "sk-or-v1-sandbox-replaced-by-admin-00009999"
    assert _change(admin_client, key, new_secret=new).status_code == 302
    key.refresh_from_db()
    assert key.reveal() == new and key.masked == "sk-or-…9999"
    assert key.status == ProviderKey.Status.UNVERIFIED


def test_admin_replacement_is_validated(admin_client, key):
    response = _change(admin_client, key, new_secret="AIzaSyA-0123456789abcdefghijklmnop")
    assert response.status_code == 200
    assert "looks like a Gemini key" in response.content.decode()
    key.refresh_from_db()
    assert key.reveal() == OPENROUTER_KEY


def test_admin_add_requires_a_secret(admin_client, user):
    url = reverse("admin:keys_providerkey_add")
    workspace = personal_workspace(user)
    data = {
        "workspace": workspace.pk,
        "owner": user.pk,
        "provider": "openrouter",
        "label": "New",
        "new_secret": "",
    }
    response = admin_client.post(url, data)
    assert "Paste the API key" in response.content.decode()
    data["new_secret"] = OPENROUTER_KEY
    assert admin_client.post(url, data).status_code == 302
    assert ProviderKey.objects.get(label="New").reveal() == OPENROUTER_KEY


def test_admin_verify_and_delete_actions(admin_client, key, providers):
    url = reverse("admin:keys_providerkey_changelist")
    response = admin_client.post(
        url, {"action": "verify_keys", "_selected_action": [key.pk]}, follow=True
    )
    assert "OpenRouter accepted the key" in response.content.decode()
    key.refresh_from_db()
    assert key.status == ProviderKey.Status.VALID
    admin_client.post(
        url, {"action": "delete_selected", "_selected_action": [key.pk], "post": "yes"}
    )
    assert not ProviderKey.objects.exists()


def test_an_admin_cannot_move_a_key_to_another_provider_or_owner(admin_client, key, other_user):
    """The secret is only ever sent to its own provider, for its own owner."""
    page = admin_client.get(reverse("admin:keys_providerkey_change", args=[key.pk]))
    assert 'name="provider"' not in page.content.decode()
    assert _change(admin_client, key, provider="gemini", owner=other_user.pk).status_code == 302
    key.refresh_from_db()
    assert key.provider == "openrouter" and key.owner_id != other_user.pk


def test_admin_lists_workspaces_with_their_members(admin_client, user):
    workspace = personal_workspace(user)
    assert (
        "alice"
        in admin_client.get(reverse("admin:workspaces_workspace_changelist")).content.decode()
    )
    page = admin_client.get(reverse("admin:workspaces_workspace_change", args=[workspace.pk]))
    assert page.status_code == 200 and "Owner" in page.content.decode()


def test_admin_names_who_added_a_key_and_started_a_job(admin_client, key, user):
    make_job(user, key=key)
    keys = admin_client.get(reverse("admin:keys_providerkey_changelist")).content.decode()
    assert "Added by" in keys and "Workspace" in keys
    jobs = admin_client.get(reverse("admin:videos_videojob_changelist")).content.decode()
    assert "Started by" in jobs
