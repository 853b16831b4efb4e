"""The door on a phone: Chromium's fake camera plays a ticket's QR code (a .y4m made with ffmpeg
from segno's PNG), the page reads it, the connection drops, two more people are checked in by code
while offline, the connection returns, and the server holds three check-ins."""

import subprocess

import pytest
import segno
from django.test import Client
from playwright.sync_api import expect

from tests.factories import CHROMIUM, CHROMIUM_ARGS, PHONE, make_event, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def qr_clip(code, folder):
    """Two seconds of the ticket's QR code, centred on white, as raw Y4M (Chromium loops it)."""
    png = folder / "ticket.png"
    segno.make(code, error="m").save(str(png), scale=10, border=4)
    clip = folder / "ticket.y4m"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-loop", "1", "-i", str(png), "-t", "2", "-r", "10",
         "-vf", "scale=480:480,pad=640:480:80:0:white,format=yuv420p", "-f", "yuv4mpegpipe", str(clip)],
        check=True,
    )  # fmt: skip
    return clip


@pytest.fixture
def door(migrated_data, make_user_for_door):
    return make_user_for_door


@pytest.fixture
def make_user_for_door(migrated_data):
    from events import services

    event = make_event(capacity=10)
    tickets = [services.register_adult(event, make_user(password="x"), name=f"Гость {n}") for n in range(4)]
    staff = make_user(password="x")
    event.staff.add(staff)
    return event, tickets, staff


def test_check_in_scans_a_ticket_then_queues_two_offline_and_syncs(browser, door, live_server, tmp_path, screenshot):
    from events.models import CheckIn

    event, tickets, staff = door
    clip = qr_clip(tickets[0].ticket_code, tmp_path)
    camera = browser.browser_type.launch(
        executable_path=CHROMIUM,
        args=[*CHROMIUM_ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
              f"--use-file-for-fake-video-capture={clip}"],
    )  # fmt: skip
    try:
        context = camera.new_context(
            viewport=PHONE, base_url=live_server.url, locale="ru-RU", is_mobile=True, has_touch=True
        )
        context.set_default_timeout(20_000)
        context.grant_permissions(["camera"], origin=live_server.url)
        session = Client()
        session.force_login(staff)
        context.add_cookies(
            [{"name": "sessionid", "value": session.cookies["sessionid"].value, "url": live_server.url}]
        )
        page = context.new_page()
        errors = []
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        page.goto(f"/check-in/{event.pk}/")

        page.get_by_role("button", name="Сканировать камерой").click()
        page.locator('[data-log] li[data-state="ok"]').first.wait_for()
        assert "Гость 0" in page.locator("[data-log]").inner_text()
        expect(page.locator('[data-count="came"]')).to_have_text("1")

        context.set_offline(True)
        page.get_by_text("нет связи").wait_for()
        for ticket in tickets[1:3]:
            page.get_by_label("Код билета или имя").fill(ticket.ticket_code)
            page.get_by_role("button", name="Отметить").click()
        expect(page.locator("[data-queue]")).to_have_text("2")
        assert CheckIn.objects.count() == 1
        screenshot(page, "event-check-in-offline-phone")

        context.set_offline(False)
        expect(page.locator("[data-queue]")).to_have_text("0")
        expect(page.locator('[data-count="came"]')).to_have_text("3")
        # Arrivals by ticket are counted against places, walk-ins apart («39 из 38» mixed them).
        expect(page.locator('[data-count="came_by_ticket"]')).to_have_text("3")
        screenshot(page, "event-check-in-synced-phone")
        assert errors == []
        context.close()
    finally:
        camera.close()

    counted = CheckIn.objects.filter(event=event, repeated=False)
    assert counted.count() == 3
    assert sorted(counted.values_list("registration_id", flat=True)) == sorted(t.pk for t in tickets[:3])
    assert not CheckIn.objects.filter(repeated=True).exists()
