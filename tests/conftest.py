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
