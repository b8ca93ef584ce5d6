"""Settings read from environment variables, with embedded defaults for a local run.

`RUPN_ENV=production` switches to the production profile, which refuses to start without its
secrets and passes `manage.py check --deploy`.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("RUPN_VAR_DIR", BASE_DIR / "var"))

RUPN_ENV = os.environ.get("RUPN_ENV", "development")
PRODUCTION = RUPN_ENV == "production"


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


if PRODUCTION:
    try:
        SECRET_KEY = os.environ["SECRET_KEY"]
    except KeyError as exc:
        raise ImproperlyConfigured("SECRET_KEY est obligatoire en production.") from exc
    DEBUG = False
    ALLOWED_HOSTS = _env_list("ALLOWED_HOSTS")
else:
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-insecure-key-do-not-use-in-production")
    DEBUG = _env_bool("DEBUG", True)
    ALLOWED_HOSTS = _env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")

CSRF_TRUSTED_ORIGINS = _env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "dsfr",
    # After dsfr, so that django-dsfr's form templates (error lists) take precedence.
    "django.forms",
    "widget_tweaks",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "audit",
    "establishments",
    "accounts",
    "indemnities",
    "missions",
    "surveys",
    "dashboards",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.ActingRoleMiddleware",
    "accounts.middleware.DaneMfaRequiredMiddleware",
]

ROOT_URLCONF = "rupn.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.acting_role",
            ],
            "libraries": {
                "links": "rupn.templatetags_links",
                "french": "rupn.templatetags_french",
                "frame": "rupn.templatetags_frame",
            },
        },
    },
]
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

WSGI_APPLICATION = "rupn.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'rupn.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
# Server-side cursors do not survive PgBouncer's transaction pooling.
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = _env_bool(
    "DB_DISABLE_SERVER_SIDE_CURSORS", False
)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite without a busy timeout fails at once when a Celery thread writes during a request.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    if DATABASES["default"]["NAME"] != ":memory:":
        Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True
LOCALE_PATHS = [BASE_DIR / "locale"]

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
# The letters' PDF files: a local folder by default; S3-compatible object storage (Scaleway,
# OVHcloud, MinIO, AWS…) when RUPN_S3_BUCKET is set. Files stay private: downloads go through
# the application's access checks, never through a public URL.
RUPN_S3_BUCKET = os.environ.get("RUPN_S3_BUCKET", "")
DEFAULT_STORAGE: dict[str, object] = (
    {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": RUPN_S3_BUCKET,
            "endpoint_url": os.environ.get("RUPN_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("RUPN_S3_REGION") or None,
            "access_key": os.environ.get("RUPN_S3_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("RUPN_S3_SECRET_ACCESS_KEY") or None,
            "location": os.environ.get("RUPN_S3_PREFIX", ""),
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
    if RUPN_S3_BUCKET
    else {"BACKEND": "django.core.files.storage.FileSystemStorage"}
)
STORAGES = {
    "default": DEFAULT_STORAGE,
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- Sign-in (django-allauth) ---------------------------------------------------------------
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[RUPN] "
ACCOUNT_RATE_LIMITS = {
    "login_failed": "5/5m/ip,5/5m/key",
    "reset_password": "5/m/ip,3/m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "RUPN"
# How long an invitation link stays usable.
INVITATION_VALIDITY_DAYS = int(os.environ.get("INVITATION_VALIDITY_DAYS", "7"))
# The address people reach the service at, for links written outside a request (commands).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# Legal notice (mentions légales): who publishes the service and who hosts it.
RUPN_PUBLISHER = os.environ.get(
    "RUPN_PUBLISHER", "Délégation régionale académique au numérique éducatif (DRANE)"
)
RUPN_PUBLISHER_ADDRESS = os.environ.get("RUPN_PUBLISHER_ADDRESS", "Adresse non renseignée")
RUPN_PUBLICATION_DIRECTOR = os.environ.get(
    "RUPN_PUBLICATION_DIRECTOR", "Le recteur ou la rectrice de région académique"
)
RUPN_CONTACT_EMAIL = os.environ.get("RUPN_CONTACT_EMAIL", "")
RUPN_HOST_NAME = os.environ.get("RUPN_HOST_NAME", "Hébergeur non renseigné")
RUPN_HOST_ADDRESS = os.environ.get("RUPN_HOST_ADDRESS", "Adresse non renseignée")

# --- Caches (allauth's rate limits are kept in the cache) ----------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Sessions read from the shared cache and written through to the database: one query less on
# every request. Only with Redis: a per-process cache would keep a session another process has
# ended (signed out).
if REDIS_URL:
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# --- Email -------------------------------------------------------------------------------------
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "RUPN <ne-pas-repondre@rupn.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_URL = os.environ.get("EMAIL_URL", "")
if EMAIL_URL:
    from urllib.parse import unquote, urlparse

    _email = urlparse(EMAIL_URL)
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = _email.hostname or "localhost"
    EMAIL_PORT = _email.port or 25
    EMAIL_HOST_USER = unquote(_email.username or "")
    EMAIL_HOST_PASSWORD = unquote(_email.password or "")
    EMAIL_USE_TLS = _email.scheme == "smtp+tls"
    EMAIL_USE_SSL = _email.scheme == "smtps"
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = Path(os.environ.get("EMAIL_FILE_PATH", VAR_DIR / "emails"))

# --- Celery ------------------------------------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Celery's Django fixup closes the database connection before and after every task unless this
# is set: a new PostgreSQL backend for each task (a process forked, its caches cold). Kept open
# instead for this many tasks, `rupn.celery` closing it, as Django does after a request, when it
# is broken or older than CONN_MAX_AGE.
CELERY_DB_REUSE_MAX = 1000
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "open-current-school-year": {
        "task": "establishments.tasks.open_current_school_year",
        "schedule": 6 * 60 * 60,  # seconds: the rentrée's year opens within hours of 1 September
    },
    "survey-campaigns": {
        "task": "surveys.tasks.campaigns_tick",
        # Hourly: invitations leave within the hour of the opening, reminders from 8 a.m.
        "schedule": 60 * 60,
    },
    "overview-figures": {
        "task": "dashboards.tasks_overview.overview_figures_tick",
        # Seconds: the dashboards' figures are at most this old (the page says when they were
        # computed); a refresh costs about 0.1 s of SQL per académie of 1 000 establishments.
        "schedule": 5 * 60,
    },
}

# --- Application -------------------------------------------------------------------------------
SITE_NAME = "Référents numériques (RUPN)"
# Uploaded CSV files larger than this are refused before being read.
# The national annuaire of every académie is accepted whole (its other académies' lines are
# counted, not imported). It holds about 70 000 lines of 72 columns; a generated line in the
# export's format weighs 500 bytes with the columns a real line leaves empty, a real line about
# 650 (addresses, web site, circonscription, PIAL, zone and bassin labels, precise coordinates):
# 70 000 × 650 ≈ 46 MB, and about 56 MB once re-saved by a spreadsheet that quotes every field
# (2 bytes × 72 columns more per line). 80 MB keeps room above both; `bench/import_annuaire.py
# --national` measures the import of such a file (time, memory).
ESTABLISHMENT_IMPORT_MAX_BYTES = int(os.environ.get("ESTABLISHMENT_IMPORT_MAX_BYTES", 80_000_000))
# The ministry's pupil counts per establishment: the collèges' file of every year weighs a few
# tens of megabytes; the same limit as the annuaire.
PUPIL_COUNT_IMPORT_MAX_BYTES = int(
    os.environ.get("PUPIL_COUNT_IMPORT_MAX_BYTES", ESTABLISHMENT_IMPORT_MAX_BYTES)
)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- The académies' seal on the letters' PDF files (missions.seal) -------------------------
# `<code académie>.p12` (Poitiers: 13.p12) per académie and `ca.pem`, the authority they come
# from; `manage.py seal_demo_ca` writes demonstration ones.
RUPN_SEAL_DIR = Path(os.environ.get("RUPN_SEAL_DIR", VAR_DIR / "seal"))
RUPN_SEAL_PASSPHRASE = os.environ.get(
    "RUPN_SEAL_PASSPHRASE", "" if PRODUCTION else "sceau-de-demonstration"
)
# The public verification page: requests per client address and window (seconds).
RUPN_VERIFY_RATE_LIMIT = int(os.environ.get("RUPN_VERIFY_RATE_LIMIT", "30"))
RUPN_VERIFY_RATE_WINDOW = int(os.environ.get("RUPN_VERIFY_RATE_WINDOW", "600"))
RUPN_VERIFY_MAX_BYTES = int(os.environ.get("RUPN_VERIFY_MAX_BYTES", 10 * 1024 * 1024))

# --- Security ----------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 60 * 60
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_SSL_REDIRECT = _env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", 31_536_000))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # WeasyPrint and fontTools tell each step of each PDF at INFO: one line per letter.
        "weasyprint.progress": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
