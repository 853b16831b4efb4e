"""The deadline reminder: a child who started an assignment (studied its masterclass) and sent no
work hears, days before it closes, once, through every channel; nobody else does."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from learning import services as learning
from learning.models import Assignment
from notifications.models import Kind, Notification
from notifications.services import sources
from tests.notifications.builders import link_messengers, make_contest, switch_on_everything

pytestmark = pytest.mark.django_db


@pytest.fixture
def contest(db):
    return make_contest()


def closes_in(assignment, delta):
    """Move the assignment's deadline to `delta` from now, at 23:59 Moscow time on that day."""
    moment = timezone.localtime(timezone.now() + delta).replace(hour=23, minute=59, second=0, microsecond=0)
    Assignment.objects.filter(pk=assignment.pk).update(closes_at=moment)
    assignment.refresh_from_db()
    return moment


def watched(student, contest):
    learning.record_progress(student, contest["lessons"][0], position=10, start=0, end=10, duration=100)


def test_a_child_who_studied_and_sent_nothing_is_reminded_once_on_every_channel(
    contest, make_child, send, smtp, vk, telegram
):
    assignment = contest["assignment"]
    now = timezone.now()
    moment = timezone.localtime(now + datetime.timedelta(days=2)).replace(hour=23, minute=59, second=0, microsecond=0)
    Assignment.objects.filter(pk=assignment.pk).update(closes_at=moment)
    late = make_child(age=15, email="late@example.org")
    link_messengers(late.user, vk_id=7101, chat_id=8101)
    switch_on_everything(late.user)
    watched(late, contest)
    done = make_child(age=14, email="done@example.org")
    watched(done, contest)
    learning.submit_work(done, assignment, title="Моя песня", text="Текст песни")
    idle = make_child(age=15, email="idle@example.org")  # never opened the masterclass

    assert send(sources.deadline_reminders, now=now) == 1
    assert send(sources.deadline_reminders, now=now + datetime.timedelta(hours=1)) == 0  # the hourly job again
    call_command("send_deadline_reminders")  # and from cron: still nothing new

    notification = Notification.objects.get(kind=Kind.DEADLINE_REMINDER)
    assert notification.recipient == late.user
    assert notification.key == "3d"
    months = [
        "января",
        "февраля",
        "марта",
        "апреля",
        "мая",
        "июня",
        "июля",
        "августа",
        "сентября",
        "октября",
        "ноября",
        "декабря",
    ]
    assert f"закрывается {moment.day} {months[moment.month - 1]} в 23:59 — осталось 3 дня" in notification.title
    assert notification.title.startswith("Приём работ на «Спой любимую песню» закрывается")
    letters = smtp.to("late@example.org")
    assert [str(letter["Subject"]) for letter in letters if letter["List-Unsubscribe"]] == [notification.title]
    assert [m["message"].splitlines()[0] for m in vk.received if m["user_id"] == "7101"] == [notification.title]
    assert [m["text"].splitlines()[0] for m in telegram.received if m["chat_id"] == "8101"] == [notification.title]
    for other in (done, idle):
        assert not Notification.objects.filter(recipient=other.user, kind=Kind.DEADLINE_REMINDER).exists()
        assert not [letter for letter in smtp.to(other.user.email) if letter["List-Unsubscribe"]]


def test_no_reminder_while_the_deadline_is_further_than_three_days(contest, make_child, send, smtp):
    child = make_child(age=15, email="early@example.org")
    watched(child, contest)
    closes_in(contest["assignment"], datetime.timedelta(days=4))

    assert send(sources.deadline_reminders) == 0

    assert smtp.received == []
    assert not Notification.objects.filter(kind=Kind.DEADLINE_REMINDER).exists()


def test_a_withdrawn_work_does_not_count_as_sent_but_a_closed_assignment_is_not_reminded(contest, make_child, send):
    child = make_child(age=15, email="withdrawn@example.org")
    watched(child, contest)
    work = learning.submit_work(child, contest["assignment"], title="Песня", text="Текст")
    work.withdrawn_at = timezone.now()
    work.save(update_fields=["withdrawn_at"])
    closes_in(contest["assignment"], datetime.timedelta(days=1))

    assert send(sources.deadline_reminders, now=contest["assignment"].closes_at + datetime.timedelta(minutes=1)) == 0
    assert send(sources.deadline_reminders) == 1
    title = Notification.objects.get(recipient=child.user, kind=Kind.DEADLINE_REMINDER).title
    assert title.endswith("— осталось 2 дня") or title.endswith("— остался 1 день")
