"""The ledger by Moscow month, as the season report reads it: closed days from the totals stored
with their digest, open days from their running totals and the entries since, and always exactly
what the entries add up to."""

import importlib
import itertools
from datetime import UTC, datetime, time, timedelta

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from engagement import services
from engagement.models import AppendOnlyError, DailyDigest, LedgerDayTotal, LedgerEntry, LedgerRecentTotal, LedgerTally
from engagement.selectors import recent_total_problems as tally_problems
from engagement.services.digests import tally_recent_days

_keys = itertools.count(1)


def entries_by_month(campaign):
    """The reference: every entry of the campaign grouped by Moscow month, straight from the ledger."""
    repost = Q(kind="repost")
    rows = (
        LedgerEntry.objects.filter(campaign=campaign)
        .annotate(month=TruncMonth("created_at", tzinfo=timezone.get_default_timezone()))
        .values("month")
        .annotate(
            amount=Sum("amount"),
            entries=Count("pk"),
            compensations=Count("reverses"),
            reposts=Count("pk", filter=repost),
            repost_compensations=Count("reverses", filter=repost),
        )
        .order_by("month")
    )
    return [
        {
            "month": row["month"].astimezone(timezone.get_default_timezone()).date(),
            "amount": row["amount"],
            "actions": row["entries"] - 2 * row["compensations"],
            "reposts": row["reposts"] - 2 * row["repost_compensations"],
        }
        for row in rows
    ]


def at(day, hour, minute=0):
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


@pytest.fixture
def write(make_work):
    """Write one entry (or the compensation of `reverses`) at a given moment, as the services do."""
    work = make_work()
    work_type = ContentType.objects.get_for_model(work)

    def write(campaign, kind, moment, amount=100, reverses=None):
        entry = LedgerEntry(
            kind=kind,
            target_type=work_type,
            target_id=work.pk,
            amount=-reverses.amount if reverses else amount,
            campaign=campaign,
            key=f"month-test:{next(_keys)}",
            reverses=reverses,
            created_at=moment,
        )
        entry.save()
        return entry

    return write


@pytest.fixture
def today():
    return timezone.now().astimezone(UTC).date()


@pytest.fixture
def months_of_history(make_campaign, write, today):
    """Entries over three Moscow months of the campaign, around the ends of two of them, with
    compensations on the same and on later days, reposts, and entries the campaign must not see.
    Returns (campaign, last day of the month before last, last day of last month)."""
    campaign = make_campaign(starts_at=timezone.now() - timedelta(days=120))
    other = make_campaign(starts_at=timezone.now() - timedelta(days=120))
    last_month_end = today.replace(day=1) - timedelta(days=1)
    earlier_end = last_month_end.replace(day=1) - timedelta(days=1)
    # The month before last, Moscow time.
    write(campaign, "like", at(earlier_end, 20, 59))  # 23:59 in Moscow
    unliked = write(campaign, "like", at(earlier_end - timedelta(days=5), 12))
    write(campaign, "like", at(earlier_end - timedelta(days=3), 9), reverses=unliked)
    # Last month: from midnight in Moscow, still the earlier month's last day in UTC.
    write(campaign, "like", at(earlier_end, 21, 0))
    repost = write(campaign, "repost", at(earlier_end, 22, 30))
    write(campaign, "repost", at(earlier_end, 23, 0), reverses=repost)
    write(campaign, "work_approved", at(last_month_end, 10), amount=500)
    late_like = write(campaign, "like", at(last_month_end, 20))  # 23:00 in Moscow
    # This month: the last UTC evening of last month, and today.
    write(campaign, "like", at(last_month_end + timedelta(days=1), 8), reverses=late_like)
    write(campaign, "like", at(last_month_end, 23, 59), amount=0)  # past the daily cap: counted, worth nothing
    late_repost = write(campaign, "repost", at(last_month_end, 22, 30))
    write(campaign, "repost", at(today, 0, 5), reverses=late_repost)
    # Not this campaign's.
    write(other, "like", at(last_month_end, 22, 30))
    write(None, "like", at(last_month_end, 22, 45))
    return campaign, earlier_end, last_month_end


def test_an_action_late_on_a_months_last_utc_day_counts_in_the_next_moscow_month(months_of_history, today):
    campaign, earlier_end, last_month_end = months_of_history
    expected = [
        {"month": earlier_end.replace(day=1), "amount": 100, "actions": 1, "reposts": 0},
        {"month": last_month_end.replace(day=1), "amount": 100 + 500 + 100, "actions": 3, "reposts": 0},
        {"month": today.replace(day=1), "amount": -100 + 0 + 100 - 100, "actions": -1 + 1 + 1 - 1, "reposts": 0},
    ]
    assert services.ledger_by_month(campaign) == expected == entries_by_month(campaign)
    services.publish_digests()
    assert DailyDigest.objects.filter(day=last_month_end).exists()
    assert services.ledger_by_month(campaign) == expected


def test_monthly_totals_equal_the_entries_before_during_and_after_the_digests(months_of_history, write, today):
    campaign, earlier_end, last_month_end = months_of_history
    assert services.ledger_by_month(campaign) == entries_by_month(campaign)

    # Half-way: the nightly task caught up only to the first month's end.
    services.publish_digests(now=at(earlier_end + timedelta(days=1), 0, 30))
    assert DailyDigest.objects.latest("day").day == earlier_end
    assert services.ledger_by_month(campaign) == entries_by_month(campaign)

    assert services.publish_digests()
    assert DailyDigest.objects.latest("day").day >= min(last_month_end, today - timedelta(days=2))
    assert services.ledger_by_month(campaign) == entries_by_month(campaign)

    # Today stays open: new actions and compensations show at once.
    fresh = write(campaign, "repost", timezone.now())
    write(campaign, "like", timezone.now())
    write(campaign, "repost", timezone.now(), reverses=fresh)
    assert services.ledger_by_month(campaign) == entries_by_month(campaign)
    assert services.ledger_by_month(campaign)[-1]["actions"] == 1


def test_publishing_a_day_stores_its_totals_per_campaign_month_and_kind(months_of_history):
    campaign, earlier_end, _ = months_of_history
    services.publish_digests()
    totals = LedgerDayTotal.objects.filter(campaign=campaign, day=earlier_end)
    assert {(row.month, row.kind, row.amount, row.entries, row.compensations) for row in totals} == {
        (earlier_end.replace(day=1), "like", 100, 1, 0),
        ((earlier_end + timedelta(days=1)).replace(day=1), "like", 100, 1, 0),
        ((earlier_end + timedelta(days=1)).replace(day=1), "repost", 0, 2, 1),
    }
    assert not LedgerDayTotal.objects.filter(campaign=None).exists()


def test_a_digested_days_totals_are_read_from_what_was_stored_and_cannot_change(months_of_history, write):
    campaign, _, last_month_end = months_of_history
    services.publish_digests()
    before = services.ledger_by_month(campaign)
    # Only a database owner could slip an entry into a closed day (the services refuse it); the
    # verification command reports it, and the figures keep what the digest published.
    write(campaign, "like", at(last_month_end, 12))
    assert services.ledger_by_month(campaign) == before != entries_by_month(campaign)
    total = LedgerDayTotal.objects.filter(campaign=campaign).first()
    with pytest.raises(AppendOnlyError):
        total.save()
    with connection.cursor() as cursor, pytest.raises(Exception, match="append-only"):
        cursor.execute("UPDATE engagement_ledgerdaytotal SET amount = 0 WHERE id = %s", [total.pk])


def test_days_digested_before_the_upgrade_get_their_totals_from_the_migration(months_of_history):
    campaign, _, _ = months_of_history
    services.publish_digests()
    stored = sorted(LedgerDayTotal.objects.values_list("day", "campaign", "month", "kind", "amount", "entries"))
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # checks pending from the inserts, then:
        # Digests without totals, as before the migration: the owner lifts the TRUNCATE guard to get there.
        cursor.execute("ALTER TABLE engagement_ledgerdaytotal DISABLE TRIGGER engagement_ledgerdaytotal_no_truncate")
        cursor.execute("TRUNCATE engagement_ledgerdaytotal")
        cursor.execute("ALTER TABLE engagement_ledgerdaytotal ENABLE TRIGGER engagement_ledgerdaytotal_no_truncate")
    migration = importlib.import_module("engagement.migrations.0009_ledger_day_totals")
    migration.roll_up_digested_days(apps, None)
    assert sorted(LedgerDayTotal.objects.values_list("day", "campaign", "month", "kind", "amount", "entries")) == stored
    assert services.ledger_by_month(campaign) == entries_by_month(campaign)


def test_a_campaign_without_entries_has_no_months(make_campaign):
    assert services.ledger_by_month(make_campaign()) == []


# --- the running totals of the days not yet digested (LedgerRecentTotal) --------------------------
# Brought forward by the periodic tally and read instead of the open days' entries; always exactly
# what the entries add up to, whatever arrives between two runs.


def later(minutes=11):
    """A moment past the digests' grace from now: what the tally run then may take in."""
    return timezone.now() + timedelta(minutes=minutes)


def test_the_tally_takes_in_the_open_days_once_and_the_months_stay_exact(months_of_history, write, today):
    campaign, _, last_month_end = months_of_history
    services.publish_digests(now=at(last_month_end, 0, 30))  # open: the last day of last month and on
    open_entries = LedgerEntry.objects.filter(campaign__isnull=False, created_at__gte=at(last_month_end, 0)).count()

    assert tally_recent_days(now=later()) == open_entries
    assert tally_recent_days(now=later()) == 0  # nothing new: nothing read twice
    assert tally_problems() == []
    assert services.ledger_by_month(campaign) == entries_by_month(campaign)
    assert LedgerRecentTotal.objects.filter(day__gte=last_month_end).exists()

    # Entries since the run are read from the entries, then taken in by the next run.
    fresh = write(campaign, "repost", timezone.now())
    write(campaign, "like", timezone.now())
    write(campaign, "repost", timezone.now(), reverses=fresh)
    assert services.ledger_by_month(campaign) == entries_by_month(campaign)
    assert tally_recent_days(now=later()) == 3
    assert tally_problems() == []
    assert services.ledger_by_month(campaign) == entries_by_month(campaign)


def test_entries_inside_the_grace_wait_for_a_later_run(campaign, write):
    write(campaign, "like", timezone.now())
    assert tally_recent_days() == 0  # created less than the grace ago: a late commit could still land there
    assert LedgerTally.objects.get().through_time <= timezone.now() - services.DIGEST_GRACE
    assert services.ledger_by_month(campaign) == entries_by_month(campaign)
    assert tally_recent_days(now=later()) == 1
    assert services.ledger_by_month(campaign) == entries_by_month(campaign)


def test_the_months_are_read_from_the_running_totals(months_of_history):
    campaign, _, _ = months_of_history
    tally_recent_days(now=later())
    before = services.ledger_by_month(campaign)
    # Only a database owner edits a total by hand; the figures follow the totals (not the entries),
    # and the check names the difference.
    total = LedgerRecentTotal.objects.filter(campaign=campaign, kind="like").order_by("day").last()
    LedgerRecentTotal.objects.filter(pk=total.pk).update(amount=total.amount + 700)
    month = next(row for row in before if row["month"] == total.month)
    assert {row["month"]: row["amount"] for row in services.ledger_by_month(campaign)}[total.month] == (
        month["amount"] + 700
    )
    assert len(tally_problems()) == 1 and "LedgerRecentTotal" in tally_problems()[0]


def test_an_import_dated_before_the_tallys_time_is_counted(campaign, write, today):
    write(campaign, "like", timezone.now() - timedelta(hours=2))
    tally_recent_days(now=later())
    mark = LedgerTally.objects.get()
    # Recorded after the run with a moment before its mark: found by its id, then taken in.
    actor = get_user_model().objects.create_user("импорт")
    entry = services.record_action("like", actor, actor, "import:1", occurred_at=mark.through_time - timedelta(hours=1))
    assert entry.created_at < mark.through_time and entry.pk > mark.through_id
    assert services.ledger_by_month(campaign) == entries_by_month(campaign)
    assert sum(row["actions"] for row in services.ledger_by_month(campaign)) == 2
    assert tally_recent_days(now=later()) == 1
    assert tally_problems() == []
    assert services.ledger_by_month(campaign) == entries_by_month(campaign)


def test_a_day_digested_after_the_tally_moves_to_its_stored_totals(months_of_history, today):
    campaign, earlier_end, _ = months_of_history
    services.publish_digests(now=at(earlier_end, 0, 30))
    tally_recent_days(now=later())
    assert LedgerRecentTotal.objects.filter(day__lte=earlier_end + timedelta(days=1)).exists()

    services.publish_digests()  # every finished day: counted from the day totals, not twice
    assert DailyDigest.objects.latest("day").day == today - timedelta(days=1)
    assert services.ledger_by_month(campaign) == entries_by_month(campaign)

    tally_recent_days(now=later())  # drops the digested days' rows
    assert not LedgerRecentTotal.objects.filter(day__lt=today).exists()
    assert tally_problems() == []
    assert services.ledger_by_month(campaign) == entries_by_month(campaign)


def test_a_tally_of_days_digested_since_is_not_read(months_of_history, today):
    campaign, earlier_end, _ = months_of_history
    services.publish_digests()
    tally_recent_days(now=later())
    # A mark from a tally that starts after the first open day (digests rolled back by hand):
    # its totals miss days, so the reader takes the entries and the next run starts over.
    LedgerTally.objects.update(from_day=today + timedelta(days=1))
    LedgerRecentTotal.objects.update(amount=10**9)
    assert services.ledger_by_month(campaign) == entries_by_month(campaign)
    tally_recent_days(now=later())
    assert LedgerTally.objects.get().from_day == today
    assert tally_problems() == []
    assert services.ledger_by_month(campaign) == entries_by_month(campaign)


def test_nothing_to_tally(db):
    assert tally_recent_days() == 0
    assert tally_problems() == []
    assert LedgerTally.objects.get().through_time.tzinfo is not None
    assert LedgerTally.objects.get().through_time < timezone.now().astimezone(UTC)
