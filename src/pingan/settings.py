"""Settings for Pingan, read from the environment.

SQLite is the embedded default so a fresh clone runs with no server; set
``DATABASE_URL=postgres://…`` for a real deployment. Every statutory or local
number the domain needs is a ``PINGAN_*`` setting with the default named in
``shared/domain-rules.md``.
"""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

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
    "pingan.petitions",
    "pingan.receptions",
    "pingan.fraud",
    "pingan.dissuasion",
    "pingan.scoring",
    "pingan.supervision",
    "pingan.suggestions",
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
# Each kind of case's page (a view taking the reference), so that a notice or a list that
# mixes kinds can link to any of them without the core knowing the domains.
PINGAN_CASE_PAGES = {
    "hazard": "hazards:detail",
    "petition": "petitions:detail",
    "fraud": "fraud:case",
    "fraud_warning": "dissuasion:warning",
    "task": "supervision:task",
    "suggestion": "suggestions:detail",
}
# The domain each kind of case belongs to. A role of one domain (Role.domain) reaches only
# that domain's kinds, to read or to act; a role of every domain (the 平安办's) reaches all. A
# kind listed in no domain would be reached by every role: the
# platform refuses to start with one (core.checks, pingan.E003).
PINGAN_CASE_DOMAINS = {
    "hazard": "hazards",
    "petition": "petitions",
    "fraud": "fraud",
    # Warning orders (the dissuasion app) stay in the fraud domain: the anti-fraud officers who
    # handle fraud cases are the ones who handle the orders.
    "fraud_warning": "fraud",
    "task": "supervision",
    "suggestion": "suggestions",
}
# Sealed lines, kind -> categories: a case on one is seen only by the departments that handle
# that line (Responsibility) and the person they assign, never by the place where it arose
# or any other office, and the identity of whoever made it never leaves those departments.
# Reports and accusations (检举控告类) are filed as discipline matters and handled by the
# discipline commission (PINGAN_PETITION_DISCIPLINE_UNIT_CODE).
PINGAN_SEALED_LINES = {"petition": ("discipline",)}
# The ledgers that may be uploaded on the web (core.ledger_uploads), each with its import
# function (file, actor=, filename=, dry_run=, progress=, mapping=, and the entry's "options",
# returning a core.ledger.LedgerImport), the list where its rows are seen,
# the command that does the same for a file too large to upload, and optionally "may", a
# test of who may upload it at all (user -> bool).
PINGAN_LEDGER_IMPORTS = {
    "hazards": {"label": _("hazard ledger"), "run": "pingan.hazards.ledger.import_hazards",
                "list": "hazards:list", "command": "pingan import 台账.xlsx --user USER"},
    "petitions": {"label": _("petition ledger"), "run": "pingan.petitions.ledger.import_petitions",
                  "list": "petitions:list", "command": "pingan petitions import 台账.xlsx --user USER"},
    "fraud": {"label": _("fraud case ledger"), "run": "pingan.fraud.ledger.import_fraud_cases",
              "list": "fraud:cases", "command": "pingan fraud import 案件台账.xlsx --user USER"},
    "suggestions": {"label": _("session's list of suggestions or proposals"),
                    "run": "pingan.suggestions.ledger.import_suggestions", "list": "suggestions:list",
                    "command": "pingan suggestions import 建议清单.xlsx --user USER",
                    "may": "pingan.suggestions.services.may_register"},
    # The league's workbook (sheets 指标 and 数值), one entry per table its units are on.
    "league": {"label": _("league workbook of the towns"), "run": "pingan.scoring.ledger.import_league",
               "options": {"table": "towns"}, "list": "scoring:table",
               "command": "pingan league import 考核.xlsx --user USER"},
    "league_departments": {"label": _("league workbook of the departments"),
                           "run": "pingan.scoring.ledger.import_league", "options": {"table": "departments"},
                           "list": "scoring:table",
                           "command": "pingan league import 考核.xlsx --table departments --user USER"},
    "league_city": {"label": _("league workbook of the city"), "run": "pingan.scoring.ledger.import_league",
                    "options": {"table": "city"}, "list": "scoring:table",
                    "command": "pingan league import 考核.xlsx --table city --user USER"},
}
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
# Each process keeps the holiday schedule in memory and looks this often whether another
# process (the admin site, an import) changed it.
PINGAN_HOLIDAY_RECHECK_SECONDS = int(os.environ.get("PINGAN_HOLIDAY_RECHECK_SECONDS", "30"))
# From this day of the year (month, day) the district admin is told, once, while next
# year's holiday schedule is not confirmed: the State Council publishes it in the autumn.
PINGAN_HOLIDAY_NOTICE_FROM = (10, 1)

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
# A ledger uploaded on the web (core.ledger_uploads); larger files go through the command.
PINGAN_LEDGER_UPLOAD_MAX_BYTES = int(os.environ.get("PINGAN_LEDGER_UPLOAD_MAX_BYTES", 20 * 1024 * 1024))
# An .xlsx workbook is a zip archive: what every ledger import lets it unpack to, its parts
# together (core.ledger.check_workbook; a zip bomb's 500 KB unpack to gigabytes). The hazard
# benchmark's 10⁶-row ledger (bench/bench_import.py, written by openpyxl) is 94 MB packed and
# 1,130 MB unpacked; 2 GiB admits it with room to spare.
PINGAN_LEDGER_MAX_UNZIPPED_BYTES = int(os.environ.get("PINGAN_LEDGER_MAX_UNZIPPED_BYTES", 2 * 1024**3))
# The longest cell a ledger import reads, Excel's own limit: a longer one was not typed in Excel,
# and is refused by its row and column rather than stored.
PINGAN_LEDGER_MAX_CELL_CHARS = 32_767
# An upload still queued or running after this many hours lost its worker: it is closed as
# failed and its file deleted (by the worker's periodic sweep).
PINGAN_LEDGER_UPLOAD_STALE_HOURS = int(os.environ.get("PINGAN_LEDGER_UPLOAD_STALE_HOURS", "6"))
# No retention setting: ledger records must be kept at least 3 years with their text and
# photo evidence (浙江省安全生产条例 art. 15), and Pingan keeps them for good. No path
# deletes a case: every case has events, which protect it (and on PostgreSQL a trigger
# refuses deleting an event); its attachments are protected the same way; no case kind is
# in the admin site with a delete permission and no API route deletes one
# (core/tests/test_retention.py holds each of these). A setting nothing reads would promise
# a purge that does not exist; one is added with the first deletion path, if ever.

# Petitions (信访). Two profiles of statutory terms. Each rule is (days, "calendar" |
# "working"). These seed the rule sets the district admin edits in the admin site ("Petition
# rule sets"); once seeded, the admin's numbers are the ones in force.
#   national: 信访工作条例 (2022) arts. 22, 23, 34–36.  zhejiang: 浙江省信访条例 arts. 20, 23,
#   with the national terms where the province sets none.
# The profile in force is stored in the database, set up the first time it is needed: the
# one named here, or when this is empty the province's by the district's division code
# (Zhejiang's for 33…, else national). After that the district admin switches it on the
# petition settings page; this setting no longer matters.
PINGAN_PETITION_PROFILE = os.environ.get("PINGAN_PETITION_PROFILE", "")
PINGAN_PETITION_PROFILES = {
    "national": {
        "route": (15, "calendar"),
        "acceptance": (15, "calendar"),
        "objection": (5, "working"),
        "resolution": (60, "calendar"),
        # No statutory term for replying to a suggestion (建议意见类): local practice uses
        # the resolution term.
        "suggestion_reply": (60, "calendar"),
        "review_window": (30, "calendar"),
        "review_decision": (30, "calendar"),
        "reexam_window": (30, "calendar"),
        "reexam_decision": (30, "calendar"),
        # One extension, approved by the unit head, of at most this many days; and, when
        # set, never more than this many days from acceptance in all.
        "extension_max_days": 30,
        "extension_cap_days": None,
    },
    "zhejiang": {
        "route": (15, "calendar"),
        "acceptance": (5, "working"),
        "objection": (5, "working"),
        "resolution": (30, "calendar"),
        "suggestion_reply": (30, "calendar"),
        "review_window": (30, "calendar"),
        "review_decision": (30, "calendar"),
        "reexam_window": (30, "calendar"),
        "reexam_decision": (30, "calendar"),
        "extension_max_days": 60,
        "extension_cap_days": 90,
    },
}
# Accusations (检举控告类) go to the discipline-inspection unit with this code (the demo's
# 区纪委监委; its code is illustrative).
PINGAN_PETITION_DISCIPLINE_UNIT_CODE = os.environ.get(
    "PINGAN_PETITION_DISCIPLINE_UNIT_CODE", "330802D08"
)
# The petition bureau (信访局) with this code asks petitioners how satisfied they are with the
# reply (回访); the demo's code is illustrative.
PINGAN_PETITION_BUREAU_UNIT_CODE = os.environ.get("PINGAN_PETITION_BUREAU_UNIT_CODE", "330802D05")
# The public satisfaction page locks a reference, and a client, out for this many hours
# after this many wrong codes: with 31⁸ codes, five guesses a day never find one.
PINGAN_SATISFACTION_MAX_FAILURES_PER_REFERENCE = int(
    os.environ.get("PINGAN_SATISFACTION_MAX_FAILURES_PER_REFERENCE", "5"))
PINGAN_SATISFACTION_MAX_FAILURES_PER_CLIENT = int(
    os.environ.get("PINGAN_SATISFACTION_MAX_FAILURES_PER_CLIENT", "20"))
PINGAN_SATISFACTION_LOCK_HOURS = int(os.environ.get("PINGAN_SATISFACTION_LOCK_HOURS", "24"))
# Behind a reverse proxy every request comes from the proxy: name the request header the
# proxy sets to the client's address (as Django's META key, e.g. HTTP_X_REAL_IP), or every
# petitioner would share one lock. Empty: the connection's own address (REMOTE_ADDR).
PINGAN_CLIENT_ADDRESS_HEADER = os.environ.get("PINGAN_CLIENT_ADDRESS_HEADER", "")
# A petition is proposed as a repeat of an earlier one by the same petitioner in the same
# category when their texts' character-bigram cosine reaches this (petitions/similarity.py).
# Paraphrases of one matter score about 0.5–0.7; different matters of one person that share
# only boilerplate (村民反映, a year) about 0.3.
PINGAN_PETITION_REPEAT_SIMILARITY = float(os.environ.get("PINGAN_PETITION_REPEAT_SIMILARITY", "0.35"))
# Leaders' reception days (领导接访日): the district and each town hold one per period.
# The 2022 regulations (art. 18) say only "regularly"; once a dekad (每旬: the 1st–10th,
# 11th–20th, 21st–end of month) is local practice, so a district that receives weekly or
# monthly sets "week" or "month". The calendar counts a past period with none held as missing.
PINGAN_RECEPTION_PERIOD = os.environ.get("PINGAN_RECEPTION_PERIOD", "dekad")

# Telecom fraud: ring linking (串并案). Identifiers that would join unrelated cases — a bank's
# service number, a common app — are left out of linking: the stoplist names them
# ("kind:value", e.g. "phone:95588"; comma-separated in the environment), and any identifier
# shared by more than PINGAN_FRAUD_MAX_IDENTIFIER_DEGREE distinct cases is left out too.
# Both are local practice; the left-out identifiers are always listed beside the rings.
PINGAN_FRAUD_IDENTIFIER_STOPLIST = tuple(
    entry.strip()
    for entry in os.environ.get("PINGAN_FRAUD_IDENTIFIER_STOPLIST", "").split(",")
    if entry.strip()
)
PINGAN_FRAUD_MAX_IDENTIFIER_DEGREE = int(os.environ.get("PINGAN_FRAUD_MAX_IDENTIFIER_DEGREE", "50"))
# A ring is a major case (大案要案) at this total loss or this many victims (local practice;
# the amount is also the law's "especially huge" band).
PINGAN_FRAUD_MAJOR_LOSS_YUAN = int(os.environ.get("PINGAN_FRAUD_MAJOR_LOSS_YUAN", "500000"))
PINGAN_FRAUD_MAJOR_VICTIMS = int(os.environ.get("PINGAN_FRAUD_MAJOR_VICTIMS", "10"))
# A fraud's amount bands, in yuan: at or above each, 数额较大 / 数额巨大 / 数额特别巨大. For telecom
# fraud the 2016 opinions of the Supreme Court, the Supreme Procuratorate and the Ministry of
# Public Security (关于办理电信网络诈骗等刑事案件适用法律若干问题的意见, part 2 (1)) set 3,000 /
# 30,000 / 500,000.
PINGAN_FRAUD_AMOUNT_BANDS_YUAN = {"large": 3_000, "huge": 30_000, "especially_huge": 500_000}
# The scam types offered when a case is recorded, in this order. The eight built-in codes have
# translated labels (fraud/models.py ScamType); a deployment may drop or reorder them, and add
# its own as ("code", "label") pairs, the label shown as written.
PINGAN_FRAUD_SCAM_TYPES = ("rebate_task", "fake_investment", "fake_customer_service", "fake_officials",
                           "fake_loan", "game_trading", "romance", "other")
# Warning and dissuasion (预警劝阻, 反电信网络诈骗法 art. 34). Hours from receiving a warning order to
# reaching the person at risk, per the order's risk level. Local practice: no public text sets
# them (many centres ask for a call at once and a visit the same day for high risk). Counted in
# clock hours, holidays included: a fraud under way does not wait for a working day.
PINGAN_FRAUD_WARNING_CONTACT_HOURS = {"high": 24, "medium": 48, "low": 72}
# Once the person is reached, hours to record how the dissuasion ended (local practice).
PINGAN_FRAUD_WARNING_OUTCOME_HOURS = int(os.environ.get("PINGAN_FRAUD_WARNING_OUTCOME_HOURS", "72"))
# "Not reached" (未联系上) closes a warning only after this many attempts (local practice).
PINGAN_FRAUD_WARNING_MIN_ATTEMPTS = int(os.environ.get("PINGAN_FRAUD_WARNING_MIN_ATTEMPTS", "2"))

PINGAN_API_PAGE_SIZE = 50
PINGAN_API_MAX_PAGE_SIZE = 500

# The league table (争先创优, 流动红旗; shared/domain-rules.md "Assessment and ranking": no
# public text fixes these, so each is local practice). The top this many of a table get the
# rotating red flag each period.
PINGAN_LEAGUE_RED_FLAGS = int(os.environ.get("PINGAN_LEAGUE_RED_FLAGS", "3"))
# A member's indicator is weak when its score puts it in the bottom this fraction of the
# members comparable on that indicator.
PINGAN_LEAGUE_WEAK_FRACTION = float(os.environ.get("PINGAN_LEAGUE_WEAK_FRACTION", str(1 / 3)))
# The rank a member aims for when none is set on it ("保三争二": secure third, aim for second).
PINGAN_LEAGUE_TARGET_RANK = int(os.environ.get("PINGAN_LEAGUE_TARGET_RANK", "3"))
# The years a league period may fall in (first and last, inclusive): a year outside is a typing
# slip (0000Q1, 9999Q4), refused where it is read rather than stored as a key nothing can read
# back.
PINGAN_LEAGUE_YEARS = (2000, 2099)
# How often the worker recomputes the league's computed values (the current and the previous
# quarter and month) and ranks the district's tables on them. An hour: the figures move with
# every closed case, and a table that lags an hour behind is still today's.
PINGAN_LEAGUE_RECOMPUTE_SECONDS = int(os.environ.get("PINGAN_LEAGUE_RECOMPUTE_SECONDS", "3600"))
# Domain tasks the worker enqueues on their own interval, by dotted path (core imports no
# domain app): each is enqueued at start and then once its interval has passed, checked at
# every sweep (PINGAN_ESCALATION_SWEEP_SECONDS).
PINGAN_WORKER_PERIODIC_TASKS = {
    "pingan.scoring.tasks.recompute_league": PINGAN_LEAGUE_RECOMPUTE_SECONDS,
}
# The yearly Safe District title (平安县(市、区)) and the award ladder of 浙江省平安建设条例 practice:
# so many titles in a row earn the award; past the last, a star every so many more.
PINGAN_SAFETY_TITLE = "平安县(市、区)"
PINGAN_SAFETY_AWARD_LADDER = ((3, "平安鼎"), (6, "平安铜鼎"), (9, "平安银鼎"), (12, "平安金鼎"))
PINGAN_SAFETY_AWARD_STAR_EVERY = 3

# A supervised task's one extension moves its deadline by at most this many days, unless a
# deadline policy for tasks (the admin site's) says otherwise.
# Deputies' suggestions and members' proposals (建议提案), Zhejiang practice: each term as
# (length, unit), the unit "months" (a month term ends on the same date of its last month, or
# that month's last day) or "calendar" (days); a term ending on a day off ends on the next
# working day. Reply 3 months after assignment (代表法 art. 51; 浙江省人民代表大会代表建议、批评和
# 意见办理办法 art. 43), 6 with the assigning office's approval; co-handlers' opinion to the
# lead in 2 months; a wrong assignment returned within 10 days; a dissatisfied proposer's
# item re-handled within 1 month. The deadline calculator offers each as a rule.
PINGAN_SUGGESTION_TERMS = {
    "deputy_reply": (3, "months"),
    "deputy_reply_extended": (6, "months"),
    "deputy_co_opinion": (2, "months"),
    "deputy_return": (10, "calendar"),
    "deputy_rehandle": (1, "months"),
}
# The result classes of a reply (local practice): code -> (label, whether a reply of the
# class promises a date by which the matter will be done, tracked like a milestone).
PINGAN_SUGGESTION_RESULT_CLASSES = {
    "A": (_("A: solved or mostly solved"), False),
    "B": (_("B: being solved"), True),
    "C": (_("C: planned"), True),
    "D": (_("D: kept for reference or explained"), False),
}
# A promise is "falling due" on the board this many days before its date.
PINGAN_SUGGESTION_PROMISE_SOON_DAYS = int(os.environ.get("PINGAN_SUGGESTION_PROMISE_SOON_DAYS", "30"))
# A promised date at most this many years after the reply: further is a typing slip.
PINGAN_SUGGESTION_PROMISE_MAX_YEARS = int(os.environ.get("PINGAN_SUGGESTION_PROMISE_MAX_YEARS", "5"))
PINGAN_TASK_EXTENSION_DAYS = int(os.environ.get("PINGAN_TASK_EXTENSION_DAYS", "30"))
# A task's deadline is at most this many years ahead: further is a typo, not a plan.
PINGAN_TASK_MAX_YEARS = int(os.environ.get("PINGAN_TASK_MAX_YEARS", "3"))
# A meeting's report uploaded as a file: at most this many bytes, and a .docx at most this
# many once unzipped (a .docx is a zip: a small file can unzip to gigabytes).
PINGAN_MEETING_REPORT_MAX_BYTES = int(os.environ.get("PINGAN_MEETING_REPORT_MAX_BYTES", 2 * 1024 * 1024))
PINGAN_MEETING_REPORT_MAX_UNZIPPED_BYTES = int(os.environ.get("PINGAN_MEETING_REPORT_MAX_UNZIPPED_BYTES",
                                                              20 * 1024 * 1024))
# Supervision (督办). A milestone is "due soon" as any case is (PINGAN_DUE_SOON_DAYS); a task
# overdue escalates on the shared sweep. The circular's PDF is rendered from HTML with these
# fonts (fonts-noto-cjk on Debian).
PINGAN_CIRCULAR_FONT_FAMILY = os.environ.get("PINGAN_CIRCULAR_FONT_FAMILY", "Noto Serif CJK SC")
# The Word template a circular's .docx is filled from (docxtpl tags; see
# supervision/templates/supervision/documents/build_circular_docx.py). Empty: the bundled one.
# A district that edits the template in Word points this at its copy.
PINGAN_CIRCULAR_DOCX_TEMPLATE = os.environ.get("PINGAN_CIRCULAR_DOCX_TEMPLATE", "")
