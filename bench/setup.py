"""A throwaway configuration for a benchmark run: temporary database and media, the sandbox."""

import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent

# gunicorn's production settings, as README.md ("Production deployment") documents them and
# deploy/systemd/marketos-web.service runs them (a test checks that the three agree).
GUNICORN = (
    "--worker-class", "gthread",
    "--workers", "4",
    "--threads", "2",
    "--worker-connections", "2000",
    "--keep-alive", "5",
    "--backlog", "2048",
    "--timeout", "60",
    "--graceful-timeout", "30",
)  # fmt: skip


def configure(sandbox, **extra: str) -> Path:
    """Point Django at a fresh temporary SQLite database (or DATABASE_URL) and the sandbox."""
    workdir = Path(tempfile.mkdtemp(prefix="marketos-bench-"))
    port = sandbox.url.rsplit(":", 1)[1]
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "marketos.settings",
            "MARKETOS_SECRET_KEY": secrets.token_urlsafe(50),
            "MARKETOS_VAULT_KEYS": Fernet.generate_key().decode(),
            "MARKETOS_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "MARKETOS_MEDIA_ROOT": str(workdir / "media"),
            "MARKETOS_OPENROUTER_BASE_URL": sandbox.openrouter_base_url,
            "MARKETOS_GEMINI_BASE_URL": sandbox.gemini_base_url,
            "MARKETOS_ALLOW_PRIVATE_HOSTS": f"127.0.0.1:{port},localhost:{port}",
            "MARKETOS_LOG_LEVEL": "WARNING",
            **extra,
        }
    )
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{workdir / 'bench.sqlite3'}")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    return workdir


def demo_key(provider="openrouter"):
    from django.contrib.auth import get_user_model

    from videos.models import ProviderKey
    from workspaces.access import personal_workspace

    user, _ = get_user_model().objects.get_or_create(username="bench")
    key = ProviderKey(
        workspace=personal_workspace(user),
        owner=user,
        provider=provider,
        label=secrets.token_hex(4),
    )
    key.set_secret("sk-or-v1-sandbox-bench-000000000000000000")
    key.save()
    return user, key


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def login_session(user) -> str:
    """A session key that logs ``user`` in, as the login view would have made it."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


def start_gunicorn(*options: str, **popen) -> tuple[subprocess.Popen, str]:
    """gunicorn serving the app on a free port with the production settings (``GUNICORN``)
    and then ``options`` (which win), once it answers /healthz; returns the process and its
    base URL."""
    port = free_port()
    server = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
        [
            sys.executable,
            "-m",
            "gunicorn",
            "marketos.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            *GUNICORN,
            *options,
        ],
        cwd=ROOT,
        **popen,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            httpx.get(f"{base}/healthz").raise_for_status()
            break
        except httpx.HTTPError:
            time.sleep(0.1)
    return server, base
