"""A volunteer's certificate of hours: one per season, issued by the task worker when a coordinator
confirms the first hours, re-issued (same number and code, new total, new PDF) when more are
confirmed or corrected, revoked when none is left; adults are named from their account, children
from their profile; the public page shows the first name, the surname's initial and the hours; the
cabinet offers the PDF; the data export lists it."""

import datetime
import json

import pytest
from django.test import Client

from certificates import services as certificates
from certificates.models import Certificate
from events import services
from events.models import VolunteerShift
from notifications.models import Kind, Notification
from tests.certificates.reading import pdf_text
from tests.factories import make_child, make_event

pytestmark = pytest.mark.django_db


def client_of(user):
    client = Client()
    client.force_login(user)
    return client


def make_shift(role="Встреча гостей", *, days_ahead=14, title=None):
    event = make_event(capacity=5, days_ahead=days_ahead, title=title)
    starts = event.page.starts_at - datetime.timedelta(hours=1)
    return VolunteerShift.objects.create(
        event=event, role=role, starts_at=starts, ends_at=starts + datetime.timedelta(hours=5), places=3
    )


@pytest.fixture
def coordinator(make_user):
    return make_user(first_name="Ирина", last_name="Координатова")


@pytest.fixture
def confirm(django_capture_on_commit_callbacks):
    """The coordinator confirms hours; the change commits, so certificates' receiver and task run
    as in production (the immediate task backend stands for the worker)."""

    def confirm(shift, volunteer, hours, coordinator):
        shift.event.coordinators.add(coordinator)
        signup = shift.signups.filter(volunteer=volunteer, cancelled_at__isnull=True).first()
        signup = signup or services.sign_up_for_shift(shift, volunteer)
        with django_capture_on_commit_callbacks(execute=True):
            return services.confirm_hours(signup, hours=hours, by=coordinator)

    return confirm


def test_confirmed_hours_issue_an_adults_certificate_with_a_pdf_the_public_page_and_the_cabinet(
    season, make_user, coordinator, confirm
):
    volunteer = make_user(first_name="Олег", last_name="Смирнов")
    shift = make_shift(title="Концерт в Выксе")

    confirm(shift, volunteer, "4,5", coordinator)

    certificate = Certificate.objects.get(holder=volunteer)
    assert certificate.kind == "volunteer" and certificate.season == season
    assert str(certificate.hours) == "4.5"
    assert (certificate.first_name, certificate.surname) == ("Олег", "Смирнов")
    assert certificate.pdf, "the worker draws the PDF at once"
    told = Notification.objects.get(recipient=volunteer, kind=Kind.CERTIFICATE_READY)
    assert "Подтверждено часов волонтёрства: 4,5" in told.body

    page = Client().get(certificate.verify_path).content.decode()
    assert "Олег С." in page and "Смирнов" not in page
    assert "Подтверждено часов" in page and "4,5" in page
    facts = Client().get(f"/api/certificates/verify/{certificate.code}/").json()
    assert facts["hours"] == "4,5" and facts["kind"] == "volunteer"

    client = client_of(volunteer)
    cabinet = client.get("/cabinet/").content.decode()
    assert f'data-volunteer-certificate="{certificate.code}"' in cabinet
    assert f"/certificates/{certificate.code}/pdf/" in cabinet or "Скачать сертификат" in cabinet
    download = client.get(f"/certificates/{certificate.code}/pdf/")
    assert download.status_code == 200
    text = pdf_text(b"".join(download.streaming_content))
    assert "Олег Смирнов" in text and "4,5 ч" in text and "Концерт в Выксе" in text
    assert "Сертификат волонтёра".upper() in text


def test_more_hours_in_the_season_reissue_the_same_certificate_and_none_left_revokes_it(
    season, make_user, coordinator, confirm
):
    volunteer = make_user(first_name="Олег", last_name="Смирнов")
    first, second = make_shift(days_ahead=10), make_shift("Гардероб", days_ahead=20)
    confirm(first, volunteer, 4, coordinator)
    issued = Certificate.objects.get(holder=volunteer)
    old_pdf = issued.pdf.name

    confirm(second, volunteer, "3,5", coordinator)

    certificate = Certificate.objects.get(holder=volunteer)
    assert (certificate.pk, certificate.code, certificate.number) == (issued.pk, issued.code, issued.number)
    assert str(certificate.hours) == "7.5" and certificate.reissued_at is not None
    assert certificate.pdf.name != old_pdf
    assert "7,5 ч" in pdf_text(certificate.pdf.read())

    confirm(first, volunteer, 0, coordinator)
    confirm(second, volunteer, 0, coordinator)
    certificate.refresh_from_db()
    assert not certificate.is_valid and "сняли подтверждение" in certificate.revoked_reason

    confirm(second, volunteer, 2, coordinator)
    certificate.refresh_from_db()
    assert certificate.is_valid and str(certificate.hours) == "2.0"
    assert Certificate.objects.filter(holder=volunteer).count() == 1


def test_a_teenage_volunteer_is_named_from_the_profile_and_the_export_lists_the_certificate(
    season, coordinator, confirm
):
    child = make_child(15)
    shift = make_shift()

    confirm(shift, child.user, 5, coordinator)

    certificate = Certificate.objects.get(holder=child.user)
    assert (certificate.first_name, certificate.surname) == (child.first_name, child.surname)
    exported = json.loads(client_of(child.user).get("/cabinet/my-data/").content)
    rows = [row for row in exported["certificates"] if row["kind"] == "volunteer"]
    assert rows and rows[0]["hours"] == "5.0" and rows[0]["code"] == certificate.code
    assert exported["volunteer_shifts"][0]["hours_confirmed"] == "5.0"


def test_no_certificate_outside_any_season(make_user, coordinator, confirm):
    volunteer = make_user(first_name="Олег", last_name="Смирнов")
    confirm(make_shift(), volunteer, 4, coordinator)
    assert not Certificate.objects.filter(holder=volunteer).exists()


def test_the_season_batch_issues_a_missing_volunteer_certificate_and_reissues_it(season, make_user, coordinator):
    volunteer = make_user(first_name="Олег", last_name="Смирнов")
    shift = make_shift()
    shift.event.coordinators.add(coordinator)
    signup = services.sign_up_for_shift(shift, volunteer)
    services.confirm_hours(signup, hours=6, by=coordinator)  # never committed here: the task did not run
    assert not Certificate.objects.filter(holder=volunteer).exists()

    batch = certificates.issue_season(season)

    certificate = Certificate.objects.get(holder=volunteer)
    assert batch.issued == 1 and str(certificate.hours) == "6.0" and certificate.pdf
    again = certificates.issue_season(season, mode="reissue")
    certificate.refresh_from_db()
    assert again.issued == 0 and again.reissued == 1 and certificate.reissued_at is not None


def test_an_adult_without_a_name_is_told_in_the_cabinet_and_gets_the_certificate_once_named(
    season, make_user, coordinator, confirm, django_capture_on_commit_callbacks
):
    volunteer = make_user(first_name="", last_name="")
    confirm(make_shift(), volunteer, 4, coordinator)
    assert not Certificate.objects.filter(holder=volunteer).exists()
    client = client_of(volunteer)
    cabinet = client.get("/cabinet/").content.decode()
    assert "data-volunteer-name-missing" in cabinet and "Сертификат волонтёра не выдан" in cabinet
    assert "events/events.css" in cabinet  # the form's layout, with no ticket block to bring it
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/volunteer/name/", {"first_name": "Ольга", "surname": "Белова"})
    certificate = Certificate.objects.get(holder=volunteer, kind="volunteer")
    assert (certificate.first_name, certificate.surname) == ("Ольга", "Белова")
    cabinet = client.get("/cabinet/").content.decode()
    assert "data-volunteer-name-missing" not in cabinet and "Скачать сертификат" in cabinet
