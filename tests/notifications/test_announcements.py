"""Editors' announcements: a segment, a preview with the count, sending in the worker at each
channel's pace with progress; staff read every delivery try in the admin."""

import time

import pytest

from cms.models import Region
from notifications.models import Announcement, Delivery, Kind, Notification
from notifications.services import broadcast
from tests.notifications.builders import link_messengers

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(make_user):
    return make_user("redaktor", group="Editors")


@pytest.fixture
def children(make_child):
    """Three children: two in Nizhny Novgorod oblast (one under 14, with a guardian), one in Tatarstan."""
    anya = make_child(age=12, email="anya@example.org")
    boris = make_child(age=15, email="boris@example.org")
    vera = make_child(age=16, email="vera@example.org")
    vera.region = Region.objects.get(code="16")
    vera.save()
    for number, child in enumerate((anya, boris, vera), start=1):
        link_messengers(child.user, vk_id=100 + number, chat_id=200 + number)
    return anya, boris, vera


def test_an_editor_previews_the_count_then_sends_to_a_region(editor, children, client, send, vk, telegram, smtp):
    anya, boris, vera = children
    announcement = Announcement.objects.create(
        title="Приглашаем на фестиваль",
        body="В субботу — концерт наставников.",
        region=Region.objects.get(code="52"),
        created_by=editor,
    )
    client.force_login(editor)
    url = f"/admin/notifications/announcements/{announcement.pk}/send/"

    preview = client.get(url).content.decode()
    assert 'data-recipients="2"' in preview and "Приглашаем на фестиваль" in preview
    assert vk.received == []  # nothing leaves before the editor confirms

    with_sending = send(client.post, url)
    assert with_sending.status_code == 302

    announcement.refresh_from_db()
    assert announcement.status == "done" and (announcement.total, announcement.done) == (2, 2)
    assert sorted(m["user_id"] for m in vk.received) == ["101", "102"]
    assert sorted(m["chat_id"] for m in telegram.received) == ["201", "202"]
    assert sorted(r["to"][0] for r in smtp.received) == ["anya@example.org", "boris@example.org"]
    progress = client.get(f"/admin/notifications/announcements/{announcement.pk}/progress/").json()
    assert progress == {"status": "done", "total": 2, "done": 2, "percent": 100}
    assert 'data-progress="100"' in client.get(url).content.decode()
    # Sending again is refused; a re-run of the task sends nobody anything twice.
    assert send(client.post, url).status_code == 302
    broadcast.run(announcement.pk)
    assert len(vk.received) == 2


def test_guardians_segment_reaches_the_parents_of_the_segment(children, send, smtp):
    anya = children[0]
    announcement = Announcement.objects.create(title="Родителям", body="Собрание.", audience="guardians")

    assert broadcast.segment(announcement).count() == 1
    send(broadcast.run, announcement.pk)

    assert [r["to"] for r in smtp.received] == [[anya.guardian.email]]
    assert Notification.objects.get(kind=Kind.ANNOUNCEMENT).recipient == anya.guardian


def test_sending_is_throttled_per_channel(children, settings, vk):
    settings.NOTIFICATIONS_RATES = {"vk": 10}  # at most 10 a second: 3 messages take at least 0.2 s
    announcement = Announcement.objects.create(title="Темп", body="Проверка темпа.")

    started = time.monotonic()
    broadcast.run(announcement.pk)

    assert time.monotonic() - started >= 0.2
    assert len(vk.received) == 3


def test_staff_read_every_try_in_the_admin(editor, children, client, send, vk):
    vk.fail(101, {"code": 901, "message": "Can't send messages for users without permission"})
    announcement = Announcement.objects.create(title="Журнал", body="Проверка журнала.")
    send(broadcast.run, announcement.pk)
    assert Delivery.objects.filter(channel="vk", status="failed").count() == 1
    client.force_login(editor)

    log = client.get("/admin/snippets/notifications/deliveryattempt/?status=failed").content.decode()

    assert "Can&#x27;t send messages for users without permission" in log or "without permission" in log
    assert client.get("/admin/snippets/notifications/deliveryattempt/add/").status_code in (302, 403)


def test_an_editor_writes_an_announcement_in_the_admin_and_cannot_edit_it_once_sent(editor, children, client, send):
    client.force_login(editor)
    created = client.post(
        "/admin/snippets/notifications/announcement/add/",
        {"title": "Новый сезон", "body": "Приём работ открыт.", "url": "", "audience": "students"},
    )
    assert created.status_code == 302, created.context["form"].errors
    announcement = Announcement.objects.get(title="Новый сезон")
    listing = client.get("/admin/snippets/notifications/announcement/").content.decode()
    assert "Проверить и отправить" in listing

    send(client.post, f"/admin/notifications/announcements/{announcement.pk}/send/")

    edit = client.get(f"/admin/snippets/notifications/announcement/edit/{announcement.pk}/")
    assert edit.status_code in (302, 403)
