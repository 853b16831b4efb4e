"""The VK callback's inbox: a callback stores its event and answers "ok"; a drain, asked for by the
callbacks a moment later and run by the task worker, turns the waiting events into ledger entries
in the order they arrived."""

import json
import time
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from engagement import services
from engagement.models import LedgerEntry, VkEvent, VkInboxEvent
from engagement.services import vk as vk_service

from . import vk

DEFERRING = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@pytest.fixture(autouse=True)
def vk_groups(settings, monkeypatch):
    settings.VK_CALLBACK_GROUPS = {vk.GROUP_ID: {"secret": vk.SECRET, "confirmation": vk.CONFIRMATION}}
    monkeypatch.setattr(vk_service, "_drain_due", [0.0])  # this process has asked for no drain yet


def deliver(client, event):
    response = client.post("/api/vk/callback/", data=json.dumps(event), content_type="application/json")
    assert response.status_code == 200 and response.content == b"ok", response.content
    return response


def ledger():
    return list(LedgerEntry.objects.order_by("pk").values_list("kind", "actor_vk_id", "amount", "reason"))


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_callbacks_of_one_period_share_one_drain_that_the_worker_runs_a_moment_later(client, campaign, settings):
    settings.TASKS = DEFERRING
    settings.VK_INBOX_DRAIN_SECONDS = 0.5
    first = vk.like(1, 5)
    time.sleep(0.5 - time.time() % 0.5 + 0.01)  # the deliveries below fall in one period of the clock
    asked = timezone.now()
    for event in [first, vk.like(2, 5), first, vk.like(1, 5, add=False), vk.repost(3, 5)]:
        deliver(client, event)

    # Stored, the redelivery once, and nothing counted yet.
    assert VkInboxEvent.objects.count() == 4 and ledger() == [] and not VkEvent.objects.exists()
    drains = DBTaskResult.objects.filter(task_path="engagement.tasks.drain_vk_inbox")
    # One drain, at the end of the period: the other processes' callbacks ask for the same moment.
    assert drains.count() == 1
    assert asked < drains.get().run_after <= asked + timedelta(seconds=0.5)
    assert drains.get().run_after.timestamp() * 2 == int(drains.get().run_after.timestamp() * 2)
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", "--queue-name", "*")
    assert ledger() == [] and VkInboxEvent.objects.count() == 4  # not due yet: the worker left it

    time.sleep(max(0.0, (drains.get().run_after - timezone.now()).total_seconds()) + 0.05)
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", "--queue-name", "*")
    assert drains.get().status == "SUCCESSFUL" and drains.get().return_value == 4
    assert ledger() == [
        ("like", 1, 100, ""),
        ("like", 2, 100, ""),
        ("repost", 3, 100, ""),
        ("like", 1, -100, "лайк снят"),
    ]
    assert not VkInboxEvent.objects.exists()
    assert services.counter(campaign)["raised_kopecks"] == 200

    # The next period's first callback asks for the next drain.
    time.sleep(0.5)
    deliver(client, vk.like(4, 5))
    assert drains.count() == 2


@pytest.mark.parametrize("batch", [2, 10_000])
def test_the_drain_takes_the_oldest_events_first_a_batch_at_a_time(campaign, batch):
    """A like, its removal and a new like of the same post by the same user: counted in the order
    they arrived, even when the drain's batches split them."""
    start = timezone.now()
    for seconds, (event_id, kind, op, vk_id) in enumerate(
        [
            ("e1", "like_add", "like", 7),
            ("e2", "like_remove", "unlike", 7),
            ("e3", "like_add", "like", 7),
            ("e4", "like_add", "like", 8),
            ("e5", "like_remove", "unlike", 8),
        ]
    ):
        # Stored out of order: the drain sorts by the time each arrived.
        VkInboxEvent.objects.create(
            group_id=vk.GROUP_ID,
            event_id=f"z{9 - seconds}-{event_id}",
            type=kind,
            op=op,
            vk_id=vk_id,
            post_id=5,
            received_at=start + timedelta(seconds=seconds),
        )

    assert services.drain_vk_inbox(batch=batch) == 5
    # One batch writes its likes before its compensations: the same entries in another order.
    assert sorted(ledger()) == [
        ("like", 7, -100, "лайк снят"),
        ("like", 7, 100, ""),
        ("like", 7, 100, ""),
        ("like", 8, -100, "лайк снят"),
        ("like", 8, 100, ""),
    ]
    keys = list(LedgerEntry.objects.filter(actor_vk_id=7, reverses=None).order_by("pk").values_list("key", flat=True))
    assert [key.rsplit(":", 1)[1] for key in keys] == ["1", "2"]  # the second like is a new generation
    first = LedgerEntry.objects.get(key=keys[0])
    assert LedgerEntry.objects.get(reverses=first).amount == -100  # the removal took back the first like
    assert not LedgerEntry.objects.filter(reverses__key=keys[1]).exists()  # the second one stands
    assert not VkInboxEvent.objects.exists() and VkEvent.objects.count() == 5
    assert services.drain_vk_inbox() == 0


def test_an_event_that_counts_for_nothing_is_answered_ok_and_not_stored(client, campaign, settings):
    settings.TASKS = DEFERRING
    other_wall = vk.like(9, 5)
    other_wall["object"]["object_owner_id"] = -1
    deliver(client, other_wall)
    deliver(client, {**vk.like(9, 5), "type": "message_new"})
    assert not VkInboxEvent.objects.exists()
    assert not DBTaskResult.objects.exists()  # nothing to drain, nothing asked for


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_on_rq_the_drain_waits_in_the_scheduler_until_due_and_a_worker_with_the_scheduler_runs_it(
    client, campaign, settings, redis_url
):
    """Production's RQ worker runs with --with-scheduler (docker/compose.yaml): a drain asked for
    with run_after waits in RQ's scheduled registry and is run once it is due."""
    import django_rq
    from django_tasks_rq import Job
    from rq import SimpleWorker

    settings.RQ_QUEUES = {"default": {"URL": redis_url}}
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    settings.VK_INBOX_DRAIN_SECONDS = 2  # RQ schedules to the whole second
    queue = django_rq.get_queue("default")
    queue.connection.flushdb()
    time.sleep(2 - time.time() % 2 + 0.01)  # at the start of a period: the drain is ~2 s away
    deliver(client, vk.like(21, 5))
    assert len(queue.scheduled_job_registry) == 1 and len(queue) == 0

    worker = SimpleWorker([queue], connection=queue.connection, job_class=Job)
    worker.work(burst=True, with_scheduler=True)
    assert ledger() == []  # not due yet
    time.sleep(2 - time.time() % 2 + 0.05)
    worker.work(burst=True, with_scheduler=True)
    assert ledger() == [("like", 21, 100, "")] and not VkInboxEvent.objects.exists()
