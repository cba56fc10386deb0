"""Start-up configuration: production refuses to run without secrets, and passes check --deploy."""

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent


def run(*args, env_extra: dict, clear=("MARKETOS_", "DJANGO_")) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(clear)}
    env.update(env_extra)
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


PRODUCTION = {
    "MARKETOS_SECRET_KEY": "a" * 20 + "production-secret-key-with-enough-entropy-8d7f6e5c4b3a",
    "MARKETOS_VAULT_KEYS": Fernet.generate_key().decode(),
    "MARKETOS_ALLOWED_HOSTS": "video.example.com",
    "MARKETOS_PUBLIC_URL": "https://video.example.com",
}


def test_production_without_secret_key_stops_with_a_clear_message():
    env = {k: v for k, v in PRODUCTION.items() if k != "MARKETOS_SECRET_KEY"}
    result = run("manage.py", "check", env_extra=env)
    assert result.returncode != 0
    assert "MARKETOS_SECRET_KEY is not set" in result.stderr


def test_production_without_vault_key_stops_with_a_clear_message():
    env = {k: v for k, v in PRODUCTION.items() if k != "MARKETOS_VAULT_KEYS"}
    result = run("manage.py", "check", env_extra=env)
    assert result.returncode != 0
    assert "MARKETOS_VAULT_KEYS is not set" in result.stderr


def test_secrets_can_be_read_from_files_as_docker_mounts_them(tmp_path):
    secret, vault = tmp_path / "secret_key", tmp_path / "vault_keys"
    secret.write_text(PRODUCTION["MARKETOS_SECRET_KEY"] + "\n")
    vault.write_text(PRODUCTION["MARKETOS_VAULT_KEYS"] + "\n")
    from_files = {
        k: v
        for k, v in PRODUCTION.items()
        if k not in ("MARKETOS_SECRET_KEY", "MARKETOS_VAULT_KEYS")
    }
    from_files |= {"MARKETOS_SECRET_KEY_FILE": str(secret), "MARKETOS_VAULT_KEYS_FILE": str(vault)}
    shown = run(
        "manage.py",
        "shell",
        "-c",
        "from django.conf import settings; print(settings.SECRET_KEY == "
        f"{PRODUCTION['MARKETOS_SECRET_KEY']!r}, settings.VAULT_KEYS)",
        env_extra=from_files,
    )
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.splitlines()[-1].split() == [
        "True",
        f"['{PRODUCTION['MARKETOS_VAULT_KEYS']}']",
    ]
    both = run("manage.py", "check", env_extra=from_files | PRODUCTION)
    assert both.returncode != 0
    assert "Set MARKETOS_SECRET_KEY or MARKETOS_SECRET_KEY_FILE, not both." in both.stderr
    missing = from_files | {"MARKETOS_SECRET_KEY_FILE": str(tmp_path / "nowhere")}
    result = run("manage.py", "check", env_extra=missing)
    assert result.returncode != 0
    assert (
        f"MARKETOS_SECRET_KEY_FILE names '{tmp_path / 'nowhere'}', which cannot be read: "
        "No such file or directory." in result.stderr
    )
    assert PRODUCTION["MARKETOS_SECRET_KEY"] not in result.stderr


def test_a_malformed_vault_key_or_url_is_reported():
    result = run(
        "manage.py",
        "rotate_vault_keys",
        env_extra=PRODUCTION | {"MARKETOS_VAULT_KEYS": "not-a-fernet-key"},
    )
    assert result.returncode != 0
    assert "is not a Fernet key" in result.stderr
    result = run(
        "manage.py",
        "check",
        env_extra=PRODUCTION | {"MARKETOS_OPENROUTER_BASE_URL": "openrouter.ai"},
    )
    assert "MARKETOS_OPENROUTER_BASE_URL must be an http(s) URL" in result.stderr
    result = run("manage.py", "check", env_extra=PRODUCTION | {"MARKETOS_DEBUG": "maybe"})
    assert "MARKETOS_DEBUG must be a boolean" in result.stderr


def test_check_deploy_passes_in_production_configuration(tmp_path):
    env = PRODUCTION | {"DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}"}
    result = run("manage.py", "check", "--deploy", "--fail-level", "WARNING", env_extra=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_requires_the_public_url_of_e_mailed_links(tmp_path):
    env = {k: v for k, v in PRODUCTION.items() if k != "MARKETOS_PUBLIC_URL"}
    env |= {"DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}"}
    result = run("manage.py", "check", "--deploy", env_extra=env)
    assert result.returncode != 0
    assert "marketos.E001" in result.stderr and "MARKETOS_PUBLIC_URL is not set" in result.stderr
    # A plain check (migrate, the worker) still runs: only a deployment is refused.
    assert run("manage.py", "check", env_extra=env).returncode == 0
    result = run(
        "manage.py",
        "check",
        env_extra=PRODUCTION | {"MARKETOS_PUBLIC_URL": "https://video.example.com/app/"},
    )
    assert "MARKETOS_PUBLIC_URL must be an origin" in result.stderr


def test_debug_defaults_to_off():
    code = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"
    result = run("-c", code, env_extra=PRODUCTION | {"DJANGO_SETTINGS_MODULE": "marketos.settings"})
    assert result.stdout.strip() == "False", result.stderr


def test_demo_env_is_written_once_and_reused(tmp_path):
    path = tmp_path / "demo.env"
    assert run("-m", "demo.env", str(path), env_extra={}).returncode == 0
    first = path.read_text()
    assert "MARKETOS_VAULT_KEYS=" in first and "MARKETOS_DEMO=1" in first
    assert "MARKETOS_DEBUG=0" in first  # the product's own error pages, as deployed
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert run("-m", "demo.env", str(path), env_extra={}).returncode == 0
    assert path.read_text() == first


@pytest.mark.django_db
def test_the_demo_user_is_made_only_in_the_demo(monkeypatch):
    from django.contrib.auth import get_user_model
    from django.core.management import CommandError, call_command

    monkeypatch.setenv("MARKETOS_DEMO_PASSWORD", "demo-pw-1234")
    monkeypatch.delenv("MARKETOS_DEMO", raising=False)
    with pytest.raises(CommandError, match="only runs in the demo"):
        call_command("seed_demo")
    assert not get_user_model().objects.exists()
    monkeypatch.setenv("MARKETOS_DEMO", "1")
    call_command("seed_demo", stdout=io.StringIO())
    assert get_user_model().objects.get(username="demo").check_password("demo-pw-1234")
