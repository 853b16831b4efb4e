"""The hourly `send_event_reminders` job reminds everyone holding a confirmed place at an event that
starts soon, once: a child a guardian registered (the guardian, who owns the ticket, and the child),
an adult, a school group's teacher. Waiting-list and cancelled places and events further away get
nothing."""

import pytest
from django.core.management import call_command

from events import services as events
from notifications.models import Kind, Notification
from tests.factories import make_event

pytestmark = pytest.mark.django_db


def reminded(user):
    return list(Notification.objects.filter(recipient=user, kind=Kind.EVENT_REMINDER).values_list("title", flat=True))


def test_registered_people_get_one_reminder_and_the_others_none(make_child, make_user, settings, smtp, send):
    settings.NOTIFICATIONS_EVENT_REMINDER_HOURS = 48
    event = make_event(capacity=5, days_ahead=1, title="Концерт в Выксе")
    later = make_event(capacity=5, days_ahead=5, title="Выставка в Дзержинске")
    child = make_child(age=12, email="sasha@example.org")
    adult, teacher, waiting, cancelled, far = (make_user() for _ in range(5))
    events.register_child(event, child, by=child.guardian)
    events.register_adult(event, adult, name="Пётр Петров")
    events.register_group(event, teacher, school="Школа № 3", leader_name="Ольга Ивановна", head_count=2)
    gone = events.register_adult(event, cancelled, name="Передумал Ушедший")
    events.cancel_registration(gone, by=cancelled)
    events.register_adult(event, waiting, name="Ждёт Места")  # 5 places: 1 + 1 + 2 taken, this one fits
    late = events.register_adult(event, make_user(), name="Поздний Гость")
    assert late.status == "waitlisted"
    events.register_adult(later, far, name="Далёкий Гость")

    send(call_command, "send_event_reminders")
    send(call_command, "send_event_reminders")  # the next hour: nobody twice

    for person in (child.guardian, child.user, adult, teacher, waiting):
        assert reminded(person) == ["Скоро «Концерт в Выксе»"], person
    for person in (cancelled, late.owner, far):
        assert reminded(person) == [], person
    letters = [str(letter["Subject"]) for letter in smtp.to(child.guardian.email) if letter["List-Unsubscribe"]]
    assert letters == ["Скоро «Концерт в Выксе»"]
