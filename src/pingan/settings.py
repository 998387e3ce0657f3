"""Settings for Pingan, read from the environment.

SQLite is the embedded default so a fresh clone runs with no server; set
``DATABASE_URL=postgres://…`` for a real deployment. Every statutory or local
number the domain needs is a ``PINGAN_*`` setting with the default named in
``shared/domain-rules.md``.
"""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent
VAR_DIR = Path(os.environ.get("PINGAN_VAR_DIR", PROJECT_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_secret(name: str, default: str) -> str:
    """A secret from NAME, or from the file named by NAME_FILE (for container secrets)."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text(encoding="utf-8").strip()
    return os.environ.get(name, default)


DEBUG = env_bool("PINGAN_DEBUG", False)
# The demo key is only good for a demo on 127.0.0.1; deployments must set their own.
SECRET_KEY = env_secret("PINGAN_SECRET_KEY", "pingan-demo-key-change-me-in-any-deployment")
ALLOWED_HOSTS = os.environ.get("PINGAN_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
CSRF_TRUSTED_ORIGINS = [
    origin for origin in os.environ.get("PINGAN_CSRF_TRUSTED_ORIGINS", "").split(",") if origin
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    # Listed so /api/docs renders its Swagger UI from ninja's bundled static files, not a CDN.
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "pingan.core",
    "pingan.hazards",
    "pingan.demo",
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
]

ROOT_URLCONF = "pingan.urls"
WSGI_APPLICATION = "pingan.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "pingan.core.context_processors.inbox",
            ],
        },
    },
]

SQLITE_PATH = VAR_DIR / "pingan.sqlite3"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{SQLITE_PATH}"), conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while the worker writes; IMMEDIATE takes the write
    # lock at BEGIN so two writers queue on busy_timeout instead of failing mid-transaction.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # A file, not :memory:, so that concurrency tests can open several connections; one per
    # test process, so that two suites running side by side do not share it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-pingan-{os.getpid()}.sqlite3")}
else:
    DATABASES["default"]["TEST"] = {"NAME": f"test_pingan_{os.getpid()}"}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TASKS = {
    "default": {
        "BACKEND": os.environ.get("PINGAN_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "my-work"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("PINGAN_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
NODE_MODULES = PROJECT_DIR / "node_modules"
# Front-end libraries come from npm (package-lock.json) and are served by Django itself:
# the district's machines are offline, so there is no CDN.
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", NODE_MODULES / "bootstrap" / "dist"),
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/echarts", NODE_MODULES / "echarts" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("PINGAN_MEDIA_ROOT", VAR_DIR / "media"))
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("PINGAN_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("PINGAN_LOG_LEVEL", "WARNING")},
}

# ---------------------------------------------------------------------------
# Domain settings (shared/domain-rules.md). Each is a default a deployment may change.
# ---------------------------------------------------------------------------

# A case is "due soon" this many days before its deadline, and "long overdue" this many
# days after it. Local practice; no statute fixes them.
PINGAN_DUE_SOON_DAYS = int(os.environ.get("PINGAN_DUE_SOON_DAYS", "2"))
PINGAN_LONG_OVERDUE_DAYS = int(os.environ.get("PINGAN_LONG_OVERDUE_DAYS", "15"))

# Hazard deadlines for ordinary hazards, per category, in calendar days (local practice:
# fire and e-bike 7, road 15, building 30, immediate items 1). The district admin
# overrides any of them with a DeadlinePolicy row; these are the fallbacks.
PINGAN_HAZARD_DEADLINE_DAYS = {
    "fire": 7,
    "fire_mixed_use": 7,
    "ebike_charging": 7,
    "flood": 7,
    "road": 15,
    "building": 30,
    "gas": 7,
    "other": 15,
}
PINGAN_HAZARD_IMMEDIATE_DAYS = 1
# Major hazards: rectification time is set by the plan; this is the default budget.
PINGAN_HAZARD_MAJOR_DEADLINE_DAYS = 60
PINGAN_HAZARD_EXTENSION_DAYS = 15

# Escalation: an overdue case climbs one level (grid → village → town → district) at the
# deadline and then every this many days while it stays overdue.
PINGAN_ESCALATION_INTERVAL_DAYS = int(os.environ.get("PINGAN_ESCALATION_INTERVAL_DAYS", "2"))
# How often `pingan worker` sweeps for overdue cases.
PINGAN_ESCALATION_SWEEP_SECONDS = int(os.environ.get("PINGAN_ESCALATION_SWEEP_SECONDS", "300"))

# Photos and documents attached to cases.
PINGAN_ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
# Ledger records are kept at least 3 years with text and photo evidence
# (浙江省安全生产条例 art. 15): nothing in Pingan deletes them.
PINGAN_LEDGER_RETENTION_YEARS = 3

PINGAN_API_PAGE_SIZE = 50
PINGAN_API_MAX_PAGE_SIZE = 500
