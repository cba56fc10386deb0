"""Settings for MarketOS Video, read from the environment.

Every setting has a safe production default: DEBUG is off, secrets must be given, and private
network hosts are unreachable. The demo and the tests turn on what they need through the same
environment variables (see README.md for the full list).
"""

import os
import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"


def shipped(name: str) -> Path:
    """templates/ or static/: at the top of a checkout, or inside this package when installed
    from a built wheel (which carries them there: see setup.py)."""
    installed = Path(__file__).resolve().parent / name
    return installed if installed.is_dir() else BASE_DIR / name


def envstr(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def envsecret(name: str, default: str = "") -> str:
    """A secret from ``name``, or read from the file ``name_FILE`` names (Docker secrets and
    the like mount them as files, so the value never sits in the environment)."""
    path = envstr(f"{name}_FILE")
    if not path:
        return envstr(name, default)
    if envstr(name):
        raise ImproperlyConfigured(f"Set {name} or {name}_FILE, not both.")
    try:
        return Path(path).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not UTF-8 text"
        raise ImproperlyConfigured(
            f"{name}_FILE names {path!r}, which cannot be read: {reason}."
        ) from None


def envbool(name: str, default: bool = False) -> bool:
    value = envstr(name)
    if not value:
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}.")


def envint(name: str, default: int) -> int:
    value = envstr(name)
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, not {value!r}.") from None


def envfloat(name: str, default: float) -> float:
    value = envstr(name)
    if not value:
        return default
    try:
        return float(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, not {value!r}.") from None


def envurl(name: str, default: str) -> str:
    value = envstr(name, default).rstrip("/")
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ImproperlyConfigured(f"{name} must be an http(s) URL with a host, not {value!r}.")
    return value


def envlist(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in envstr(name, default).split(",") if item.strip()]


_RATE = re.compile(r"^(\d+)\s*/\s*(\d*)\s*(s|sec|second|m|min|minute|h|hour|d|day)s?$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def envrate(name: str, default: str) -> tuple[int, int]:
    """A budget like "120/min" or "10/15min": (requests, per so many seconds)."""
    value = envstr(name, default).lower()
    match = _RATE.match(value)
    if not match or int(match[1]) < 1 or match[2] == "0":
        raise ImproperlyConfigured(
            f"{name} must be a budget like 120/min or 10/15min (s, min, hour, day), not {value!r}."
        )
    return int(match[1]), int(match[2] or 1) * _UNIT_SECONDS[match[3][0]]


DEBUG = envbool("MARKETOS_DEBUG", False)

SECRET_KEY = envsecret("MARKETOS_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "MARKETOS_SECRET_KEY is not set. Production mode (MARKETOS_DEBUG off) needs a long "
            "random secret, e.g. from: python -c 'import secrets; print(secrets.token_urlsafe(50))'"
        )
    SECRET_KEY = "insecure-development-only-secret-key-not-for-production-use-0123456789"  # noqa: S105

# Fernet keys that encrypt provider keys at rest, newest first: the first encrypts, all decrypt.
VAULT_KEYS = [k.strip() for k in envsecret("MARKETOS_VAULT_KEYS").split(",") if k.strip()]
if not VAULT_KEYS and not DEBUG:
    raise ImproperlyConfigured(
        "MARKETOS_VAULT_KEYS is not set. Production mode needs at least one Fernet key to "
        "encrypt provider keys, e.g. from: python -c 'from cryptography.fernet import Fernet; "
        "print(Fernet.generate_key().decode())'"
    )

for _key in VAULT_KEYS:
    try:
        Fernet(_key.encode())
    except ValueError:
        raise ImproperlyConfigured(
            "MARKETOS_VAULT_KEYS holds a value that is not a Fernet key (32 url-safe base64 bytes)."
        ) from None

ALLOWED_HOSTS = envlist("MARKETOS_ALLOWED_HOSTS", "localhost,127.0.0.1" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = envlist("MARKETOS_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Its widget templates, for FORM_RENDERER below.
    "django.forms",
    "django_htmx",
    "axes",
    # The ground floor: pending uploads and the image checks every form shares.
    "common",
    "workspaces",
    "brand",
    "inbox",
    "keys",
    # Before django_tasks_db: its db_worker command is extended here (recovery at start-up).
    "videos",
    "review",
    "spend",
    "campaigns",
    # The top floor: the offline demo's sample work and its seed_demo command.
    "demo",
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before sessions and users: a status poll with a fresh pass and nothing new ends here.
    "videos.live.UnchangedPanelMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Guests' requests (share links) are counted, and refused over budget, before any view.
    "review.throttle.GuestRateMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last: it answers a locked-out login attempt.
    "axes.middleware.AxesMiddleware",
]
AUTHENTICATION_BACKENDS = [
    # First: it refuses a locked-out attempt before a password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "marketos.urls"
WSGI_APPLICATION = "marketos.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [shipped("templates")],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "workspaces.menu.workspace_menu",
                "inbox.context_processors.unread_notifications",
            ],
        },
    },
]

# Forms render with the project's templates, so that a field rendered by Django
# (``as_field_group``) looks like every other field: templates/django/forms/field.html.
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

DATABASES = {
    "default": dj_database_url.parse(
        envsecret("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'marketos.sqlite3'}",
        conn_max_age=envint("MARKETOS_DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server and the worker write to one file: wait for locks instead of failing.
    # Connections are kept (CONN_MAX_AGE) as on PostgreSQL: opening one runs the PRAGMAs below,
    # which cost more than the queries of a small request.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Failed logins (the app's and the admin's) are throttled per client address, and per account
# from one address, then refused for a cool-off time. An attacker elsewhere cannot lock a person
# out, and no lockout lasts longer than the cool-off (retrying meanwhile does not extend it).
# Failures are logged with the user name and the address.
AXES_FAILURE_LIMIT = envint("MARKETOS_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=envint("MARKETOS_LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["ip_address", ["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Behind reverse proxies (nginx...), how many of them add to X-Forwarded-For: the client's
# address is then read from there instead of being the proxy's own.
TRUSTED_PROXY_COUNT = envint("MARKETOS_TRUSTED_PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "common.client_address.client_ip"
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# An operator needs to see who was tried, and from where (the password is never logged).
AXES_SENSITIVE_PARAMETERS: list[str] = []
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "videos:home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = envstr("MARKETOS_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True
# One date format across the app ("23 Nov 2026, 14:05"): marketos/formats/en/formats.py.
FORMAT_MODULE_PATH = ["marketos.formats"]

STATIC_URL = "static/"
STATIC_ROOT = Path(envstr("MARKETOS_STATIC_ROOT") or VAR_DIR / "static")
STATICFILES_DIRS = [shipped("static")]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(envstr("MARKETOS_MEDIA_ROOT") or VAR_DIR / "media")
# Behind nginx: an internal location that serves MEDIA_ROOT, e.g. "/protected-media/".
MEDIA_ACCEL_PREFIX = envstr("MARKETOS_MEDIA_ACCEL_PREFIX")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# S3-compatible media storage (pip install "marketos-video[s3]"): clips are then served by
# redirecting to short-lived presigned URLs.
if S3_BUCKET := envstr("MARKETOS_S3_BUCKET"):
    from boto3.s3.transfer import TransferConfig

    # Clips go up in parts of 5 MiB (the least S3 accepts), two at a time. boto3 reads each
    # part into memory (by default up to eleven of 8 MiB): a worker's memory stays bounded
    # whatever the clip's size.
    _upload = TransferConfig(
        multipart_threshold=5 * 1024**2, multipart_chunksize=5 * 1024**2, max_concurrency=2
    )
    _upload.max_in_memory_upload_chunks = 2
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": envstr("MARKETOS_S3_ENDPOINT_URL") or None,
            "region_name": envstr("MARKETOS_S3_REGION") or None,
            # Signature version 4 always: botocore would otherwise presign URLs with the legacy
            # version 2, which R2 and the newer AWS regions refuse.
            "signature_version": "s3v4",
            "querystring_auth": True,
            "querystring_expire": envint("MARKETOS_S3_URL_SECONDS", 300),
            "default_acl": None,
            "file_overwrite": True,
            "transfer_config": _upload,
        },
    }
    # Browsers then fetch clips and posters from the storage itself: the origin of the endpoint
    # (addressed by path), or on AWS the bucket's own host, global or regional.
    if (_endpoint := urlsplit(envstr("MARKETOS_S3_ENDPOINT_URL"))).netloc:
        S3_ORIGINS = [f"{_endpoint.scheme}://{_endpoint.netloc}"]
    else:
        S3_ORIGINS = [f"https://{S3_BUCKET}.s3.amazonaws.com"]
        if _region := envstr("MARKETOS_S3_REGION"):
            S3_ORIGINS.append(f"https://{S3_BUCKET}.s3.{_region}.amazonaws.com")
else:
    S3_ORIGINS = []

TASKS = {
    "default": {
        "BACKEND": envstr("MARKETOS_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# Providers. Base URLs are configurable so that the offline sandbox can stand in for both APIs.
OPENROUTER_BASE_URL = envurl("MARKETOS_OPENROUTER_BASE_URL", "https://openrouter.ai/api/v1")
GEMINI_BASE_URL = envurl("MARKETOS_GEMINI_BASE_URL", "https://generativelanguage.googleapis.com")
# Gemini Omni hands a finished video back as a file "uri" (fetched separately, streamed) or
# "inline" inside the job's JSON (decoded as it streams).
GEMINI_DELIVERY = envstr("MARKETOS_GEMINI_DELIVERY", "uri")
if GEMINI_DELIVERY not in ("uri", "inline"):
    raise ImproperlyConfigured("MARKETOS_GEMINI_DELIVERY must be uri or inline.")
# Gemini Omni bills tokens; its cost is computed from the usage it reports at these rates (USD
# per million tokens; Google's published prices, November 2026).
OMNI_VIDEO_OUTPUT_USD_PER_MILLION = envfloat("MARKETOS_OMNI_VIDEO_OUTPUT_USD_PER_MILLION", 17.50)
OMNI_TEXT_OUTPUT_USD_PER_MILLION = envfloat("MARKETOS_OMNI_TEXT_OUTPUT_USD_PER_MILLION", 9.00)
OMNI_INPUT_USD_PER_MILLION = envfloat("MARKETOS_OMNI_INPUT_USD_PER_MILLION", 1.50)
# host:port pairs that may be reached over plain http and on private addresses (the sandbox).
ALLOW_PRIVATE_HOSTS = envlist("MARKETOS_ALLOW_PRIVATE_HOSTS")
# Key verification is interactive: a user waits for it, so it gives up quickly.
VERIFY_TIMEOUT = envfloat("MARKETOS_VERIFY_TIMEOUT", 10.0)

# Jobs: polling backs off from POLL_MIN to POLL_MAX seconds and gives up at the deadline.
POLL_MIN_SECONDS = envfloat("MARKETOS_POLL_MIN_SECONDS", 5.0)
POLL_MAX_SECONDS = envfloat("MARKETOS_POLL_MAX_SECONDS", 30.0)
JOB_DEADLINE_SECONDS = envint("MARKETOS_JOB_DEADLINE_SECONDS", 30 * 60)
PROVIDER_TIMEOUT = envfloat("MARKETOS_PROVIDER_TIMEOUT", 30.0)
# Submits the provider refused outright (429, 5xx, unreachable) are retried this many times.
SUBMIT_MAX_ATTEMPTS = envint("MARKETOS_SUBMIT_MAX_ATTEMPTS", 5)
# Clips: copied with a size cap; failed copies retried with backoff; a copy holds a lease that a
# recovering worker may take over once it lapses (its worker died).
MAX_CLIP_BYTES = envint("MARKETOS_MAX_CLIP_BYTES", 2 * 1024**3)
# A download may take at most this long, and after its first minute must average this rate: a
# source trickling bytes would otherwise hold a worker (and everyone's jobs) for ever.
DOWNLOAD_MAX_SECONDS = envint("MARKETOS_DOWNLOAD_MAX_SECONDS", 30 * 60)
DOWNLOAD_MIN_BYTES_PER_SECOND = envint("MARKETOS_DOWNLOAD_MIN_BYTES_PER_SECOND", 32 * 1024)
CLIP_MAX_ATTEMPTS = envint("MARKETOS_CLIP_MAX_ATTEMPTS", 6)
CLIP_RETRY_SECONDS = envfloat("MARKETOS_CLIP_RETRY_SECONDS", 5.0)
CLIP_LEASE_SECONDS = envint("MARKETOS_CLIP_LEASE_SECONDS", 120)
# One attempt at rendering an export may take this long and write this much; past either it
# ends failed (another attempt would take as long again) and frees its worker.
RENDER_MAX_SECONDS = envint("MARKETOS_RENDER_MAX_SECONDS", 5 * 60)
RENDER_MAX_BYTES = envint("MARKETOS_RENDER_MAX_BYTES", 512 * 1024**2)
# What this server decodes of a provider's video, read from its headers before any frame is: a
# small file can state gigabytes of pixels or hours of frames. Today's largest provider output is
# 4K at 60 fps for tens of seconds; these leave room above it.
VIDEO_MAX_SECONDS = envfloat("MARKETOS_VIDEO_MAX_SECONDS", 10 * 60)
VIDEO_MAX_FPS = envfloat("MARKETOS_VIDEO_MAX_FPS", 120)
VIDEO_MAX_FRAMES = envint("MARKETOS_VIDEO_MAX_FRAMES", 10 * 60 * 60)
VIDEO_MAX_PIXELS = envint("MARKETOS_VIDEO_MAX_PIXELS", 4096 * 4096)
VIDEO_MAX_SIDE = envint("MARKETOS_VIDEO_MAX_SIDE", 8192)
VIDEO_MAX_STREAMS = envint("MARKETOS_VIDEO_MAX_STREAMS", 16)
# Recovery: how often a worker looks for jobs whose task chain died with its worker.
RECOVERY_INTERVAL_SECONDS = envint("MARKETOS_RECOVERY_INTERVAL_SECONDS", 60)
# A campaign plan nobody starts or discards is forgotten after this many days.
UNSTARTED_PLAN_DAYS = envint("MARKETOS_UNSTARTED_PLAN_DAYS", 14)
# How late a step must be before recovery assumes its worker died.
RECOVERY_GRACE_SECONDS = envint("MARKETOS_RECOVERY_GRACE_SECONDS", 120)

# Uploads. Every file a request sends is spooled to a temporary file on disk as it arrives and
# counted (common.uploads): one larger than an image may be (10 MB), or one that would take the
# request's files past UPLOAD_MAX_REQUEST_BYTES, is refused there, by name, on its form. Nothing
# is held in memory; the form's other fields are limited by Django's DATA_UPLOAD_MAX_MEMORY_SIZE.
FILE_UPLOAD_HANDLERS = ["common.uploads.CountedUploadHandler"]
FILE_UPLOAD_MAX_MEMORY_SIZE = 0
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# More files than this in one request is no form's doing: the request is refused whole (400).
DATA_UPLOAD_MAX_NUMBER_FILES = 100
UPLOAD_MAX_REQUEST_BYTES = envint("MARKETOS_UPLOAD_MAX_REQUEST_BYTES", 50 * 1024**2)
# Images chosen on forms and not used yet, per person (forgotten a day after they were chosen).
PENDING_UPLOADS_MAX = envint("MARKETOS_PENDING_UPLOADS_MAX", 40)
PENDING_UPLOADS_MAX_BYTES = envint("MARKETOS_PENDING_UPLOADS_MAX_BYTES", 200 * 1024**2)
# The images of a workspace's campaign plans nobody has started yet, together.
PLAN_IMAGES_MAX_BYTES = envint("MARKETOS_PLAN_IMAGES_MAX_BYTES", 500 * 1024**2)

# The cache holds the guests' request counts (share links are rate limited). With Redis every
# web process counts together; the local-memory fallback counts per process, so with several
# processes a budget is that many times larger.
if REDIS_URL := envsecret("MARKETOS_REDIS_URL"):
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Client share links: every guest request counts against a budget per client address and one
# per link; wrong passwords against a much smaller one per address and link. Over budget: 429.
GUEST_RATE = envrate("MARKETOS_GUEST_RATE", "120/min")
GUEST_LINK_RATE = envrate("MARKETOS_GUEST_LINK_RATE", "600/min")
GUEST_PASSWORD_RATE = envrate("MARKETOS_GUEST_PASSWORD_RATE", "10/15min")
# Wrong passwords one link takes from every address together; past it the link is paused.
GUEST_LINK_PASSWORD_RATE = envrate("MARKETOS_GUEST_LINK_PASSWORD_RATE", "20/hour")
# Comments and replies one guest (by name, and by address) may post on one link.
GUEST_COMMENT_RATE = envrate("MARKETOS_GUEST_COMMENT_RATE", "30/10min")
# The team hears of a link's guests by e-mail at most this often per person and link; what
# guests do meanwhile is gathered into the next e-mail.
CLIENT_EMAIL_INTERVAL_SECONDS = envint("MARKETOS_CLIENT_EMAIL_INTERVAL_SECONDS", 300)
# Password-reset e-mails one e-mail address may be sent, and one client address may ask for.
PASSWORD_RESET_RATE = envrate("MARKETOS_PASSWORD_RESET_RATE", "5/hour")

# Prometheus metrics at /metrics, for a scraper sending "Authorization: Bearer <token>"; empty:
# no metrics endpoint.
METRICS_TOKEN = envsecret("MARKETOS_METRICS_TOKEN")

# The public origin people reach this app at (e.g. https://video.example.com): every link an
# e-mail carries is built from it (invitations, password resets, notifications), and so is the
# webhook address given to providers. Required in production (``check --deploy`` says so: a
# worker sending a notification has no request to take a host from).
PUBLIC_URL = envstr("MARKETOS_PUBLIC_URL", "http://127.0.0.1:8000" if DEBUG else "").rstrip("/")
if PUBLIC_URL:
    PUBLIC_URL = envurl("MARKETOS_PUBLIC_URL", PUBLIC_URL)
    if urlsplit(PUBLIC_URL)._replace(scheme="", netloc="").geturl():
        raise ImproperlyConfigured(
            f"MARKETOS_PUBLIC_URL must be an origin such as https://video.example.com, with no "
            f"path, query or fragment, not {PUBLIC_URL!r}."
        )
# `make demo` (its login page says where the demo's password is printed).
DEMO = envbool("MARKETOS_DEMO", False)
# Anyone may make an account at /signup/ (otherwise people join by invitation, or an admin
# makes their account).
OPEN_SIGNUP = envbool("MARKETOS_OPEN_SIGNUP", False)

# Workspace invitations are e-mailed with a signed link that expires after this many days.
INVITATION_DAYS = envint("MARKETOS_INVITATION_DAYS", 7)
# A password reset link works once, for a day (Django's default is three).
PASSWORD_RESET_TIMEOUT = 24 * 3600
# E-mail (invitations, password resets, notifications): debug prints mails to the console,
# production sends them over SMTP. Bodies are plain text, sent 8-bit (workspaces/mail.py) so
# that a long link stays whole on one line.
# Django 6.1 configures mail through MAILERS (the EMAIL_* settings are deprecated).
_email_backend = envstr(
    "MARKETOS_EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
MAILERS = {"default": {"BACKEND": _email_backend}}
if _email_backend == "django.core.mail.backends.smtp.EmailBackend":
    MAILERS["default"]["OPTIONS"] = {
        "host": envstr("MARKETOS_EMAIL_HOST", "localhost"),
        "port": envint("MARKETOS_EMAIL_PORT", 25),
        "username": envstr("MARKETOS_EMAIL_HOST_USER"),
        "password": envsecret("MARKETOS_EMAIL_HOST_PASSWORD"),
        "use_tls": envbool("MARKETOS_EMAIL_USE_TLS", False),
        "timeout": 10,
    }
DEFAULT_FROM_EMAIL = envstr("MARKETOS_DEFAULT_FROM_EMAIL", "MarketOS Video <noreply@localhost>")

# OpenRouter webhooks: with PUBLIC_URL, submissions carry a callback_url and the receiver at
# /webhooks/openrouter/ moves jobs forward as soon as OpenRouter reports a terminal state.
OPENROUTER_WEBHOOK_SECRET = envsecret("MARKETOS_OPENROUTER_WEBHOOK_SECRET")

# Security. Behind a TLS-terminating proxy set MARKETOS_SECURE_PROXY_SSL_HEADER=1.
SESSION_COOKIE_SECURE = envbool("MARKETOS_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = envbool("MARKETOS_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = envint("MARKETOS_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("MARKETOS_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = envbool("MARKETOS_HSTS_PRELOAD", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if envbool("MARKETOS_SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:", "blob:", *S3_ORIGINS],
    "media-src": [CSP.SELF, "blob:", *S3_ORIGINS],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
if not DEBUG:
    SILENCED_SYSTEM_CHECKS = envlist("MARKETOS_SILENCED_SYSTEM_CHECKS")
    if not SECURE_HSTS_INCLUDE_SUBDOMAINS:
        # Subdomains may host other services the operator does not control; opt in explicitly.
        SILENCED_SYSTEM_CHECKS.append("security.W005")
    if not SECURE_HSTS_PRELOAD:
        SILENCED_SYSTEM_CHECKS.append("security.W021")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "{asctime} {levelname} {name}: {message}", "style": "{"}},
    # Share-link tokens are keys: taken out of every line ("/s/[link]/..."), whoever logs it.
    "filters": {"share_tokens": {"()": "common.log_filters.ShareTokens"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["share_tokens"],
        }
    },
    "root": {"handlers": ["console"], "level": envstr("MARKETOS_LOG_LEVEL", "INFO")},
    "loggers": {
        # Everything goes through the root handler once (Django's own console handler would
        # print a second, unformatted copy in debug).
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        # Under gunicorn, its access lines (with --access-logfile) and errors go through the
        # same handler, so that they are filtered too.
        "gunicorn.access": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # httpx logs every request URL at INFO; provider URLs carry no secrets, but keep it quiet.
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
    },
}
