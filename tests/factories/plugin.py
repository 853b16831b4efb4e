"""The tests' shared fixtures, registered as a pytest plugin by `pytest_plugins` in tests/conftest.py.

Everything here is per process, so each pytest-xdist worker (`-n 2`) has its own: pytest-django gives
each worker its own test database (test_<name>_gw0, _gw1…), `redis_url` its own Redis database,
`s3_server` its own SeaweedFS on free ports, `tmp_path` its own media and work folders, and
pytest-django's live server its own free port."""

import io
import os
import shutil
import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest
import redis
from django.conf import settings as django_settings
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.db.backends.postgresql.base import DatabaseWrapper as PostgreSQL
from django.db.backends.sqlite3.base import DatabaseWrapper as SQLite
from django.tasks.signals import task_enqueued
from django.test import override_settings
from django.test.testcases import LiveServerThread
from rest_framework.test import APIClient

import config.tasks  # noqa: F401 - see task_modules_imported_first
import engagement.tasks  # noqa: F401
import learning.tasks  # noqa: F401
import media_pipeline.tasks  # noqa: F401
import notifications.reminders  # noqa: F401
import notifications.tasks  # noqa: F401
from cms.models import HomePage
from config.devserver import ThreadedWSGIServer
from engagement.database_roles import append_only_tables
from tests.factories import accounts, pages
from tests.factories.background import remove_run_folders, run_folder, run_id
from tests.factories.browser import CHROMIUM, CHROMIUM_ARGS
from tests.factories.database import MIGRATED_DATA, shared_snapshot_of
from tests.s3_server import SeaweedFS
from tests.vk_id_server import CLIENT_ID as VK_ID_CLIENT_ID
from tests.vk_id_server import CLIENT_SECRET as VK_ID_CLIENT_SECRET
from tests.vk_id_server import VKIDServer

SKIPPED_FOR_POSTGRES = []

# No JIT for the PostgreSQL connections the tests open themselves with psycopg or psql (libpq reads
# PGOPTIONS); Django's connections have it from config/settings.py. With nearly empty tables'
# estimates (a set-returning function counts as 1000 rows) the rollups' trigger queries cost past
# jit_above_cost, and LLVM then spent 5-6 s compiling a query that runs in a millisecond.
os.environ["PGOPTIONS"] = f"{os.environ.get('PGOPTIONS', '')} -c jit=off".strip()
# The tests' own connections commit without waiting for the WAL to reach the disk: a test database
# need not survive a crash of the server, and every flush (thousands of rows put back after each
# transactional test) and live-server request otherwise waited for it. Servers the tests start as
# separate processes (gunicorn, RQ workers) keep production's setting.
if django_settings.IS_POSTGRES:
    _options = django_settings.DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = f"{_options.get('options', '')} -c synchronous_commit=off".strip()


def worker_index():
    """0 without pytest-xdist, else the number of this worker (gw0, gw1…)."""
    return int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)


def pytest_configure(config):
    run_id(config)  # before pytest-xdist hands it to the workers


def pytest_unconfigure(config):
    if not hasattr(config, "workerinput"):
        remove_run_folders(config)


def pytest_collection_modifyitems(config, items):
    long_files_first(items)
    shared_builds_apart(items)
    if django_settings.IS_POSTGRES:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL or start it on 127.0.0.1:5432)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)
            SKIPPED_FOR_POSTGRES.append(item.nodeid)


def long_files_first(items):
    """The browser and `slow` modules (half a minute or more each) run before the rest: pytest-xdist
    hands out files in this order (--dist loadfile), so the short ones fill in at the end and both
    workers finish together (a long file last kept one core idle for a minute and more). Among them
    the browser modules alternate with the others, spread evenly: a browser test waits (on the page,
    the network it throttles, its timers) while the other worker's slow module keeps its core busy
    (with both workers in browser modules for three minutes, the machine was 86 % busy over a run;
    90 % with them spread). `make test`
    turns off xdist's own order by number of tests (--no-loadscope-reorder), which would undo it.
    The sort is stable: each file's tests stay together and in their order."""
    browser = list(dict.fromkeys(item.path for item in items if item.get_closest_marker("browser")))
    slow = dict.fromkeys(item.path for item in items if item.get_closest_marker("slow"))
    slow = [path for path in slow if path not in browser]
    place = {path: (index + 0.5) / len(slow) for index, path in enumerate(slow)}
    place |= {path: (index + 0.25) / len(browser) for index, path in enumerate(browser)}
    items.sort(key=lambda item: place.get(item.path, 2))


# The session fixtures one worker builds for the whole run (shared_snapshot_of); a worker needing one
# while another builds it waits for it.
SHARED_BUILDS = ("demo_snapshot", "world_snapshot")
# pytest-xdist hands each worker a file, then the next file to the first that has two tests left of
# its own: the files right after the first one needing a build start before the build is done.
FILES_STARTED_MEANWHILE = 2


def shared_builds_apart(items):
    """The first file needing a shared build stays where it is; each other one that would start
    while that build is made (within FILES_STARTED_MEANWHILE files of it) changes places with the
    next file of its kind (browser or not: long_files_first's spread stays) after them that needs no
    build, so that the other worker does not wait idle for the build (as it did for the demo at the
    start of the run). Each file's tests stay together and in their order."""
    browser = {item.path for item in items if item.get_closest_marker("browser")}
    for fixture in SHARED_BUILDS:
        files = list(dict.fromkeys(item.path for item in items))
        needing = {item.path for item in items if fixture in item.fixturenames}
        first = next((index for index, path in enumerate(files) if path in needing), None)
        if first is None:
            continue
        after = first + 1 + FILES_STARTED_MEANWHILE
        for index in range(first + 1, min(after, len(files))):
            if files[index] not in needing:
                continue
            kind = files[index] in browser
            swap = next(
                (n for n in range(after, len(files)) if files[n] not in needing and (files[n] in browser) == kind), None
            )
            if swap is not None:
                files[index], files[swap] = files[swap], files[index]
        place = {path: index for index, path in enumerate(files)}
        items.sort(key=lambda item: place[item.path])


def pytest_terminal_summary(terminalreporter):
    if SKIPPED_FOR_POSTGRES:
        terminalreporter.write_line(
            f"{len(SKIPPED_FOR_POSTGRES)} tests needed PostgreSQL and were skipped (running on SQLite).",
            yellow=True,
        )
    else:
        terminalreporter.write_line(f"Database: {connection.vendor}.")


# --- Run-wide set-up ---------------------------------------------------------------------------


@pytest.fixture(scope="session", autouse=True)
def task_modules_imported_first():
    """`@task` builds each task with the task class of the backend configured when its module is
    first imported (django_tasks_rq's is the backport's). This plugin imports them all under the test
    settings, so that a test switching to RQ does not leave tasks the database backend refuses to run."""


@pytest.fixture(scope="session", autouse=True)
def flush_keeps_the_migrations_data():
    """Transactional tests empty the database with a flush after each test. Here a flush also puts
    the migrations' data back in its own transaction (MIGRATED_DATA, copied by django_db_setup
    below), so any test, in any order and on any pytest-xdist worker, starts from the database the
    migrations left. On PostgreSQL a full flush DELETEs with triggers resting, and a TRUNCATE (of some
    apps' tables, or with sequences reset) lifts the trigger that refuses it on the ledger's tables
    (engagement migration 0012): the test run owns its database."""
    patched = [PostgreSQL.ops_class, SQLite.ops_class]
    originals = [klass.sql_flush for klass in patched]

    def patch(original):
        def sql_flush(self, style, tables, **kwargs):
            statements = original(self, style, tables, **kwargs)
            if not statements:
                return statements
            if self.connection.vendor == "postgresql" and not (
                kwargs.get("reset_sequences") or kwargs.get("allow_cascade")
            ):
                # DELETE, as DatabaseSnapshot.restore does: a TRUNCATE of the ~150 tables gives each
                # and its indexes new files (0.4 s before the commit's flush, on every transactional
                # test); most are empty. Every table goes (no available_apps: allow_cascade is off),
                # so triggers and foreign keys can rest meanwhile (the append-only guards included).
                statements = [
                    "SET LOCAL session_replication_role = replica",
                    *(f"DELETE FROM {self.quote_name(table)}" for table in tables),  # noqa: S608 - Django's table names
                    "SET LOCAL session_replication_role = origin",
                ]
            elif self.connection.vendor == "postgresql":
                guarded = [table for table in append_only_tables() if table in tables]
                toggles = [f"ALTER TABLE {self.quote_name(table)} %s TRIGGER {table}_no_truncate" for table in guarded]
                statements = [*(t % "DISABLE" for t in toggles), *statements, *(t % "ENABLE" for t in toggles)]
            restore = MIGRATED_DATA.restore_sql(self.connection, tables, kwargs.get("reset_sequences", False))
            return [*statements, *restore]

        return sql_flush

    for klass, original in zip(patched, originals, strict=True):
        klass.sql_flush = patch(original)
    yield
    for klass, original in zip(patched, originals, strict=True):
        klass.sql_flush = original


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's test database, migrated; then the migrations' data is copied aside for the
    flushes to restore (flush_keeps_the_migrations_data). Serialized rollback has nothing left to do
    then: the copy pytest-django serialized for it is dropped, so those tests do not deserialize
    thousands of rows (the settlements) at every start. At the end, sessions still connected to the
    test database are ended (end_other_sessions)."""
    with django_db_blocker.unblock():
        MIGRATED_DATA.take(connection)  # the only database
        if hasattr(connection, "_test_serialized_contents"):
            del connection._test_serialized_contents
    yield django_db_setup
    with django_db_blocker.unblock():
        end_other_sessions(connection)


def end_other_sessions(connection):
    """Close what a test left connected to the test database (a thread's connection, a child
    process's), so that pytest-django's DROP DATABASE, which runs next, does not wait five seconds
    for them and then fail, leaving the database behind."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@pytest.fixture(scope="session", autouse=True)
def live_server_as_runserver():
    """The live servers (pytest-django's `live_server`, the demo journeys' own) run on the server
    class `make run` serves with (config/devserver.py): Django's own made each response on a
    kept-alive connection wait 40 ms for the browser's delayed acknowledgement."""
    original = LiveServerThread.server_class
    LiveServerThread.server_class = ThreadedWSGIServer
    yield
    LiveServerThread.server_class = original


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing():
    """Real hashing is built to be slow (PBKDF2, over a million rounds per password: the demo's
    accounts alone cost tens of CPU seconds); the tests check who may log in, not PBKDF2."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(autouse=True)
def isolated_media_and_tasks(settings, tmp_path):
    """Each test gets its own media, upload and work folders; tasks run at once unless a test asks
    for a real queue."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.VIDEO_WORK_DIR = tmp_path / "work"
    settings.VIDEO_UPLOAD_TEMP_DIR = tmp_path / "uploads"
    if settings.STORAGES["private"]["BACKEND"].endswith("FileSystemStorage"):
        private = {**settings.STORAGES["private"], "OPTIONS": {"location": settings.PRIVATE_MEDIA_ROOT}}
        settings.STORAGES = {**settings.STORAGES, "private": private}
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def likes_earn_at_once(settings):
    """A new account's likes earn their rouble only after its first day (README «Честные лайки»);
    tests not about that warm-up see them earn at once. Tests of the warm-up set
    ENGAGEMENT_LIKE_WARMUP_HOURS back (tests/engagement/test_fair_likes.py)."""
    settings.ENGAGEMENT_LIKE_WARMUP_HOURS = 0


@pytest.fixture(autouse=True)
def fresh_counter_memo():
    """Each process keeps the page counter's figures a second (site_theme_tags.donation_counter);
    a test starts without the figures of the test before, which came from another database state."""
    from site_theme.templatetags import site_theme_tags

    site_theme_tags._counter.clear()


# --- Opt-in state (a folder's conftest turns them on for all its tests with an autouse fixture) ---


@pytest.fixture
def fresh_cache():
    """Throttles, like-rate counters, menus and counter figures live in the cache; start with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def fast_password_hashing(settings):
    """Kept for the folders that ask for it: cheap_password_hashing does this for the whole run."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- The demo (`load_demo`) ----------------------------------------------------------------------


# The address the demo is loaded for, as `make run PORT=8102` serves it: tests/cms/test_first_run.py
# checks that it reaches the site, the API's links and the printed sign-ins.
DEMO_SITE_URL = "http://127.0.0.1:8102"


@pytest.fixture(scope="session")
def demo_snapshot(django_db_setup, django_db_blocker, request):
    """The demo as `make run PORT=8102` loads it on a fresh database (load_demo_as_make_run), made
    once per run and shared by the workers: its rows (DatabaseSnapshot), its media folders and what
    the load printed and enqueued (`.built`). None on SQLite (the `demo` fixture loads it there)."""
    with django_db_blocker.unblock():
        return shared_snapshot_of("demo_data", load_demo_as_make_run, run_folder(request.config, "demo"))


def load_demo_as_make_run():
    """`load_demo` as `make run PORT=8102` runs it: DEBUG on (the demo accounts get the demo
    password) and SITE_URL on that port. Returns what it printed (`output`) and the module paths of
    the tasks it enqueued (`enqueued`)."""
    out, enqueued = io.StringIO(), []

    def note(sender, task_result, **kwargs):
        enqueued.append(task_result.task.module_path)

    task_enqueued.connect(note)
    try:
        with override_settings(DEBUG=True, SITE_URL=DEMO_SITE_URL, WAGTAILAPI_BASE_URL=DEMO_SITE_URL):
            call_command("load_demo", stdout=out)
    finally:
        task_enqueued.disconnect(note)
    return SimpleNamespace(output=out.getvalue(), enqueued=enqueued)


@pytest.fixture
def demo(db, demo_snapshot, settings):
    """The database and the media folders exactly as `load_demo` leaves them on a fresh test
    database: restored from demo_snapshot (in this test's transaction, the files copied into this
    test's folders), or loaded here on SQLite. Its value is load_demo_as_make_run's."""
    if demo_snapshot is None:
        return load_demo_as_make_run()
    demo_snapshot.restore(connection)
    demo_snapshot.copy_files({name: getattr(settings, name) for name in ("MEDIA_ROOT", "PRIVATE_MEDIA_ROOT")})
    return demo_snapshot.built


# --- Pages and people ------------------------------------------------------------------------


@pytest.fixture
def home(db):
    """The site's home page, created by the cms migrations."""
    return HomePage.objects.get()


@pytest.fixture
def page_tree(home):
    """The one builder of the page tree (tests/factories/pages.py), publishing through revisions."""
    return pages.PageTree(home)


@pytest.fixture
def season(db):
    """A season running today."""
    return pages.make_season()


@pytest.fixture
def make_user(db):
    """`make_user(username=None, group=None, **fields)`: an account with the tests' PASSWORD."""
    return accounts.make_user


@pytest.fixture
def editor(make_user):
    return make_user("editor", group="Editors")


@pytest.fixture
def moderator(make_user):
    return make_user("moderator", group="Moderators")


@pytest.fixture
def mentor_user(make_user):
    return make_user("mentor", group="Mentors")


@pytest.fixture
def editor_client(client, editor):
    """Django's test client signed in as an editor (the Editors group)."""
    client.force_login(editor)
    return client


@pytest.fixture
def client_for():
    """`client_for(user=None)`: a DRF API client, signed in (a session) as `user` when given."""

    def make(user=None):
        client = APIClient()
        if user is not None:
            client.force_login(user)
        return client

    return make


# --- Real servers, one per worker --------------------------------------------------------------


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    """A real S3-compatible store for this process's run: SeaweedFS on 127.0.0.1 (tests/s3_server.py),
    on ports chosen free; a second try if another worker took one of them meanwhile."""
    for attempt in range(3):
        server = SeaweedFS(tmp_path_factory.mktemp("seaweedfs"))
        try:
            server.start()
            break
        except RuntimeError:
            if attempt == 2:
                raise
    yield server
    server.stop()


@pytest.fixture
def s3_storage(settings, s3_server):
    """Switch both storages to S3 (django-storages), as production has them, on a fresh bucket of
    the SeaweedFS server; the private one under private/ with signed URLs only."""
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


def worker_redis_url():
    """This worker's Redis database. TEST_REDIS_URL names it (db 15 by default); under pytest-xdist
    worker n takes the n-th of a comma-separated list, or else the database n below the one named
    (db 15, 14, 13… by default), so workers never empty each other's."""
    urls = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15").split(",")
    index = worker_index()
    if len(urls) > 1:
        return urls[index % len(urls)].strip()
    base, _, db = urls[0].strip().rpartition("/")
    number = int(db or 0) - index
    if number < 0:
        raise pytest.UsageError(f"TEST_REDIS_URL={urls[0]}: no Redis database below 0 for worker gw{index}")
    return f"{base}/{number}"


@pytest.fixture
def redis_url():
    """The Redis database this worker may empty (see worker_redis_url); skips without Redis."""
    url = worker_redis_url()
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.ConnectionError:
        pytest.skip(f"нет Redis по адресу {url}")
    return url


# --- Real-browser tests (Debian's headless Chromium driven by Playwright) ---------------------
# One Playwright instance for the whole run: its sync API runs an event loop in this thread, and a
# second instance started while one is open refuses to run ("Sync API inside the asyncio loop").


@pytest.fixture(scope="session")
def initial_data(django_db_setup):
    """The migrations' data, copied aside once the test database is migrated (MigratedData); every
    flush puts it back."""
    return MIGRATED_DATA


@pytest.fixture(scope="session")
def browser(initial_data):
    if not (Path(CHROMIUM).exists() or shutil.which("chromium")):
        pytest.skip("нет chromium: `make browser` ставит пакет Debian")
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 - only browser runs load Playwright

    # The ORM calls tests make between browser steps are ordinary blocking calls in this thread.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def vk_id_server():
    """A real OAuth 2.1 server with VK ID's endpoints on 127.0.0.1 (tests/vk_id_server.py)."""
    server = VKIDServer().start()
    yield server
    server.stop()


@pytest.fixture
def vk_id(settings, vk_id_server):
    """VK ID sign-in configured and pointed at the local server, which starts each test clean."""
    vk_id_server.reset()
    settings.VK_ID_URL = vk_id_server.url
    settings.VK_ID_CLIENT_ID = VK_ID_CLIENT_ID
    settings.VK_ID_CLIENT_SECRET = VK_ID_CLIENT_SECRET
    providers = {**settings.SOCIALACCOUNT_PROVIDERS}
    providers["vk"] = {
        **providers["vk"],
        "APPS": [{"client_id": VK_ID_CLIENT_ID, "secret": VK_ID_CLIENT_SECRET, "key": ""}],
    }
    settings.SOCIALACCOUNT_PROVIDERS = providers
    policy = settings.CONTENT_SECURITY_POLICY
    directives = {**policy["DIRECTIVES"], "form-action": ["'self'", vk_id_server.url]}
    settings.CONTENT_SECURITY_POLICY = {**policy, "DIRECTIVES": directives}
    return vk_id_server
