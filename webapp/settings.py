"""Django settings, read from the environment. With nothing set: the embedded default
(SQLite, in-memory channel layer, in-process inference, media under ./var/)."""
import os
from pathlib import Path

import dj_database_url

from webapp.env import env, envbool, envfloat, envint, envlist

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env("MASKFLOW_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = envbool("DEBUG", False)
# The fallback keeps `make run` working with no env; `check --deploy` fails while it is in use
# (maskflow.E001, webapp/accounts/checks.py).
DEV_SECRET_KEY = "maskflow-insecure-dev-key-set-SECRET_KEY-in-production-0123456789"
SECRET_KEY = env("SECRET_KEY") or DEV_SECRET_KEY
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "webapp.accounts",
    "webapp.projects",
    "webapp.videos",
    "webapp.annotations",
    "webapp.realtime",
    "webapp.exports",
    "webapp.review",
]

MIDDLEWARE = [
    "webapp.ops.middleware.OpsMiddleware",  # request id, log context, HTTP metrics
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "webapp.db_outage.DatabaseUnavailableMiddleware",  # database down: 503, not 500
]

ROOT_URLCONF = "webapp.urls"
ASGI_APPLICATION = "webapp.asgi.application"
WSGI_APPLICATION = None

FRONTEND_DIST = BASE_DIR / "frontend" / "dist"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "webapp" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

# --- database: SQLite file by default, DATABASE_URL (Postgres) when set -------------
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'maskflow.sqlite3'}",
        # Persistent connections: without them Channels opens a new Postgres connection
        # for every websocket message, a large share of the click latency.
        conn_max_age=envint("DB_CONN_MAX_AGE", 60),
        # A `SELECT 1` before the first query of each message/request, so a connection that
        # died with a database restart is replaced instead of failing one request.
        conn_health_checks=envbool("DB_CONN_HEALTH_CHECKS", True),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    # WAL + a busy timeout let the web process and the inference thread write concurrently.
    # A file, not shared-cache memory, so tests see real locking between threads.
    # Per process, so that concurrent test runs never share one file.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-maskflow-{os.getpid()}.sqlite3")}
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- realtime: in-memory channel layer by default, Redis when REDIS_URL is set ------
REDIS_URL = env("REDIS_URL")
SCALED_OUT = bool(REDIS_URL)
REALTIME_PREFIX = env("REALTIME_PREFIX", "mf")  # Redis key prefix: leases, jobs, presence
REALTIME_WORKER_STALE_S = envfloat("REALTIME_WORKER_STALE_S", 2.5)  # silent this long = dead
REALTIME_LEASE_TTL_S = envint("REALTIME_LEASE_TTL_S", 24 * 3600)
if SCALED_OUT:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": REALTIME_PREFIX + "-asgi-"},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = False
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ACKS_LATE = False
CELERY_TASK_DEFAULT_QUEUE = "cpu"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A broker that does not answer fails a publish within seconds instead of hanging a request.
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 3}
# A queued ingest/export that no worker has taken after this long says so (UI, API, log).
JOB_PICKUP_WARN_S = envint("JOB_PICKUP_WARN_S", 30)
# Quality flags are re-scored off the inference thread, batches merged over this many seconds
# (0: at once, in the thread that stored the masks).
FLAGS_DEFER_S = envfloat("FLAGS_DEFER_S", 0.5)

# --- realtime limits (per user; see docs/security.md) -------------------------------
WS_MAX_SOCKETS_PER_USER = envint("WS_MAX_SOCKETS_PER_USER", 16)  # per web server process
WS_USER_INFERENCE_RATE = envint("WS_USER_INFERENCE_RATE", 20)  # prompts+propagations /s (burst 2x)
WS_MAX_QUEUED_COMMANDS = envint("WS_MAX_QUEUED_COMMANDS", 64)  # waiting per inference worker
PROPAGATIONS_MAX_PER_USER = envint("PROPAGATIONS_MAX_PER_USER", 3)  # running at once per video

# --- files -------------------------------------------------------------------------
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media/"
STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", str(VAR_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns on every request otherwise
STATICFILES_DIRS = [p for p in [FRONTEND_DIST / "assets"] if p.exists()]
_s3_bucket = env("S3_BUCKET")
STORAGES = {
    "default": (
        {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": _s3_bucket,
                "endpoint_url": env("S3_ENDPOINT_URL") or None,
                # The usual AWS_* names (S3_* still read); unset = boto3's own chain
                # (instance role, ~/.aws).
                "access_key": env("AWS_ACCESS_KEY_ID") or env("S3_ACCESS_KEY_ID") or None,
                "secret_key": (env("AWS_SECRET_ACCESS_KEY") or env("S3_SECRET_ACCESS_KEY")
                               or None),
                "region_name": env("S3_REGION") or None,
                # Private objects; the app streams them after its permission check, so no
                # object URL is ever handed out (docs/operations.md, "Object storage").
                "default_acl": None,
                "querystring_auth": True,
                "file_overwrite": False,
            },
        }
        if _s3_bucket
        else {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    ),
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# S3 only: frames fetched from the bucket are kept on local disk (webapp.videos.frame_cache).
FRAME_CACHE_DIR = Path(env("FRAME_CACHE_DIR", str(VAR_DIR / "frame-cache")))
FRAME_CACHE_MB = envint("FRAME_CACHE_MB", 2048)  # 0 = no cache
WHITENOISE_ROOT = FRONTEND_DIST if FRONTEND_DIST.exists() else None
WHITENOISE_MAX_AGE = 3600

MAX_UPLOAD_MB = envint("MAX_UPLOAD_MB", 2048)
IMPORT_MAX_FILES = envint("IMPORT_MAX_FILES", 100_000)
IMPORT_MAX_EXPANDED_MB = envint("IMPORT_MAX_EXPANDED_MB", 4096)
IMPORT_MAX_JSON_MB = envint("IMPORT_MAX_JSON_MB", 64)
# Uploads stream to a temp file past this size, never whole into memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_TEMP_DIR = None
INGEST_TIMEOUT_S = envint("INGEST_TIMEOUT_S", 1800)
INGEST_MAX_FRAMES = envint("INGEST_MAX_FRAMES", 100_000)
JPEG_QUALITY = envint("JPEG_QUALITY", 90)

# --- files and retention: export zips expire, exports are capped (webapp.exports.retention) --
EXPORT_RETENTION_HOURS = envint("EXPORT_RETENTION_HOURS", 72)  # 0 = keep zips forever
EXPORTS_MAX_ACTIVE_PER_USER = envint("EXPORTS_MAX_ACTIVE_PER_USER", 3)  # queued + running
EXPORTS_MAX_KEPT_PER_VIDEO = envint("EXPORTS_MAX_KEPT_PER_VIDEO", 20)  # finished zips kept

# --- untrusted files: limits of the sandboxed children (webapp.sandbox) ---------------
# Videos larger than this (either orientation) are refused at probe time with a 400.
INGEST_MAX_WIDTH = envint("INGEST_MAX_WIDTH", 3840)
INGEST_MAX_HEIGHT = envint("INGEST_MAX_HEIGHT", 2160)
INGEST_MAX_MEMORY_MB = envint("INGEST_MAX_MEMORY_MB", 2048)  # address space of a decode child
INGEST_MAX_CPU_S = envint("INGEST_MAX_CPU_S", 2 * INGEST_TIMEOUT_S)  # CPU seconds of one
IMPORT_MAX_PIXELS = envint("IMPORT_MAX_PIXELS", 3840 * 2160)  # one imported mask image
IMPORT_MAX_MEMORY_MB = envint("IMPORT_MAX_MEMORY_MB", 2048)  # address space of a parse child
IMPORT_MAX_CPU_S = envint("IMPORT_MAX_CPU_S", 600)
IMPORT_TIMEOUT_S = envint("IMPORT_TIMEOUT_S", 600)  # wall clock of one import's parse

# --- image-sequence uploads: a zip of JPEG/PNG frames (webapp.videos.images) -----------
# Checked from the zip's directory before any entry is read; over them the upload is a 400.
INGEST_ZIP_MAX_ENTRIES = envint("INGEST_ZIP_MAX_ENTRIES", INGEST_MAX_FRAMES + 10_000)
INGEST_ZIP_MAX_EXPANDED_MB = envint("INGEST_ZIP_MAX_EXPANDED_MB", 8192)  # declared and read
INGEST_ZIP_PROBE_TIMEOUT_S = envint("INGEST_ZIP_PROBE_TIMEOUT_S", 120)  # reads every entry

# --- inference ---------------------------------------------------------------------
SAM2_MODEL = env("SAM2_MODEL", "random-tiny")
SAM2_CHECKPOINT = env("SAM2_CHECKPOINT")
SAM2_DEVICE = env("SAM2_DEVICE")  # "" = auto (cuda when present)
SAM2_COMPILE = envbool("SAM2_COMPILE", False)  # torch.compile the image encoder (CUDA only)
# torch intra-op threads; 0 = the engine's choice (1 off the main thread, half the cores on it)
SAM2_TORCH_THREADS = envint("SAM2_TORCH_THREADS", 0)
if SAM2_TORCH_THREADS < 0:
    raise ValueError(f"SAM2_TORCH_THREADS={SAM2_TORCH_THREADS} must be >= 0 (0 = automatic)")
SAM2_WEIGHTS_DIR = env("SAM2_WEIGHTS_DIR", "checkpoints")  # where `make weights` saves checkpoints
SESSION_BUDGET_MB = envint("SESSION_BUDGET_MB", 4096)
SESSION_IDLE_TTL_S = envint("SESSION_IDLE_TTL_S", 1800)

# --- auth and API ------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": envint("PASSWORD_MIN_LENGTH", 10)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/login"
# Failed sign-ins (POST /api/auth/login/ and /api/auth/token/) allowed per username and per
# client address before 429 + Retry-After; "N/s|min|hour|day".
LOGIN_RATE = env("LOGIN_RATE", "10/min")
LOGIN_IP_RATE = env("LOGIN_IP_RATE", "30/min")
# Set-password links (staff password resets and invitations, POST /api/users/{id}/password-reset/
# and /api/projects/{id}/invitations/) stop working this long after they were made, and as soon
# as the password is set or the user signs in.
PASSWORD_RESET_TIMEOUT = envint("PASSWORD_RESET_HOURS", 72) * 3600
if PASSWORD_RESET_TIMEOUT <= 0:
    raise ValueError("PASSWORD_RESET_HOURS must be at least 1")
# Reverse proxies in front that append to X-Forwarded-For (0: use the socket's address).
NUM_PROXIES = envint("NUM_PROXIES", 0)
# API tokens are refused ("token expired", 401) this long after they were issued; 0 = never.
TOKEN_TTL_HOURS = envint("TOKEN_TTL_HOURS", 720)
# REST JSON bodies nested deeper than this are a 400.
JSON_MAX_DEPTH = envint("JSON_MAX_DEPTH", 64)
# Plain-list endpoints (objects, prompts) return at most this many rows per request.
LIST_MAX_ROWS = envint("LIST_MAX_ROWS", 10_000)
# Login counters live in the cache: per process in the embedded default, shared in Redis.
CACHES = (
    {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": REALTIME_PREFIX + "-cache",
        }
    }
    if REDIS_URL
    else {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "webapp.accounts.auth.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PARSER_CLASSES": [
        "webapp.accounts.parsers.DepthLimitedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    # drf-spectacular plus the error answers every operation can give (webapp/api_schema.py).
    "DEFAULT_SCHEMA_CLASS": "webapp.api_schema.ErrorsAutoSchema",
    "EXCEPTION_HANDLER": "webapp.accounts.errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Maskflow API",
    "DESCRIPTION": "Collaborative video segmentation with SAM 2",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from drf-spectacular-sidecar's bundled files, never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "VideoStatusEnum": "webapp.videos.models.VideoStatus",
        "JobStatusEnum": "webapp.exports.models.JobStatus",
        "ExportFormatEnum": "webapp.exports.models.ExportFormat",
        "RoleEnum": "webapp.projects.models.Role",
    },
}

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

# --- production hardening (manage.py check --deploy is clean with DEBUG=false) -------
# Only behind a proxy that sets (and strips clients') X-Forwarded-Proto; otherwise any client
# could claim https.
TRUST_X_FORWARDED_PROTO = envbool("TRUST_X_FORWARDED_PROTO", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if TRUST_X_FORWARDED_PROTO else None
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", False)
SESSION_COOKIE_SECURE = envbool("SECURE_COOKIES", not DEBUG and bool(env("SECRET_KEY")))
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SILENCED_SYSTEM_CHECKS = envlist("SILENCED_SYSTEM_CHECKS", "")

# --- operations (docs/operations.md): logs, metrics, health ---------------------------
LOG_FORMAT = env("LOG_FORMAT", "plain")  # plain | json (one JSON object a line, with ids)
if LOG_FORMAT not in ("plain", "json"):
    raise ValueError(f"LOG_FORMAT={LOG_FORMAT!r}: use plain or json")
METRICS_TOKEN = env("METRICS_TOKEN")  # set: GET /metrics needs Authorization: Bearer <it>
# Celery replaces the root logger's handlers unless told not to; JSON logs keep ours.
CELERY_WORKER_HIJACK_ROOT_LOGGER = LOG_FORMAT != "json"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"ids": {"()": "webapp.ops.logs.ContextFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s%(ids)s"},
        "json": {"()": "webapp.ops.logs.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT,
                             "filters": ["ids"]}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.channels.server": {"level": "WARNING"}},
}
