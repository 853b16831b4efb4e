"""Two people taking the last place at the same moment: one gets it, the other joins the waiting
list. Real threads, each with its own PostgreSQL connection."""

import threading

import pytest
from django.db import connection

from events import services
from events.models import Registration
from tests.factories import make_event, make_user

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


def test_two_scanners_showing_the_same_ticket_at_once_count_it_once():
    import uuid

    from events.models import CheckIn

    event = make_event(capacity=5)
    ticket = services.register_adult(event, make_user(password="x"), name="Гость")
    scanners = 4
    barrier = threading.Barrier(scanners)
    results, errors = [], []

    def scan():
        try:
            barrier.wait()
            results.append(services.check_in(event, check_in_id=uuid.uuid4(), code=ticket.ticket_code)["status"])
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=scan) for _ in range(scanners)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(results) == ["ok", "repeated", "repeated", "repeated"]
    assert CheckIn.objects.filter(registration=ticket, repeated=False).count() == 1


def test_a_cancellation_racing_a_new_sign_up_gives_the_freed_place_to_the_waiting_list():
    event = make_event(capacity=1)
    holder = make_user(password="x")
    taken = services.register_adult(event, holder, name="Первый")
    waiting = services.register_adult(event, make_user(password="x"), name="Ждущий")
    newcomer = make_user(password="x")
    barrier = threading.Barrier(2)
    errors = []

    def run(step):
        try:
            barrier.wait()
            step()
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    steps = [
        lambda: services.cancel_registration(taken, by=holder),
        lambda: services.register_adult(event, newcomer, name="Новенький"),
    ]
    threads = [threading.Thread(target=run, args=(step,)) for step in steps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    waiting.refresh_from_db()
    assert waiting.status == "confirmed"
    assert Registration.objects.get(owner=newcomer).status == "waitlisted"
