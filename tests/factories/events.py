"""Offline events with registration, and the children who register (shared by tests/events, the e2e
tests and bench/bench_events.py)."""

import datetime
import itertools

from django.utils import timezone

from cms.models import EventPage, Region
from events.models import Event
from tests.factories.accounts import PASSWORD, make_student
from tests.factories.pages import PageTree

_numbers = itertools.count(1)


def make_event(capacity=10, *, days_ahead=14, min_age=None, max_age=None, title=None, region_code="52"):
    """A published EventPage (under an events index, made if missing) with its registration settings."""
    index = PageTree(publish=False).section("events")
    number = next(_numbers)
    starts = timezone.now() + datetime.timedelta(days=days_ahead)
    page = index.add_child(
        instance=EventPage(
            title=title or f"Концерт в Выксе {number}",
            slug=f"event-{number}-{timezone.now():%H%M%S%f}",
            starts_at=starts,
            ends_at=starts + datetime.timedelta(hours=3),
            region=Region.objects.get(code=region_code),
            town="Выкса",
            venue="ДК металлургов, ул. Ленина, 1",
            description="<p>Концерт наставников и участников.</p>",
        )
    )
    return Event.objects.create(page=page, capacity=capacity, min_age=min_age, max_age=max_age)


def make_child(age=12, *, password=PASSWORD, consent=True, email=None):
    """A child registered through learning's services (no letter to the guardian); under 14 the
    guardian confirms unless `consent` is False."""
    return make_student(email, age=age, password=password, consent=consent, notify_guardian=False)
