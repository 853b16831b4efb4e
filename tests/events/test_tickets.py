"""A confirmed registration's ticket: QR code in the cabinet and as PNG/PDF, and an .ics file —
for the ticket's owner (and a child's guardian) only."""

import io

import pytest
from django.test import Client
from PIL import Image

from events import services
from tests.factories import make_child, make_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(make_user):
    event = make_event(capacity=5)
    child = make_child(12)
    return services.register_child(event, child, by=child.guardian)


def client_of(user):
    client = Client()
    client.force_login(user)
    return client


def test_guardian_sees_the_ticket_in_the_cabinet_with_its_qr_code(ticket):
    page = client_of(ticket.owner).get("/cabinet/")
    html = page.content.decode()
    assert page.status_code == 200
    assert f"/tickets/{ticket.pk}/qr.png" in html
    assert ticket.ticket_code in html
    assert ticket.event.page.title in html


def test_qr_png_holds_the_ticket_code(ticket):
    response = client_of(ticket.student.user).get(f"/tickets/{ticket.pk}/qr.png?download=1")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert "attachment" in response["Content-Disposition"]
    picture = Image.open(io.BytesIO(response.content))
    import segno

    expected = segno.make(ticket.ticket_code, error="m")
    assert picture.size[0] == expected.symbol_size(scale=8, border=4)[0]


def test_pdf_ticket_for_the_owner(ticket):
    response = client_of(ticket.owner).get(f"/tickets/{ticket.pk}/ticket.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert response["Cache-Control"] == "private, no-store"


def test_ics_adds_the_event_to_a_calendar(ticket):
    response = client_of(ticket.owner).get(f"/tickets/{ticket.pk}/event.ics")
    text = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    start = ticket.event.page.starts_at.astimezone(__import__("datetime").UTC)
    assert f"DTSTART:{start:%Y%m%dT%H%M%SZ}" in text
    assert "BEGIN:VEVENT" in text and text.endswith("END:VCALENDAR\r\n")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    assert "Колесникова" not in text


def test_someone_else_gets_no_ticket(ticket, make_user):
    stranger = client_of(make_user())
    for suffix in ("qr.png", "ticket.pdf", "event.ics"):
        assert stranger.get(f"/tickets/{ticket.pk}/{suffix}").status_code == 404
    assert Client().get(f"/tickets/{ticket.pk}/qr.png").status_code == 302


def test_waiting_list_has_no_ticket_yet(make_user):
    event = make_event(capacity=1)
    services.register_adult(event, make_user(), name="Первый")
    adult = make_user()
    waiting = services.register_adult(event, adult, name="Второй")
    assert client_of(adult).get(f"/tickets/{waiting.pk}/qr.png").status_code == 403
    assert "Лист ожидания, №1" in client_of(adult).get("/cabinet/").content.decode()


def test_signing_up_from_the_event_page(make_user):
    event = make_event(capacity=1)
    child = make_child(12)
    client = client_of(child.guardian)
    page = client.get(event.page.get_url())
    assert "Свободных мест: 1" in page.content.decode()
    assert "Аня К." in page.content.decode()
    assert "Колесникова" not in page.content.decode()
    response = client.post(f"/event-registration/{event.pk}/", {"kind": "child", "student": child.pk}, follow=True)
    assert "Вы записаны" in response.content.decode()
    assert event.registrations.get().student == child


def test_cancel_from_the_cabinet(ticket):
    response = client_of(ticket.owner).post(f"/tickets/{ticket.pk}/cancel/", follow=True)
    assert "отменена" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == "cancelled"
