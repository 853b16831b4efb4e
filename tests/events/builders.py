"""Builders for events, shared by tests/events and bench/bench_events.py. Models are imported lazily,
so a bench script may import this module before `django.setup()`."""

import datetime
import itertools

_numbers = itertools.count(1)


def make_event(capacity=10, *, days_ahead=14, min_age=None, max_age=None, title=None, region_code="52"):
    """A published EventPage (under an events index, made if missing) with its registration settings."""
    from django.utils import timezone

    from cms.models import EventIndexPage, EventPage, HomePage, Region
    from events.models import Event

    index = EventIndexPage.objects.first()
    if index is None:
        home = HomePage.objects.get()
        index = home.add_child(instance=EventIndexPage(title="Мероприятия", slug="events"))
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


def birth_date_for(age, on=None):
    """A birth date that makes someone `age` years old on the day `on` (today by default)."""
    from django.utils import timezone

    day = on or timezone.localdate()
    return (
        datetime.date(day.year - age, 1, 1)
        if (day.month, day.day) > (1, 1)
        else datetime.date(day.year - age - 1, 1, 1)
    )


def make_child(age=12, *, password="Мероприятие-2026", consent=True, email=None):  # noqa: S107
    """A student through learning's real registration; under 14 the guardian confirms (unless
    `consent` is False) and gets an account."""
    from cms.models import Region
    from learning import services as learning

    email = email or f"child{next(_numbers)}@example.org"
    student = learning.register_student(
        email=email,
        password=password,
        first_name="Аня",
        surname="Колесникова",
        birth_date=birth_date_for(age),
        region=Region.objects.get(code="52"),
        town="Выкса",
        town_population=52000,
        guardian_email=f"parent.{email}" if age < 14 else "",
        consent=age >= 14,
        notify_guardian=False,
    )
    if age < 14 and consent:
        learning.confirm_guardian_consent(learning.guardian_token(student), password=password)
    student.refresh_from_db()
    student.user.refresh_from_db()
    return student
