"""What people see: the letter (HTML and text, Russian, one-click unsubscribe without signing in),
the notification centre with the unread count in the header, the preferences page, and the
messenger hooks that link VK and Telegram."""

import re

import pytest
from django.test import Client

from notifications.models import ChannelLink, Delivery, EmailOptOut, Kind, Notification, Preference
from notifications.services.notify import notify
from tests.notifications.builders import link_messengers

pytestmark = pytest.mark.django_db


def tell(user, kind=Kind.NEW_LESSON, title="Новый урок: «Опора»"):
    # The title is the repeat key here: a new title is a new event about the same target.
    return notify(
        kind, user, recipient=user, key=title[:32], title=title, body="В мастер-классе вышел урок.", url="/lessons/1/"
    )


@pytest.fixture
def person(make_user):
    return make_user("olga")


def test_the_letter_is_russian_html_and_text_with_a_one_click_unsubscribe(person, send, smtp):
    send(tell, person)

    [letter] = smtp.to(person.email)
    assert letter["Subject"] == "Новый урок: «Опора»"
    text = letter.get_body(preferencelist=("plain",)).get_content()
    html = letter.get_body(preferencelist=("html",)).get_content()
    assert "В мастер-классе вышел урок." in text and "http://testserver/lessons/1/" in text
    assert '<html lang="ru">' in html and "Отписаться в один клик" in html
    assert letter["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert re.fullmatch(r"<http://testserver/notifications/unsubscribe/[^>]+/>", letter["List-Unsubscribe"])


def test_unsubscribe_works_without_signing_in(person, send, smtp):
    send(tell, person)
    [letter] = smtp.to(person.email)
    path = letter["List-Unsubscribe"].strip("<>").removeprefix("http://testserver")
    anonymous = Client()

    page = anonymous.get(path)
    assert page.status_code == 200 and "Больше не присылать письма «новый урок»" in page.content.decode()
    assert not EmailOptOut.objects.exists()  # a link scanner's GET changes nothing
    done = anonymous.post(path)
    assert done.status_code == 200 and "больше не придут" in done.content.decode()

    send(tell, person, title="Ещё один урок")
    send(tell, person, kind=Kind.ANNOUNCEMENT, title="Объявление")
    assert [str(m["Subject"]) for m in smtp.to(person.email)] == ["Новый урок: «Опора»", "Объявление"]
    assert Notification.objects.filter(recipient=person, title="Ещё один урок").exists()  # still in the cabinet


def test_mail_clients_one_click_post_unsubscribes(person, send, smtp):
    send(tell, person)
    path = smtp.to(person.email)[0]["List-Unsubscribe"].strip("<>").removeprefix("http://testserver")

    answer = Client(enforce_csrf_checks=True).post(path, {"List-Unsubscribe": "One-Click"})

    assert answer.status_code == 200
    assert Preference.objects.get(user=person, kind=Kind.NEW_LESSON, channel="email").enabled is False


def test_a_damaged_unsubscribe_link_gets_a_russian_404(db):
    answer = Client().post("/notifications/unsubscribe/not-a-token/")
    assert answer.status_code == 404 and "Ссылка для отписки повреждена" in answer.content.decode()


def test_a_guardian_without_an_account_unsubscribes_from_reminders(make_child, send, smtp):
    from notifications.services import sources

    child = make_child(age=10, consent=False, email="petya@example.org")
    import datetime

    from django.utils import timezone

    from learning.models import Student

    Student.objects.filter(pk=child.pk).update(created_at=timezone.now() - datetime.timedelta(days=1, hours=2))
    send(sources.consent_reminders)
    path = smtp.to(child.guardian_email)[0]["List-Unsubscribe"].strip("<>").removeprefix("http://testserver")

    Client().post(path)
    Student.objects.filter(pk=child.pk).update(created_at=timezone.now() - datetime.timedelta(days=3, hours=2))
    send(sources.consent_reminders)

    assert len(smtp.to(child.guardian_email)) == 1
    assert EmailOptOut.objects.filter(email=child.guardian_email, kind=Kind.CONSENT_PENDING).exists()


def test_the_header_shows_the_unread_count_and_the_centre_marks_read(person, send, client):
    send(tell, person)
    send(tell, person, kind=Kind.ANNOUNCEMENT, title="Объявление")
    client.force_login(person)

    cabinet = client.get("/cabinet/notifications/").content.decode()
    assert 'data-unread="2"' in cabinet and "2 непрочитанных уведомления" in cabinet
    assert "Новый урок: «Опора»" in cabinet
    first = Notification.objects.get(title="Объявление")
    client.post("/cabinet/notifications/read/", {"id": first.pk})
    assert 'data-unread="1"' in client.get("/cabinet/notifications/").content.decode()
    client.post("/cabinet/notifications/read/", {"all": "1"})
    assert "Всё прочитано." in client.get("/cabinet/notifications/").content.decode()


def test_someone_elses_notification_cannot_be_marked_read(person, make_user, send, client):
    send(tell, person)
    client.force_login(make_user("stranger"))
    client.post("/cabinet/notifications/read/", {"id": Notification.objects.get().pk})
    assert Notification.objects.get().read_at is None


def test_the_centre_needs_signing_in(db, client):
    assert client.get("/cabinet/notifications/").status_code == 302


def test_preferences_page_switches_a_channel_off(person, send, client, smtp, vk):
    link_messengers(person, vk_id=9009)
    client.force_login(person)
    page = client.get("/cabinet/notifications/settings/").content.decode()
    assert 'name="new_lesson:email"' in page and "https://t.me/" in page

    wanted = {f"{kind}:vk": "1" for kind in Kind.values}
    client.post("/cabinet/notifications/settings/", wanted)
    send(tell, person)

    assert smtp.received == [] and len(vk.received) == 1
    assert set(Delivery.objects.values_list("channel", flat=True)) == {"vk"}


# --- Telegram deep link and VK's allow flow -------------------------------------------------


def telegram_update(client, payload, secret="tg-webhook-secret"):  # noqa: S107
    return client.post(
        "/notifications/telegram/webhook/",
        payload,
        content_type="application/json",
        headers={"X-Telegram-Bot-Api-Secret-Token": secret},
    )


def test_telegram_start_with_the_deep_link_token_connects_the_chat(person, client, send, telegram):
    client.force_login(person)
    page = client.get("/cabinet/notifications/settings/").content.decode()
    token = re.search(r"https://t\.me/\w+\?start=([\w-]+)", page).group(1)
    update = {
        "update_id": 1,
        "message": {"message_id": 5, "chat": {"id": 555, "type": "private"}, "text": f"/start {token}"},
    }

    answer = telegram_update(Client(), update)

    assert answer.json()["method"] == "sendMessage" and answer.json()["chat_id"] == 555
    send(tell, person)
    assert [m["chat_id"] for m in telegram.received] == ["555"]


def test_telegram_webhook_refuses_a_wrong_secret(db):
    update = {"update_id": 1, "message": {"chat": {"id": 1}, "text": "/start x"}}
    assert telegram_update(Client(), update, secret="guess").status_code == 403
    assert telegram_update(Client(), update, secret="").status_code == 403


def test_telegram_blocked_by_the_person_stops_messages(person, send, telegram):
    link_messengers(person, chat_id=777)
    kicked = {"update_id": 2, "my_chat_member": {"chat": {"id": 777}, "new_chat_member": {"status": "kicked"}}}
    telegram_update(Client(), kicked)

    send(tell, person)

    assert telegram.received == []


def vk_event(payload):
    return Client().post("/notifications/vk/callback/", payload, content_type="application/json")


def test_vk_allow_and_deny_events_link_and_unlink(person, client, send, vk):
    assert vk_event({"type": "confirmation", "group_id": 4242}).content == b"c0nf1rm"
    client.force_login(person)
    page = client.get("/cabinet/notifications/settings/").content.decode()
    key = re.search(r'data-key="([^"]+)"', page).group(1)

    allow = {
        "type": "message_allow",
        "group_id": 4242,
        "secret": "vk-callback-secret",
        "event_id": "e1",
        "object": {"user_id": 31337, "key": key},
    }
    assert vk_event(allow).content == b"ok"
    send(tell, person)
    assert [m["user_id"] for m in vk.received] == ["31337"]

    deny = {
        "type": "message_deny",
        "group_id": 4242,
        "secret": "vk-callback-secret",
        "event_id": "e2",
        "object": {"user_id": 31337},
    }
    vk_event(deny)
    send(tell, person, title="После запрета")
    assert len(vk.received) == 1
    assert ChannelLink.objects.get(channel="vk").allowed is False


def test_vk_callback_refuses_a_wrong_secret_and_bad_json(db):
    forged = {"type": "message_allow", "group_id": 4242, "secret": "nope", "object": {"user_id": 1, "key": "k"}}
    assert vk_event(forged).status_code == 403
    assert Client().post("/notifications/vk/callback/", "{", content_type="application/json").status_code == 400


# --- The API for other front ends ---------------------------------------------------------------


def test_the_api_lists_counts_and_marks_my_notifications_only(person, make_user, send):
    from rest_framework.test import APIClient

    send(tell, person)
    send(tell, person, kind=Kind.ANNOUNCEMENT, title="Объявление")
    other = make_user("other")
    send(tell, other)
    api = APIClient()
    api.force_login(person)

    listing = api.get("/api/notifications/").json()
    assert [n["title"] for n in listing["results"]] == ["Объявление", "Новый урок: «Опора»"]
    assert api.get("/api/notifications/unread-count/").json() == {"unread": 2}
    first = listing["results"][0]["id"]
    assert api.post(f"/api/notifications/{first}/read/").json() == {"unread": 1}
    assert [n["title"] for n in api.get("/api/notifications/?unread=1").json()["results"]] == ["Новый урок: «Опора»"]
    foreign = Notification.objects.get(recipient=other).pk
    refused = api.post(f"/api/notifications/{foreign}/read/")
    assert refused.status_code == 404 and refused.json()["code"] == "not_found"
    assert api.post("/api/notifications/read-all/").json() == {"unread": 0}
    assert APIClient().get("/api/notifications/").status_code == 403


def test_the_api_and_the_centre_take_as_many_queries_for_20_notifications_as_for_2(person):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_login(person)
    web = Client()
    web.force_login(person)

    def queries(path, client):
        client.get(path)  # warm the menu cache the site's header reads
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path).status_code == 200
        return len(captured)

    for number in range(2):
        tell(person, title=f"Урок {number}")
    few = queries("/api/notifications/", api), queries("/cabinet/notifications/", web)
    for number in range(2, 20):
        tell(person, title=f"Урок {number}")
    many = queries("/api/notifications/", api), queries("/cabinet/notifications/", web)

    assert many == few
    assert few[0] <= 5


def test_bad_ids_get_a_russian_404_not_a_500(person):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_login(person)
    for bad in ("abc", "0", "-5", "99999999999999999999999"):
        answer = api.post(f"/api/notifications/{bad}/read/")
        assert answer.status_code == 404 and answer.json()["detail"] == "Такого уведомления нет."
    web = Client()
    web.force_login(person)
    assert web.post("/cabinet/notifications/read/", {"id": "99999999999999999999999"}).status_code == 302


def test_only_the_settings_page_lets_vks_widget_in(person, client):
    client.force_login(person)

    settings_csp = client.get("/cabinet/notifications/settings/")["Content-Security-Policy"]
    centre_csp = client.get("/cabinet/notifications/")["Content-Security-Policy"]

    assert "https://vk.com" in settings_csp.split("script-src")[1].split(";")[0]
    assert "https://vk.com" not in centre_csp
