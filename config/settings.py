"""Settings for Поколение М, read from environment variables (12-factor).

Every variable has a working default for a first run on one machine; the README lists them all.
"""

import hashlib
import hmac
import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name, default):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name, default):
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


DEBUG = env_bool("DEBUG", True)


def development_secret_key():
    """A random key kept in var/ so sessions survive restarts; never used in production."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(64))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = development_secret_key()

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# Project apps in dependency order: load_demo runs each app's demo in this order, so an app's
# demo can use what the apps it depends on created (learning's approvals need engagement's campaign).
INSTALLED_APPS = [
    # runserver leaves static files to WhiteNoise, as gunicorn does in production.
    "whitenoise.runserver_nostatic",
    "media_pipeline",
    "cms",
    "engagement",
    "learning",
    "certificates",
    "events",
    "notifications",
    "reports",
    "site_theme",
    "wagtail_headless_preview",
    "wagtail.api.v2",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.search_promotions",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "storages",
    "django_tasks",
    "django_tasks_db",
    "django_tasks_rq",
    "django_rq",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    # Sign-in by emailed code and by VK ID (learning/vk_id/, learning/adapters.py).
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.vk",
]

MIDDLEWARE = [
    # VKontakte's callback and the donation counter: answered here, before everything below
    # (config/middleware.py).
    "config.middleware.EarlyRoutesMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.RefuseNulCharactersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # The page cache's generation is read once per request (config/http_cache.py).
    "config.http_cache.GenerationMemoMiddleware",
    # Anonymous pages: kept in the cache, compressed when they hold no secret, marked public
    # (config/http_cache.py).
    "config.http_cache.PageCacheUpdateMiddleware",
    "config.http_cache.SafeGZipMiddleware",
    "config.http_cache.AnonymousCacheControlMiddleware",
    # Save-Data header or the site's toggle, and the language: the page cache keys on both.
    "site_theme.data_saver.DataSaverMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # A cached anonymous page is answered here, before sessions, CSRF, authentication, messages and
    # the CSP run: the stored answer already carries their headers, and an anonymous visitor without
    # a messages cookie has nothing for them to do.
    "config.http_cache.PageCacheFetchMiddleware",
    # A page not in the cache: Wagtail's site and home page from the cache (cms/sites.py).
    "cms.sites.CachedSiteMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]
if DEBUG:
    MIDDLEWARE.insert(
        MIDDLEWARE.index("whitenoise.middleware.WhiteNoiseMiddleware"),
        "config.middleware.DevelopmentStaticCompressionMiddleware",
    )

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "config.dev_mailbox.context",
            ],
            # `quoted` («…» with „…“ inside) in every template, the admin's and emails' included.
            "builtins": ["config.templatetags.typography"],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
# Connections are kept between requests (a new PostgreSQL connection costs more than most pages'
# queries) and checked before each request reuses one, so a restarted database costs one retry-free
# reconnect, not an error. DB_CONN_MAX_AGE=0 closes them after each request again.
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=env_int("DB_CONN_MAX_AGE", 600),
        conn_health_checks=env_bool("DB_CONN_HEALTH_CHECKS", True),
    )
}
IS_POSTGRES = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
if IS_POSTGRES:
    # No JIT: the application's queries are short, and while a table has no statistics yet (a fresh
    # database, a restored one before ANALYZE) the report rollups' trigger queries are estimated past
    # jit_above_cost, and LLVM spent 5-6 s compiling a millisecond query on every write of a
    # student, a lesson's progress or a work. DATABASE_URL's own `options` come first.
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options["options"] = f"{options.get('options', '')} -c jit=off".strip()
    # Server-side prepared statements where the code asks for them (prepare=True: the one function
    # call of record_action and of a VK callback), so a repeated call sends only its values. Django
    # turns them off by default (None), and then psycopg ignores prepare=True: every call was parsed
    # and planned again. Nothing else is prepared: the threshold of runs is out of reach. A pooler
    # in transaction mode would need protocol-level prepared statements (PgBouncer ≥ 1.21).
    options.setdefault("prepare_threshold", 2**31 - 1)
else:
    # SQLite in WAL mode lets the web server and the task worker share the file.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;", "timeout": 20}
    )
    # The season report's rollup tables are kept by PostgreSQL triggers only; on SQLite the report
    # counts raw rows and leaves them empty, so their NULLs-not-distinct unique keys are not needed.
    SILENCED_SYSTEM_CHECKS = ["models.W047"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# PostgreSQL: the role web and worker processes connect as (DATABASE_URL of those processes). Set
# it for `migrate`, which runs as the tables' owner, and migrate grants that role what the
# application needs and nothing that could change the ledger (engagement/database_roles.py).
DATABASE_APP_ROLE = os.environ.get("DATABASE_APP_ROLE", "")

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")

# --- Tasks ----------------------------------------------------------------------------------
# Django 6 has django.tasks; Wagtail 8 enqueues through the django_tasks backport. Both read
# TASKS, and each of these backends serves both kinds of task.
TASK_BACKEND = os.environ.get("TASK_BACKEND", "db")
TASK_BACKENDS = {
    "db": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]},
    "rq": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]},
    "immediate": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"},
}
if TASK_BACKEND not in TASK_BACKENDS:
    raise ImproperlyConfigured(f"TASK_BACKEND must be one of {', '.join(TASK_BACKENDS)}, not {TASK_BACKEND!r}.")
TASKS = {"default": TASK_BACKENDS[TASK_BACKEND]}
RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": env_int("RQ_DEFAULT_TIMEOUT", 6 * 3600)}}

# RQ workers run each job in a child process that dies with its worker (and takes ffmpeg along):
# `manage.py rqworker --job-class django_tasks_rq.Job default`. The scheduler for the periodic jobs:
# `manage.py rqcron config.schedule`.
RQ = {"WORKER_CLASS": "config.workers.Worker"}

# --- Cache ----------------------------------------------------------------------------------
# Rate limits, menus and counter figures live in the cache. In production (and with RQ) it is Redis,
# shared by every process, so limits count once for all workers; when Redis does not answer, each
# process falls back to its own memory (config/cache.py). Development on one process uses memory.
CACHE_BACKEND = os.environ.get("CACHE_BACKEND", "redis" if TASK_BACKEND == "rq" or not DEBUG else "local")
if CACHE_BACKEND == "redis":
    CACHES = {
        "default": {"BACKEND": "config.cache.RedisCacheWithLocalFallback", "LOCATION": REDIS_URL},
        # Wagtail's renditions, read without being written back on every hit (config/cache.py).
        "renditions": {"BACKEND": "config.cache.RenditionCache", "LOCATION": REDIS_URL, "KEY_PREFIX": "renditions"},
    }
elif CACHE_BACKEND == "local":
    # The page cache's generation is read once per request (config/http_cache.py), so with Django's
    # default of 300 entries a page's renditions could cull it mid-request, dropping every cached page.
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "OPTIONS": {"MAX_ENTRIES": 10000}}
    }
else:
    raise ImproperlyConfigured(f"CACHE_BACKEND must be 'local' or 'redis', not {CACHE_BACKEND!r}.")

# Anonymous pages without a form are public for this long (browsers, a CDN and the cache above keep
# them); publishing, moderation and moves purge the cache. 0 turns page caching off.
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 60)
# Parts of pages that only publishing changes (the home page's directions, winners and events) are
# cached under the same generation, for anyone, so a signed-in visitor's page and a cold page cache
# render them from the cache too. The time bounds what changes by the clock (an event that ended).
FRAGMENT_CACHE_SECONDS = env_int("FRAGMENT_CACHE_SECONDS", 60)
CACHE_MIDDLEWARE_ALIAS = "default"
CACHE_MIDDLEWARE_KEY_PREFIX = "pages"

# --- Storage --------------------------------------------------------------------------------
STORAGE_BACKEND = os.environ.get("STORAGE_BACKEND", "local")
# Optional CDN in front of the media files (playlists, segments, images); may carry a path.
MEDIA_CDN_URL = os.environ.get("MEDIA_CDN_URL", "").rstrip("/")
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = os.environ.get("MEDIA_URL") or (f"{MEDIA_CDN_URL}/" if MEDIA_CDN_URL else "/media/")
# Files nobody may fetch directly: students' uploads before moderation and every video's source
# (local storage: a folder /media/ never serves; S3: the bucket's private/ prefix, signed URLs only).
PRIVATE_MEDIA_ROOT = Path(os.environ.get("PRIVATE_MEDIA_ROOT", VAR_DIR / "private"))
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
STATIC_URL = "/static/"
# Wagtail documents are always streamed by Django's view after its privacy checks, never by a
# redirect to the bucket, so no document needs public read.
WAGTAILDOCS_SERVE_METHOD = "serve_view"


def origin_of(url):
    """scheme://host[:port] of a URL: a CSP source with a path would match only that one path."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def s3_origin(custom_domain=None):
    """The origin of the URLs the S3 storage gives out, computed by botocore itself (no request)."""
    if custom_domain:
        return origin_of(f"{AWS_S3_URL_PROTOCOL}//{custom_domain}")
    # noqa below: settings load in every process; only S3 deployments pay for importing boto3.
    import boto3  # noqa: PLC0415
    from botocore.config import Config  # noqa: PLC0415

    client = boto3.session.Session().client(
        "s3",
        endpoint_url=AWS_S3_ENDPOINT_URL,
        region_name=AWS_S3_REGION_NAME,
        aws_access_key_id="origin",
        aws_secret_access_key="origin",  # noqa: S106 - signs nothing that is sent
        config=Config(signature_version=AWS_S3_SIGNATURE_VERSION, s3={"addressing_style": AWS_S3_ADDRESSING_STYLE}),
    )
    return origin_of(
        client.generate_presigned_url("get_object", Params={"Bucket": AWS_STORAGE_BUCKET_NAME, "Key": "x"})
    )


# S3 requests and presigned URLs are signed with Signature V4: AWS refuses V2 for new buckets, and a
# V2 presigned PUT breaks once the browser sends a Content-Type.
AWS_S3_SIGNATURE_VERSION = os.environ.get("AWS_S3_SIGNATURE_VERSION", "s3v4")

if STORAGE_BACKEND == "s3":
    AWS_STORAGE_BUCKET_NAME = os.environ.get("AWS_STORAGE_BUCKET_NAME", "")
    if not AWS_STORAGE_BUCKET_NAME:
        raise ImproperlyConfigured("STORAGE_BACKEND=s3 needs AWS_STORAGE_BUCKET_NAME.")
    AWS_S3_ENDPOINT_URL = os.environ.get("AWS_S3_ENDPOINT_URL") or None
    AWS_S3_REGION_NAME = os.environ.get("AWS_S3_REGION_NAME", "us-east-1")
    AWS_ACCESS_KEY_ID = os.environ.get("AWS_ACCESS_KEY_ID")
    AWS_SECRET_ACCESS_KEY = os.environ.get("AWS_SECRET_ACCESS_KEY")
    # Public URLs go through the CDN when there is one (images included), else to the bucket.
    AWS_S3_CUSTOM_DOMAIN = os.environ.get("AWS_S3_CUSTOM_DOMAIN") or MEDIA_CDN_URL.partition("://")[2] or None
    AWS_S3_URL_PROTOCOL = os.environ.get("AWS_S3_URL_PROTOCOL") or (
        f"{urlsplit(MEDIA_CDN_URL).scheme}:" if MEDIA_CDN_URL else "https:"
    )
    AWS_S3_ADDRESSING_STYLE = os.environ.get("AWS_S3_ADDRESSING_STYLE", "path")
    AWS_DEFAULT_ACL = None
    AWS_QUERYSTRING_AUTH = env_bool("AWS_QUERYSTRING_AUTH", False)
    AWS_S3_FILE_OVERWRITE = False
    # Browsers fetch playlists, segments and images from MEDIA_ORIGIN and send resumable uploads'
    # parts straight to the bucket (presigned URLs of the private storage): the CSP allows both
    # origins, and the bucket needs the CORS rule in the README (`manage.py configure_bucket`).
    S3_UPLOAD_ORIGIN = os.environ.get("S3_UPLOAD_ORIGIN") or s3_origin()
    DEFAULT_STORAGE = {"BACKEND": "storages.backends.s3.S3Storage"}
    PRIVATE_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {"location": "private", "querystring_auth": True, "custom_domain": None},
    }
    MEDIA_ORIGIN = origin_of(MEDIA_CDN_URL) if MEDIA_CDN_URL else s3_origin(AWS_S3_CUSTOM_DOMAIN)
elif STORAGE_BACKEND == "local":
    DEFAULT_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    PRIVATE_STORAGE = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_MEDIA_ROOT},
    }
    MEDIA_ORIGIN = origin_of(MEDIA_CDN_URL) if MEDIA_CDN_URL else None  # None: our own origin
else:
    raise ImproperlyConfigured(f"STORAGE_BACKEND must be 'local' or 's3', not {STORAGE_BACKEND!r}.")
# Prefixes of the bucket that need public read (`manage.py configure_bucket` writes the policy):
# the HLS ladder with its poster and thumbnails, captions, and Wagtail's images. Nothing else.
S3_PUBLIC_READ_PREFIXES = ["video/*/hls/", "video/*/captions/", "images/", "original_images/"]

STORAGES = {
    "default": DEFAULT_STORAGE,
    "private": PRIVATE_STORAGE,
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
FILE_UPLOAD_PERMISSIONS = 0o644
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 20 * 1024 * 1024)

# --- Video pipeline (media_pipeline) --------------------------------------------------------
VIDEO_MAX_UPLOAD_SIZE = env_int("VIDEO_MAX_UPLOAD_SIZE", 8 * 1024**3)  # bytes
VIDEO_MAX_DURATION = env_int("VIDEO_MAX_DURATION", 4 * 3600)  # seconds
VIDEO_UPLOAD_CHUNK_SIZE = env_int("VIDEO_UPLOAD_CHUNK_SIZE", 8 * 1024 * 1024)  # bytes; S3 needs >= 5 MiB
VIDEO_UPLOAD_TEMP_DIR = Path(os.environ.get("VIDEO_UPLOAD_TEMP_DIR", VAR_DIR / "uploads"))
VIDEO_X264_PRESET = os.environ.get("VIDEO_X264_PRESET", "veryfast")
VIDEO_STALE_AFTER = env_int("VIDEO_STALE_AFTER", 300)  # seconds without a heartbeat before a job is re-run
VIDEO_MAX_ATTEMPTS = env_int("VIDEO_MAX_ATTEMPTS", 3)
# ffmpeg's work folders (one per run, named after its job); the sweeper removes those of dead runs.
VIDEO_WORK_DIR = Path(os.environ.get("VIDEO_WORK_DIR", VAR_DIR / "work"))

# --- Periodic jobs --------------------------------------------------------------------------
# Run by RQ's cron scheduler (`manage.py rqcron config.schedule`, see config/schedule.py) on the
# RQ workers. Cron expressions in UTC (a sixth field counts seconds), each set from the environment.
SCHEDULE = {
    "publish_ledger_digests": os.environ.get("SCHEDULE_PUBLISH_LEDGER_DIGESTS", "15 0 * * *"),
    "recover_stale_videos": os.environ.get("SCHEDULE_RECOVER_STALE_VIDEOS", "*/5 * * * *"),
    "remove_unclaimed_uploads": os.environ.get("SCHEDULE_REMOVE_UNCLAIMED_UPLOADS", "30 2 * * *"),
    "sweep_video_work_folders": os.environ.get("SCHEDULE_SWEEP_VIDEO_WORK_FOLDERS", "*/30 * * * *"),
    "dispatch_due_deliveries": os.environ.get("SCHEDULE_DISPATCH_DUE_DELIVERIES", "* * * * *"),
    "send_consent_reminders": os.environ.get("SCHEDULE_SEND_CONSENT_REMINDERS", "5 * * * *"),
    "send_event_reminders": os.environ.get("SCHEDULE_SEND_EVENT_REMINDERS", "10 * * * *"),
    "send_deadline_reminders": os.environ.get("SCHEDULE_SEND_DEADLINE_REMINDERS", "20 * * * *"),
    "send_weekly_digests": os.environ.get("SCHEDULE_SEND_WEEKLY_DIGESTS", "0 7 * * 1"),
    "count_warmed_up_likes": os.environ.get("SCHEDULE_COUNT_WARMED_UP_LIKES", "*/10 * * * *"),
    "tally_recent_ledger_days": os.environ.get("SCHEDULE_TALLY_RECENT_LEDGER_DAYS", "*/5 * * * *"),
    "forget_like_addresses": os.environ.get("SCHEDULE_FORGET_LIKE_ADDRESSES", "40 3 * * *"),
    # Each callback asks for a drain itself; this one catches events whose drain could not be enqueued.
    "drain_vk_inbox": os.environ.get("SCHEDULE_DRAIN_VK_INBOX", "* * * * *"),
}

# --- Auth, language, time -------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", "Русский")]
TIME_ZONE = "Europe/Moscow"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]
# Learning's own HTML page (the guardian's consent link) wears the bundled site's layout; a
# headless deployment without site_theme sets it empty and gets learning's plain layout.
LEARNING_PAGE_LAYOUT = os.environ.get("LEARNING_PAGE_LAYOUT", "site_theme/base.html")
# The same for the certificates' public verification page.
CERTIFICATES_PAGE_LAYOUT = os.environ.get("CERTIFICATES_PAGE_LAYOUT", LEARNING_PAGE_LAYOUT)
# The same for the notification centre, its preferences and the unsubscribe page.
NOTIFICATIONS_PAGE_LAYOUT = os.environ.get("NOTIFICATIONS_PAGE_LAYOUT", LEARNING_PAGE_LAYOUT)
# DejaVu TTF fonts (Debian's fonts-dejavu-core) embedded in certificate PDFs for Cyrillic text.
CERTIFICATE_FONT_DIR = os.environ.get("CERTIFICATE_FONT_DIR", "/usr/share/fonts/truetype/dejavu")

# --- Email ----------------------------------------------------------------------------------
# The development mailbox in development (.eml files in VAR_DIR/mail/, read at /dev/mail/:
# config/dev_mailbox.py), SMTP (EMAIL_HOST...) in production.
EMAIL_BACKENDS = {
    "mailbox": "config.dev_mailbox.MailboxBackend",
    "console": "django.core.mail.backends.console.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
}
EMAIL_BACKEND_NAME = os.environ.get("EMAIL_BACKEND", "mailbox" if DEBUG else "smtp")
if EMAIL_BACKEND_NAME not in EMAIL_BACKENDS:
    raise ImproperlyConfigured(f"EMAIL_BACKEND must be one of {', '.join(EMAIL_BACKENDS)}.")
MAILERS = {"default": {"BACKEND": EMAIL_BACKENDS[EMAIL_BACKEND_NAME]}}
if EMAIL_BACKEND_NAME == "smtp":
    MAILERS["default"]["OPTIONS"] = {
        "host": os.environ.get("EMAIL_HOST", "localhost"),
        "port": env_int("EMAIL_PORT", 587),
        "username": os.environ.get("EMAIL_HOST_USER", ""),
        "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
        "use_tls": env_bool("EMAIL_USE_TLS", True),
    }
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Поколение М <noreply@pokolenie-m.example>")

# --- Wagtail --------------------------------------------------------------------------------
WAGTAIL_SITE_NAME = "Поколение М"
# The admin calls no outside host: no release check, no avatars from gravatar.com.
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAILADMIN_BASE_URL = SITE_URL
WAGTAILAPI_BASE_URL = SITE_URL
WAGTAILAPI_LIMIT_MAX = 100
# Rich text in the content API is display HTML (links and images resolved), ready for any front end.
WAGTAILAPI_RICH_TEXT_FORMAT = "html"
WAGTAIL_I18N_ENABLED = False
WAGTAILSEARCH_BACKENDS = {
    "default": {
        # Wagtail's database backend; on SQLite it adds Russian stemming of search terms (config/search.py).
        "BACKEND": "config.search",
        "SEARCH_CONFIG": "russian",
    }
}
WAGTAILDOCS_EXTENSIONS = ["pdf", "docx", "xlsx", "pptx", "odt", "txt", "zip", "png", "jpg"]
# Where Preview in the admin opens a draft: the bundled site's preview route by default.
WAGTAIL_HEADLESS_PREVIEW = {
    "CLIENT_URLS": {"default": os.environ.get("PREVIEW_CLIENT_URL", f"{SITE_URL}/preview/")},
    "SERVE_BASE_URL": None,
    "REDIRECT_ON_PREVIEW": False,
    "ENFORCE_TRAILING_SLASH": True,
}
PREVIEW_TOKEN_MAX_AGE = env_int("PREVIEW_TOKEN_MAX_AGE", 3600)

# --- API ------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "config.errors.api_exception_handler",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "config.authentication.SessionAuthentication",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "login": os.environ.get("THROTTLE_LOGIN", "10/min"),
        "register": os.environ.get("THROTTLE_REGISTER", "5/min"),
        "like": os.environ.get("THROTTLE_LIKE", "60/min"),
        "like_ip": os.environ.get("THROTTLE_LIKE_IP", "60/min"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Поколение М API",
    "DESCRIPTION": "Learning, engagement and media API. Content (pages, images, documents) is at /api/v2/.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "PREPROCESSING_HOOKS": ["config.api_schema.platform_endpoints_only"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.api_schema.add_content_api",
    ],
    # Swagger UI is served by the platform itself: no scripts from foreign hosts.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Engagement -----------------------------------------------------------------------------
# Counted actions per account per UTC day; past it actions are recorded with amount 0.
ENGAGEMENT_DAILY_ACTION_CAP = env_int("ENGAGEMENT_DAILY_ACTION_CAP", 100)
ENGAGEMENT_COUNTER_CACHE_SECONDS = env_int("ENGAGEMENT_COUNTER_CACHE_SECONDS", 1)
# Fair likes (README «Честные лайки»): an account's likes earn their rouble only once it is this old
# (earlier ones wait for count_warmed_up_likes); likes' addresses are forgotten after so many days;
# the «Подозрительная активность» screen shows a work's likes from one /24 (IPv6 /64) network, or
# from accounts created one after another within so many minutes, once there are this many.
ENGAGEMENT_LIKE_WARMUP_HOURS = env_int("ENGAGEMENT_LIKE_WARMUP_HOURS", 24)
ENGAGEMENT_LIKE_IP_RETENTION_DAYS = env_int("ENGAGEMENT_LIKE_IP_RETENTION_DAYS", 30)
ENGAGEMENT_CLUSTER_MIN_LIKES = env_int("ENGAGEMENT_CLUSTER_MIN_LIKES", 10)
ENGAGEMENT_CLUSTER_JOIN_MINUTES = env_int("ENGAGEMENT_CLUSTER_JOIN_MINUTES", 10)


def ledger_secret(name, purpose):
    """A secret of the public ledger: the environment's value; in development one generated into
    var/ as the secret key is; in production, when unset, derived from SECRET_KEY (set it, so that a
    new SECRET_KEY does not change the ledger's signing key or its day files' pseudonyms)."""
    value = os.environ.get(name, "")
    if value:
        return value
    if DEBUG:
        path = VAR_DIR / name.lower()
        if not path.exists():
            path.write_text(secrets.token_urlsafe(32))
            path.chmod(0o600)
        return path.read_text().strip()
    return hmac.new(SECRET_KEY.encode(), purpose.encode(), hashlib.sha256).hexdigest()


# Any string: the Ed25519 key that signs each day's root is derived from it (engagement/services/publication.py).
LEDGER_SIGNING_KEY = ledger_secret("LEDGER_SIGNING_KEY", "pokolenie-m ledger signing key")
# The HMAC key that turns an account into a day's pseudonym in the public day files. Never change it
# once days are published: their files would no longer recompute the signed roots.
LEDGER_PSEUDONYM_KEY = ledger_secret("LEDGER_PSEUDONYM_KEY", "pokolenie-m ledger pseudonyms")
# VK communities whose callbacks are accepted: "group_id:secret:confirmation" items, comma-separated.
VK_CALLBACK_GROUPS = {}
for _item in env_list("VK_CALLBACK_GROUPS"):
    _group, _secret, _confirmation = (_item.split(":", 2) + ["", ""])[:3]
    if not _group.isdigit() or not _secret or not _confirmation:
        raise ImproperlyConfigured("VK_CALLBACK_GROUPS items must look like group_id:secret:confirmation.")
    VK_CALLBACK_GROUPS[int(_group)] = {"secret": _secret, "confirmation": _confirmation}
# A callback stores its event in the inbox and answers "ok"; a drain turns the waiting events into
# ledger entries this many seconds later, in one batch (engagement/services/vk.py). The donation
# counter shows a like that much later (plus the task worker's pick-up).
try:
    VK_INBOX_DRAIN_SECONDS = float(os.environ.get("VK_INBOX_DRAIN_SECONDS") or "1")
except ValueError:
    VK_INBOX_DRAIN_SECONDS = 0
if not 0 < VK_INBOX_DRAIN_SECONDS <= 3600:
    raise ImproperlyConfigured("VK_INBOX_DRAIN_SECONDS must be a number of seconds above 0 and up to 3600, e.g. 1.")

# --- Sign-in: django-allauth (adults by emailed code, everyone by VK ID) ----------------------
# Children keep the password form of /cabinet/login/ (ModelBackend); allauth adds the one-time
# codes and VK ID (OAuth 2.1 with PKCE S256 on id.vk.ru). Its pages use the site's templates
# (site_theme/templates/allauth/, account/, socialaccount/).
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "site_theme:login"
LOGIN_REDIRECT_URL = "site_theme:cabinet"
ACCOUNT_ADAPTER = "learning.adapters.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "learning.adapters.SocialAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = True
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_TIMEOUT = env_int("SIGN_IN_CODE_TIMEOUT", 15 * 60)
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_BY_CODE_TIMEOUT = env_int("SIGN_IN_CODE_TIMEOUT", 15 * 60)
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "Поколение М: "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if not DEBUG else "http"
ACCOUNT_LOGOUT_REDIRECT_URL = "/"
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"
# VK ID shares an email only if the person allows it: sign-up goes on without one.
SOCIALACCOUNT_EMAIL_REQUIRED = False
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_REQUESTS_TIMEOUT = env_int("VK_ID_TIMEOUT", 10)
# VK ID: the application's ID and protected key from id.vk.ru (Мои приложения). Without them the
# VK ID button says that sign-in through VK is not set up. VK_ID_URL is id.vk.ru; the tests point
# it at their own OAuth 2.1 server on 127.0.0.1 (tests/vk_id_server.py).
VK_ID_CLIENT_ID = os.environ.get("VK_ID_CLIENT_ID", "")
VK_ID_CLIENT_SECRET = os.environ.get("VK_ID_CLIENT_SECRET", "")
VK_ID_URL = os.environ.get("VK_ID_URL", "https://id.vk.ru").rstrip("/")
SOCIALACCOUNT_PROVIDERS = {
    "vk": {
        "provider_class": "learning.vk_id.provider.VKIDProvider",
        "OAUTH_PKCE_ENABLED": True,
        # vkid.personal_info gives the name and birth date that pre-fill a child's profile.
        "SCOPE": ["vkid.personal_info", "email"],
        "VERIFIED_EMAIL": False,
        "APPS": [{"client_id": VK_ID_CLIENT_ID, "secret": VK_ID_CLIENT_SECRET, "key": ""}] if VK_ID_CLIENT_ID else [],
    }
}

# --- Notifications (notifications/) ----------------------------------------------------------
# VK community messages: the community's token with the «messages» right; the callback server of
# notifications (/notifications/vk/callback/) with its own secret and confirmation string.
VK_API_URL = os.environ.get("VK_API_URL", "https://api.vk.com").rstrip("/")
VK_MESSAGES_GROUP_ID = env_int("VK_MESSAGES_GROUP_ID", 0)
VK_MESSAGES_TOKEN = os.environ.get("VK_MESSAGES_TOKEN", "")
VK_MESSAGES_CALLBACK_SECRET = os.environ.get("VK_MESSAGES_CALLBACK_SECRET", "")
VK_MESSAGES_CALLBACK_CONFIRMATION = os.environ.get("VK_MESSAGES_CALLBACK_CONFIRMATION", "")
# Telegram bot: token, its @username for the deep link, and the webhook's secret_token (setWebhook).
TELEGRAM_API_URL = os.environ.get("TELEGRAM_API_URL", "https://api.telegram.org").rstrip("/")
TELEGRAM_BOT_TOKEN = os.environ.get("TELEGRAM_BOT_TOKEN", "")
TELEGRAM_BOT_USERNAME = os.environ.get("TELEGRAM_BOT_USERNAME", "pokolenie_m_bot")
TELEGRAM_WEBHOOK_SECRET = os.environ.get("TELEGRAM_WEBHOOK_SECRET", "")
NOTIFICATIONS_MAX_ATTEMPTS = env_int("NOTIFICATIONS_MAX_ATTEMPTS", 5)
NOTIFICATIONS_RETRY_SECONDS = env_int("NOTIFICATIONS_RETRY_SECONDS", 60)  # doubled after each failed try
# Sends per second per channel in a worker (VK allows a community 20 requests/s; 0: no limit).
NOTIFICATIONS_RATES = {
    name: float(rate)
    for name, _, rate in (item.partition(":") for item in env_list("NOTIFICATIONS_RATES", "email:20,vk:20,telegram:25"))
}
NOTIFICATIONS_QUIET_HOURS = (22, 8)  # children get no messages from 22:00 to 08:00 in their region's time
NOTIFICATIONS_EVENT_REMINDER_HOURS = env_int("NOTIFICATIONS_EVENT_REMINDER_HOURS", 24)
NOTIFICATIONS_DEADLINE_REMINDER_DAYS = env_int("NOTIFICATIONS_DEADLINE_REMINDER_DAYS", 3)

# --- Security -------------------------------------------------------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
# Frames only where a view allows it (Wagtail's preview, the site's preview route, the widget).
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): the site loads scripts, styles and fonts only from its own
# origin; images, video and playlists also from exactly the media origin (the CDN's, else the
# bucket's), and browser uploads connect to the bucket. Wagtail's admin and the API docs use inline
# code of their own, so they are left to their own defaults; site_theme relaxes frame-ancestors only
# on the preview route (the admin frames it) and the embeddable counter widget.
MEDIA_SOURCES = [MEDIA_ORIGIN] if MEDIA_ORIGIN else []
UPLOAD_SOURCES = [S3_UPLOAD_ORIGIN] if STORAGE_BACKEND == "s3" and S3_UPLOAD_ORIGIN != MEDIA_ORIGIN else []
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": ["/admin/", "/django-admin/", "/api/docs/"],
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", *MEDIA_SOURCES],
        "media-src": ["'self'", "blob:", *MEDIA_SOURCES],
        "connect-src": ["'self'", *MEDIA_SOURCES, *UPLOAD_SOURCES],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        # The VK ID button's form is answered by a redirect to id.vk.ru, which form-action covers.
        "form-action": ["'self'", VK_ID_URL],
        "frame-ancestors": ["'none'"],
    },
}
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"one_line_per_task": {"()": "config.logs.OneLinePerTask"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["one_line_per_task"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # Not also through Django's own "django" console handler: one filtered line per task.
        "django.tasks": {"handlers": ["console"], "propagate": False},
    },
}
