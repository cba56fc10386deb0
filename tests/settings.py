"""Test settings: the production configuration, with test secrets and plain http on loopback.

Subprocesses started by tests (workers, servers) use this module too, through
DJANGO_SETTINGS_MODULE, so they see the same database and vault.
"""

import os
import tempfile
from pathlib import Path

TEST_VAULT_KEY = "JMKgQ3G_j7lzLXzSC4oyn-LSMdHYxNKw092CVSqzR-c="

os.environ.setdefault(
    "MARKETOS_SECRET_KEY", "tests-only-secret-key-7c1f0b6e2d9a4c3f8e5b1a0d6c2e9f4b"
)
os.environ.setdefault("MARKETOS_VAULT_KEYS", TEST_VAULT_KEY)
os.environ.setdefault("MARKETOS_ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("MARKETOS_SSL_REDIRECT", "0")
os.environ.setdefault("MARKETOS_SECURE_COOKIES", "0")  # plain http on loopback in browser tests
os.environ.setdefault("MARKETOS_HSTS_SECONDS", "0")
os.environ.setdefault("MARKETOS_VERIFY_TIMEOUT", "1.5")
# E-mailed links are built on it (the browser tests point it at their live server).
os.environ.setdefault("MARKETOS_PUBLIC_URL", "http://testserver")
# Made once per test run, by the process that starts it (the workers it starts inherit it),
# and removed by that process when the run ends (tests/conftest.py).
if "MARKETOS_TEST_RUN_DIR" not in os.environ:
    os.environ["MARKETOS_TEST_RUN_DIR"] = tempfile.mkdtemp(prefix="marketos-")
    RUN_DIR_MADE_BY = os.getpid()
_run_dir = Path(os.environ["MARKETOS_TEST_RUN_DIR"])
# One media folder per pytest-xdist worker; worker processes a test starts inherit its name.
_media = _run_dir / os.environ.get("PYTEST_XDIST_WORKER", "main") / "media"
os.environ["MARKETOS_MEDIA_ROOT"] = str(_media)

from marketos.settings import *  # noqa: E402, F403
from marketos.settings import DATABASES, STORAGES  # noqa: E402

STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
WHITENOISE_USE_FINDERS = True
STATIC_ROOT = _run_dir / "static"
STATIC_ROOT.mkdir(exist_ok=True)
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not :memory:, so that tests can read the bytes on disk and share it with processes.
    DATABASES["default"]["TEST"] = {"NAME": str(_run_dir / "test.sqlite3")}
