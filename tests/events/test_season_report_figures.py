"""The season report's offline figures come from the events' records; typed-in numbers count only
for events run outside the platform, and are marked as such."""

import datetime
import uuid

import pytest
from django.utils import timezone

from cms.models import Season
from events import services
from events.models import VolunteerShift
from reports import figures
from tests.factories import make_event

pytestmark = pytest.mark.django_db


def test_report_counts_registered_came_volunteers_and_hours_from_records(make_user):
    today = timezone.localdate()
    season = Season.objects.create(
        name="Сезон", starts_on=today - datetime.timedelta(days=30), ends_on=today + datetime.timedelta(days=200)
    )
    event = make_event(capacity=10)
    tickets = [services.register_adult(event, make_user(), name=f"Гость {n}") for n in range(3)]
    services.register_group(event, make_user(), school="Школа", leader_name="Учитель", head_count=4)
    for ticket in tickets[:2]:
        services.check_in(event, check_in_id=uuid.uuid4(), code=ticket.ticket_code)
    services.check_in(event, check_in_id=uuid.uuid4(), code=tickets[0].ticket_code)  # a repeat: not counted
    services.check_in(event, check_in_id=uuid.uuid4(), walk_in=True, people=3)
    shift = VolunteerShift.objects.create(
        event=event, role="Гардероб", starts_at=event.page.starts_at - datetime.timedelta(hours=1),
        ends_at=event.page.ends_at, places=3,
    )  # fmt: skip
    coordinator = make_user()
    event.coordinators.add(coordinator)
    for hours in (4, 3.5):
        services.confirm_hours(services.sign_up_for_shift(shift, make_user()), hours=hours, by=coordinator)
    services.sign_up_for_shift(shift, make_user())  # hours not confirmed: not counted yet
    event.page.attendance, event.page.volunteers = 999, 99  # typed in by mistake: ignored for a platform event
    event.page.save()

    outside = make_event(title="Выставка без регистрации", region_code="77")
    outside.page.attendance, outside.page.volunteers = 50, 5
    outside.page.save()
    outside.delete()  # run outside the platform: no registration settings

    table = figures.events(figures.ReportFilter(season=season))
    by_region = {row["region"]: row for row in table.rows}
    nizhny = by_region["Нижегородская область"]
    assert (nizhny["events"], nizhny["hand_typed"], nizhny["registered"], nizhny["attendance"]) == (1, 0, 7, 5)
    assert (nizhny["volunteers"], nizhny["hours"], nizhny["unreported"]) == (2, 8, 0)
    moscow = by_region["Москва"]
    assert (moscow["events"], moscow["hand_typed"], moscow["attendance"], moscow["volunteers"]) == (1, 1, 50, 5)
    assert table.total["attendance"] == 55

    sizes = figures.events_by_town_size(figures.ReportFilter(season=season))
    assert sum(row["events"] for row in sizes.rows) == 2
