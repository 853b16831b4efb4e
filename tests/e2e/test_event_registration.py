"""A guardian on a phone signs a child up from the event page, the next family lands on the waiting
list, and the ticket's QR code shows in the cabinet with its downloads."""

import datetime

import pytest
from django.test import Client
from playwright.sync_api import expect

from events.models import VolunteerShift
from tests.factories import PHONE, make_child, make_event

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def signed_in(new_page, live_server, user):
    page = new_page(PHONE)
    session = Client()
    session.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": session.cookies["sessionid"].value, "url": live_server.url}]
    )
    return page


def test_guardian_signs_a_child_up_and_finds_the_ticket_in_the_cabinet(
    migrated_data, new_page, live_server, screenshot
):

    event = make_event(capacity=1, min_age=8, max_age=14)
    child, other = make_child(12), make_child(10)

    page = signed_in(new_page, live_server, child.guardian)
    page.goto(event.page.get_url())
    page.get_by_text("Свободных мест: 1").wait_for()
    page.get_by_role("button", name="Записать ребёнка").click()
    page.get_by_text("Вы записаны").wait_for()
    screenshot(page, "event-registration-phone")

    page.goto("/cabinet/")
    ticket = page.locator("#my-events [data-ticket]")
    expect(ticket).to_contain_text(event.page.title)
    qr = ticket.locator("img.ticket-qr")
    qr.scroll_into_view_if_needed()
    expect(qr).to_have_js_property("complete", True)
    assert qr.evaluate("img => img.naturalWidth") > 0
    with page.expect_download() as download:
        ticket.get_by_role("link", name="В календарь").click()
    assert download.value.suggested_filename.endswith(".ics")
    screenshot(page, "event-ticket-cabinet-phone")
    assert page.console_errors == []

    second = signed_in(new_page, live_server, other.guardian)
    second.goto(event.page.get_url())
    second.get_by_text("Мест нет").wait_for()
    second.get_by_role("button", name="Записать ребёнка").click()
    second.get_by_text("вы в листе ожидания, №1").wait_for()


def test_a_student_of_11_signs_herself_up_on_a_phone_and_is_not_offered_shifts(
    migrated_data, new_page, live_server, screenshot
):
    event = make_event(min_age=6)
    starts = event.page.starts_at - datetime.timedelta(hours=1)
    VolunteerShift.objects.create(
        event=event, role="Гардероб", starts_at=starts, ends_at=starts + datetime.timedelta(hours=4), places=2
    )
    child = make_child(11)

    page = signed_in(new_page, live_server, child.user)
    page.goto(event.page.get_url())
    block = page.locator("#registration")
    expect(block.get_by_role("button", name="Записать ребёнка")).to_have_count(0)
    expect(block.locator("select")).to_have_count(0)
    expect(block.get_by_role("button", name="Записаться на смену")).to_have_count(0)
    expect(block.locator("[data-volunteer-note]")).to_contain_text("Волонтёрами могут быть участники от 14 лет")
    block.get_by_role("button", name="Записаться", exact=True).click()
    page.get_by_text("Вы записаны. Билет с QR-кодом").wait_for()
    expect(block).to_contain_text("Вы записаны — место подтверждено")
    expect(block.get_by_role("button", name="Записаться", exact=True)).to_have_count(0)
    expect(block.get_by_role("link", name="PDF")).to_have_attribute(
        "href", f"/tickets/{event.registrations.get().pk}/ticket.pdf"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "event-registration-student-phone")
    assert page.console_errors == []
