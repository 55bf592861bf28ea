"""Django settings for the Kinsight control plane and web service.

The control-plane database is SQLite by default (embedded, nothing to install);
set ``KINSIGHT_DATABASE_URL=postgresql://host:port/name`` for PostgreSQL.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlparse

import plotly

BASE_DIR = Path(__file__).resolve().parent
STATE_DIR = Path(os.environ.get("KINSIGHT_STATE_DIR", Path.cwd() / ".kinsight"))

SECRET_KEY = os.environ.get("KINSIGHT_SECRET_KEY", "insecure-development-key-change-me")
DEBUG = os.environ.get("KINSIGHT_DEBUG", "") == "1"
ALLOWED_HOSTS = os.environ.get("KINSIGHT_ALLOWED_HOSTS", "localhost,127.0.0.1,testserver").split(",")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "kinsight.governance",
    "kinsight.web.accounts",
    "kinsight.web.pages",
    "kinsight.web.quality",
    "kinsight.web.children",
    "kinsight.web.linkage",
    "kinsight.web.family",
    "kinsight.web.insight",
    "kinsight.web.catalogue",
    "kinsight.web.dpo",
    "kinsight.web.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "kinsight.web.security.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "kinsight.web.security.SignedInOnlyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "kinsight.web.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kinsight.web.navigation.navigation",
            ]
        },
    }
]


def _database(url: str | None) -> dict:
    if not url:
        return _sqlite(STATE_DIR / "control.sqlite3")
    parsed = urlparse(url)
    if parsed.scheme.startswith("postgres"):
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": parsed.path.lstrip("/") or "test",
            "USER": parsed.username or "postgres",
            "PASSWORD": parsed.password or "",
            "HOST": parsed.hostname or "127.0.0.1",
            "PORT": str(parsed.port or 5432),
        }
    if parsed.scheme == "sqlite":
        return _sqlite(parsed.path)
    raise ValueError(f"KINSIGHT_DATABASE_URL: unsupported database {parsed.scheme!r}")


def _sqlite(name) -> dict:
    # WAL lets pages read while the audit log is appended to; IMMEDIATE takes the write lock at
    # the start of a transaction, so concurrent writers queue instead of failing mid-way.
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": name,
        "OPTIONS": {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        },
    }


DATABASES = {"default": _database(os.environ.get("KINSIGHT_DATABASE_URL"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_TZ = True

STATIC_URL = "/static/"
# Plotly's own bundle is served from the Python package, never from a CDN.
STATICFILES_DIRS = [BASE_DIR / "static", ("plotly", Path(plotly.__file__).parent / "package_data")]
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Sessions are read from memory and written through to the database, so a page view costs no
# session query; the child-view tokens a session holds never leave the server.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "kinsight"}}

LOGIN_URL = "accounts:sign-in"
LOGIN_REDIRECT_URL = "pages:home"

# Sessions and cookies: secure by default; KINSIGHT_INSECURE_COOKIES=1 only for plain-http
# loopback use (the demo and the browser tests), where a Secure cookie would never be sent back.
_secure_cookies = os.environ.get("KINSIGHT_INSECURE_COOKIES", "") != "1"
SESSION_COOKIE_SECURE = _secure_cookies
CSRF_COOKIE_SECURE = _secure_cookies
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Strict"
SESSION_COOKIE_AGE = 8 * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SECURE_HSTS_SECONDS = 365 * 24 * 60 * 60
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True

#: Local sign-in lockout: this many failures for one username within the window locks it.
SIGN_IN_MAX_FAILURES = 5
SIGN_IN_FAILURE_WINDOW_MINUTES = 15

#: The deployment being served (``kinsight serve --config``); None when there is none yet.
KINSIGHT_CONFIG = os.environ.get("KINSIGHT_CONFIG") or None


def _oidc(config_path: str | None) -> dict | None:
    """Single sign-on settings from the deployment's ``[web.oidc]`` table, if it has one."""
    if not config_path:
        return None
    from kinsight.core.config import load_config

    return load_config(config_path).settings.get("web", {}).get("oidc") or None


KINSIGHT_OIDC = _oidc(KINSIGHT_CONFIG)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Request paths never carry personal data (see docs/web.md), but query strings might if a
    # user typed one, so the request logger keeps only method, path and status.
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {"kinsight": {"handlers": ["console"], "level": "INFO"}},
}
