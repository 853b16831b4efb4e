"""Events tests: pages and students built through the project's real services (tests/factories/events.py)."""

import pytest


@pytest.fixture(autouse=True)
def clean_state(fresh_cache, fast_password_hashing, settings):
    settings.SITE_URL = "http://testserver"
