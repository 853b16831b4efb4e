"""The production smoke test drives a stack that `.ci/production-smoke` started (the environment
of this process is the stack's). Its database is the stack's own, already migrated: nothing is
created or rolled back, and what a test writes is there for the processes of the stack."""

import os

import pytest

if not os.environ.get("SMOKE_DIR"):
    collect_ignore_glob = ["test_*.py"]  # only `.ci/production-smoke` (make smoke) runs these


@pytest.fixture(scope="session")
def django_db_setup():
    """Use the stack's database as it is (pytest-django would create an empty test database)."""


@pytest.fixture(scope="session", autouse=True)
def stack_database(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        yield


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing():
    """Not here: the stack's web processes check passwords with the production hashers, so the
    accounts this process creates for them must be hashed the same way."""
    yield
