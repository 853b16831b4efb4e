"""Volunteers sign up for an event's shifts, the coordinator confirms their hours, the volunteer sees
the record in the cabinet; the event's admin screen lists registrations, the waiting list,
attendance and volunteers, and exports CSV."""

import csv
import datetime
import io
import uuid

import pytest
from django.test import Client
from django.utils import timezone

from config.errors import ServiceError
from events import services
from events.models import VolunteerShift
from tests.factories import make_child, make_event

pytestmark = pytest.mark.django_db


def client_of(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def shift():
    event = make_event(capacity=2)
    starts = event.page.starts_at - datetime.timedelta(hours=1)
    return VolunteerShift.objects.create(
        event=event, role="Встреча гостей", starts_at=starts, ends_at=starts + datetime.timedelta(hours=5), places=1
    )


def test_volunteer_signs_up_from_the_event_page_and_the_shift_fills(shift, make_user):
    volunteer = make_user(first_name="Олег", last_name="Смирнов")
    client = client_of(volunteer)
    assert "Встреча гостей" in client.get(shift.event.page.get_url()).content.decode()
    client.post(f"/volunteer/shifts/{shift.pk}/")
    assert shift.signups.get().volunteer == volunteer
    with pytest.raises(ServiceError) as refused:
        services.sign_up_for_shift(shift, make_user())
    assert refused.value.code == "shift_full"


def test_coordinator_confirms_hours_and_the_volunteer_sees_them(shift, make_user):
    volunteer = make_user()
    signup = services.sign_up_for_shift(shift, volunteer)
    with pytest.raises(ServiceError) as refused:
        services.confirm_hours(signup, hours=4, by=volunteer)
    assert refused.value.code == "not_coordinator"
    coordinator = make_user()
    shift.event.coordinators.add(coordinator)
    with pytest.raises(ServiceError):
        services.confirm_hours(signup, hours="30", by=coordinator)
    services.confirm_hours(signup, hours="4,5", by=coordinator)
    signup.refresh_from_db()
    assert str(signup.hours) == "4.5" and signup.confirmed_by == coordinator
    cabinet = client_of(volunteer).get("/cabinet/").content.decode()
    assert "Подтверждено часов: 4,5" in cabinet
    assert "Встреча гостей" in cabinet


def test_child_under_14_cannot_volunteer(shift):
    child = make_child(12)
    with pytest.raises(ServiceError) as refused:
        services.sign_up_for_shift(shift, child.user)
    assert refused.value.code == "volunteer_age"


@pytest.fixture
def busy_event(shift, make_user):
    event = shift.event
    child = make_child(12)
    services.register_child(event, child, by=child.guardian)
    services.register_group(event, make_user(), school="Школа № 5", leader_name="Ольга Ивановна", head_count=5)
    services.register_adult(event, make_user(), name="Пётр Петров")
    ticket = event.registrations.get(kind="child")
    services.check_in(event, check_in_id=uuid.uuid4(), code=ticket.ticket_code, scanned_at=timezone.now())
    services.check_in(event, check_in_id=uuid.uuid4(), walk_in=True, people=2)
    services.sign_up_for_shift(shift, make_user(first_name="Олег", last_name="Смирнов"))
    return event


def test_event_admin_screen_shows_lists_and_counts(busy_event, make_user):
    editor = make_user(group="Editors")
    html = client_of(editor).get(f"/admin/events/{busy_event.pk}/").content.decode()
    assert "Аня К." in html and "Колесникова" not in html
    assert "Лист ожидания" in html and "Ольга Ивановна" in html
    assert "Олег Смирнов" in html and "Подтвердить часы" in html


def test_exports_are_csv_without_childrens_surnames(busy_event, make_user):
    editor = make_user(group="Editors")
    client = client_of(editor)
    registrations = client.get(f"/admin/events/{busy_event.pk}/export/registrations.csv")
    text = registrations.content.decode("utf-8-sig")
    assert registrations["Content-Type"].startswith("text/csv")
    assert "Аня К." in text and "Колесникова" not in text and "в листе ожидания" in text
    attendance = client.get(f"/admin/events/{busy_event.pk}/export/attendance.csv").content.decode("utf-8-sig")
    assert len(attendance.strip().splitlines()) == 3
    volunteers = client.get(f"/admin/events/{busy_event.pk}/export/volunteers.csv").content.decode("utf-8-sig")
    assert "Олег Смирнов" in volunteers


def test_other_admins_do_not_see_an_events_people(busy_event, make_user):
    moderator = make_user(group="Moderators")
    assert client_of(moderator).get(f"/admin/events/{busy_event.pk}/").status_code in (302, 403)
    assert client_of(moderator).get(f"/admin/events/{busy_event.pk}/export/registrations.csv").status_code in (302, 403)


def test_coordinator_confirms_hours_on_the_events_admin_screen(busy_event, make_user):
    coordinator = make_user(group="Event coordinators")
    busy_event.coordinators.add(coordinator)
    client = client_of(coordinator)
    signup = busy_event.shifts.get().signups.get()
    response = client.post(f"/admin/events/{busy_event.pk}/", {"signup": signup.pk, "hours": "5"}, follow=True)
    assert response.status_code == 200
    signup.refresh_from_db()
    assert signup.hours == 5 and signup.confirmed_by == coordinator
    other = make_user(group="Event coordinators")
    refused = client_of(other).get(f"/admin/events/{busy_event.pk}/")
    assert refused.status_code in (302, 403) and "Ольга Ивановна" not in refused.content.decode()


def test_a_coordinator_finds_their_events_from_the_admin_menu(busy_event, make_user):
    """A coordinator's admin showed only «Помощь»: the events' screen was reachable by typed address only."""
    coordinator = make_user(group="Event coordinators")
    busy_event.coordinators.add(coordinator)
    client = client_of(coordinator)
    assert "/admin/events/mine/" in client.get("/admin/").content.decode()
    mine = client.get("/admin/events/mine/")
    assert mine.status_code == 200
    html = mine.content.decode()
    assert busy_event.page.title in html and f"/admin/events/{busy_event.pk}/" in html
    assert f"/check-in/{busy_event.pk}/" in html and "<title>Мои мероприятия" in html
    other = client_of(make_user(group="Event coordinators"))  # coordinates nothing yet
    assert "/admin/events/mine/" not in other.get("/admin/").content.decode()
    assert other.get("/admin/events/mine/").status_code in (302, 403)


def test_editors_manage_events_in_the_admin(busy_event, make_user):
    editor = client_of(make_user(group="Editors"))
    listing = editor.get("/admin/snippets/events/event/")
    assert listing.status_code == 200
    assert busy_event.page.title in listing.content.decode()
    assert f"/admin/events/{busy_event.pk}/" in listing.content.decode()


# --- An adult volunteer's name: asked in the shift form, shown to the coordinator ----------------


def test_the_shift_form_asks_an_adult_without_a_name_for_it_and_stores_it(shift, make_user):
    volunteer = make_user(first_name="", last_name="")
    client = client_of(volunteer)
    page = client.get(shift.event.page.get_url()).content.decode()
    assert 'name="first_name"' in page and 'name="surname"' in page
    refused = client.post(f"/volunteer/shifts/{shift.pk}/", {"first_name": "Ольга", "surname": ""}, follow=True)
    assert "Укажите имя и фамилию" in refused.content.decode()
    assert not shift.signups.exists()
    done = client.post(f"/volunteer/shifts/{shift.pk}/", {"first_name": " Ольга ", "surname": "Белова"}, follow=True)
    # the message gives the shift's start in the site's time, as the event page does
    assert f"{timezone.localtime(shift.starts_at):%d.%m %H:%M}." in done.content.decode()
    volunteer.refresh_from_db()
    assert (volunteer.first_name, volunteer.last_name) == ("Ольга", "Белова")
    assert shift.signups.get().volunteer == volunteer


def test_the_shift_form_does_not_ask_a_named_adult_or_a_student(shift, make_user):
    named = client_of(make_user(first_name="Олег", last_name="Смирнов")).get(shift.event.page.get_url())
    assert 'name="surname"' not in named.content.decode()
    teen = make_child(15)
    page = client_of(teen.user).get(shift.event.page.get_url()).content.decode()
    assert "Записаться на смену" in page and 'name="surname"' not in page


def test_the_coordinator_sees_the_volunteers_name_and_a_russian_number(shift, make_user):
    volunteer = make_user(first_name="", last_name="")
    client_of(volunteer).post(f"/volunteer/shifts/{shift.pk}/", {"first_name": "Ольга", "surname": "Белова"})
    coordinator = make_user(group="Event coordinators")
    shift.event.coordinators.add(coordinator)
    client = client_of(coordinator)
    signup = shift.signups.get()
    html = client.get(f"/admin/events/{shift.event.pk}/").content.decode()
    assert "Ольга Белова" in html
    response = client.post(f"/admin/events/{shift.event.pk}/", {"signup": signup.pk, "hours": "4"}, follow=True)
    html = response.content.decode()
    assert "Подтверждено 4,0 ч: Ольга Белова." in html and "4.0 ч" not in html
    export = client.get(f"/admin/events/{shift.event.pk}/export/volunteers.csv").content.decode("utf-8-sig")
    # As Excel in Russian reads it: semicolons between the columns, the hours with a decimal comma.
    header, row = list(csv.reader(io.StringIO(export), delimiter=";"))
    assert header[2] == "волонтёр" and header[4] == "часов подтверждено"
    assert row[2] == "Ольга Белова" and row[4] == "4,0"
