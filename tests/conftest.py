"""Shared fixtures. Tests run on whatever DATABASE_URL names (PostgreSQL in CI); tests that need
PostgreSQL carry `@pytest.mark.postgres` and are skipped, and counted, on SQLite."""

import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection

SKIPPED_FOR_POSTGRES = []


def pytest_collection_modifyitems(config, items):
    if django_settings.IS_POSTGRES:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL or start it on 127.0.0.1:5432)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)
            SKIPPED_FOR_POSTGRES.append(item.nodeid)


def pytest_terminal_summary(terminalreporter):
    if SKIPPED_FOR_POSTGRES:
        terminalreporter.write_line(
            f"{len(SKIPPED_FOR_POSTGRES)} tests needed PostgreSQL and were skipped (running on SQLite).",
            yellow=True,
        )
    else:
        terminalreporter.write_line(f"Database: {connection.vendor}.")


@pytest.fixture(scope="session", autouse=True)
def task_modules_imported_first():
    """`@task` builds each task with the task class of the backend configured when its module is
    first imported (django_tasks_rq's is the backport's). Import them all under the test settings,
    so that a test switching to RQ does not leave tasks the database backend refuses to run."""
    import config.tasks  # noqa: F401
    import engagement.tasks  # noqa: F401
    import learning.tasks  # noqa: F401
    import media_pipeline.tasks  # noqa: F401
    import notifications.reminders  # noqa: F401
    import notifications.tasks  # noqa: F401


@pytest.fixture(scope="session", autouse=True)
def flush_past_the_ledgers_truncate_guard():
    """Transactional tests empty the database with TRUNCATE, which a trigger refuses on the ledger's
    tables (engagement migration 0012). The test run owns its database, so a flush lifts that
    trigger inside its own transaction and restores it before committing."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    original = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, **kwargs):
        statements = original(self, style, tables, **kwargs)
        from engagement.database_roles import append_only_tables

        guarded = [table for table in append_only_tables() if table in tables] if statements else []
        toggles = [f"ALTER TABLE {self.quote_name(table)} %s TRIGGER {table}_no_truncate" for table in guarded]
        return [*(t % "DISABLE" for t in toggles), *statements, *(t % "ENABLE" for t in toggles)]

    DatabaseOperations.sql_flush = sql_flush
    yield
    DatabaseOperations.sql_flush = original


@pytest.fixture(autouse=True)
def isolated_media_and_tasks(settings, tmp_path):
    """Each test gets its own media and work folders; tasks run at once unless a test asks for a real
    queue."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.VIDEO_WORK_DIR = tmp_path / "work"
    if settings.STORAGES["private"]["BACKEND"].endswith("FileSystemStorage"):
        private = {**settings.STORAGES["private"], "OPTIONS": {"location": settings.PRIVATE_MEDIA_ROOT}}
        settings.STORAGES = {**settings.STORAGES, "private": private}
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


# Opt-in fixtures for the test folders (a folder's conftest turns them on for all its tests with an
# autouse fixture that requests them); page and account builders live in tests/factories.py.


@pytest.fixture
def fresh_cache():
    """Throttles, like-rate counters, menus and counter figures live in the cache; start with none."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def fast_password_hashing(settings):
    """Real hashing is built to be slow; the tests check who may log in, not PBKDF2."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def home(db):
    """The site's home page, created by the cms migrations."""
    from cms.models import HomePage

    return HomePage.objects.get()


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    """A real S3-compatible store for the whole run: SeaweedFS on 127.0.0.1 (tests/s3_server.py)."""
    from tests.s3_server import SeaweedFS

    server = SeaweedFS(tmp_path_factory.mktemp("seaweedfs")).start()
    yield server
    server.stop()


@pytest.fixture
def s3_storage(settings, s3_server):
    """Switch both storages to S3 (django-storages), as production has them, on a fresh bucket of
    the SeaweedFS server; the private one under private/ with signed URLs only."""
    import uuid

    bucket = f"video-{uuid.uuid4().hex[:16]}"
    client = s3_server.client()
    client.create_bucket(Bucket=bucket)
    settings.STORAGE_BACKEND = "s3"
    settings.AWS_STORAGE_BUCKET_NAME = bucket
    settings.AWS_S3_ENDPOINT_URL = s3_server.endpoint
    settings.AWS_S3_REGION_NAME = "us-east-1"
    settings.AWS_ACCESS_KEY_ID = s3_server.ACCESS_KEY
    settings.AWS_SECRET_ACCESS_KEY = s3_server.SECRET_KEY
    settings.AWS_S3_ADDRESSING_STYLE = "path"
    settings.AWS_DEFAULT_ACL = None
    settings.AWS_QUERYSTRING_AUTH = False
    settings.AWS_S3_FILE_OVERWRITE = False
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "storages.backends.s3.S3Storage"},
        "private": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {"location": "private", "querystring_auth": True, "custom_domain": None},
        },
    }
    client.bucket = bucket
    client.anonymous_get = lambda key: s3_server.anonymous_get(bucket, key)
    return client


@pytest.fixture
def redis_url():
    """The Redis database the tests may empty (TEST_REDIS_URL, db 15 by default); skips without Redis."""
    import redis

    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.ConnectionError:
        pytest.skip(f"нет Redis по адресу {url}")
    return url


# --- Real-browser tests (Debian's headless Chromium driven by Playwright) ---------------------
# One Playwright instance for the whole run: its sync API runs an event loop in this thread, and a
# second instance started while one is open refuses to run ("Sync API inside the asyncio loop").

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--autoplay-policy=no-user-gesture-required",
]


@pytest.fixture(scope="session")
def initial_data(django_db_setup, django_db_blocker):
    """The migrations' data (home page, regions, groups, permissions) as serialized at setup.
    Taken before Playwright starts: its event loop gives later code a fresh Django connection
    object, which no longer carries the serialized copy that transactional tests restore from."""
    if not hasattr(connection, "_test_serialized_contents"):
        # No test of this run asked for a serialized rollback, so pytest-django did not take a copy.
        with django_db_blocker.unblock():
            connection._test_serialized_contents = connection.creation.serialize_db_to_string()
    return connection._test_serialized_contents


@pytest.fixture(scope="session")
def browser(initial_data):
    if not (Path(CHROMIUM).exists() or shutil.which("chromium")):
        pytest.skip("нет chromium: `make browser` ставит пакет Debian")
    from playwright.sync_api import sync_playwright

    # The ORM calls tests make between browser steps are ordinary blocking calls in this thread.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
