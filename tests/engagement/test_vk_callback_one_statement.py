"""A VK callback event outside a transaction on PostgreSQL: one autocommitted statement (migration
0015) with the batch path's rules. The same deliveries through both paths leave the same ledger."""

import psycopg
import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import OperationalError, connection, transaction

from engagement import services
from engagement.models import LedgerEntry, VkEvent, VkPost
from engagement.services import sql

from . import vk

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

FAST, GENERAL = vk.GROUP_ID, vk.GROUP_ID + 1


def deliveries(group_id):
    """Likes, a second like while one stands, redeliveries, unlikes, a re-like, reposts twice, and
    events that count nothing, as VK would send them to `group_id`."""
    first = vk.like(1, 10, group_id=group_id)
    repost = vk.repost(2, 11, group_id=group_id)
    return [
        first,
        vk.like(1, 10, group_id=group_id),  # the like stands: nothing
        first,  # redelivery: nothing
        vk.like(1, 10, add=False, group_id=group_id),  # compensation
        vk.like(1, 10, add=False, group_id=group_id),  # nothing stands: nothing
        vk.like(1, 10, group_id=group_id),  # generation 2
        repost,
        repost,  # redelivery
        vk.repost(2, 11, group_id=group_id),  # the same repost under a new event id: nothing
        vk.like(3, 12, group_id=group_id),
        vk.like(4, 12, add=False, group_id=group_id),  # never liked: nothing
        {**vk.like(5, 12, group_id=group_id), "object": {**vk.like(5, 12)["object"], "object_owner_id": -1}},
    ]


def ledger_of(group_id):
    posts = {post.pk: post.post_id for post in VkPost.objects.filter(group_id=group_id)}
    rows = []
    for entry in LedgerEntry.objects.filter(target_id__in=posts).select_related("reverses").order_by("pk"):
        key = entry.key.replace(f":{entry.target_id}:", f":post{posts[entry.target_id]}:")
        rows.append((entry.kind, entry.actor_vk_id, posts[entry.target_id], entry.amount, key, entry.reason,
                     entry.reverses is not None, entry.campaign_id))  # fmt: skip
    return rows


def test_a_callback_event_costs_one_statement(campaign, django_assert_max_num_queries):
    ContentType.objects.get_for_model(VkPost)  # cached from here on, as in a running process
    with django_assert_max_num_queries(1):  # the general path takes eleven, and BEGIN and COMMIT
        assert services.ingest_vk_events([vk.like(7, 70)]) == 1
    entry = LedgerEntry.objects.get()
    assert (entry.kind, entry.actor_vk_id, entry.amount, entry.campaign_id) == ("like", 7, 100, campaign.pk)
    assert services.counter(campaign)["raised_kopecks"] == 100


def test_the_call_is_prepared_once_per_connection_and_then_sends_only_its_values(campaign):
    """psycopg prepares it on the server (prepare=True), which Django's default prepare_threshold
    of None would silently refuse: every call parsed and planned again."""
    for liker in (9, 10, 11):
        assert services.ingest_vk_events([vk.like(liker, 90)]) == 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE statement LIKE %s", ["%ingest_vk_event%"])
        prepared = [row[0] for row in cursor.fetchall()]
    assert prepared == [sql.CALL_INGEST_VK_EVENT.replace("%s", "$%d") % tuple(range(1, 15))]


def test_the_calls_share_one_cursor_per_connection_and_a_new_connection_gets_its_own(campaign):
    """No cursor made per call (sql.call_cursor): the calls on one connection run on one kept cursor;
    once the connection is replaced (closed after an error, or aged out), the next call keeps a
    cursor of the new one and is counted."""
    assert services.ingest_vk_events([vk.like(40, 91)]) == 1
    kept = connection._engagement_call_cursor
    assert services.ingest_vk_events([vk.like(41, 91)]) == 1
    assert connection._engagement_call_cursor is kept and kept.connection is connection.connection
    connection.close()
    assert services.ingest_vk_events([vk.like(42, 91)]) == 1
    assert connection._engagement_call_cursor is not kept
    assert connection._engagement_call_cursor.connection is connection.connection
    assert sorted(LedgerEntry.objects.values_list("actor_vk_id", flat=True)) == [40, 41, 42]


def test_the_fast_path_leaves_the_ledger_the_general_path_leaves(campaign):
    fast = [services.ingest_vk_events([event]) for event in deliveries(FAST)]
    general = []
    for event in deliveries(GENERAL):
        with transaction.atomic():  # inside a transaction the general path runs
            general.append(services.ingest_vk_events([event]))
    assert fast == general == [1, 0, 0, 1, 0, 1, 1, 0, 0, 1, 0, 0]
    assert ledger_of(FAST) == ledger_of(GENERAL)
    assert len(ledger_of(FAST)) == 5
    assert VkEvent.objects.filter(group_id=FAST).count() == VkEvent.objects.filter(group_id=GENERAL).count() == 9
    figures = services.counter(campaign)
    assert figures["raised_kopecks"] == 2 * (100 + 100 - 100 + 100 + 100)
    assert all(balance.balanced for balance in services.reconcile())


def test_the_daily_cap_holds_on_the_fast_path(campaign, settings):
    settings.ENGAGEMENT_DAILY_ACTION_CAP = 2
    written = [services.ingest_vk_events([vk.like(8, 80 + n)]) for n in range(4)]
    assert written == [1, 1, 1, 1]
    assert sorted(LedgerEntry.objects.values_list("amount", flat=True)) == [0, 0, 100, 100]
    assert services.counter(campaign)["actions"] == 4


def test_the_campaign_cap_falls_back_to_the_general_path(make_campaign):
    campaign = make_campaign(cap=250)
    written = [services.ingest_vk_events([vk.like(20 + n, 90)]) for n in range(4)]
    assert written == [1, 1, 1, 1]
    assert sorted(LedgerEntry.objects.values_list("amount", flat=True)) == [0, 0, 100, 100]
    figures = services.counter(campaign)
    assert figures["raised_kopecks"] == 200 and figures["actions"] == 4
    assert all(balance.balanced for balance in services.reconcile())


def test_without_a_running_campaign_the_action_is_recorded_at_zero(db):
    assert services.ingest_vk_events([vk.like(30, 95)]) == 1
    entry = LedgerEntry.objects.get()
    assert (entry.amount, entry.campaign_id) == (0, None)
    assert services.ingest_vk_events([vk.like(30, 95, add=False)]) == 1
    assert LedgerEntry.objects.filter(reverses=entry).exists()


@pytest.fixture
def other_session():
    """A second PostgreSQL session on the test database, in a transaction, as another writer."""
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params) as other:
        yield other


def waits(event):
    """Whether a callback of `event` has to wait for a lock (given up after half a second)."""
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '500ms'")
    try:
        services.ingest_vk_events([event])
        return False
    except OperationalError as error:
        assert "lock timeout" in str(error)
        return True
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")


def test_callbacks_of_other_users_run_side_by_side_one_users_wait(campaign, other_session):
    """A callback holds its community's lock shared and its VK user's exclusive: a callback of
    another user runs while one is in progress; one of the same user, or any while a batch of the
    community runs (its lock exclusive), waits."""
    ContentType.objects.get_for_model(VkPost)
    in_progress = [sql.lock_key(f"vk-group:{vk.GROUP_ID}"), sql.lock_key("vk:41")]
    other_session.execute("SELECT pg_advisory_xact_lock_shared(%s), pg_advisory_xact_lock(%s)", in_progress)
    assert not waits(vk.like(42, 1))
    assert waits(vk.like(41, 1))
    other_session.rollback()
    other_session.execute("SELECT pg_advisory_xact_lock(%s)", [sql.lock_key(f"vk-group:{vk.GROUP_ID}")])
    assert waits(vk.like(43, 1))
    other_session.rollback()
    assert services.ingest_vk_events([vk.like(43, 1)]) == 1
    assert sorted(LedgerEntry.objects.values_list("actor_vk_id", flat=True)) == [42, 43]


def test_a_batch_on_known_posts_reads_them_in_one_query_and_inserts_none(campaign):
    from django.test.utils import CaptureQueriesContext

    services.ingest_vk_events([vk.like(30, 300), vk.like(31, 301)])  # the posts are new: created
    assert VkPost.objects.filter(group_id=vk.GROUP_ID).count() == 2
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:  # the general path
        assert services.ingest_vk_events([vk.like(32, 300), vk.like(33, 301), vk.repost(34, 300)]) == 3
    on_posts = [query["sql"] for query in queries.captured_queries if "engagement_vkpost" in query["sql"]]
    assert len(on_posts) == 1 and on_posts[0].startswith("SELECT")
    assert VkPost.objects.filter(group_id=vk.GROUP_ID).count() == 2
