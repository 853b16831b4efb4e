"""A worker killed in the middle of a transcode does not strand the lesson: stale-job detection
runs it again and the ladder is published once, whole."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from media_pipeline import services
from media_pipeline.models import VideoAsset
from tests.media_pipeline.conftest import make_clip, upload_clip

DB_BACKEND = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def start_worker():
    """A real `manage.py db_worker` process on the test database and media folder."""
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "TASK_BACKEND": "db",
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "VIDEO_UPLOAD_TEMP_DIR": str(settings.VIDEO_UPLOAD_TEMP_DIR),
        "VIDEO_X264_PRESET": "medium",  # a slower encode leaves time to kill the worker mid-job
    }
    return subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--queue-name", "*", "--no-reload", "--no-startup-delay"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait_for(predicate, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_transcode_is_recovered_and_finishes(mentor, settings, tmp_path):
    settings.TASKS = DB_BACKEND
    clip = make_clip(tmp_path / "long.mp4", size="640x360", seconds=12)
    video = upload_clip(mentor, clip)
    worker = start_worker()
    try:
        started = wait_for(
            lambda: VideoAsset.objects.filter(pk=video.pk, status="transcoding", attempts=1, progress__gt=0).exists()
        )
        assert started, VideoAsset.objects.values("status", "progress", "failure_reason").get(pk=video.pk)
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait()

    video.refresh_from_db()
    assert video.status == VideoAsset.Status.TRANSCODING and 0 < video.progress < 100
    assert video.playlist_url is None
    assert not (Path(settings.MEDIA_ROOT) / video.hls_prefix / "master.m3u8").exists()

    settings.VIDEO_STALE_AFTER = 1
    time.sleep(1.5)  # no heartbeat comes from a dead worker
    assert [v.pk for v in services.recover_stale_jobs()] == [video.pk]
    settings.VIDEO_X264_PRESET = "ultrafast"
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", "--queue-name", "*")

    video.refresh_from_db()
    assert video.status == VideoAsset.Status.READY, video.failure_reason
    assert video.attempts == 2
    files = sorted(p.relative_to(settings.MEDIA_ROOT) for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file())
    assert not [f for f in files if "staging" in str(f)]
    segments = [f for f in files if f.parent.name == "360p" and f.suffix == ".ts"]
    assert len(segments) == 2  # 12 s in 6 s segments, once
    assert (Path(settings.MEDIA_ROOT) / video.master_playlist).exists()


@pytest.mark.django_db
def test_a_run_that_lost_its_job_stops_without_touching_the_new_one(mentor, clips, django_capture_on_commit_callbacks):
    video = upload_clip(mentor, clips["landscape"])  # scheduled, but the queue has not run it
    old_token = str(video.job_token)
    with django_capture_on_commit_callbacks(execute=True):
        services._schedule(video, "probe")  # stale-job recovery handed the job to a new run

    assert services.probe(video.pk, old_token) == "superseded"
    video.refresh_from_db()
    assert video.status == VideoAsset.Status.READY


@pytest.mark.django_db
def test_a_job_that_keeps_dying_fails_with_a_reason(mentor, clips, settings):
    video = upload_clip(mentor, clips["landscape"])
    video.status = VideoAsset.Status.TRANSCODING
    video.attempts = settings.VIDEO_MAX_ATTEMPTS
    video.save()

    assert services.transcode(video.pk, str(video.job_token)) == "superseded"

    video.refresh_from_db()
    assert video.status == VideoAsset.Status.FAILED
    assert "прервалась 3 раза" in video.failure_reason
