"""One settings module driven by environment variables.

With nothing set the platform runs embedded: SQLite in the data folder (ZHENGAI_DATA, default ./var)
and background jobs kept in that database. DATABASE_URL=postgres://… switches to PostgreSQL.
"""

import datetime
import os
import secrets
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("ZHENGAI_DATA", "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    """SECRET_KEY from the environment; otherwise one generated once and kept in the data folder."""
    if key := os.environ.get("ZHENGAI_SECRET_KEY"):
        return key
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = _env_bool("ZHENGAI_DEBUG", False)
ALLOWED_HOSTS = [h for h in os.environ.get("ZHENGAI_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("ZHENGAI_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_tables2",
    "django_filters",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "zhengai.core",
    "zhengai.org",
    "zhengai.frameworks",
    "zhengai.statedata",
    "zhengai.standards",
    "zhengai.monitoring",
    "zhengai.goals",
    "zhengai.teaching",
    "zhengai.evaluation",
    "zhengai.surveys",
    "zhengai.diagnosis",
    "zhengai.reports",
    "zhengai.api",
    "zhengai.dashboards",
    "zhengai.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before sessions and CSRF: it marks the cookies they set Secure on HTTPS requests, and sets the CSP.
    "zhengai.core.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "zhengai.core.middleware.CurrentMembershipMiddleware",
    # Last, as its documentation asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Login throttling (django-axes), two rules. An account tried from one address is locked after 5 failures;
# an address is locked after 20 failures whatever the usernames, which stops one password being tried across
# many accounts (password spraying). The address rule allows more because a classroom or a campus behind one
# NAT address shares it: 5 typos among 50 students must not lock them all out. core.security.LoginThrottle
# applies each rule's own limit; a success forgives only that account's failures, never the address's.
AXES_FAILURE_LIMIT = int(os.environ.get("ZHENGAI_LOGIN_FAILURE_LIMIT", "5"))
# The limit of a rule not named here is AXES_FAILURE_LIMIT.
AXES_FAILURE_LIMITS = {"ip_address": int(os.environ.get("ZHENGAI_LOGIN_IP_FAILURE_LIMIT", "20"))}
AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_HANDLER = "zhengai.core.security.LoginThrottle"
AXES_CLIENT_IP_CALLABLE = "zhengai.core.security.client_ip"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

# The client's address is REMOTE_ADDR unless the deployer names the header their reverse proxy sets
# (e.g. X-Forwarded-For) and the proxies in front: a number of proxies, or their addresses/networks, comma
# separated. A header from anyone else is never believed (core.security.client_ip).
ZHENGAI_TRUSTED_PROXY_HEADER = os.environ.get("ZHENGAI_TRUSTED_PROXY_HEADER", "").strip()
_proxies = os.environ.get("ZHENGAI_TRUSTED_PROXIES", "1").strip()
ZHENGAI_TRUSTED_PROXIES: int | list[str] = (
    int(_proxies) if _proxies.isdigit() else [p.strip() for p in _proxies.split(",") if p.strip()])
if ZHENGAI_TRUSTED_PROXY_HEADER:
    # Behind the trusted proxy, HTTPS is what it says in X-Forwarded-Proto (it must set or overwrite it).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

ROOT_URLCONF = "zhengai.urls"
WSGI_APPLICATION = "zhengai.wsgi.application"
ASGI_APPLICATION = "zhengai.asgi.application"

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
                "zhengai.core.context_processors.navigation",
                "zhengai.monitoring.context_processors.notifications",
            ],
            # Numbers for people on every page without a {% load %}: one rule per unit (core.numbers).
            "builtins": ["zhengai.core.templatetags.numbers"],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{DATA_DIR / 'zhengai.sqlite3'}",
        conn_max_age=int(os.environ.get("ZHENGAI_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while the worker writes; busy_timeout waits instead of failing.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
        "transaction_mode": "IMMEDIATE",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
TIME_ZONE = os.environ.get("ZHENGAI_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns on every start when it is missing
STATICFILES_DIRS = [BASE_DIR / "static"]
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "zhengai.core.staticfinders.PlotlyFinder",
]
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "/media/"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
# Largest spreadsheet accepted by an import, in bytes.
ZHENGAI_IMPORT_MAX_BYTES = int(os.environ.get("ZHENGAI_IMPORT_MAX_BYTES", str(50 * 1024 * 1024)))
# Files with more data rows than this import in the background, with a progress page.
ZHENGAI_IMPORT_INLINE_ROWS = int(os.environ.get("ZHENGAI_IMPORT_INLINE_ROWS", "1000"))
# A zip-based spreadsheet (.xlsx, .xlsm, .ods) is checked before it is parsed: the sizes its directory declares
# must not add up to more than this many bytes, nor to more than RATIO times the file's size (a 2 MB "zip bomb"
# inflating to 1 GB is refused before a byte is inflated).
ZHENGAI_IMPORT_MAX_UNPACKED_BYTES = int(os.environ.get("ZHENGAI_IMPORT_MAX_UNPACKED_BYTES",
                                                       str(500 * 1024 * 1024)))
ZHENGAI_IMPORT_MAX_RATIO = int(os.environ.get("ZHENGAI_IMPORT_MAX_RATIO", "100"))
# Most data rows one import takes (a sheet of Excel holds at most 1 048 576; a bigger CSV is split).
ZHENGAI_IMPORT_MAX_ROWS = int(os.environ.get("ZHENGAI_IMPORT_MAX_ROWS", "1100000"))
# Uploaded files kept for background imports are deleted after this many days (`zhengai imports purge`).
ZHENGAI_IMPORT_RETENTION_DAYS = int(os.environ.get("ZHENGAI_IMPORT_RETENTION_DAYS", "30"))
# Largest evidence file (支撑材料) a task record accepts, in MB.
ZHENGAI_EVIDENCE_MAX_MB = int(os.environ.get("ZHENGAI_EVIDENCE_MAX_MB", "20"))
# Daily backups (`zhengai backup --daily`, run by scripts/run.sh): where, and how many to keep. They hold
# personal data: keep the folder off the web root and readable by the platform's user only.
ZHENGAI_BACKUP_DIR = Path(os.environ.get("ZHENGAI_BACKUP_DIR", str(DATA_DIR / "backups"))).resolve()
ZHENGAI_BACKUP_KEEP = int(os.environ.get("ZHENGAI_BACKUP_KEEP", "14"))

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = True

# Background work: jobs in the database by default; ZHENGAI_TASKS_BACKEND may name another backend
# (for example the Redis-backed one) without a code change. Tests run tasks immediately.
TASKS = {
    "default": {
        "BACKEND": os.environ.get("ZHENGAI_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 12
# Cookies sent over HTTPS are always Secure (core.middleware.SecurityHeadersMiddleware); this forces the
# flag on every response, for a deployment whose proxy does not say which requests came over HTTPS.
SESSION_COOKIE_SECURE = _env_bool("ZHENGAI_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"  # Django's default, said here: links out carry no internal URL

DJANGO_TABLES2_TEMPLATE = "core/table.html"
DJANGO_TABLES2_PAGE_RANGE = 8

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("ZHENGAI_LOG_LEVEL", "WARNING")},
}

# django-filter's empty choice reads "---------" by default: a filter left empty shows everything.
FILTERS_EMPTY_CHOICE_LABEL = "全部"
