"""One env-driven settings module. Every knob is read through a strict helper."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise ImproperlyConfigured(f"Set the environment variable {name}.")
    return value


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}.")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}.") from exc


def env_json_object(name: str, default: str = "") -> dict[str, Any]:
    raw = os.environ.get(name, default)
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a JSON object: {exc}") from exc
    if not isinstance(value, dict):
        raise ImproperlyConfigured(f"{name} must be a JSON object, not {raw!r}.")
    return value


def env_list(name: str, default: str) -> list[str]:
    return [part.strip() for part in env_str(name, default).split(",") if part.strip()]


DEBUG = env_bool("DEBUG", True)
# Demo mode: the demo programme's logins are printed and two-factor is optional for
# roles other than coordinator and administrator.
DEMO_MODE = env_bool("DEMO_MODE", DEBUG)
SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-key-change-me" if DEBUG else None)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    # The project's templates may override form widgets (the empty choice in words).
    "django.forms",
    "django_htmx",
    "template_partials",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    # Scheduled jobs as tasks (brobygger/jobs): the database backend and its db_worker.
    "django_tasks",
    "django_tasks_db",
    "brobygger.accounts",
    "brobygger.audit",
    "brobygger.people",
    "brobygger.agenda",
    "brobygger.notifications",
    "brobygger.referrals",
    "brobygger.lifecycle",
    "brobygger.matching",
    "brobygger.scheduling",
    "brobygger.groups",
    "brobygger.conversations",
    "brobygger.outcomes",
    "brobygger.recruitment",
    "brobygger.onboarding",
    "brobygger.workforce",
    "brobygger.timesheets",
    "brobygger.admissions",
    "brobygger.concerns",
    "brobygger.reports",
    "brobygger.research",
    "brobygger.retention",
    "brobygger.desk",
    "brobygger.jobs",
    "brobygger.breakglass",
    "brobygger.rights",
    "brobygger.sso",
    "brobygger.api",
    "brobygger.interop",
    "brobygger.public",
    "brobygger.demo",
    "brobygger.pagecache",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "brobygger.lib.csp.CSPMiddleware",  # django-csp's, the policy built once
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "brobygger.lib.csrf.UnchangedCsrfCookieMiddleware",  # just inside Django's: see there
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "brobygger.accounts.middleware.OTPMiddleware",  # django_otp's, see there
    "brobygger.accounts.middleware.SessionLimitsMiddleware",
    "brobygger.accounts.middleware.UserLanguageMiddleware",
    "brobygger.accounts.middleware.TwoFactorRequiredMiddleware",
    # Inside the two-factor gate: a request it refuses shows nobody and logs nothing.
    "brobygger.audit.looks.LookMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "brobygger.urls"
WSGI_APPLICATION = "brobygger.wsgi.application"

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
                "brobygger.accounts.context.navigation",
                "brobygger.notifications.context.unread_notifications",
            ],
            # {{ moment|when:"short_datetime" }} everywhere: brobygger/lib/when.py
            # {% pager page %} under every paged list: brobygger/lib/paging.py
            "builtins": ["brobygger.lib.when", "brobygger.lib.paging"],
        },
    }
]

VAR_DIR = Path(env_str("BROBYGGER_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'brobygger.sqlite3'}"),
        # Persistent connections in production: opening one per request (and, on SQLite,
        # setting its pragmas) took about half of a small page's time (issue 19,
        # bench/throughput.py). A persistent connection that died with the server
        # (restart, failover) is checked before reuse and replaced, so the app recovers
        # by itself (issue 20).
        conn_max_age=env_int("DB_CONN_MAX_AGE", 0 if DEBUG else 600),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite: writers take the lock when the transaction starts, so two writers never
    # deadlock half-way (DESIGN.md §4); WAL lets readers go on meanwhile. Temporary
    # files in memory: a statement that writes many rows inside a transaction (a list's
    # access-log entry names 25 persons) kept its statement journal in a new file under
    # /var/tmp, about 50 writes and an open, a delete and a close per page; in memory the
    # referral queue and the person list, kept, served 15-20 % more requests a second
    # (bench/throughput.py, scale 10, two runs each).
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA temp_store=MEMORY;"
        ),
    }
    DATABASES["default"]["TEST"] = {"NAME": ""}  # in-memory for tests
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and not env_bool(
    "DB_JIT", False
):
    # PostgreSQL compiles a query to machine code when its estimated cost is high; the
    # report pages' aggregates cross that line and spend ~50 ms each compiling for a
    # run of 100-250 ms (measured with bench/reports.py at scale 100). A web app's
    # queries are short: off, unless DB_JIT=1.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's, with a health check that asks no query of a quiet connection and a cursor
    # for the statements every request runs, prepared on the server (issue 19).
    DATABASES["default"]["ENGINE"] = "brobygger.lib.postgres"
    # Only statements run through that cursor are prepared (lib/postgres/base.py): Django's
    # own cursors bind on the client and never prepare, and that cursor asks for each of
    # its statements explicitly: psycopg's count of runs after which it would prepare a
    # statement unasked is set out of reach. None turns preparing off: behind a pooler in
    # transaction mode that does not keep prepared statements (PgBouncer before 1.21),
    # DB_PREPARED_STATEMENTS=0.
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = (
        2**31 - 1 if env_bool("DB_PREPARED_STATEMENTS", True) else None
    )

# The dashboard's and the funder report's figures are kept this many seconds at most
# (brobygger/reports/cache.py): shown as they are while nothing changes, and after a change
# shown with their time while the task worker computes them again; 0: computed on every
# request. They are kept in a table of the database, so every process and the worker
# share them (created by `migrate`, reports/apps.py).
REPORT_CACHE_SECONDS = env_int("REPORT_CACHE_SECONDS", 5 * 60)
REPORT_CACHE_TABLE = "reports_kept"
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "reports": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": REPORT_CACHE_TABLE,
        "OPTIONS": {"MAX_ENTRIES": 500},
    },
    # Pages kept between requests (brobygger/pagecache/keep.py): in each process's own
    # memory, never a shared cache server, since they hold health data.
    "pages": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "brobygger-pages",
        "OPTIONS": {"MAX_ENTRIES": env_int("PAGE_CACHE_ENTRIES", 1000)},
    },
}
# A page is kept at most this many seconds, and only while nothing it read has changed
# (brobygger/pagecache); 0: every page is built for every request.
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 60)
# Count a change inside its transaction instead of after the commit (tracking.py): the
# test suite's transactions never commit.
PAGE_CACHE_BUMP_AT_ONCE = False

# Public forms: submissions per hour (counted in the database, shared by all app
# processes; public/ratelimit.py). Per device (a signed cookie), per address (several
# devices behind one router), and per kiosk address the administrator has marked (a
# ward's shared kiosk or guest network: all its devices together).
PUBLIC_FORM_LIMIT_PER_HOUR = env_int("PUBLIC_FORM_LIMIT_PER_HOUR", 5)
PUBLIC_FORM_LIMIT_PER_ADDRESS_PER_HOUR = env_int("PUBLIC_FORM_LIMIT_PER_ADDRESS_PER_HOUR", 20)
PUBLIC_FORM_LIMIT_PER_KIOSK_PER_HOUR = env_int("PUBLIC_FORM_LIMIT_PER_KIOSK_PER_HOUR", 60)
# What the public page says about the peer jobs (issue 19); they differ by region. The
# defaults are the seed posting's: 8-15 hours a week, pay by FOA's agreement for peer
# workers. No pay figure is shipped: the agreement sets it.
PEER_JOB_HOURS_MIN = env_int("PEER_JOB_HOURS_MIN", 8)
PEER_JOB_HOURS_MAX = env_int("PEER_JOB_HOURS_MAX", 15)
PEER_JOB_PAY_AGREEMENT = env_str("PEER_JOB_PAY_AGREEMENT", "FOA")
if not 1 <= PEER_JOB_HOURS_MIN <= PEER_JOB_HOURS_MAX <= 37:
    raise ImproperlyConfigured("PEER_JOB_HOURS_MIN and _MAX: 1 <= min <= max <= 37.")
# Applications not hired are deleted this many days after their posting closes (issue 9;
# `manage.py purge_applications`, daily).
RECRUITMENT_RETENTION_DAYS = env_int("RECRUITMENT_RETENTION_DAYS", 183)

# The data controller named on the privacy page and in a person's copy of their data
# (GDPR art. 13/15). Demo values; a region sets its own.
# FHIR export (brobygger/interop): the base of the identifier systems of Brobygger's own ids
# (persons, referrals, units...) and of the instruments' canonical URLs. A region sets its
# own URI (e.g. an OID it owns: "urn:oid:1.2.208....") so the EPJ can match re-exports.
FHIR_IDENTIFIER_BASE = env_str("FHIR_IDENTIFIER_BASE", "urn:brobygger:")

# The JSON API (brobygger/api): requests per integration token (ninja's throttle syntax).
API_RATE_LIMIT = env_str("API_RATE_LIMIT", "600/m")

DATA_CONTROLLER = {
    "name": env_str("DATA_CONTROLLER_NAME", "Region Demo, Psykiatrien"),
    "address": env_str("DATA_CONTROLLER_ADDRESS", "Regionsvej 1, 8000 Aarhus C"),
    "cvr": env_str("DATA_CONTROLLER_CVR", "29190925"),
    "phone": env_str("DATA_CONTROLLER_PHONE", "70 11 22 33"),
    "email": env_str("DATA_CONTROLLER_EMAIL", "peer@psykiatri.region-demo.dk"),
    "dpo_email": env_str("DATA_PROTECTION_OFFICER_EMAIL", "dpo@region-demo.dk"),
}
# The accessibility statement's contact (lov om tilgængelighed af offentlige organers
# websteder: a phone and a written contact).
ACCESSIBILITY_CONTACT = {
    "phone": env_str("ACCESSIBILITY_CONTACT_PHONE", DATA_CONTROLLER["phone"]),
    "email": env_str("ACCESSIBILITY_CONTACT_EMAIL", "tilgaengelighed@region-demo.dk"),
}
# How long each kind of record is kept, in months: the one place the privacy page, the
# erasure rule (brobygger/rights) and the retention jobs read. Peer notes: 5 years after
# the last entry (DOMAIN.md §3); the access log: at least 6 months, at most 5 years
# (DOMAIN.md §7). RETENTION_MONTHS='{"peer_notes": 72}' overrides single kinds.
RETENTION_MONTHS: dict[str, int] = {
    "peer_notes": 60,
    "questionnaires": 60,
    "groups": 60,
    "referrals_without_course": 12,
    "access_log": 60,
}
for _kind, _months in env_json_object("RETENTION_MONTHS").items():
    if _kind not in RETENTION_MONTHS or not isinstance(_months, int) or _months < 1:
        raise ImproperlyConfigured(f"RETENTION_MONTHS: unknown kind or bad period {_kind!r}.")
    RETENTION_MONTHS[_kind] = _months

# Peers whose contract ends within this many days are flagged while they have courses.
CONTRACT_END_WARNING_DAYS = env_int("CONTRACT_END_WARNING_DAYS", 60)

# Notifications (brobygger/notifications; the checks run daily: `manage.py notify_due`).
# A referral still open this many days after it came in is brought to the coordinators.
NOTIFY_REFERRAL_WAITING_DAYS = env_int("NOTIFY_REFERRAL_WAITING_DAYS", 14)
# A peer's contract ending within this many days is brought to their units' coordinators.
NOTIFY_CONTRACT_END_DAYS = env_int("NOTIFY_CONTRACT_END_DAYS", 30)
# Supervision is due for a peer in no supervision group after this many weeks without a
# session attended (peers in a group: the group's own target, brobygger/workforce).
NOTIFY_SUPERVISION_WEEKS = env_int("NOTIFY_SUPERVISION_WEEKS", 8)
# Questionnaire scores that notify the peer and the coordinators when crossed: per
# instrument key, per scale ("total" or a subscale's key), one or more of "below" (the
# score falls under the value), "above" (rises over it) and "drop" (falls by at least the
# value since the course's previous score). JSON, e.g. {"qpr-15": {"total": {"drop": 6}}}.
NOTIFY_SCORE_THRESHOLDS: dict[str, Any] = env_json_object(
    "NOTIFY_SCORE_THRESHOLDS",
    '{"qpr-15": {"total": {"drop": 6}}, "oplevelse-af-peerstoette": {"total": {"below": 2}}}',
)

# The payroll file (brobygger/timesheets/payroll.py), shaped for the region's payroll
# system: the pay code (lønart) for each kind of hours, the columns of its lines in order,
# and the separator. The codes below are placeholders: set the region's own, e.g.
# PAYROLL_PAY_CODES='{"direct": "0110", "transport": "0450"}' (kinds not named keep these).
# Columns: employee_number, name, username, month, pay_code, kind, hours, minutes.
# A start-up check (timesheets/checks.py) refuses unknown kinds, columns and separators.
PAYROLL_PAY_CODES: dict[str, Any] = {
    "direct": "1010",
    "indirect": "1020",
    "transport": "1030",
    "supervision": "1040",
    "education": "1050",
} | env_json_object("PAYROLL_PAY_CODES")
PAYROLL_COLUMNS = env_list("PAYROLL_COLUMNS", "employee_number,name,month,pay_code,kind,hours")
PAYROLL_SEPARATOR = env_str("PAYROLL_SEPARATOR", ";")

# A peer keeps read access to a course's records for this many days after it ended (to
# finish the closing work), then loses it: brobygger/accounts/policy.py (issue 16).
PEER_READ_AFTER_END_DAYS = env_int("PEER_READ_AFTER_END_DAYS", 14)
# Break the glass (brobygger/breakglass): a grant to read a person outside one's purpose
# lasts this many hours. The weekly unusual-access report counts looks outside working
# hours (local time, Monday to Friday, not Danish public holidays) and flags a user past
# either threshold in a week.
BREAK_GLASS_HOURS = env_int("BREAK_GLASS_HOURS", 12)
WORKDAY_START_HOUR = env_int("WORKDAY_START_HOUR", 7)
WORKDAY_END_HOUR = env_int("WORKDAY_END_HOUR", 18)
UNUSUAL_GLASS_PERSONS = env_int("UNUSUAL_GLASS_PERSONS", 3)
UNUSUAL_OFF_HOURS_LOOKS = env_int("UNUSUAL_OFF_HOURS_LOOKS", 20)
# "Jeg er bekymret": minutes a concern may stay unacknowledged before the coordinator is
# alerted again (manage.py escalate_concerns, from cron every few minutes).
BROBYGGER_CONCERN_ESCALATE_MINUTES = {
    "high": env_int("CONCERN_ESCALATE_HIGH_MINUTES", 30),
    "medium": env_int("CONCERN_ESCALATE_MEDIUM_MINUTES", 4 * 60),
    "low": env_int("CONCERN_ESCALATE_LOW_MINUTES", 24 * 60),
}
# Research exports are k-anonymous: every combination of quasi-identifiers is shared by
# at least this many persons (brobygger.research.anonymity). Never fewer than 5, the
# same floor as the reports' small cells.
RESEARCH_EXPORT_K = env_int("RESEARCH_EXPORT_K", 5)
if RESEARCH_EXPORT_K < 5:
    raise ImproperlyConfigured(f"RESEARCH_EXPORT_K must be at least 5, not {RESEARCH_EXPORT_K}.")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
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
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, the user's devices read with the user (issue 19).
    "brobygger.accounts.backends.StaffBackend",
    # The region's identity provider (OpenID Connect), when OIDC_ISSUER is set.
    "brobygger.sso.backend.RegionBackend",
]

# Staff single sign-on (brobygger/sso, mozilla-django-oidc): the issuer's discovery document
# gives the endpoints; authorisation code with PKCE; RS256 ID tokens checked against the
# provider's keys. The groups claim maps to roles and units in the administrator's table.
OIDC_ISSUER = env_str("OIDC_ISSUER", "")
OIDC_RP_CLIENT_ID = env_str("OIDC_CLIENT_ID", "brobygger")
OIDC_RP_CLIENT_SECRET = env_str("OIDC_CLIENT_SECRET", "")
OIDC_RP_SIGN_ALGO = "RS256"
OIDC_RP_SCOPES = "openid email profile"
OIDC_USE_PKCE = True
OIDC_PKCE_CODE_CHALLENGE_METHOD = "S256"
OIDC_GROUPS_CLAIM = env_str("OIDC_GROUPS_CLAIM", "groups")
OIDC_TIMEOUT = 5
OIDC_CREATE_USER = True
OIDC_AUTHENTICATION_CALLBACK_URL = "oidc_authentication_callback"
LOGIN_REDIRECT_URL_FAILURE = "/log-ind/"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "desk:home"
LOGOUT_REDIRECT_URL = "public:home"

# Lockout after repeated failures (django-axes): per user name, whatever the address, so
# an attacker rotating addresses is locked out too (issue 16). Not per address alone: a
# hospital's staff share a few addresses, and one person's typos would lock them all.
# The (user name, address) set adds nothing at the same limit; it is listed so that
# the address stays part of the lockout's terms, as axes' own check (W006) asks.
# An administrator unlocks a user name at once on "Locked sign-ins" (audited).
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 0.25  # hours; the lockout page says 15 minutes
AXES_LOCKOUT_PARAMETERS = [["username"], ["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
# Attempts are removed only by the audited unlock, not from Django's admin.
AXES_ENABLE_ADMIN = False

# Database sessions, read with a query compiled once per process (accounts/sessions.py).
SESSION_ENGINE = "brobygger.accounts.sessions"
# Sessions: 30 minutes idle, 10 hours absolute. The idle expiry is renewed by
# SessionLimitsMiddleware at most once every SESSION_REFRESH_SECONDS, not by a session
# write on every request (issue 19): the idle limit is SESSION_COOKIE_AGE after the last
# renewal, so between 29 and 30 minutes after the last request.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_SECONDS", 30 * 60)
SESSION_SAVE_EVERY_REQUEST = False
SESSION_REFRESH_SECONDS = 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_ABSOLUTE_SECONDS = env_int("SESSION_ABSOLUTE_SECONDS", 10 * 60 * 60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

OTP_TOTP_ISSUER = "Brobygger"
# Roles that must use two-factor even in demo mode; outside demo mode every role must.
TWO_FACTOR_ALWAYS_ROLES = ("coordinator", "administrator")
# An administrator's one-time link to set up two-factor login (the first authenticator,
# or a new one after a lost phone) works this many hours.
TWO_FACTOR_SETUP_LINK_HOURS = env_int("TWO_FACTOR_SETUP_LINK_HOURS", 24)
# Recovery codes (django-otp's static tokens) made at a time.
RECOVERY_CODE_COUNT = 10

# Staff invitations (onboarding): days a link works. Where staff sign in through the
# region's identity provider, REGION_LOGIN_URL is its login page and the invitation
# leads there instead of to a password. E-mail: the console in development.
INVITATION_DAYS = env_int("INVITATION_DAYS", 7)
REGION_LOGIN_URL = env_str("REGION_LOGIN_URL", "")
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Brobygger <noreply@brobygger.invalid>")
# Text messages: the dotted path of a class with send(to, text), the region's gateway. In
# development the console prints them (phone numbers masked); with DEBUG off there is no
# default, and the app refuses to start without a real one (brobygger/scheduling/checks.py;
# the backends are in brobygger/notifications/messaging.py).
BROBYGGER_SMS_BACKEND = env_str(
    "SMS_BACKEND", "brobygger.notifications.messaging.ConsoleSMSBackend" if DEBUG else ""
)
# The site's public address (e.g. https://brobygger.region.dk), for links in messages sent
# outside a request (an urgent notification's text message). Empty: no link is sent.
BROBYGGER_BASE_URL = env_str("BASE_URL", "")

LANGUAGE_CODE = "da"
LANGUAGES = [("da", "Dansk"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "brobygger_language"
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "Europe/Copenhagen"
USE_I18N = True
USE_TZ = True
# Dates and times shown without a named style: brobygger/formats/<language>/formats.py
FORMAT_MODULE_PATH = ["brobygger.formats"]
# Form widgets render through the project's templates: templates/django/forms/widgets/
# shows an empty choice as "Vælg…", never as "---------".
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Uploaded files (the CVs of job applications) go through Django's storage API only, to
# the backend named here: app processes keep nothing on local disk when it is shared
# storage (DESIGN.md §4), e.g. FILE_STORAGE=storages.backends.s3.S3Storage with
# FILE_STORAGE_OPTIONS='{"bucket_name": "brobygger-private"}' (django-storages). The
# default is a folder outside the web root; the files are served only through views
# that check access.
MEDIA_ROOT = VAR_DIR / "private"
STORAGES: dict[str, dict[str, Any]] = {
    "default": {
        "BACKEND": env_str("FILE_STORAGE", "django.core.files.storage.FileSystemStorage"),
        "OPTIONS": env_json_object("FILE_STORAGE_OPTIONS"),
    },
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# Security headers.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_COOKIE_HTTPONLY = True
# No expiry: the CSRF cookie lasts as long as the browser's session, as the session cookie
# does; so it is sent only when it changes (brobygger/lib/csrf.py).
CSRF_COOKIE_AGE = None
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
if env_bool("BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# Keyed hashing of search criteria in the access log; defaults to SECRET_KEY.
AUDIT_HASH_KEY = env_str("AUDIT_HASH_KEY", SECRET_KEY)
# The key of the access log's and audit trail's MACs, seals and checkpoints (docs/audit.md).
# From the environment only, never stored in the database; keep a copy where the
# checkpoints are kept: without it the log cannot be verified. Required in production
# (`check --deploy` refuses the development key).
DEV_AUDIT_HMAC_KEY = "dev-only-audit-key-not-for-production"
AUDIT_HMAC_KEY = env_str("AUDIT_HMAC_KEY", DEV_AUDIT_HMAC_KEY if DEBUG or DEMO_MODE else None)
# Where `manage.py seal_audit` writes the signed checkpoints: outside the database, a
# directory the administrator keeps (copied off the server). Required by `check --deploy`.
AUDIT_CHECKPOINT_DIR = env_str(
    "AUDIT_CHECKPOINT_DIR", str(VAR_DIR / "audit-checkpoints") if DEBUG or DEMO_MODE else ""
)
# Never read from the environment: bench/audit_throughput.py switches the access log off
# to measure what it costs, and `check --deploy` refuses it off.
AUDIT_ACCESS_LOG = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}

# Scheduled jobs run as tasks (brobygger/jobs, docs/operations.md): `manage.py
# run_scheduler` enqueues each job at its interval, `manage.py db_worker` runs them. The
# tests run tasks at once (TASKS_BACKEND=django_tasks.backends.immediate.ImmediateBackend).
TASKS = {
    "default": {"BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend")},
}
# What a 503 for a database outage tells the browser to wait before retrying (seconds).
OUTAGE_RETRY_AFTER = env_int("OUTAGE_RETRY_AFTER", 30)
