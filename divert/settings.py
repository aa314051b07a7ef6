"""Django settings for Divert, read from the environment with small typed readers.

Safe defaults: DEBUG off, no secret key outside the demo/test environments, SQLite
when DATABASE_URL is unset.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import overload

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from divert.core.files import make_private, private_folder, write_private_bytes

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent


@overload
def env_str(name: str, default: str) -> str: ...
@overload
def env_str(name: str, default: None = None) -> str | None: ...
def env_str(name: str, default: str | None = None) -> str | None:
    """Return a string setting, or the default."""
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def env_bool(name: str, default: bool = False) -> bool:
    """Return a boolean setting; anything but a clear yes/no is an error."""
    value = os.environ.get(name)
    if value in (None, ""):
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def env_int(name: str, default: int) -> int:
    """Return an integer setting; a non-integer is an error."""
    value = os.environ.get(name)
    if value in (None, ""):
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from exc


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    """Return a comma-separated list setting."""
    value = os.environ.get(name)
    if value in (None, ""):
        return list(default or [])
    return [item.strip() for item in value.split(",") if item.strip()]


# "production" (default), "demo" or "test". Only demo and test get built-in keys.
DIVERT_ENV = env_str("DIVERT_ENV", "production")
if DIVERT_ENV not in {"production", "demo", "test"}:
    raise ImproperlyConfigured(f"DIVERT_ENV must be production, demo or test, not {DIVERT_ENV!r}")
INSECURE_ENV = DIVERT_ENV in {"demo", "test"}

SECRET_KEY = env_str("DIVERT_SECRET_KEY", "")
if not SECRET_KEY:
    if not INSECURE_ENV:
        raise ImproperlyConfigured(
            "DIVERT_SECRET_KEY is not set. Set it, or set DIVERT_ENV=demo or DIVERT_ENV=test "
            "for a local demo or the test suite."
        )
    SECRET_KEY = f"insecure-{DIVERT_ENV}-key-never-use-in-production-0123456789abcdef"

# Keys for encrypted free-text fields: comma-separated Fernet keys, newest first.
# Demo and test derive one from the secret key; production must set them.
FIELD_ENCRYPTION_KEYS = env_list("DIVERT_FIELD_KEYS")
if not FIELD_ENCRYPTION_KEYS and not INSECURE_ENV:
    raise ImproperlyConfigured(
        "DIVERT_FIELD_KEYS is not set: generate one with `divert keys new` and keep it safe."
    )
# Secret for blind indexes and hashed tokens (HMAC). Derived from SECRET_KEY if unset.
HMAC_KEY = env_str("DIVERT_HMAC_KEY", SECRET_KEY)
# Secret salt for the hashed child ids in research extracts (divert/evaluation/extract.py).
# Demo and test use a fixed one; production must set it.
RESEARCH_SALT = env_str("DIVERT_RESEARCH_SALT", "")
if not RESEARCH_SALT:
    if not INSECURE_ENV:
        raise ImproperlyConfigured(
            "DIVERT_RESEARCH_SALT is not set: set it to a long random secret (e.g. from `divert keys new`)."
        )
    RESEARCH_SALT = f"insecure-{DIVERT_ENV}-research-salt"

DEBUG = env_bool("DIVERT_DEBUG", False)
ALLOWED_HOSTS = env_list("DIVERT_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("DIVERT_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "django_tasks",
    "django_tasks_db",
    # Divert's own apps, bottom of the dependency graph first.
    "divert.core",
    "divert.accounts",
    "divert.audit",
    "divert.people",
    "divert.offending",
    "divert.referrals",
    "divert.casework",
    "divert.victims",
    "divert.oversight",
    "divert.reference",
    "divert.imports",
    "divert.kpis",
    "divert.evaluation",
    "divert.privacy",
    "divert.reports",
    "divert.web",
    "divert.api",
    "divert.synth",
    # Sign-in: after Divert's apps so that divert/accounts/templates overrides allauth's.
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Cache-Control: no-store on every answer (pages and API answers carry child data).
    "divert.core.middleware.NoStoreMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "divert.accounts.middleware.MfaRequiredMiddleware",
    "divert.core.access.DenyByDefaultMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "divert.urls"
WSGI_APPLICATION = "divert.wsgi.application"

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
                "divert.web.context.navigation",
            ],
            "builtins": ["divert.core.templatetags.dates"],
        },
    }
]

# Database: PostgreSQL when DATABASE_URL is set, otherwise an embedded SQLite file.
SQLITE_PATH = Path(env_str("DIVERT_SQLITE_PATH", str(PROJECT_DIR / "var" / "divert.sqlite3")))
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL (postgres://...).")
    # PostgreSQL's JIT compiler costs about a second on each large reporting query (measured
    # on the national dataset: 1,060 ms of JIT for an 870 ms query) and gains nothing at our
    # query sizes, so it is off unless asked for.
    if not env_bool("DIVERT_PG_JIT", False):
        DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
else:
    # The embedded database lives in a git-ignored folder that a fresh clone lacks. Folder and
    # file are private to Divert's user (SQLite gives its -wal and -shm files the database
    # file's mode, so creating the file 0600 here covers them too).
    private_folder(SQLITE_PATH.parent)
    if not SQLITE_PATH.exists():
        write_private_bytes(SQLITE_PATH, b"")  # SQLite takes an empty file as a new database
    make_private(SQLITE_PATH)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": SQLITE_PATH,
            # A multi-user demo: WAL lets readers work while an import writes; IMMEDIATE
            # takes the write lock at BEGIN so two writers queue (busy timeout) instead
            # of failing with "database is locked" half-way through a transaction.
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL;"
                    "PRAGMA synchronous=NORMAL;"
                    "PRAGMA foreign_keys=ON;"
                    "PRAGMA busy_timeout=20000;"
                ),
            },
            "TEST": {"NAME": env_str("DIVERT_SQLITE_TEST_PATH")},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
]
if DIVERT_ENV == "test":
    # Tests create hundreds of users; a fast hasher keeps the suite quick.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Sign-in through django-allauth: username and password, then a TOTP code for anyone who has
# set one up. No public sign-up and no email verification: administrators create staff
# accounts (divert/accounts pages). See docs/operations.md, "Sign-in security".
AUTHENTICATION_BACKENDS = [
    # First, as django-axes asks: refuses any attempt while a username+address is locked out.
    "axes.backends.AxesStandaloneBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
ACCOUNT_ADAPTER = "divert.accounts.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_FORMS = {"login": "divert.accounts.forms.SignInForm"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "password1*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_EMAIL_NOTIFICATIONS = False
# No "remember me": the session ends when the browser closes or after the idle timeout.
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_RATE_LIMITS = {
    # A flood guard per address on the sign-in form; repeated failures are django-axes' job.
    "login": env_str("DIVERT_SIGNIN_RATE", "60/m/ip"),
}
MFA_ADAPTER = "divert.accounts.adapters.MfaAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env_str("DIVERT_MFA_ISSUER", "Divert")
# Users outside any organisation (commissioners, platform administrators) follow this;
# organisations set their own rule (Organisation.mfa_required). Demo and test waive it.
DIVERT_MFA_REQUIRED_WITHOUT_ORGANISATION = env_bool("DIVERT_MFA_REQUIRED", not INSECURE_ENV)

# Single sign-on through the council's OpenID Connect provider (e.g. Microsoft Entra ID):
# only when DIVERT_OIDC_SERVER_URL is set. It signs in existing, active users only, matched
# by an email address the provider vouches for; it never creates accounts.
SOCIALACCOUNT_ADAPTER = "divert.accounts.adapters.SocialAccountAdapter"
SOCIALACCOUNT_AUTO_SIGNUP = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_STORE_TOKENS = False
DIVERT_OIDC_SERVER_URL = env_str("DIVERT_OIDC_SERVER_URL")
DIVERT_OIDC_NAME = env_str("DIVERT_OIDC_NAME", "your council account")
# Sessions signed in through SSO skip Divert's own TOTP when the provider enforces MFA itself.
DIVERT_OIDC_ENFORCES_MFA = env_bool("DIVERT_OIDC_ENFORCES_MFA", False)
# The organisations (slugs) whose staff this provider serves: in a shared installation, one
# council's directory must not vouch for another organisation's accounts. Empty: all.
DIVERT_OIDC_ORGANISATIONS = env_list("DIVERT_OIDC_ORGANISATIONS")
SOCIALACCOUNT_PROVIDERS: dict = {}
if DIVERT_OIDC_SERVER_URL:
    _oidc_client_id = env_str("DIVERT_OIDC_CLIENT_ID")
    _oidc_secret = env_str("DIVERT_OIDC_CLIENT_SECRET")
    if not (_oidc_client_id and _oidc_secret):
        raise ImproperlyConfigured(
            "DIVERT_OIDC_SERVER_URL is set: also set DIVERT_OIDC_CLIENT_ID and DIVERT_OIDC_CLIENT_SECRET."
        )
    _oidc_settings: dict = {"server_url": DIVERT_OIDC_SERVER_URL}
    # Providers that send no email_verified claim (Entra ID) can be trusted for named domains.
    _oidc_domains = env_list("DIVERT_OIDC_VERIFIED_DOMAINS")
    if _oidc_domains:
        _oidc_settings["verified_email"] = _oidc_domains
    SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {
            "OAUTH_PKCE_ENABLED": True,
            "APPS": [
                {
                    "provider_id": "council",
                    "name": DIVERT_OIDC_NAME,
                    "client_id": _oidc_client_id,
                    "secret": _oidc_secret,
                    "settings": _oidc_settings,
                }
            ],
        }
    }

# Lockout after repeated failures (django-axes), keyed by username AND address together:
# keyed by address alone, one typist behind a council's shared address would lock out the
# whole office; keyed by username alone, anyone could lock any colleague out from anywhere.
# Spraying many usernames from one address meets the sign-in rate limit above instead.
AXES_FAILURE_LIMIT = env_int("DIVERT_LOCKOUT_FAILURES", 5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env_int("DIVERT_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "divert.accounts.lockout.attempted_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "divert.accounts.lockout.lockout_response"
# Axes' log lines name a keyed hash of the username, never the username itself.
AXES_CLIENT_STR_CALLABLE = "divert.accounts.lockout.client_str"
# Successful sign-ins are not kept in axes' tables (failures are, until the cool-off).
AXES_DISABLE_ACCESS_LOG = True
# The client address: REMOTE_ADDR unless Divert runs behind this many trusted proxies, in
# which case X-Forwarded-For (a client could forge that header without a proxy in front).
DIVERT_PROXY_COUNT = env_int("DIVERT_PROXY_COUNT", 0)
if DIVERT_PROXY_COUNT:
    AXES_IPWARE_PROXY_COUNT = DIVERT_PROXY_COUNT
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
else:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]

# Flash messages can name a child: keep them server-side, not in a readable cookie.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("DIVERT_SESSION_SECONDS", 30 * 60)
SESSION_SAVE_EVERY_REQUEST = True
# Behind a reverse proxy that terminates TLS, Django sees plain HTTP: the proxy's
# X-Forwarded-Proto header says whether the browser used HTTPS. Trust it only when a proxy
# sets it (and strips any copy the browser sent); then HSTS, secure cookies and the
# redirect to HTTPS all follow from the browser's real scheme.
DIVERT_BEHIND_TLS_PROXY = env_bool("DIVERT_BEHIND_TLS_PROXY", False)
if DIVERT_BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DIVERT_SSL_REDIRECT", DIVERT_BEHIND_TLS_PROXY)
# The load balancer's health check may come over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
SESSION_COOKIE_SECURE = env_bool("DIVERT_SECURE_COOKIES", DIVERT_BEHIND_TLS_PROXY or not INSECURE_ENV)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# HSTS only where the site is served over TLS (secure cookies on); Django sends it on
# HTTPS requests only, which behind a proxy needs DIVERT_BEHIND_TLS_PROXY.
SECURE_HSTS_SECONDS = env_int("DIVERT_HSTS_SECONDS", 31536000 if SESSION_COOKIE_SECURE else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = False
# A strict Content-Security-Policy: no inline script or style, nothing from elsewhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("DIVERT_STATIC_ROOT", str(PROJECT_DIR / "var" / "static")))

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "divert.api.auth.HashedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Deny by default: a view must name the roles it serves (see divert.api.permissions).
    "DEFAULT_PERMISSION_CLASSES": ["divert.api.permissions.RoleRequired"],
    # drf-spectacular's AutoSchema, plus the Idempotency-Key header on every write.
    "DEFAULT_SCHEMA_CLASS": "divert.api.idempotency.IdempotentWritesSchema",
    "DEFAULT_PAGINATION_CLASS": "divert.api.pagination.BoundedLimitOffsetPagination",
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Divert API",
    "DESCRIPTION": "Scoped, audited access to a prevention and diversion service's records.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema is for signed-in users and token holders only, like every other view.
    "SERVE_PERMISSIONS": ["divert.api.permissions.RoleRequired"],
}
API_TOKEN_DAYS = env_int("DIVERT_API_TOKEN_DAYS", 90)
if not 1 <= API_TOKEN_DAYS <= 365:
    raise ImproperlyConfigured(f"DIVERT_API_TOKEN_DAYS must be between 1 and 365, not {API_TOKEN_DAYS}")

# Police data imports: upload size limit, where uploads and rejected-row files are kept,
# and how long a rejected-row file may be downloaded before it is deleted.
DIVERT_IMPORT_MAX_BYTES = env_int("DIVERT_IMPORT_MAX_BYTES", 50 * 1024 * 1024)
DIVERT_IMPORT_DIR = Path(env_str("DIVERT_IMPORT_DIR", str(PROJECT_DIR / "var" / "imports")))
DIVERT_IMPORT_ERROR_FILE_DAYS = env_int("DIVERT_IMPORT_ERROR_FILE_DAYS", 14)

# `divert serve` and `divert demo` seal the audit chain this often (a deployment schedules
# `divert audit seal` instead; see docs/operations.md).
DIVERT_SEAL_SECONDS = env_int("DIVERT_SEAL_SECONDS", 300)
if DIVERT_SEAL_SECONDS < 1:
    raise ImproperlyConfigured("DIVERT_SEAL_SECONDS must be at least 1.")

# Stored reports (divert.kpis.store): computing one stops with an error past this many
# seconds per query (PostgreSQL statement_timeout, set for the computing transaction only).
DIVERT_REPORT_STATEMENT_TIMEOUT = env_int("DIVERT_REPORT_STATEMENT_TIMEOUT", 120)
if DIVERT_REPORT_STATEMENT_TIMEOUT < 1:
    raise ImproperlyConfigured("DIVERT_REPORT_STATEMENT_TIMEOUT must be at least 1.")

TASKS = {
    "default": {
        "BACKEND": env_str("DIVERT_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# Personal data is never logged: log ids only. Request bodies are not logged.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("DIVERT_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Axes announces itself at start-up on every command; its lockout lines are warnings.
        "axes.apps": {"level": "WARNING"},
    },
}
