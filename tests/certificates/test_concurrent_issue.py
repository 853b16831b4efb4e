"""Two workers issuing the same claims at once (a batch and an automatic task racing) make one
certificate per claim, numbered without gaps: real threads, each with its own connection."""

import threading

import pytest
from django.db import connection

from certificates import services
from certificates.models import Certificate
from tests.factories import make_season, make_user

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_racing_issues_of_the_same_claims_make_each_certificate_once():
    season = make_season()
    holders = [make_user(password="x") for _ in range(5)]
    claims = [
        services.Claim(holder_id=user.pk, kind="participant", subject=user, season=season, first_name=f"Имя{n}")
        for n, user in enumerate(holders)
    ]
    barrier = threading.Barrier(4)
    errors = []

    def worker(order):
        try:
            barrier.wait()
            services.issue_certificates(claims[::order])
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(order,)) for order in (1, -1, 1, -1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    certificates = Certificate.objects.filter(season=season)
    assert certificates.count() == 5
    assert sorted(certificates.values_list("number", flat=True)) == [1, 2, 3, 4, 5]
    assert sorted(certificates.values_list("holder_id", flat=True)) == sorted(user.pk for user in holders)
