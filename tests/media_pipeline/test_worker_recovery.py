"""A worker killed in the middle of a transcode does not strand the lesson: stale-job detection
runs it again and the ladder is published once, whole."""

import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from media_pipeline import services
from media_pipeline.models import VideoAsset
from tests.factories import make_clip, upload_clip

pytestmark = pytest.mark.slow  # scheduled first: see tests/factories/plugin.py

DB_BACKEND = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def start_worker():
    """A real `manage.py db_worker` process on the test database and media folder."""
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "TASK_BACKEND": "db",
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "PRIVATE_MEDIA_ROOT": str(settings.PRIVATE_MEDIA_ROOT),
        "VIDEO_UPLOAD_TEMP_DIR": str(settings.VIDEO_UPLOAD_TEMP_DIR),
        "VIDEO_WORK_DIR": str(settings.VIDEO_WORK_DIR),
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
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
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
    playlist = (Path(settings.MEDIA_ROOT) / segments[0].parent / "index.m3u8").read_text()
    listed = [line for line in playlist.splitlines() if line.endswith(".ts")]
    assert len(listed) >= 2 and sorted(f.name for f in segments) == sorted(listed)  # every segment once, no orphan
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


def processes_with(marker):
    """PIDs of the processes whose environment holds `marker` (a worker, its job process, ffmpeg)."""
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if marker.encode() in (proc / "environ").read_bytes().split(b"\0"):
                status = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
                if status != "Z":  # a zombie has already stopped
                    pids.append(int(proc.name))
        except OSError:  # gone meanwhile, or not ours to read
            continue
    return pids


def command_of(pid):
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0].decode()
    except OSError:
        return ""


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_killing_an_rq_worker_mid_transcode_kills_its_job_and_ffmpeg(mentor, settings, tmp_path, redis_url):
    """RQ runs a job in a child process of the worker, and its scheduler (--with-scheduler, as in
    production) in another; killed with SIGKILL, the worker must not leave either, nor the job's
    ffmpeg encoding, on under PID 1. The run's work folder stays for the sweeper."""
    import django_rq

    settings.RQ_QUEUES = {"default": {"URL": redis_url}}
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    django_rq.get_queue("default").connection.flushdb()
    work_dir = tmp_path / "work"
    marker = f"VIDEO_WORK_DIR={work_dir}"
    clip = make_clip(tmp_path / "long.mp4", size="640x360", seconds=12)
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "TASK_BACKEND": "rq",
        "REDIS_URL": redis_url,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "PRIVATE_MEDIA_ROOT": str(settings.PRIVATE_MEDIA_ROOT),
        "VIDEO_UPLOAD_TEMP_DIR": str(settings.VIDEO_UPLOAD_TEMP_DIR),
        "VIDEO_WORK_DIR": str(work_dir),
        "VIDEO_X264_PRESET": "veryslow",  # ffmpeg would go on for a while if nothing stopped it
    }
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "rqworker", "--with-scheduler", "--job-class", "django_tasks_rq.Job", "default"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    survivors = []
    try:
        video = upload_clip(mentor, clip)
        started = wait_for(
            lambda: VideoAsset.objects.filter(pk=video.pk, status="transcoding", progress__gt=0).exists(), timeout=120
        )
        assert started, VideoAsset.objects.values("status", "progress", "failure_reason").get(pk=video.pk)
        running = processes_with(marker)
        assert worker.pid in running and any(command_of(pid).endswith("ffmpeg") for pid in running)
        assert len(running) == 4, [command_of(pid) for pid in running]  # worker, scheduler, job, ffmpeg

        worker.send_signal(signal.SIGKILL)
        worker.wait()

        assert wait_for(lambda: not processes_with(marker), timeout=3), [command_of(p) for p in processes_with(marker)]
    finally:
        worker.kill()
        worker.wait()
        survivors = processes_with(marker)
        for pid in survivors:  # only on failure: the job process and ffmpeg this test started
            os.kill(pid, signal.SIGKILL)
    video.refresh_from_db()
    assert [path.name.split("-hls-")[0] for path in work_dir.iterdir()] == [str(video.job_token)]


@pytest.mark.django_db
def test_the_sweeper_removes_work_folders_of_dead_runs_only(mentor, clips, settings, tmp_path):
    settings.VIDEO_WORK_DIR = tmp_path / "work"
    settings.VIDEO_UPLOAD_TEMP_DIR = tmp_path / "uploads"
    settings.VIDEO_UPLOAD_TEMP_DIR.mkdir()
    live = upload_clip(mentor, clips["landscape"])  # scheduled: its run holds the job and beats
    dead = upload_clip(mentor, clips["portrait"])
    VideoAsset.objects.filter(pk=dead.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))
    long_ago = time.time() - 3600
    folders = {
        "live": services.work_folder(live.job_token, "hls"),
        "dead": services.work_folder(dead.job_token, "hls"),
        "superseded": services.work_folder(uuid.uuid4(), "source"),
        "starting": services.work_folder(uuid.uuid4(), "hls"),
    }
    for name, folder in folders.items():
        (folder / "seg_00000.ts").write_bytes(b"x" * 1000)
        if name != "starting":
            os.utime(folder, (long_ago, long_ago))
    cut_short = settings.VIDEO_UPLOAD_TEMP_DIR / "tmpab12cd.part"
    cut_short.write_bytes(b"half a file")
    os.utime(cut_short, (time.time() - 2 * 86400,) * 2)
    other = settings.VIDEO_WORK_DIR / "not-ours"
    other.mkdir()

    removed = services.sweep_work_folders()

    assert sorted(removed) == sorted([folders["dead"], folders["superseded"], cut_short])
    assert folders["live"].exists() and folders["starting"].exists() and other.exists()
