"""An event run on the platform shows on its page the people let in at the door and the volunteers
whose hours were confirmed, never a number typed by an editor; the editor's fields say they are for
events run outside the platform, and the page refuses them when the event has registration."""

import datetime
import uuid

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text

from cms.models import EventPage
from events import services
from events.models import VolunteerShift
from tests.factories import make_event

pytestmark = pytest.mark.django_db


def figures_on(page):
    html = Client().get(page.get_url()).content.decode()
    start = html.index("<dt>Пришло</dt>") if "<dt>Пришло</dt>" in html else -1
    return html[start : html.index("</dd>", start)] if start >= 0 else ""


def test_a_platform_event_shows_what_the_door_and_the_coordinator_recorded_not_typed_numbers(make_user):
    event = make_event(capacity=10)
    EventPage.objects.filter(pk=event.page.pk).update(attendance=500, volunteers=40)  # typed before registration
    adult = services.register_adult(event, make_user(), name="Пётр Петров")
    services.check_in(event, check_in_id=uuid.uuid4(), code=adult.ticket_code)
    services.check_in(event, check_in_id=uuid.uuid4(), code=adult.ticket_code)  # a repeat counts once
    services.check_in(event, check_in_id=uuid.uuid4(), walk_in=True, people=3)
    starts = event.page.starts_at - datetime.timedelta(hours=1)
    shift = VolunteerShift.objects.create(
        event=event, role="Гардероб", starts_at=starts, ends_at=starts + datetime.timedelta(hours=4), places=2
    )
    coordinator = make_user()
    event.coordinators.add(coordinator)
    services.confirm_hours(services.sign_up_for_shift(shift, make_user()), hours=4, by=coordinator)
    services.sign_up_for_shift(shift, make_user())  # hours not confirmed: not counted

    shown = figures_on(EventPage.objects.get(pk=event.page.pk))

    assert 'data-figures="recorded"' in shown
    assert "4 участника" in shown and "1 волонтёр" in shown
    assert "500" not in shown and "40" not in shown


def test_an_event_outside_the_platform_shows_the_typed_numbers():
    event = make_event()
    page = EventPage.objects.get(pk=event.page.pk)
    event.delete()
    EventPage.objects.filter(pk=page.pk).update(attendance=21, volunteers=3)
    shown = figures_on(page)
    assert 'data-figures="typed"' in shown and "21 участник" in shown and "3 волонтёра" in shown


def edit_in_admin(client, page, **figures):
    """Post the page's edit form as the editor's Save button does."""
    starts, ends = (timezone.localtime(moment) for moment in (page.starts_at, page.ends_at))
    form = nested_form_data(
        {
            "title": page.title,
            "slug": page.slug,
            "starts_at": f"{starts:%Y-%m-%d %H:%M}",
            "ends_at": f"{ends:%Y-%m-%d %H:%M}",
            "region": page.region_id,
            "town": page.town,
            "venue": page.venue,
            "description": rich_text("<p>Концерт.</p>"),
            "cover": "",
            "attendance": figures.get("attendance", ""),
            "volunteers": figures.get("volunteers", ""),
            "comments": inline_formset([]),
        }
    )
    return client.post(reverse("wagtailadmin_pages:edit", args=[page.pk]), form)


def test_the_editor_cannot_type_attendance_for_an_event_with_registration_and_is_told_why(editor_client):
    event = make_event()
    page = EventPage.objects.get(pk=event.page.pk)
    assert "вне платформы" in EventPage._meta.get_field("attendance").help_text

    refused = edit_in_admin(editor_client, page, attendance=120, volunteers=4)
    assert refused.status_code == 200
    assert "по отметкам на входе" in refused.content.decode()
    page.refresh_from_db()
    latest = page.get_latest_revision()
    assert page.attendance is None and (latest is None or latest.content.get("attendance") is None)

    assert edit_in_admin(editor_client, page).status_code == 302  # empty is fine

    event.delete()  # run outside the platform: the typed numbers are the record
    assert edit_in_admin(editor_client, page, attendance=120).status_code == 302
    page.refresh_from_db()
    assert page.get_latest_revision().content["attendance"] == 120
