"""Shared fixtures. Tests run on whatever DATABASE_URL names (PostgreSQL in CI); tests that need
PostgreSQL carry `@pytest.mark.postgres` and are skipped, and counted, on SQLite."""

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


@pytest.fixture(autouse=True)
def isolated_media_and_tasks(settings, tmp_path):
    """Each test gets its own media folder; tasks run at once unless a test asks for a real queue."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
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
