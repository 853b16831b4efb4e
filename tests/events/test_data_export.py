"""«Скачать мои данные» (the site's download and the API's export) lists what events keep about a
child: each registration with its event, date, status, ticket code and check-ins at the door, and
the child's volunteer shifts; a cancelled registration is listed too, with when."""

import json
import uuid

import pytest
from django.test import Client
from rest_framework.test import APIClient

from events import services
from tests.factories import make_child, make_event

pytestmark = pytest.mark.django_db


def test_the_childs_export_lists_registrations_tickets_and_check_ins():
    child = make_child(12)
    concert = make_event(capacity=5, title="Концерт в Выксе")
    exhibition = make_event(capacity=5, days_ahead=20, title="Выставка в Дзержинске")
    ticket = services.register_child(concert, child, by=child.guardian)
    services.check_in(concert, check_in_id=uuid.uuid4(), code=ticket.ticket_code)
    services.check_in(concert, check_in_id=uuid.uuid4(), code=ticket.ticket_code)  # shown again at the door
    dropped = services.register_child(exhibition, child, by=child.user)
    services.cancel_registration(dropped, by=child.user)
    someone_else = make_child(13, email="petya@example.org")
    services.register_child(concert, someone_else, by=someone_else.user)

    site = Client()
    site.force_login(child.user)
    downloaded = json.loads(site.get("/cabinet/my-data/").content)
    api = APIClient()
    api.force_authenticate(child.guardian)
    exported = api.get(f"/api/students/{child.pk}/export/").json()

    for data in (downloaded, exported):
        rows = {row["event"]: row for row in data["event_registrations"]}
        assert set(rows) == {"Концерт в Выксе", "Выставка в Дзержинске"}
        concert_row = rows["Концерт в Выксе"]
        assert concert_row["status"] == "confirmed" and concert_row["ticket_code"] == ticket.ticket_code
        assert concert_row["starts_at"] == concert.page.starts_at.isoformat()
        assert [c["repeated"] for c in concert_row["check_ins"]] == [False, True]
        assert rows["Выставка в Дзержинске"]["status"] == "cancelled"
        assert rows["Выставка в Дзержинске"]["cancelled_at"]
        assert data["volunteer_shifts"] == [] and data["certificates"] == []
