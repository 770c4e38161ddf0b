"""Django settings. Everything that varies by deployment comes from the environment (CONTRACT §1)."""

import os
from pathlib import Path
from typing import Any

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
# The embedded default keeps all state under ./var of the working directory.
VAR_DIR = Path(os.environ.get("SHOUWANG_VAR_DIR", "var")).resolve()
DATA_DIR = Path(os.environ.get("SHOUWANG_DATA_DIR", str(VAR_DIR / "data"))).resolve()

DEBUG = os.environ.get("SHOUWANG_DEBUG", "").lower() in {"1", "true", "yes", "on"}
SECRET_KEY = os.environ.get("SHOUWANG_SECRET_KEY") or "shouwang-embedded-default-not-for-production"
ALLOWED_HOSTS = [h for h in os.environ.get("SHOUWANG_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "shouwang.common",
    "shouwang.regions",
    "shouwang.accounts",
    "shouwang.audit",
    "shouwang.registry",
    "shouwang.exchange",
    "shouwang.workshops",
    "shouwang.employment",
    "shouwang.publicposts",
    "shouwang.industry",
    "shouwang.screening",
    "shouwang.cases",
    "shouwang.channels",
    "shouwang.console",
    "shouwang.field",
    "shouwang.commands",
    "csp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "shouwang.common.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "shouwang.api.errors.ApiErrorMiddleware",
    "shouwang.api.idempotency.IdempotencyMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "shouwang.accounts.middleware.RefusalAuditMiddleware",
    "shouwang.common.middleware.DatabaseBusyMiddleware",
]

ROOT_URLCONF = "shouwang.urls"
WSGI_APPLICATION = "shouwang.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def _database() -> dict[str, Any]:
    url = os.environ.get("SHOUWANG_DATABASE_URL")
    if url:
        db: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=60))
    else:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        db = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(VAR_DIR / "shouwang.sqlite3")}
    if db["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets the web server read while an import writes; IMMEDIATE avoids lock upgrades
        # failing half-way through a batch. A writer waits SHOUWANG_SQLITE_BUSY_MS for the lock, then
        # answers 503 / exits 75 (shouwang.common.dblock, docs/decisions/0010).
        busy_ms = int(os.environ.get("SHOUWANG_SQLITE_BUSY_MS", "30000"))
        db.setdefault("OPTIONS", {}).update(
            {
                "init_command": (
                    f"PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout={busy_ms};"
                ),
                "transaction_mode": "IMMEDIATE",
            }
        )
    return db


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "console:login"
LOGIN_REDIRECT_URL = "console:home"
LOGOUT_REDIRECT_URL = "console:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# Behind the province's HTTPS reverse proxy set SHOUWANG_HTTPS=1: cookies become Secure and Django trusts
# the proxy's X-Forwarded-Proto header. The embedded default serves plain HTTP on 127.0.0.1.
HTTPS = os.environ.get("SHOUWANG_HTTPS", "").lower() in {"1", "true", "yes", "on"}
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The header carrying the client's address, set only when a trusted reverse proxy is the sole way in
# (e.g. "X-Real-IP"); otherwise the address is the connection's peer, REMOTE_ADDR (common/addresses.py).
SHOUWANG_TRUSTED_PROXY_HEADER = os.environ.get("SHOUWANG_TRUSTED_PROXY_HEADER", "")
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("SHOUWANG_CSRF_TRUSTED_ORIGINS", "").split(",") if o]
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 3600
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# Browsers may only load what we serve ourselves, never run inline script, never frame us (docs/console.md
# "Security headers"). Inline style *attributes* stay allowed for data-driven widths/colours and ECharts'
# tooltips; <style> elements do not (decision 0012).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "worker-src": ["'self'"],
        "manifest-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# Powerful browser features are off everywhere; the field app takes photos through <input capture>,
# which needs no camera permission.
PERMISSIONS_POLICY = (
    "accelerometer=(), autoplay=(), camera=(), display-capture=(), fullscreen=(self), geolocation=(), "
    "gyroscope=(), magnetometer=(), microphone=(), midi=(), payment=(), usb=()"
)
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
# HSTS only when served over HTTPS (the embedded default is plain HTTP on 127.0.0.1); one year unless set.
SECURE_HSTS_SECONDS = int(os.environ.get("SHOUWANG_HSTS_SECONDS", "31536000")) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = False

# Uploads: at most this many bytes per file, counted while the body streams in (shouwang.common.uploads);
# anything over the memory size spools to a temporary file, so no upload is ever held whole in memory.
SHOUWANG_UPLOAD_MAX_BYTES = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 512 * 1024
FILE_UPLOAD_HANDLERS = [
    "shouwang.common.uploads.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# Key material for personal data (DESIGN "Personal data"). When unset, the embedded default
# generates one key file under ./var/keys on first use (see shouwang.common.crypto).
SHOUWANG_DATA_KEY = os.environ.get("SHOUWANG_DATA_KEY", "")
SHOUWANG_KEY_DIR = VAR_DIR / "keys"

DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # Django's default, named here because the API limit follows it
# API request bodies (docs/api.md "Errors"): refused with 413 on the declared length, before reading.
# JSON bodies: Django's own request.body limit (2.5 MB: a field sync with a downscaled photo fits);
# multipart uploads (case documents) have their own 10 MB file check behind the upload limit.
# Feed pushes (/api/v1/feeds/<kind>) stream and check their own limit.
SHOUWANG_API_MAX_BODY_BYTES = int(
    os.environ.get("SHOUWANG_API_MAX_BODY_BYTES", str(DATA_UPLOAD_MAX_MEMORY_SIZE))
)
SHOUWANG_API_MAX_UPLOAD_BYTES = int(os.environ.get("SHOUWANG_API_MAX_UPLOAD_BYTES", str(12 * 1024 * 1024)))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("SHOUWANG_LOG_LEVEL", "WARNING")},
}
