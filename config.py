"""Application configuration, read from environment variables with safe defaults.

Pick a class with FUND_ENV (development, test, production); every setting below can be
overridden by an environment variable of the same name.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent
# The key earlier versions used by default: published, so never used to sign anything (refused in
# production, replaced by a random key of the instance elsewhere; see fund._check_secret_key).
DEFAULT_SECRET_KEY = "dev-only-insecure-key-change-me"  # noqa: S105  # nosec B105
# Where links point in development when FUND_BASE_URL is not set: `flask run`'s default.
DEVELOPMENT_BASE_URL = "http://127.0.0.1:5000"


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw not in (None, "") else default


def _sqlite_url(name: str) -> str:
    return f"sqlite:///{BASE_DIR / 'instance' / name}"


def engine_options(url: str) -> dict:
    """SQLAlchemy's engine options for the database at `url`. On PostgreSQL each process (each
    gunicorn worker) keeps a pool of DB_POOL_SIZE connections, opens at most DB_MAX_OVERFLOW
    more under load and waits DB_POOL_TIMEOUT_SECONDS for one before the request fails; and
    every statement gives up after DB_STATEMENT_TIMEOUT_MS (0, the default: never). The
    defaults are SQLAlchemy's own."""
    options: dict = {"pool_pre_ping": True}
    if not url.startswith("postgresql"):
        return options
    options.update(
        pool_size=_env_int("DB_POOL_SIZE", 5),
        max_overflow=_env_int("DB_MAX_OVERFLOW", 10),
        pool_timeout=_env_int("DB_POOL_TIMEOUT_SECONDS", 30),
    )
    timeout = _env_int("DB_STATEMENT_TIMEOUT_MS", 0)
    if timeout:
        options["connect_args"] = {"options": f"-c statement_timeout={timeout}"}
    return options


class Config:
    """Settings shared by every environment."""

    ENV_NAME = "base"
    # Unset outside production: a random key is made on first start and kept in
    # SECRET_KEY_FILE (default <instance>/secret_key, readable by its owner only).
    SECRET_KEY = os.environ.get("SECRET_KEY", "")
    SECRET_KEY_FILE = os.environ.get("SECRET_KEY_FILE", "")
    # An empty DATABASE_URL (as `DATABASE_URL= make run` gives) means the default too.
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL") or _sqlite_url("fund.sqlite3")
    SQLALCHEMY_ENGINE_OPTIONS: dict = engine_options(SQLALCHEMY_DATABASE_URI)

    # Sessions and cookies
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    PERMANENT_SESSION_LIFETIME = _env_int("SESSION_LIFETIME_SECONDS", 8 * 3600)
    WTF_CSRF_TIME_LIMIT = _env_int("CSRF_TIME_LIMIT_SECONDS", 8 * 3600)

    # Accounts
    PASSWORD_MIN_LENGTH = _env_int("PASSWORD_MIN_LENGTH", 12)
    LOGIN_LOCKOUT_ATTEMPTS = _env_int("LOGIN_LOCKOUT_ATTEMPTS", 10)
    LOGIN_LOCKOUT_WINDOW_SECONDS = _env_int("LOGIN_LOCKOUT_WINDOW_SECONDS", 15 * 60)
    # argon2id with 19 MiB, 2 passes, 1 lane: one of the OWASP Password Storage Cheat Sheet's
    # equivalent settings. One lane keeps a sign-in on one core (a few tens of milliseconds)
    # instead of four threads fighting the web workers for the CPU.
    PASSWORD_HASH_TIME_COST = _env_int("PASSWORD_HASH_TIME_COST", 2)
    PASSWORD_HASH_MEMORY_KIB = _env_int("PASSWORD_HASH_MEMORY_KIB", 19456)
    PASSWORD_HASH_PARALLELISM = _env_int("PASSWORD_HASH_PARALLELISM", 1)
    # Failed sign-ins allowed per client address within the window (all accounts together).
    LOGIN_ADDRESS_ATTEMPTS = _env_int("LOGIN_ADDRESS_ATTEMPTS", 50)
    LOGIN_ADDRESS_WINDOW_SECONDS = _env_int("LOGIN_ADDRESS_WINDOW_SECONDS", 15 * 60)
    # The JSON API's requests a minute: per personal API token, and per client address for the
    # calls without a token (fund/api/http.py; counted in each worker process's memory).
    API_RATE_LIMIT = _env_int("API_RATE_LIMIT", 120)
    API_ANONYMOUS_RATE_LIMIT = _env_int("API_ANONYMOUS_RATE_LIMIT", 60)
    # Sensitive actions (role changes, votes, funding) need a sign-in at most this old.
    SENSITIVE_ACTION_MAX_AGE_SECONDS = _env_int("SENSITIVE_ACTION_MAX_AGE_SECONDS", 15 * 60)
    # Number of reverse proxies in front of the app that set X-Forwarded-For (0: none, the
    # client address is the connection's). Set it when behind a proxy, or every client
    # shares the proxy's address for the sign-in throttle; never set it without a proxy.
    PROXY_FIX_X_FOR = _env_int("PROXY_FIX_X_FOR", 0)

    # Uploads
    UPLOAD_MAX_BYTES = _env_int("UPLOAD_MAX_BYTES", 10 * 1024 * 1024)
    UPLOAD_ALLOWED_TYPES = tuple(
        os.environ.get("UPLOAD_ALLOWED_TYPES", "pdf,docx,xlsx").replace(" ", "").split(",")
    )
    # Whole request limit: one upload plus the rest of the form.
    MAX_CONTENT_LENGTH = UPLOAD_MAX_BYTES + 1024 * 1024

    # Mail (used when MAIL_SERVER is set; otherwise messages go to the log)
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = _env_int("MAIL_PORT", 25)
    MAIL_USE_TLS = _env_bool("MAIL_USE_TLS", False)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER") or "fund@localhost"
    # Seconds to wait for the mail server before a message is left to be sent again.
    MAIL_TIMEOUT_SECONDS = _env_int("MAIL_TIMEOUT_SECONDS", 10)
    # The address the fund is served at (https://host/prefix): every absolute link, in email
    # above all, is built from it, never from the Host header of a request. Production
    # refuses to start without it.
    FUND_BASE_URL = os.environ.get("FUND_BASE_URL", "")

    # The fund's configurable rules (defaults from the fund's practice)
    FUND_NAME = os.environ.get("FUND_NAME", "Migration Multi-Partner Trust Fund")
    DECISION_BODY_NAME = os.environ.get("DECISION_BODY_NAME", "Executive Committee")
    INDIRECT_SUPPORT_RATE = Decimal(os.environ.get("INDIRECT_SUPPORT_RATE", "0.07"))
    ADMIN_AGENT_FEE_RATE = Decimal(os.environ.get("ADMIN_AGENT_FEE_RATE", "0.01"))
    GENDER_MARKER_MINIMUM = _env_int("GENDER_MARKER_MINIMUM", 2)
    # A proposal is submitted with a planned start from the day of submission (UTC) to at most
    # this many months after it (fund/proposals/checks.py); a draft may hold any date.
    PLANNED_START_HORIZON_MONTHS = _env_int("PLANNED_START_HORIZON_MONTHS", 36)
    # A full proposal's budget differing from its concept note's indicative total by more than
    # this share of it (either way) is flagged for the committee.
    INDICATIVE_TOTAL_TOLERANCE = Decimal(os.environ.get("INDICATIVE_TOTAL_TOLERANCE", "0.20"))
    # Committee members see the others' votes before casting their own (default: only after).
    COMMITTEE_VOTES_VISIBLE_BEFORE_OWN_VOTE = _env_bool(
        "COMMITTEE_VOTES_VISIBLE_BEFORE_OWN_VOTE", False
    )
    # The fewest seats that should be able to vote in a round: when recusals leave fewer, the
    # secretariat's round and meeting pages warn before the round is closed (the quorum rule
    # itself still counts the seats entitled to vote).
    COMMITTEE_MINIMUM_VOTING_SEATS = _env_int("COMMITTEE_MINIMUM_VOTING_SEATS", 2)
    COVERAGE_UNDER_TARGET_FRACTION = Decimal(
        os.environ.get("COVERAGE_UNDER_TARGET_FRACTION", "0.5")
    )
    COVERAGE_CONCENTRATED_MULTIPLE = Decimal(os.environ.get("COVERAGE_CONCENTRATED_MULTIPLE", "3"))
    # Results coverage: a reported indicator whose latest actual reaches less than this share of
    # that year's target (as progress from its baseline) is off track.
    RESULTS_OFF_TRACK_BELOW = Decimal(os.environ.get("RESULTS_OFF_TRACK_BELOW", "0.50"))

    # The reporting schedule made when a programme is funded (fund/reporting/schedule.py): an
    # annual narrative and an annual financial report on the previous calendar year, due on
    # these days (MM-DD) of the next year, for each year of the programme before its last; a
    # final narrative report within so many months of the end date; a final financial report
    # on this day (MM-DD) of the year after the end. Reminders this many days before a due date.
    REPORT_ANNUAL_NARRATIVE_DUE = os.environ.get("REPORT_ANNUAL_NARRATIVE_DUE", "03-31")
    REPORT_ANNUAL_FINANCIAL_DUE = os.environ.get("REPORT_ANNUAL_FINANCIAL_DUE", "04-30")
    REPORT_FINAL_NARRATIVE_MONTHS = _env_int("REPORT_FINAL_NARRATIVE_MONTHS", 3)
    REPORT_FINAL_FINANCIAL_DUE = os.environ.get("REPORT_FINAL_FINANCIAL_DUE", "04-30")
    REPORT_REMINDER_DAYS = tuple(
        int(days) for days in os.environ.get("REPORT_REMINDER_DAYS", "30,7,1").split(",")
    )

    # Tranche conditions (fund/finance/tranche.py): a transfer after an organization's first is
    # released only when the programme's reports of the years before the request's are accepted
    # (unless False), and the organization reported spent at least this share of what it was
    # transferred; the secretariat may override a failing condition with a recorded reason.
    TRANCHE_REPORTS_ACCEPTED = _env_bool("TRANCHE_REPORTS_ACCEPTED", True)
    TRANCHE_MIN_EXPENDITURE_SHARE = Decimal(os.environ.get("TRANCHE_MIN_EXPENDITURE_SHARE", "0.70"))

    # Revisions of funded programmes (fund/revisions): requested at least this many days before
    # the programme's end date; the committee approves an end date moved more than this many
    # months, or a UNSDG budget category changed by more than this share of the budget (besides
    # a higher total and a change of participating organizations; fund/revisions/rules.py).
    REVISION_MIN_DAYS_BEFORE_END = _env_int("REVISION_MIN_DAYS_BEFORE_END", 30)
    REVISION_COMMITTEE_EXTENSION_MONTHS = _env_int("REVISION_COMMITTEE_EXTENSION_MONTHS", 6)
    # A no-cost extension moves the end date at most this many months beyond the current one
    # (fund/revisions/operations.py); a longer one is refused at its field.
    REVISION_MAX_EXTENSION_MONTHS = _env_int("REVISION_MAX_EXTENSION_MONTHS", 24)
    REVISION_CATEGORY_CHANGE_SHARE = Decimal(
        os.environ.get("REVISION_CATEGORY_CHANGE_SHARE", "0.20")
    )

    # Open data (IATI, 360Giving); unset values fall back to the defaults in fund.reports.queries
    FUND_CODE = os.environ.get("FUND_CODE", "")
    OPEN_DATA_PUBLISHER_ORG_ID = os.environ.get("OPEN_DATA_PUBLISHER_ORG_ID", "")
    OPEN_DATA_PUBLISHER_NAME = os.environ.get("OPEN_DATA_PUBLISHER_NAME", "")
    OPEN_DATA_PUBLISHER_ORG_TYPE = os.environ.get("OPEN_DATA_PUBLISHER_ORG_TYPE", "")
    GIVING360_PREFIX = os.environ.get("GIVING360_PREFIX", "")
    OPEN_DATA_LICENSE_NAME = os.environ.get("OPEN_DATA_LICENSE_NAME", "")
    OPEN_DATA_LICENSE_URL = os.environ.get("OPEN_DATA_LICENSE_URL", "")
    OPEN_DATA_SCHEMA_DIR = os.environ.get("OPEN_DATA_SCHEMA_DIR", "")
    # Built open-data files, shared by the workers (fund/reports/cache.py); default
    # <instance>/open-data-cache.
    OPEN_DATA_CACHE_DIR = os.environ.get("OPEN_DATA_CACHE_DIR", "")

    # `flask fund backup` / `restore` on PostgreSQL (fund/backup.py): the client programs, when
    # they are not on the PATH (they must be of the server's major version or newer).
    PG_DUMP = os.environ.get("PG_DUMP", "")
    PG_RESTORE = os.environ.get("PG_RESTORE", "")

    # `/readyz` (fund/core/health.py): its statements give up after this long on PostgreSQL.
    READINESS_TIMEOUT_MS = _env_int("READINESS_TIMEOUT_MS", 2000)

    SEED_DIR = Path(os.environ.get("SEED_DIR", str(BASE_DIR / "seed")))
    TESTING = False
    DEBUG = False


class DevelopmentConfig(Config):
    ENV_NAME = "development"
    DEBUG = _env_bool("FLASK_DEBUG", False)
    # `flask run`'s own address; `make run` sets the address it serves.
    FUND_BASE_URL = os.environ.get("FUND_BASE_URL") or DEVELOPMENT_BASE_URL


class TestConfig(Config):
    ENV_NAME = "test"
    TESTING = True
    SECRET_KEY = "test-secret-key"  # noqa: S105 - only the test suite uses it  # nosec B105
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    WTF_CSRF_ENABLED = True
    FUND_BASE_URL = "http://fund.test"
    # Cheap hashes keep the suite fast (a sign-in verifies in under a millisecond); the
    # algorithm is the same.
    PASSWORD_HASH_TIME_COST = 1
    PASSWORD_HASH_MEMORY_KIB = 1024
    PASSWORD_HASH_PARALLELISM = 1


class ProductionConfig(Config):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    PREFERRED_URL_SCHEME = "https"


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "test": TestConfig,
    "production": ProductionConfig,
}


def setting(config: Mapping[str, Any], name: str) -> Any:
    """The setting `name` as `config` has it (an application's config, or a mapping given in its
    place), else as declared above: each setting's default is written once, in its class."""
    return config[name] if name in config else getattr(Config, name)


def config_for(name: str | None) -> type[Config]:
    """The configuration class for an environment name (default: development)."""
    key = (name or os.environ.get("FUND_ENV") or "development").lower()
    if key not in CONFIGS:
        raise ValueError(f"Unknown FUND_ENV {key!r}; choose one of {', '.join(CONFIGS)}")
    return CONFIGS[key]
