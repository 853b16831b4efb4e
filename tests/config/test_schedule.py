"""The periodic jobs run by themselves past one machine: RQ's cron scheduler (`manage.py rqcron
config.schedule`) enqueues each one, and an ordinary RQ worker runs it."""

import os
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from django_rq.cron import DjangoCronScheduler
from django_tasks_rq import Job
from rq import SimpleWorker

from engagement.models import LedgerEntry, VkInboxEvent
from media_pipeline.models import VideoUpload

PERIODIC_JOBS = {
    "publish_ledger_digests",
    "recover_stale_videos",
    "remove_unclaimed_uploads",
    "sweep_video_work_folders",
    "dispatch_due_deliveries",
    "send_consent_reminders",
    "send_event_reminders",
    "send_deadline_reminders",
    "send_weekly_digests",
    "count_warmed_up_likes",
    "tally_recent_ledger_days",
    "forget_like_addresses",
    "drain_vk_inbox",
}


@pytest.fixture
def rq_queue(settings, redis_url):
    import django_rq

    settings.RQ_QUEUES = {"default": {"URL": redis_url}}
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    queue = django_rq.get_queue("default")
    queue.connection.flushdb()
    return queue


def load_schedule():
    scheduler = DjangoCronScheduler()
    scheduler.load_config_from_file("config.schedule")
    return scheduler


def test_the_schedule_names_every_periodic_job_with_its_cron_time(settings, rq_queue):
    jobs = {job.name: job for job in load_schedule().get_jobs()}

    assert set(jobs) == PERIODIC_JOBS
    for name, job in jobs.items():
        assert job.cron == settings.SCHEDULE[name]
        assert job.queue_name == "default"


@pytest.mark.django_db
def test_every_scheduled_job_runs_on_an_rq_worker(rq_queue, settings, tmp_path, django_user_model):
    settings.VIDEO_WORK_DIR = tmp_path / "work"
    dead_run = settings.VIDEO_WORK_DIR / "8a4a3a1e-34e8-4a5e-9f1e-3cb0d1b2c3d4-hls-x1"
    dead_run.mkdir(parents=True)
    os.utime(dead_run, (time.time() - 3600,) * 2)
    student = django_user_model.objects.create_user("anya")
    forgotten = VideoUpload.objects.create(
        owner=student, title="Песня", filename="song.mp4", size=10, mode="local", chunk_size=10, private=True
    )
    VideoUpload.objects.filter(pk=forgotten.pk).update(updated_at=timezone.now() - timedelta(days=8))
    # A VK event whose drain was never enqueued (the task backend was down when it came).
    VkInboxEvent.objects.create(
        group_id=1, event_id="stranded", type="like_add", op="like", vk_id=7, post_id=5, received_at=timezone.now()
    )

    enqueued = [job.enqueue(rq_queue.connection) for job in load_schedule().get_jobs()]
    SimpleWorker([rq_queue], connection=rq_queue.connection, job_class=Job).work(burst=True)

    results = {}
    for rq_job in enqueued:
        rq_job = Job.fetch(rq_job.id, connection=rq_queue.connection)
        assert rq_job.get_status() == "finished", rq_job.latest_result().exc_string
        results[rq_job.func_name.rsplit(".", 1)[1]] = rq_job.return_value()
    assert results == {
        "publish_ledger_digests": 0,
        "recover_stale_videos": 0,
        "remove_unclaimed_uploads": [1, 0],
        "sweep_video_work_folders": 1,
        "dispatch_due_deliveries": 0,
        "send_consent_reminders": 0,
        "send_event_reminders": 0,
        "send_deadline_reminders": 0,
        "send_weekly_digests": 0,
        "count_warmed_up_likes": 0,
        "tally_recent_ledger_days": 0,
        "forget_like_addresses": 0,
        "drain_vk_inbox": 1,
    }
    assert not dead_run.exists()
    assert not VkInboxEvent.objects.exists() and LedgerEntry.objects.get().actor_vk_id == 7
    assert VideoUpload.objects.get(pk=forgotten.pk).status == VideoUpload.Status.ABORTED
