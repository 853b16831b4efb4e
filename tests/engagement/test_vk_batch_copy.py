"""Large VK batches (backfills, imports) run set-based on PostgreSQL: the events are COPYed into a
temporary table, the rules run in the database, and the new events and entries are COPYed in,
with the same idempotent keys, caps, slots and campaign as the callback path."""

import json
import random

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from engagement import services
from engagement.models import LedgerEntry, VkEvent
from engagement.services import sql
from engagement.services.vk import VkPayloadError
from tests.factories import run_in_threads

from . import vk

pytestmark = pytest.mark.postgres

BIG = sql.COPY_MIN_ROWS + 50


def planned_rows():
    """Rows left in this session's staging and plan tables (None before their first use)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('pg_temp.engagement_plan_vkbatch') IS NOT NULL")
        if not cursor.fetchone()[0]:
            return None
        cursor.execute("SELECT (SELECT count(*) FROM engagement_stage_vkbatch) + count(*) FROM engagement_plan_vkbatch")
        return cursor.fetchone()[0]


def test_a_large_batch_goes_through_copy_and_duplicates_within_it_count_once(make_campaign):
    campaign = make_campaign(cap=10_000_000)
    likes = [vk.like(10_000 + n, 1 + n % 5) for n in range(BIG)]
    # Within the batch: the same delivery twice, a second like_add while the like stands, and
    # the same user's repost of the same post under two event ids.
    redelivered = [dict(event) for event in likes[:40]]
    second_likes = [vk.like(10_000 + n, 1 + n % 5) for n in range(40, 60)]
    reposts = [vk.repost(90_000 + n, 7) for n in range(30)] + [vk.repost(90_000 + n, 7) for n in range(30)]
    written = services.ingest_vk_events(likes + redelivered + second_likes + reposts)
    assert written == BIG + 30
    assert LedgerEntry.objects.count() == BIG + 30
    assert LedgerEntry.objects.values("key").distinct().count() == BIG + 30
    assert VkEvent.objects.count() == BIG + 20 + 60  # every distinct delivery is logged once
    assert services.counter(campaign)["raised_kopecks"] == (BIG + 30) * 100
    assert all(balance.balanced for balance in services.reconcile())


def test_a_large_batch_against_rows_already_recorded_counts_only_what_is_new(make_campaign):
    campaign = make_campaign(cap=10_000_000)
    first = [vk.like(20_000 + n, 1 + n % 3) for n in range(BIG)] + [vk.repost(30_000 + n, 2) for n in range(BIG)]
    assert services.ingest_vk_events(first) == 2 * BIG
    # Again: the same deliveries, the same reposts under new event ids, likes that still stand,
    # plus 25 new likes and the removal of 10 standing ones.
    again = (
        first
        + [vk.repost(30_000 + n, 2) for n in range(BIG)]
        + [vk.like(20_000 + n, 1 + n % 3) for n in range(BIG)]
        + [vk.like(40_000 + n, 4) for n in range(25)]
        + [vk.like(20_000 + n, 1 + n % 3, add=False) for n in range(10)]
    )
    assert services.ingest_vk_events(again) == 25 + 10
    assert LedgerEntry.objects.filter(reverses__isnull=True).count() == 2 * BIG + 25
    assert LedgerEntry.objects.filter(reverses__isnull=False).count() == 10
    assert services.counter(campaign)["raised_kopecks"] == (2 * BIG + 25 - 10) * 100
    assert all(balance.balanced for balance in services.reconcile())


def test_the_copy_path_keeps_the_daily_cap(make_campaign, settings):
    settings.ENGAGEMENT_DAILY_ACTION_CAP = 3
    campaign = make_campaign(cap=10_000_000)
    events = [vk.like(50_000 + n % 60, 1 + n) for n in range(BIG)]  # 60 users, 4 or 5 likes each
    assert services.ingest_vk_events(events) == BIG
    counted = [actor for actor, amount in LedgerEntry.objects.values_list("actor_vk_id", "amount") if amount > 0]
    assert len(counted) == 60 * 3
    assert services.counter(campaign)["raised_kopecks"] == 60 * 3 * 100
    assert all(balance.balanced for balance in services.reconcile())


def test_the_copy_path_keeps_the_campaign_cap(make_campaign):
    campaign = make_campaign(cap=10_000)  # a hundred roubles: a hundred counted likes at most
    assert services.ingest_vk_events([vk.like(55_000 + n, 1) for n in range(BIG)]) == BIG
    assert LedgerEntry.objects.filter(amount__gt=0).count() == 100
    assert services.counter(campaign)["raised_kopecks"] == 10_000
    assert all(balance.balanced for balance in services.reconcile())


def test_a_key_another_writer_recorded_meanwhile_is_inserted_around(make_campaign):
    """The plan reads the like state, then the entries are COPYed; if a key appeared in between
    (here planted under another actor, so the state read does not see it) the COPY's savepoint is
    rolled back and the plan goes in with ON CONFLICT DO NOTHING: recorded once."""
    campaign = make_campaign(cap=10_000_000)
    services.ingest_vk_events([vk.like(65_000, 1)])  # creates the VK post and its content type
    entry = LedgerEntry.objects.get()
    planted_key = entry.key.replace(":vk:65000:", ":vk:65001:")
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO engagement_ledgerentry (kind, actor_vk_id, target_type_id, target_id, amount, key, reason,"
            " created_at) VALUES ('like', 1, %s, %s, 0, %s, '', now())",
            [entry.target_type_id, entry.target_id, planted_key],
        )
    written = services.ingest_vk_events([vk.like(65_001 + n, 1) for n in range(BIG)])
    assert written == BIG - 1
    assert LedgerEntry.objects.filter(key=planted_key).count() == 1
    assert LedgerEntry.objects.filter(actor_vk_id__gte=65_001, amount=100).count() == BIG - 1
    assert services.counter(campaign)["raised_kopecks"] == BIG * 100
    assert all(balance.balanced for balance in services.reconcile())


def test_two_large_batches_in_one_transaction_do_not_carry_staged_rows_over(make_campaign):
    make_campaign(cap=10_000_000)
    assert services.ingest_vk_events([vk.like(60_000 + n, 1) for n in range(BIG)]) == BIG
    # The test's transaction is still open: the staging table must be empty again.
    # Planted key: the second batch takes the staging path.
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO engagement_ledgerentry (kind, actor_vk_id, target_type_id, target_id, amount, key, reason,"
            " created_at) SELECT 'like', 1, target_type_id, target_id, 0, replace(key, ':vk:60000:', ':vk:70000:'),"
            " '', now() FROM engagement_ledgerentry WHERE actor_vk_id = 60000",
        )
    assert services.ingest_vk_events([vk.like(70_000 + n, 1) for n in range(BIG)]) == BIG - 1
    assert services.ingest_vk_events([vk.like(75_000 + n, 1) for n in range(BIG)]) == BIG
    assert LedgerEntry.objects.count() == 3 * BIG
    assert planned_rows() == 0


def test_a_bad_event_inside_a_large_batch_raises_and_nothing_of_the_batch_stays(make_campaign):
    make_campaign(cap=10_000_000)
    events = [vk.like(80_000 + n, 1) for n in range(BIG)]
    events[BIG // 2] = vk.like("много", 1)
    with pytest.raises(VkPayloadError, match="liker_id"), transaction.atomic():
        services.ingest_vk_events(events)
    assert LedgerEntry.objects.count() == 0
    assert VkEvent.objects.count() == 0


def test_toggles_inside_a_large_batch_replay_in_order_against_the_ledger(make_campaign):
    """One user's like, unlike, like, like (stands: nothing), unlike of a post, after a like that
    already stands in the ledger on another post: each toggle counts as one at a time would."""
    campaign = make_campaign(cap=10_000_000)
    assert services.ingest_vk_events([vk.like(7, 2)]) == 1  # stands before the batch
    toggles = [vk.like(7, 1), vk.like(7, 1, add=False), vk.like(7, 1), vk.like(7, 1), vk.like(7, 1, add=False)]
    toggles += [vk.like(7, 2), vk.like(7, 2, add=False), vk.like(7, 2, add=False)]
    filler = [vk.like(81_000 + n, 3) for n in range(BIG)]
    assert services.ingest_vk_events(filler[:100] + toggles + filler[100:]) == BIG + 2 + 2 + 1
    mine = LedgerEntry.objects.filter(actor_vk_id=7).order_by("key")
    assert sorted(entry.amount for entry in mine) == [-100, -100, -100, 100, 100, 100]
    assert [entry.key.split(":", 1)[0] for entry in mine].count("reversal") == 3
    # Nothing of user 7 stands any more: both posts' likes are compensated.
    assert sum(entry.amount for entry in mine) == 0
    assert services.counter(campaign)["raised_kopecks"] == BIG * 100
    assert all(balance.balanced for balance in services.reconcile())


def test_a_toggled_like_redelivered_in_a_later_batch_counts_nothing(make_campaign):
    """A batch logs its events in one COPY when none was seen before; one redelivered event, even
    the batch's last, sends it around the event log instead. Here the like was taken back in
    between: counted again it would start a second generation of the like."""
    campaign = make_campaign(cap=10_000_000)
    liked = vk.like(8, 1)
    assert services.ingest_vk_events([liked] + [vk.like(82_000 + n, 2) for n in range(BIG)]) == BIG + 1
    assert services.ingest_vk_events([vk.like(8, 1, add=False)]) == 1
    later = [vk.like(83_000 + n, 2) for n in range(BIG)]
    assert services.ingest_vk_events(later + [liked]) == BIG
    assert services.ingest_vk_events([liked] + later + [vk.like(84_000, 2)]) == 1
    mine = LedgerEntry.objects.filter(actor_vk_id=8)
    assert sorted(entry.amount for entry in mine) == [-100, 100]
    assert VkEvent.objects.count() == 2 * BIG + 3
    assert services.counter(campaign)["raised_kopecks"] == (2 * BIG + 1) * 100
    assert all(balance.balanced for balance in services.reconcile())


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_events_the_callback_already_counted_count_nothing_in_a_batch(make_campaign):
    """Callbacks (one autocommitted statement each) log their events; a backfill with the same
    deliveries, a like, its removal and a repost, counts only the events it brings new."""
    campaign = make_campaign(cap=10_000_000)
    called_back = [vk.like(9, 1), vk.like(9, 1, add=False), vk.repost(10, 1), vk.like(11, 1)]
    assert [services.ingest_vk_events([event]) for event in called_back] == [1, 1, 1, 1]
    filler = [vk.like(85_000 + n, 2) for n in range(BIG)]
    assert services.ingest_vk_events(filler[:100] + called_back + filler[100:]) == BIG
    assert LedgerEntry.objects.filter(actor_vk_id__in=[9, 10, 11]).count() == 4
    assert VkEvent.objects.count() == BIG + 4
    assert services.counter(campaign)["raised_kopecks"] == (BIG + 2) * 100
    assert all(balance.balanced for balance in services.reconcile())


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_writers_importing_overlapping_large_batches_at_once_count_each_event_once(make_campaign, settings):
    settings.ENGAGEMENT_DAILY_ACTION_CAP = 2
    campaign = make_campaign(cap=10_000_000)
    # 300 users, 3 likes each (the third is past the daily cap), 100 reposts, some unlikes.
    events = [vk.like(90_000 + n % 300, 1 + n // 300) for n in range(900)]
    events += [vk.repost(95_000 + n, 4) for n in range(100)]
    events += [vk.like(90_000 + n, 1, add=False) for n in range(50)]

    def deliver(index):
        rng = random.Random(index)
        shuffled = events[:-50]
        rng.shuffle(shuffled)
        services.ingest_vk_events(shuffled + events[-50:])

    run_in_threads(2, deliver)
    assert VkEvent.objects.count() == len(events)
    assert LedgerEntry.objects.filter(reverses__isnull=True).count() == 1000
    assert LedgerEntry.objects.filter(reverses__isnull=False).count() == 50
    counted = LedgerEntry.objects.filter(reverses__isnull=True, amount__gt=0)
    assert counted.filter(kind="like").count() == 600  # two a day each
    assert services.counter(campaign)["raised_kopecks"] == sum(LedgerEntry.objects.values_list("amount", flat=True))
    assert all(balance.balanced for balance in services.reconcile())


def write_lines(tmp_path, events, extra=()):
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join([*(json.dumps(event) for event in events), *extra]) + "\n", encoding="utf-8")
    return path


def test_import_command_backfills_a_file_and_a_second_import_adds_nothing(make_campaign, tmp_path, capsys):
    campaign = make_campaign(cap=10_000_000)
    events = [vk.like(100_000 + n, 1 + n % 4) for n in range(BIG)] + [vk.repost(110_000 + n, 9) for n in range(20)]
    path = write_lines(tmp_path, events)
    call_command("import_vk_events", str(path), "--batch", "100")
    assert f"новых записей журнала: {BIG + 20}" in capsys.readouterr().out
    call_command("import_vk_events", str(path))
    assert "новых записей журнала: 0" in capsys.readouterr().out
    assert LedgerEntry.objects.count() == BIG + 20
    assert services.counter(campaign)["raised_kopecks"] == (BIG + 20) * 100


@pytest.mark.parametrize(
    ("bad_line", "complaint"),
    [
        ("{not json", "не JSON"),
        (json.dumps(vk.like("много", 1)), "liker_id"),
        (json.dumps({**vk.like(5, 1), "event_id": "x" * 500}), "event_id"),
    ],
)
def test_import_command_refuses_a_bad_line_by_number_and_writes_nothing(make_campaign, tmp_path, bad_line, complaint):
    make_campaign(cap=10_000_000)
    events = [vk.like(120_000 + n, 1) for n in range(BIG)]
    path = write_lines(tmp_path, events, extra=[bad_line])
    with pytest.raises(CommandError, match=rf"Строка {BIG + 1}: .*{complaint}.*Ничего не записано"):
        call_command("import_vk_events", str(path))
    assert LedgerEntry.objects.count() == 0
    assert VkEvent.objects.count() == 0
