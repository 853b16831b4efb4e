"""Events tests: pages and students built through the project's real services (tests/events/builders.py)."""

import functools

import pytest
from rest_framework.test import APIClient

from tests import factories

PASSWORD = "Мероприятие-2026"


@pytest.fixture(autouse=True)
def clean_state(fresh_cache, fast_password_hashing, settings):
    settings.SITE_URL = "http://testserver"


@pytest.fixture
def make_user(db):
    return functools.partial(factories.make_user, password=PASSWORD)


@pytest.fixture
def client_for():
    def make(user=None):
        client = APIClient()
        if user is not None:
            client.force_login(user)
        return client

    return make
