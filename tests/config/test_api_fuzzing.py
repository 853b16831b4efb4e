"""A bounded schemathesis run against the live test server, as the outside audit ran it: every
operation of /api/schema/ (the platform API and the content API) with generated input, anonymous,
as a student and as a moderator. Any 5xx fails the test, with the request that caused it.

FUZZ_EXAMPLES (default 4) sets the examples per operation and role; the run stays under two
minutes on the CI machine."""

import contextlib
import datetime
import os

import pytest
import requests
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable

from tests.factories import make_season, make_user

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True), pytest.mark.slow]

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "4"))
PASSWORD = "Fuzz-2026-parol"
# Operations that would end the role's session or erase its account, leaving the rest unexercised.
KEEPS_THE_ROLE = {("POST", "/api/auth/logout/"), ("DELETE", "/api/students/{id}/")}


@pytest.fixture
def roles(live_server, fast_password_hashing, fresh_cache):
    from django.utils import timezone

    from cms.models import Region
    from learning import services as learning

    make_season()
    today = timezone.localdate()
    learning.register_student(
        email="fuzz.student@example.org",
        password=PASSWORD,
        first_name="Фаз",
        surname="Тестов",
        birth_date=today - datetime.timedelta(days=15 * 366),  # 15 years old, also on 29 February
        region=Region.objects.get(code="77"),
        town="Москва",
        consent=True,
    )
    make_user("fuzz.moderator@example.org", "Moderators", password=PASSWORD)

    def session(email=None):
        browser = requests.Session()
        if email:
            browser.get(f"{live_server.url}/cabinet/login/")  # the CSRF cookie
            answer = browser.post(
                f"{live_server.url}/api/auth/login/",
                json={"email": email, "password": PASSWORD},
                headers={"X-CSRFToken": browser.cookies.get("csrftoken", "")},
            )
            assert answer.status_code == 200, answer.text
        return browser

    return {
        "аноним": session(),
        "ученик": session("fuzz.student@example.org"),
        "модератор": session("fuzz.moderator@example.org"),
    }


def test_no_generated_request_gets_a_server_error(live_server, roles):
    import schemathesis

    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/schema/")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 40, "the schema lists the platform and content APIs"
    failures = []
    for role, browser in roles.items():
        for operation in operations:
            if role == "аноним" or (operation.method.upper(), operation.path) not in KEEPS_THE_ROLE:
                failures += fuzz(operation, browser, live_server.url, role)
    assert not failures, "\n".join(failures[:20])


def fuzz(operation, browser, base_url, role):
    """Up to EXAMPLES generated requests to one operation; the 5xx answers, as curl commands."""
    failures = []

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def call(case):
        csrf = {"X-CSRFToken": browser.cookies.get("csrftoken", "")}
        response = case.call(base_url=base_url, session=browser, headers=csrf, timeout=30)
        if response.status_code >= 500:
            failures.append(f"{role}: {response.status_code} {case.as_curl_command()}")

    with contextlib.suppress(Unsatisfiable):  # no valid example exists for this operation
        call()
    return failures
