"""Django settings: every deployment difference comes from environment variables (see README)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import dj_database_url

from .config import (
    ConfigError,
    audit_key,
    audit_retention_days,
    data_dir,
    env_bool,
    env_int,
    env_str,
    field_key,
    restrict_new_files,
    secret_key,
)

BASE_DIR = Path(__file__).resolve().parent
restrict_new_files()  # before anything is created in the data directory: database, keys, media, exports
DATA_DIR = data_dir()

SECRET_KEY = secret_key(DATA_DIR)
# Key for the encrypted resident ID numbers, their lookup hash and the evidence files; kept apart
# from the data directory (CEHOURS_FIELD_KEY or CEHOURS_FIELD_KEY_FILE), so a copy of that directory
# decrypts nothing. The database records its fingerprint; a mismatch refuses to start (cehours.ops).
_FIELD_KEY = field_key(SECRET_KEY)
FIELD_ENCRYPTION_KEY = _FIELD_KEY.value
FIELD_KEY_SOURCE = _FIELD_KEY.source
FIELD_KEY_FILE = _FIELD_KEY.path
# Key for the audit trail's HMAC chain, its anchors and archives (DESIGN §7): apart from the
# database, so that database access alone cannot re-chain edited events. "derived" = from SECRET_KEY.
AUDIT_KEY, AUDIT_KEY_SOURCE = audit_key(SECRET_KEY)
AUDIT_RETENTION_DAYS = audit_retention_days()  # 网络安全法 第二十一条: at least 180 days
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = [h.strip() for h in env_str("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "ninja",
    "axes",  # failed-sign-in limits (cehours.access.signin tells it the limits)
    "django_otp",
    "django_otp.plugins.otp_totp",  # the second factor (DESIGN §7)
    "cehours.audit",
    "cehours.people",
    "cehours.access",
    "cehours.ledger",
    "cehours.declarations",
    "cehours.integration",
    "cehours.web",
    "cehours.ops",
    "cehours.privacy",
    "cehours.reports",
    "django_tasks",
    "django_tasks_db",
    "cehours.jobs",
    "cehours.reminders",
    "cehours.learning",
]

MIDDLEWARE = [
    "cehours.api.middleware.ApiErrorShapeMiddleware",  # outermost: sees every /api/ error answer
    "cehours.ops.middleware.NoStoreMiddleware",  # personal data never in a shared or browser cache
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "cehours.web.uploads.RequestBodyLimitMiddleware",  # 413 before any middleware reads the body
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",  # request.user.is_verified(): has this session shown its TOTP code
    "django.contrib.messages.middleware.MessageMiddleware",
    "cehours.access.middleware.IdleTimeoutMiddleware",  # after messages: it tells the login page why
    "cehours.access.middleware.AccountGateMiddleware",  # second factor, forced password change first
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "cehours.audit.middleware.RequestContextMiddleware",
    "cehours.privacy.middleware.ReadLogMiddleware",  # after the request id: reads carry it
    "axes.middleware.AxesMiddleware",  # last, as axes asks: turns a refused sign-in into the lockout page
]

ROOT_URLCONF = "cehours.urls"
WSGI_APPLICATION = "cehours.wsgi.application"

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
                "cehours.web.context.navigation",
            ],
        },
    },
]


def _database() -> dict:
    url = env_str("DATABASE_URL", "")
    if not url:
        url = f"sqlite:///{DATA_DIR / 'cehours.sqlite3'}"
    try:
        config = dj_database_url.parse(url, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))
    except Exception as exc:  # dj_database_url raises several types for a bad URL
        raise ConfigError(f"环境变量 DATABASE_URL 无法解析: {exc}") from exc
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["ENGINE"] = "cehours.dbbackends.sqlite3"
        config["CONN_MAX_AGE"] = 0
        # IMMEDIATE: a write transaction takes the lock at BEGIN, so two writers queue up
        # instead of one failing when it upgrades a read lock (SQLITE_BUSY mid-transaction).
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        }
    elif config["ENGINE"] not in {"django.db.backends.postgresql"}:
        raise ConfigError("DATABASE_URL 只支持 sqlite:// 与 postgresql://")
    else:
        # JIT off on the platform's own connections: its queries are short or index-bound, and at
        # city scale (issue 14) compiling them added 0.24–3.0 s to report queries and 1.0 s to the
        # intake's duplicate check, more than it saved. Options given in the URL are kept, after.
        options = config.setdefault("OPTIONS", {})
        options["options"] = " ".join(filter(None, ["-c jit=off", options.get("options", "")]))
    config["TEST"] = {"NAME": env_str("TEST_DATABASE_NAME", "") or None}
    return dict(config)  # a plain dict, not the DBConfig TypedDict: ops/backup.py reads it by str keys


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Every path that sets a password goes through cehours.access.services.password_set, which applies these.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # 等保 2.0 第三级 口令复杂度: characters from at least 3 of 4 classes, and the length rule (10, as
    # before; the baseline asks at least 8). It replaces Django's MinimumLengthValidator, whose
    # message has no Chinese translation in Django 5.2 and would only say the length twice.
    {"NAME": "cehours.access.passwords.ComplexityValidator", "OPTIONS": {"min_length": 10, "min_classes": 3}},
]
# axes' lockout check first (it refuses before the password is even checked), then Django's own.
AUTHENTICATION_BACKENDS = [
    "cehours.access.signin.LockoutBackend",
    "cehours.access.signin.ProfessionalBackend",  # professionals: ID number or mobile number
    "django.contrib.auth.backends.ModelBackend",
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# Evidence files: never served as static files, only through a view that checks who may see them.
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "/media-not-public/"
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
# Exchange files and attendee lists; the request-body cap allows this plus the form (cehours.web.uploads).
CEHOURS_MAX_UPLOAD_BYTES = env_int("CEHOURS_MAX_UPLOAD_BYTES", 50 * 1024 * 1024, minimum=1)
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
STORAGES = {
    # Evidence is encrypted with a key derived from the field key before it touches the disk.
    "default": {"BACKEND": "cehours.ops.storage.EncryptedFileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
    # Courseware videos: not personal data, and served in byte ranges, so kept plain; only enrolled
    # people get them, through cehours.web.learning. Any Django storage can stand in here.
    "courseware": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(DATA_DIR / "courseware")},
    },
}
# The largest courseware video accepted (issue 11); the request-body cap of its route allows this.
CEHOURS_MAX_COURSEWARE_BYTES = env_int("CEHOURS_MAX_COURSEWARE_BYTES", 500 * 1024 * 1024, minimum=1)
# The most of a courseware video one ranged answer carries: the player asks again for the rest.
CEHOURS_VIDEO_RANGE_BYTES = env_int("CEHOURS_VIDEO_RANGE_BYTES", 2 * 1024 * 1024, minimum=64 * 1024)
# Pages work straight from the package too (tests, `runserver`), without collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"
SESSION_COOKIE_HTTPONLY = True
# Sessions (DESIGN §7): an absolute limit, an idle limit (cehours.access.middleware), and none outlives the browser.
SESSION_COOKIE_AGE = env_int("CEHOURS_SESSION_MAX_HOURS", 8, minimum=1) * 3600
CEHOURS_SESSION_IDLE_MINUTES = env_int("CEHOURS_SESSION_IDLE_MINUTES", 30, minimum=1)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# Personal API tokens lapse after this many days.
CEHOURS_TOKEN_DAYS = env_int("CEHOURS_TOKEN_DAYS", 90, minimum=1)
# Issue 10: how long a unit's activation code for a professional's account stays valid.
CEHOURS_ACTIVATION_DAYS = env_int("CEHOURS_ACTIVATION_DAYS", 14, minimum=1)
# Email (issue 10: password-reset links a unit sends a professional). Off unless an SMTP server is
# named: until then nothing tries to leave the machine and pages offer activation codes only.
CEHOURS_EMAIL_HOST = env_str("CEHOURS_EMAIL_HOST", "")
CEHOURS_EMAIL_ENABLED = bool(CEHOURS_EMAIL_HOST)
if CEHOURS_EMAIL_ENABLED:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = CEHOURS_EMAIL_HOST
    EMAIL_PORT = env_int("CEHOURS_EMAIL_PORT", 465, minimum=1)
    EMAIL_HOST_USER = env_str("CEHOURS_EMAIL_USER", "")
    EMAIL_HOST_PASSWORD = env_str("CEHOURS_EMAIL_PASSWORD", "")
    EMAIL_USE_SSL = env_bool("CEHOURS_EMAIL_SSL", True)
    EMAIL_TIMEOUT = 20
    DEFAULT_FROM_EMAIL = env_str("CEHOURS_EMAIL_FROM", EMAIL_HOST_USER or f"noreply@{CEHOURS_EMAIL_HOST}")
else:
    EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
# The address that links in emails point to; empty = the address the staff member's browser used
# (which ALLOWED_HOSTS has checked).
CEHOURS_PUBLIC_URL = env_str("CEHOURS_PUBLIC_URL", "").rstrip("/")
# Hours certificates (cehours.reports): the Chinese font embedded in the PDF ("path#face" for a
# collection; empty = the first of reports.pdf.FONT_CANDIDATES present), the signing certificate and
# key (PEM; empty = <data dir>/signing/, which `cehours demo` fills with a self-signed pair) and the
# issuer printed on the certificate.
CEHOURS_PDF_FONT = env_str("CEHOURS_PDF_FONT", "")
CEHOURS_PDF_FONT_BOLD = env_str("CEHOURS_PDF_FONT_BOLD", "")
CEHOURS_SIGNING_CERT_FILE = env_str("CEHOURS_SIGNING_CERT_FILE", "")
CEHOURS_SIGNING_KEY_FILE = env_str("CEHOURS_SIGNING_KEY_FILE", "")
CEHOURS_CERTIFICATE_ISSUER = env_str("CEHOURS_CERTIFICATE_ISSUER", "丽水市专业技术人员继续教育学时管理平台")
# Background jobs (cehours.jobs) through Django's Tasks API, stored in the platform's own database so
# the embedded setup needs no other service; `cehours worker` runs them (`cehours serve` starts one).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# A file of more rows than this is written by a background job, not inside the request.
CEHOURS_INLINE_EXPORT_ROWS = env_int("CEHOURS_INLINE_EXPORT_ROWS", 20000)
# Reminders (`cehours remind`, run daily): the days they go out, month-day; an SMS provider's class
# (a dotted path; none configured: no SMS is sent).
CEHOURS_REMINDER_DATES = env_str("CEHOURS_REMINDER_DATES", "09-01,11-01,12-01")
CEHOURS_SMS_SENDER = env_str("CEHOURS_SMS_SENDER", "")
# A reset link works once and for this long (Django's token: it lapses when the password changes).
PASSWORD_RESET_TIMEOUT = env_int("CEHOURS_RESET_LINK_HOURS", 24, minimum=1) * 3600

# Failed sign-ins (django-axes): 5 for one account or 20 from one address within 15 minutes stop
# sign-ins for 15 minutes. axes counts per username and per address ("either"); the callable limit
# gives each its own number. A refused attempt during a lockout does not extend it or count again,
# so a lockout is one audit event (cehours.access.signals), not one per attempt.
CEHOURS_LOGIN_FAILURES_PER_ACCOUNT = env_int("CEHOURS_LOGIN_FAILURES_PER_ACCOUNT", 5, minimum=1)
CEHOURS_LOGIN_FAILURES_PER_ADDRESS = env_int("CEHOURS_LOGIN_FAILURES_PER_ADDRESS", 20, minimum=1)
CEHOURS_LOGIN_LOCKOUT_MINUTES = env_int("CEHOURS_LOGIN_LOCKOUT_MINUTES", 15, minimum=1)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_FAILURE_LIMIT = "cehours.access.signin.failure_limit"
AXES_COOLOFF_TIME = timedelta(minutes=CEHOURS_LOGIN_LOCKOUT_MINUTES)
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = False  # else one's own good sign-in would wipe the address's count of guesses
AXES_LOCKOUT_CALLABLE = "cehours.web.account.locked_out"
AXES_CLIENT_IP_CALLABLE = "cehours.access.signin.client_address"
AXES_DISABLE_ACCESS_LOG = True  # successful sign-ins are in the audit trail already
AXES_VERBOSE = False
# The second factor: TOTP (RFC 6238) through django-otp; who needs it is cehours.access.signin's.
OTP_TOTP_ISSUER = "丽水市继续教育学时平台"
CSRF_COOKIE_HTTPONLY = False
CSRF_FAILURE_VIEW = "cehours.web.views.csrf_failure"  # in Chinese, not Django's English page
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# HSTS only where the site is served over HTTPS (SECURE_COOKIES=true says so).
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000) if SESSION_COOKIE_SECURE else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SESSION_COOKIE_SECURE
# No inline script or style anywhere (tests/ops/test_headers.py greps the templates); views that
# send their own policy (evidence files: a sandbox) keep it, django-csp does not overwrite it.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
    },
}
CSRF_TRUSTED_ORIGINS = [o for o in env_str("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

# Personal data (DESIGN §7): lookups by full ID number that miss, per caller and hour, before 429;
# and the distinct people per caller and hour above which /privacy/reads/ flags the caller.
LOOKUP_MISSES_PER_HOUR = env_int("CEHOURS_LOOKUP_MISSES_PER_HOUR", 30, minimum=1)
READS_FLAG_PEOPLE_PER_HOUR = env_int("CEHOURS_READS_FLAG_PEOPLE_PER_HOUR", 50, minimum=1)

# No full ID number in any log line: every handler masks them (gunicorn's own logs: `serve`).
# Django's default handlers (console under DEBUG, mail_admins, django.server) carry no mask, so its
# loggers are sent through the masked handler instead.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_id_numbers": {"()": "cehours.privacy.logfilter.MaskIdNumbers"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["mask_id_numbers"]}},
    "loggers": {
        "django": {"handlers": [], "propagate": True},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}
