"""A saved secret never appears in clear text: not on disk, in pages, admin, logs or errors."""

import io
import logging
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.views.debug import ExceptionReporter

from providers.base import ProviderError
from providers.registry import get_provider
from tests.settings import TEST_VAULT_KEY
from videos.models import ProviderKey
from workspaces.access import personal_workspace

# Sandbox-accepted secrets with a long distinctive middle, so that no fragment can slip out.
SECRET = "sk-or-v1-sandbox-LEAKCANARY-5f9d2c7e4b1a8f3d6e0c9b2a7d4f1e8c"
GEMINI_SECRET = "AIzaSandbox-LEAKCANARY-gem-93b1f7d2e8c4a6b0f5d"
CANARY = "LEAKCANARY"


def assert_clean(text: str | bytes, where: str):
    if isinstance(text, bytes):
        assert CANARY.encode() not in text, f"secret found in {where}"
    else:
        assert CANARY not in text, f"secret found in {where}"


def database_bytes() -> bytes:
    if connection.vendor == "sqlite":
        name = Path(connection.settings_dict["NAME"])
        return b"".join(p.read_bytes() for p in (name, Path(f"{name}-wal")) if p.exists())
    with connection.cursor() as cursor:
        cursor.execute("CHECKPOINT")
        cursor.execute(
            "SELECT current_setting('data_directory'), pg_relation_filepath(%s)",
            ["videos_providerkey"],
        )
        data_dir, relpath = cursor.fetchone()
        cursor.execute("SELECT row_to_json(t)::text FROM videos_providerkey t")
        rows = "\n".join(r[0] for r in cursor.fetchall()).encode()
    table_file = Path(data_dir) / relpath
    try:
        return rows + table_file.read_bytes()
    except OSError:
        return rows  # the server's files are not readable by this user: the rows must do


@pytest.mark.django_db(transaction=True)
def test_database_holds_only_ciphertext(client, providers, user):
    client.force_login(user)
    for provider, secret in [("openrouter", SECRET), ("gemini", GEMINI_SECRET)]:
        response = client.post(
            reverse("videos:keys"), {"provider": provider, "label": provider, "secret": secret}
        )
        assert response.status_code == 302
    assert ProviderKey.objects.get(provider="openrouter").reveal() == SECRET
    raw = database_bytes()
    assert b"sk-or-\xe2\x80\xa6" in raw or "sk-or-…".encode() in raw  # the mask is stored
    assert_clean(raw, "the database")


def test_pages_admin_logs_and_errors_never_show_it(admin_client, admin_user, providers, caplog):
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore", "django"):
        caplog.set_level(logging.DEBUG, logger=name)
    user = admin_user
    c = admin_client
    c.post(reverse("videos:keys"), {"provider": "openrouter", "label": "Main", "secret": SECRET})
    key = ProviderKey.objects.get(owner=user)
    assert key.status == ProviderKey.Status.VALID

    pages = {
        "keys list": reverse("videos:keys"),
        "key page": reverse("videos:key_detail", args=[key.public_id]),
        "delete page": reverse("videos:key_delete", args=[key.public_id]),
        "admin list": reverse("admin:keys_providerkey_changelist"),
        "admin search": reverse("admin:keys_providerkey_changelist") + "?q=Main",
        "admin change": reverse("admin:keys_providerkey_change", args=[key.pk]),
        "admin history": reverse("admin:keys_providerkey_history", args=[key.pk]),
        "admin delete": reverse("admin:keys_providerkey_delete", args=[key.pk]),
    }
    for where, url in pages.items():
        response = c.get(url)
        assert response.status_code == 200, where
        assert_clean(response.content, where)
        assert key.secret_encrypted not in response.content.decode(), where

    # Verify (works), a failed form (echo), a replace, admin verify action, rotation.
    c.post(reverse("videos:key_verify", args=[key.public_id]))
    assert_clean(
        c.post(
            reverse("videos:key_replace", args=[key.public_id]), {"secret": SECRET + " x"}
        ).content,
        "replace form with an error",
    )
    assert_clean(
        c.post(
            reverse("videos:keys"), {"provider": "gemini", "label": "G", "secret": SECRET}
        ).content,
        "add form with an error",
    )
    response = c.post(
        reverse("admin:keys_providerkey_changelist"),
        {"action": "verify_keys", "_selected_action": [key.pk]},
        follow=True,
    )
    assert_clean(response.content, "admin verify action")
    call_command("rotate_vault_keys", stdout=io.StringIO())

    assert_clean(caplog.text, "logs")
    for record in caplog.records:
        assert_clean(repr(record.args) + str(record.msg), "log record")


def test_provider_errors_never_carry_the_key(providers, settings):
    wrong = SECRET.replace("sandbox", "wrong")  # a well-formed key the sandbox refuses
    for provider in ("openrouter", "gemini"):
        with pytest.raises(ProviderError) as info:
            get_provider(provider, wrong).verify_key()
        error = info.value
        assert_clean(f"{error} {error!r} {error.raw} {error.args}", f"{provider} error")


def test_an_unexpected_crash_report_hides_the_key(client, user, settings, caplog):
    """Even a crash mid-request (here: a broken vault key) reports no secret to admins."""
    settings.VAULT_KEYS = ["not-a-fernet-key"]
    client.force_login(user)
    client.raise_request_exception = False
    response = client.post(
        reverse("videos:keys"), {"provider": "openrouter", "label": "x", "secret": SECRET}
    )
    assert response.status_code == 500
    record = next(r for r in caplog.records if r.name == "django.request" and r.exc_info)
    reporter = ExceptionReporter(record.request, *record.exc_info, is_email=True)
    assert_clean(reporter.get_traceback_text(), "the crash report e-mailed to admins")
    assert_clean(reporter.get_traceback_html(), "the crash report page")
    assert_clean(caplog.text, "logs")


def test_repr_and_str_of_a_key_show_only_the_mask(user):
    key = ProviderKey(
        workspace=personal_workspace(user), owner=user, provider="openrouter", label="Main"
    )
    key.set_secret(SECRET)
    key.save()
    assert_clean(repr(key) + str(key), "repr/str")
    assert key.masked in str(key)


def test_a_wrong_vault_key_in_settings_is_a_clear_error_without_secrets(settings, user):
    key = ProviderKey(
        workspace=personal_workspace(user), owner=user, provider="openrouter", label="Main"
    )
    key.set_secret(SECRET)
    key.save()
    settings.VAULT_KEYS = [Fernet.generate_key().decode()]
    works, message = key.verify()
    assert works is False
    assert_clean(message, "message")
    settings.VAULT_KEYS = [TEST_VAULT_KEY]
    assert key.reveal() == SECRET
