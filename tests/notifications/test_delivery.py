"""Delivery through the worker to real local VK, Telegram and SMTP servers: once per event, quiet
hours for children, retries with backoff, email when a messenger fails for good, every try logged."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from cms.models import Region
from notifications.models import Delivery, DeliveryAttempt, EmailOptOut, Kind, Notification, Preference
from notifications.services import delivery
from notifications.services.notify import notify
from tests.notifications.builders import link_messengers

pytestmark = pytest.mark.django_db


@pytest.fixture
def adult(make_user):
    user = make_user("mama")
    link_messengers(user, vk_id=1001, chat_id=2002)
    return user


def tell(user, target, kind=Kind.ANNOUNCEMENT, **extra):
    return notify(
        kind, target, recipient=user, title="Новый урок вышел", body="Загляните в кабинет.", url="/x/", **extra
    )


def test_one_notification_reaches_vk_telegram_and_email_once(adult, send, vk, telegram, smtp):
    send(tell, adult, adult)

    assert [m["user_id"] for m in vk.received] == ["1001"]
    assert "Новый урок вышел" in vk.received[0]["message"]
    assert [m["chat_id"] for m in telegram.received] == ["2002"]
    assert len(smtp.to(adult.email)) == 1
    statuses = set(Delivery.objects.values_list("channel", "status"))
    assert statuses == {("vk", "sent"), ("telegram", "sent"), ("email", "sent")}
    assert DeliveryAttempt.objects.filter(status="sent").count() == 3


def test_the_same_event_twice_sends_once(adult, send, vk, telegram, smtp):
    first = send(tell, adult, adult)
    second = send(tell, adult, adult)

    assert first is not None and second is None
    assert Notification.objects.filter(recipient=adult).count() == 1
    assert len(vk.received) == len(telegram.received) == len(smtp.to(adult.email)) == 1


def test_a_worker_sending_the_same_delivery_again_does_not_repeat_it(adult, send, vk):
    send(tell, adult, adult)
    vk_delivery = Delivery.objects.get(channel="vk")

    assert delivery.send_due(ids=[vk_delivery.pk]) == 0  # already sent: nothing is claimed
    assert len(vk.received) == 1


def test_quiet_hours_move_a_childs_message_to_eight_in_their_region(make_child, settings, send, vk, smtp):
    settings.NOTIFICATIONS_QUIET_HOURS = (22, 8)
    child = make_child(age=15)
    child.region = Region.objects.get(code="66")  # Sverdlovsk oblast: Moscow + 2 h
    child.save()
    link_messengers(child.user, vk_id=3003)
    yekaterinburg = ZoneInfo("Asia/Yekaterinburg")
    late = datetime.datetime(2026, 12, 7, 23, 30, tzinfo=yekaterinburg)  # 21:30 in Moscow

    send(tell, child.user, child.user, now=late)

    morning = datetime.datetime(2026, 12, 8, 8, 0, tzinfo=yekaterinburg)
    pending = Delivery.objects.filter(notification__recipient=child.user)
    assert {d.next_try_at for d in pending} == {morning}
    assert vk.received == [] and smtp.received == []
    assert delivery.send_due(now=morning - datetime.timedelta(minutes=1)) == 0
    assert delivery.send_due(now=morning) == 2
    assert [m["user_id"] for m in vk.received] == ["3003"]
    assert len(smtp.to(child.user.email)) == 1


@pytest.mark.timeout(120)
def test_a_worker_claiming_at_a_childs_morning_sends_even_while_the_clock_says_night(
    make_child, settings, send, vk, smtp
):
    """`send_due(now=…)` judges quiet hours at the moment it claims at, as `claim` does: judged at the
    clock instead, a message claimed for the morning would go back to that same morning and be
    claimed again without end. The quiet hours are set so that it is night for the child right now."""
    moscow = ZoneInfo("Europe/Moscow")
    hour = timezone.now().astimezone(moscow).hour
    settings.NOTIFICATIONS_QUIET_HOURS = (23, 1) if hour == 0 else (hour, 0)
    child = make_child(age=15)
    child.region = Region.objects.get(code="77")  # Moscow
    child.save()
    link_messengers(child.user, vk_id=3013)

    send(tell, child.user, child.user)

    [morning] = {d.next_try_at for d in Delivery.objects.filter(notification__recipient=child.user)}
    assert morning > timezone.now() and vk.received == []
    assert delivery.send_due(now=morning) == 2
    assert [m["user_id"] for m in vk.received] == ["3013"]
    assert len(smtp.to(child.user.email)) == 1


def test_an_adult_is_messaged_at_night(adult, settings, send, vk):
    settings.NOTIFICATIONS_QUIET_HOURS = (22, 8)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    night = datetime.datetime.combine(yesterday, datetime.time(23, 30), tzinfo=ZoneInfo("Europe/Moscow"))

    send(tell, adult, adult, now=night)

    assert len(vk.received) == 1


def test_vk_refusing_for_good_falls_back_to_email(make_user, send, vk, smtp):
    person = make_user("papa")
    link_messengers(person, vk_id=4004)
    Preference.objects.create(user=person, kind=Kind.NEW_LESSON, channel="email", enabled=False)  # VK only
    vk.fail(4004, {"code": 901, "message": "Can't send messages for users without permission"})

    send(tell, person, person, kind=Kind.NEW_LESSON)

    vk_delivery = Delivery.objects.get(channel="vk")
    assert vk_delivery.status == "failed"
    attempt = DeliveryAttempt.objects.get(delivery=vk_delivery)
    assert attempt.status == "failed" and "901" in attempt.error
    assert vk.received == []
    fallback = Delivery.objects.get(channel="email")
    assert fallback.fallback_of == vk_delivery and fallback.status == "sent"
    [letter] = smtp.to(person.email)
    assert letter["Subject"] == "Новый урок вышел"


def test_telegram_blocked_falls_back_to_one_email_when_email_was_chosen_too(make_user, send, telegram, smtp):
    person = make_user("babushka")
    link_messengers(person, chat_id=5005)
    telegram.fail(5005, {"code": 403, "message": "Forbidden: bot was blocked by the user"})

    send(tell, person, person, kind=Kind.NEW_LESSON)

    assert Delivery.objects.get(channel="telegram").status == "failed"
    assert Delivery.objects.get(channel="email").fallback_of is None
    assert len(smtp.to(person.email)) == 1  # the regular letter, not a second one


def test_no_fallback_email_to_an_address_that_unsubscribed(make_user, send, vk, smtp):
    person = make_user("dedushka")
    link_messengers(person, vk_id=6006)
    EmailOptOut.objects.create(email=person.email, kind=Kind.NEW_LESSON)
    vk.fail(6006, {"code": 901, "message": "Can't send messages for users without permission"})

    send(tell, person, person, kind=Kind.NEW_LESSON)

    assert not Delivery.objects.filter(channel="email").exists()
    assert smtp.received == []


def test_telegram_asking_to_wait_is_retried_after_retry_after(adult, send, telegram):
    telegram.fail(2002, {"code": 429, "message": "Too Many Requests: retry after 7", "retry_after": 7})
    started = timezone.now()

    send(tell, adult, adult)

    pending = Delivery.objects.get(channel="telegram")
    assert pending.status == "pending" and pending.attempts == 1
    assert pending.next_try_at >= started + datetime.timedelta(seconds=7)
    assert delivery.send_due(now=pending.next_try_at) == 1
    assert [m["chat_id"] for m in telegram.received] == ["2002"]
    tries = list(DeliveryAttempt.objects.filter(delivery=pending).order_by("number").values_list("number", "status"))
    assert tries == [(1, "retry"), (2, "sent")]


def test_vk_errors_are_retried_with_growing_waits_then_fall_back_to_email(adult, send, settings, vk, smtp):
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 3
    settings.NOTIFICATIONS_RETRY_SECONDS = 60
    vk.fail(1001, {"code": 10, "message": "Internal server error", "always": True})

    send(tell, adult, adult, kind=Kind.NEW_LESSON)
    vk_delivery = Delivery.objects.get(channel="vk")
    waits = []
    for _ in range(2):
        vk_delivery.refresh_from_db()
        last = DeliveryAttempt.objects.filter(delivery=vk_delivery).latest("number")
        waits.append(round((vk_delivery.next_try_at - last.created_at).total_seconds()))
        delivery.send_due(now=vk_delivery.next_try_at)

    vk_delivery.refresh_from_db()
    assert waits == [60, 120]
    assert vk_delivery.status == "failed" and vk_delivery.attempts == 3
    assert list(
        DeliveryAttempt.objects.filter(delivery=vk_delivery).values_list("status", flat=True).order_by("number")
    ) == [
        "retry",
        "retry",
        "failed",
    ]
    # The person already had this notification by email: no second letter.
    assert len(smtp.to(adult.email)) == 1


def test_a_worker_sends_named_deliveries_in_batches_until_all_are_out(make_user, vk):
    people = [link_messengers(make_user(f"batch{n}"), vk_id=9100 + n) for n in range(5)]
    for person in people:
        tell(person, person)  # no commit here: nothing was enqueued, the deliveries wait
    due = list(Delivery.objects.filter(channel="vk").values_list("pk", flat=True))

    assert delivery.send_due(ids=due, limit=2) == 5
    assert len(vk.received) == 5


def test_the_weekly_digest_holds_letters_and_sends_one_on_monday(make_user, client, send, smtp, vk):
    person = link_messengers(make_user("digest"), vk_id=9300)
    client.force_login(person)
    client.post(
        "/cabinet/notifications/settings/", {"weekly_digest": "1", "new_lesson:email": "1", "new_lesson:vk": "1"}
    )

    send(tell, person, person, kind=Kind.NEW_LESSON)
    send(notify, Kind.NEW_LESSON, person, recipient=person, key="2", title="Второй урок", body="Ещё.")

    assert smtp.received == [] and len(vk.received) == 2  # messengers at once, email waits
    assert delivery.send_weekly_digests() == 1
    [letter] = smtp.to(person.email)
    text = letter.get_body(preferencelist=("plain",)).get_content()
    assert "Новый урок вышел" in text and "Второй урок" in text
    assert delivery.send_weekly_digests() == 0


def test_a_childs_message_claimed_late_into_quiet_hours_waits_for_the_morning(make_child, settings, vk):
    settings.NOTIFICATIONS_QUIET_HOURS = (22, 8)
    child = make_child(age=15)
    link_messengers(child.user, vk_id=9400)
    moscow = ZoneInfo("Europe/Moscow")
    now = timezone.now().astimezone(moscow)
    # Queued in the afternoon two days ago; the worker only gets to it now, whatever the hour.
    queued = datetime.datetime.combine(now.date() - datetime.timedelta(days=2), datetime.time(15), tzinfo=moscow)
    tell(child.user, child.user, now=queued)
    settings.NOTIFICATIONS_QUIET_HOURS = (now.hour, (now.hour + 2) % 24)  # «now» is inside quiet hours

    assert delivery.send_due() == 0
    waiting = Delivery.objects.get(channel="vk")
    assert waiting.status == "pending" and waiting.attempts == 0 and waiting.next_try_at > timezone.now()
    assert vk.received == [] and not DeliveryAttempt.objects.exists()


def test_an_address_the_mail_server_refuses_fails_for_good_without_retries(make_user, send, smtp):
    person = make_user("nobody")
    smtp.refuse.add(person.email)

    send(tell, person, person, kind=Kind.NEW_LESSON)

    email = Delivery.objects.get(channel="email")
    assert email.status == "failed" and email.attempts == 1
    assert "550" in DeliveryAttempt.objects.get(delivery=email).error


def test_the_minute_job_runs_as_a_command_on_one_machine(make_child, settings, send, vk):
    from io import StringIO

    from django.core.management import call_command

    settings.NOTIFICATIONS_RETRY_SECONDS = 0
    child = make_child(age=15)
    link_messengers(child.user, vk_id=9600)
    vk.fail(9600, {"code": 6, "message": "Too many requests per second"})
    send(tell, child.user, child.user)  # the first try meets VK's limit and waits for a retry
    assert vk.received == []

    out = StringIO()
    call_command("dispatch_due_deliveries", stdout=out)

    assert "Отправлено сообщений: 1" in out.getvalue()
    assert [m["user_id"] for m in vk.received] == ["9600"]


def test_a_letter_that_breaks_does_not_resend_the_rest_of_its_batch(make_user, smtp):
    person = make_user("fine")
    target = make_user("target")
    notify(Kind.CONSENT_PENDING, target, email="broken\naddress@example.org", title="Сломано", body="…")
    notify(Kind.NEW_LESSON, target, recipient=person, title="Целое", body="…")

    assert delivery.send_due() == 1

    broken = Delivery.objects.get(notification__email__startswith="broken")
    assert broken.status == "pending" and "Внутренняя ошибка" in broken.last_error
    assert Delivery.objects.get(notification__recipient=person).status == "sent"
    assert delivery.send_due() == 0  # the sent one is not claimed again
    assert len(smtp.to(person.email)) == 1


def test_a_delivery_held_by_a_worker_is_left_alone_until_its_lease_ends(adult, vk):
    tell(adult, adult)  # no commit: nothing enqueued
    held = delivery.claim()  # a worker takes them and dies before sending
    assert held and delivery.send_due() == 0
    assert vk.received == []

    later = timezone.now() + delivery.LEASE + datetime.timedelta(seconds=1)
    assert delivery.send_due(now=later) == 3
    assert len(vk.received) == 1
    assert set(Delivery.objects.values_list("attempts", flat=True)) == {2}  # the dead worker's try counts


def test_a_long_announcement_is_cut_to_what_vk_and_telegram_accept(adult, send, vk, telegram):
    send(notify, Kind.ANNOUNCEMENT, adult, recipient=adult, title="Длинное", body="слово " * 2000, url="/x/")

    for text in (vk.received[0]["message"], telegram.received[0]["text"]):
        assert len(text) <= 4096 and text.endswith("…\nhttp://testserver/x/")
