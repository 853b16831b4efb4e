"""The demo holds upcoming events with registrations and a waiting list, and a past event with
attendance checked in at the door and volunteers with confirmed hours; loading twice changes nothing."""

import io

import pytest
from django.core.management import call_command

from events import selectors
from events.models import CheckIn, Event, Registration, VolunteerSignup

pytestmark = pytest.mark.django_db


def test_demo_events_have_registrations_a_waiting_list_and_a_past_events_attendance(demo, settings, tmp_path):
    settings.VIDEO_UPLOAD_TEMP_DIR = tmp_path / "uploads"

    upcoming = list(Event.objects.filter(registration_open=True).order_by("page__starts_at"))
    assert upcoming
    first = selectors.attendance(upcoming[0])
    assert first["registered"] == upcoming[0].capacity and first["waiting"] > 0
    assert Registration.objects.filter(event=upcoming[0], kind="child").exists()
    past = Event.objects.get(registration_open=False)
    counts = selectors.attendance(past)
    assert counts["came_by_ticket"] > 0 and counts["walk_ins"] > 0 and counts["repeated"] == 1
    assert VolunteerSignup.objects.filter(shift__event=past, hours__isnull=False).count() == 3
    totals = (Registration.objects.count(), CheckIn.objects.count(), VolunteerSignup.objects.count())

    call_command("load_demo", stdout=io.StringIO())
    assert (Registration.objects.count(), CheckIn.objects.count(), VolunteerSignup.objects.count()) == totals


def test_the_demo_has_an_event_a_15_year_old_is_told_she_is_too_old_for(demo, client):
    from learning.models import Student

    limited = Event.objects.get(registration_open=True, max_age=14)
    milana = Student.objects.get(user__email="milana@demo.pokolenie-m.example")
    client.force_login(milana.user)
    html = client.get(limited.page.get_url()).content.decode()
    assert "data-out-of-age" in html and "а вам в день мероприятия будет" in html
    assert ">Записаться</button>" not in html
    assert not Registration.objects.filter(event=limited, student=milana).exists()
