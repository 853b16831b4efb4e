"""The ledger under real concurrency: real threads, each with its own PostgreSQL connection."""

import random

import pytest
from django.core.management import call_command
from django.db import IntegrityError, InternalError, connection, transaction

from engagement import services
from engagement.models import CounterSlot, LedgerEntry
from tests.factories import run_in_threads

from . import vk

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_the_database_refuses_update_and_delete_of_an_entry(campaign, make_user, make_work):
    entry = services.record_action("like", make_user(), make_work(), "db:immutable")
    for statement in (
        "UPDATE engagement_ledgerentry SET amount = 1000000 WHERE id = %s",
        "DELETE FROM engagement_ledgerentry WHERE id = %s",
    ):
        with (
            pytest.raises((IntegrityError, InternalError), match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement, [entry.pk])
    assert LedgerEntry.objects.get(pk=entry.pk).amount == 100


def test_like_unlike_storm_never_holds_more_than_one_rouble(campaign, make_user, make_work, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"like": "100000/min", "like_ip": "100000/min"},
    }
    settings.ENGAGEMENT_DAILY_ACTION_CAP = 100000
    visitors = [make_user() for _ in range(2)]
    work = make_work()

    def storm(index):
        visitor = visitors[index % 2]
        for step in range(12):
            services.set_like(visitor, work, (step + index) % 3 != 0)
            for account in visitors:
                assert services.raised_by(account) in (0, 100)

    run_in_threads(8, storm)
    for visitor in visitors:
        standing = services.like_stands(visitor, work)
        assert services.raised_by(visitor) == (100 if standing else 0)
    assert all(balance.balanced for balance in services.reconcile())


def test_writes_racing_at_the_cap_never_exceed_it(make_campaign, make_user, make_work):
    campaign = make_campaign(cap=1_050)  # room for ten and a half roubles
    users = [make_user() for _ in range(8)]
    work = make_work()

    def race(index):
        for step in range(4):
            services.record_action("like", users[index], work, f"race:{index}:{step}")

    run_in_threads(8, race)
    amounts = list(LedgerEntry.objects.values_list("amount", flat=True))
    assert len(amounts) == 32
    assert sum(amounts) == 1_000  # ten counted, the rest recorded at zero
    assert amounts.count(100) == 10
    assert services.counter(campaign)["raised_kopecks"] == 1_000
    slots = CounterSlot.objects.filter(campaign=campaign)
    assert sum(slot.budget for slot in slots) == 1_050
    assert all(balance.balanced for balance in services.reconcile())


def test_the_same_key_recorded_concurrently_counts_once(campaign, make_user, make_work):
    student, work = make_user(), make_work()
    results = []

    def approve(index):
        results.append(services.record_action("work_approved", student, work, "approve:race").pk)

    run_in_threads(8, approve)
    assert len(set(results)) == 1
    assert LedgerEntry.objects.count() == 1
    assert services.counter(campaign)["raised_kopecks"] == 100


def test_reconcile_finds_a_difference_planted_behind_the_services_back(campaign, make_user, make_work, capsys):
    services.record_action("like", make_user(), make_work(), "plant:1")
    call_command("reconcile_ledger")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE engagement_counterslot SET amount = amount + 500 WHERE campaign_id = %s AND number = 0",
            [campaign.pk],
        )
    with pytest.raises(Exception, match="расходятся"):
        call_command("reconcile_ledger")
    assert "разница -500 коп." in capsys.readouterr().out


def test_sixteen_workers_delivering_the_same_thousand_vk_events_write_exactly_a_thousand_entries(make_campaign):
    campaign = make_campaign(cap=10_000_000)
    events = [vk.like(1_000 + i, 1 + i % 7) for i in range(700)] + [vk.repost(5_000 + i, 3) for i in range(300)]

    def deliver(index):
        rng = random.Random(index)
        for _ in range(2):
            shuffled = events[:]
            rng.shuffle(shuffled)
            for start in range(0, len(shuffled), 100):
                services.ingest_vk_events(shuffled[start : start + 100])

    run_in_threads(16, deliver)
    assert LedgerEntry.objects.count() == 1_000
    assert services.counter(campaign)["raised_kopecks"] == 100_000
    assert all(balance.balanced for balance in services.reconcile())
