"""Two people taking the last place at the same moment: one gets it, the other joins the waiting
list. Real threads, each with its own PostgreSQL connection."""

import threading

import pytest
from django.db import connection

from events import services
from events.models import Registration
from tests.events.builders import make_event
from tests.factories import make_user

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_two_people_taking_the_last_place_one_gets_it_the_other_waits():
    event = make_event(capacity=3)
    for n in range(2):
        services.register_adult(event, make_user(password="x"), name=f"Ранний {n}")
    racers = [make_user(password="x") for _ in range(2)]
    barrier = threading.Barrier(len(racers))
    errors = []

    def take(user):
        try:
            barrier.wait()
            services.register_adult(event, user, name=user.username)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=take, args=(user,)) for user in racers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    statuses = sorted(Registration.objects.filter(owner__in=racers).values_list("status", flat=True))
    assert statuses == ["confirmed", "waitlisted"]
    assert Registration.objects.filter(event=event, status="confirmed").count() == 3


def test_many_racing_for_few_places_never_overfill():
    event = make_event(capacity=4)
    racers = [make_user(password="x") for _ in range(10)]
    barrier = threading.Barrier(len(racers))
    errors = []

    def take(user):
        try:
            barrier.wait()
            services.register_adult(event, user, name=user.username)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=take, args=(user,)) for user in racers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert Registration.objects.filter(event=event, status="confirmed").count() == 4
    assert Registration.objects.filter(event=event, status="waitlisted").count() == 6
