"""Write the demo's environment file once, with freshly generated secrets, and reuse it after.

Usage: python -m demo.env var/demo.env
"""

import base64
import hashlib
import hmac
import secrets
import sys
from pathlib import Path

from cryptography.fernet import Fernet

SANDBOX = "127.0.0.1:8100"
DEMO_SETTINGS = {
    # The demo runs as the product runs (its own 404 and 500 pages, compressed static files),
    # only over plain HTTP on this machine.
    "MARKETOS_DEBUG": "0",
    "MARKETOS_DEMO": "1",
    "MARKETOS_SECURE_COOKIES": "0",
    "MARKETOS_SSL_REDIRECT": "0",
    "MARKETOS_HSTS_SECONDS": "0",
    "MARKETOS_ALLOWED_HOSTS": "localhost,127.0.0.1",
    # Where the demo answers (see Procfile): the links of the e-mails it prints are built on it.
    "MARKETOS_PUBLIC_URL": "http://127.0.0.1:8000",
    # Both providers are played by the offline sandbox (see Procfile).
    "MARKETOS_OPENROUTER_BASE_URL": f"http://{SANDBOX}/api/v1",
    "MARKETOS_GEMINI_BASE_URL": f"http://{SANDBOX}",
    "MARKETOS_ALLOW_PRIVATE_HOSTS": f"{SANDBOX},localhost:8100",
    "SANDBOX_PORT": "8100",
    # E-mails (invitations, password resets, notifications) are printed to the console.
    "MARKETOS_EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
}


def generated() -> dict[str, str]:
    return {
        "MARKETOS_SECRET_KEY": secrets.token_urlsafe(50),
        "MARKETOS_VAULT_KEYS": Fernet.generate_key().decode(),
        "MARKETOS_DEMO_PASSWORD": secrets.token_urlsafe(9),
    }


def client_link(secret_key: str) -> tuple[str, str]:
    """The token and password of the demo's sample client link. Made from the demo's secret
    key, so that ``seed_demo`` (which makes the link) and the banner (which prints it) agree
    without either being written down anywhere (only a digest of a token is ever stored)."""

    def derived(purpose: bytes) -> bytes:
        return hmac.new(secret_key.encode(), purpose, hashlib.sha256).digest()

    token = base64.urlsafe_b64encode(derived(b"demo client link token")).decode().rstrip("=")
    return token[:32], "client-" + derived(b"demo client link password").hex()[:6]


def write(path: Path) -> None:
    existing: dict[str, str] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            name, sep, value = line.partition("=")
            if sep and not name.startswith("#"):
                existing[name.strip()] = value.strip()
    # Generated secrets are kept once written (keys encrypted under them must stay readable);
    # fixed demo settings are refreshed so an upgrade can change them.
    values = generated() | existing | DEMO_SETTINGS
    if values == existing:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "# Generated for `make demo`; keep it private. Delete it to start over with new secrets.\n"
        + "".join(f"{name}={value}\n" for name, value in values.items())
    )
    path.chmod(0o600)


if __name__ == "__main__":
    write(Path(sys.argv[1]))
