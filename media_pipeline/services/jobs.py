"""The pipeline's jobs: a video is handed to one run of a stage (probe, then transcode) under a
job token; the run claims it, beats while it works and fails with a reason for the uploader. Runs
whose worker died are found by their stale heartbeat and run again; their local work folders are
swept. The tasks in media_pipeline/tasks.py call these services; a service enqueues a task by its
dotted name, so this module never imports the tasks module."""

import logging
import re
import shutil
import tempfile
import time
import uuid
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import ngettext

from config.tasks import enqueue_on_commit
from media_pipeline import storage
from media_pipeline.errors import VideoRefused
from media_pipeline.models import VideoAsset, VideoCaption
from media_pipeline.services.visibility import delete_prefix_in

logger = logging.getLogger(__name__)

STAGE_TASKS = {"probe": "media_pipeline.tasks.probe_video", "transcode": "media_pipeline.tasks.transcode_video"}


class Superseded(Exception):
    """Another run took over this job (stale-job recovery), or the video was deleted."""


def _schedule(asset, stage):
    """Hand the asset to a new run of `stage` ("probe" or "transcode"); older runs become no-ops.
    The task is enqueued by its dotted name once the transaction commits (tasks import services)."""
    asset.job_token = uuid.uuid4()
    asset.heartbeat_at = timezone.now()
    asset.status = VideoAsset.Status.UPLOADED if stage == "probe" else VideoAsset.Status.TRANSCODING
    asset.progress = 0
    asset.save(update_fields=["job_token", "heartbeat_at", "status", "progress", "updated_at"])
    enqueue_on_commit(STAGE_TASKS[stage], asset.pk, str(asset.job_token))


def _claim(asset_id, token, status, *, count_attempt):
    with transaction.atomic():
        asset = VideoAsset.objects.select_for_update().filter(pk=asset_id).first()
        if asset is None or str(asset.job_token) != token:
            return None
        if count_attempt and asset.attempts >= settings.VIDEO_MAX_ATTEMPTS:
            _fail(
                asset,
                token,
                ngettext(
                    "Processing broke off %(count)s time in a row.",
                    "Processing broke off %(count)s times in a row.",
                    asset.attempts,
                )
                % {"count": asset.attempts}
                + " Загрузите файл заново; если ошибка повторится, сообщите в поддержку.",
            )
            return None
        asset.status = status
        asset.heartbeat_at = timezone.now()
        asset.attempts += 1 if count_attempt else 0
        asset.save(update_fields=["status", "heartbeat_at", "attempts", "updated_at"])
    return asset


def _beat(asset, token, **fields):
    """Record that this run is alive (and any progress); raise Superseded when it no longer owns the job."""
    updated = VideoAsset.objects.filter(pk=asset.pk, job_token=token).update(
        heartbeat_at=timezone.now(), updated_at=timezone.now(), **fields
    )
    if not updated:
        raise Superseded()


def _fail(asset, token, reason):
    """Mark a job failed with a reason for the uploader; nothing of the video stays in storage."""
    with transaction.atomic():
        updated = VideoAsset.objects.filter(pk=asset.pk, job_token=token).update(
            status=VideoAsset.Status.FAILED,
            failure_reason=reason,
            progress=0,
            job_token=None,
            heartbeat_at=None,
            source="",
            renditions=[],
            master_playlist="",
            poster="",
            thumbnails_sprite="",
            thumbnails_vtt="",
            updated_at=timezone.now(),
        )
        if updated:
            VideoCaption.objects.filter(video=asset).delete()
            prefix = asset.storage_prefix
            transaction.on_commit(lambda: [delete_prefix_in(prefix, private=private) for private in (True, False)])
    return updated


def recover_stale_jobs():
    """Re-run jobs whose worker stopped sending heartbeats (it died or was killed). Returns them."""
    cutoff = timezone.now() - timedelta(seconds=settings.VIDEO_STALE_AFTER)
    active = [VideoAsset.Status.UPLOADED, VideoAsset.Status.PROBING, VideoAsset.Status.TRANSCODING]
    with transaction.atomic():
        stale = list(
            VideoAsset.objects.select_for_update(skip_locked=True).filter(
                Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, updated_at__lt=cutoff),
                status__in=active,
            )
        )
        for asset in stale:
            logger.warning("video %s: no heartbeat since %s, running it again", asset.pk, asset.heartbeat_at)
            _schedule(asset, "transcode" if asset.status == VideoAsset.Status.TRANSCODING else "probe")
    return stale


def retry_video(asset):
    """Run a failed (or stuck) video again from its source, if the source is still there."""
    if asset.status == VideoAsset.Status.READY:
        raise VideoRefused("Видео уже готово.", code="video_already_ready")
    if not asset.source.name:
        raise VideoRefused("Исходный файл удалён после ошибки. Загрузите видео заново.", code="video_source_missing")
    with transaction.atomic():
        asset.attempts = 0
        asset.failure_reason = ""
        asset.save(update_fields=["attempts", "failure_reason", "updated_at"])
        _schedule(asset, "probe")


@contextmanager
def local_source(asset, token, on_chunk=None):
    """A local path of the source for ffmpeg: the file itself on local storage, else a copy in a
    work folder of this run."""
    with storage.selected(private=True):
        path = storage.local_path(asset.source.name)
        if path:
            yield path
            return
        directory = work_folder(token, "source")
        try:
            target = directory / Path(asset.source.name).name
            storage.download(asset.source.name, target, on_chunk=on_chunk)
            yield str(target)
        finally:
            shutil.rmtree(directory, ignore_errors=True)


def work_folder(token, kind):
    """A new local folder for one run's files under VIDEO_WORK_DIR, named after the run's job token
    so that `sweep_work_folders` can tell a live run's folder from a dead one's."""
    root = Path(settings.VIDEO_WORK_DIR)
    root.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f"{token}-{kind}-", dir=root))


WORK_FOLDER_NAME = re.compile(r"^(?P<token>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})-[a-z]+-")
WORK_FOLDER_GRACE = 10  # seconds: a folder this young is left alone, whatever the database says
UPLOAD_TEMP_FILE_MAX_AGE = 24 * 3600  # seconds: a server-side upload older than this was cut short


def sweep_work_folders():
    """Remove what dead runs left on this machine's disk: work folders of runs that no longer hold
    their video's job or whose worker stopped sending heartbeats (ffmpeg killed with its worker),
    and upload temporary files a dead web process left. Returns the paths removed."""
    root = Path(settings.VIDEO_WORK_DIR)
    folders = {}
    for path in root.iterdir() if root.is_dir() else ():
        match = WORK_FOLDER_NAME.match(path.name)
        if match and path.is_dir():
            folders[path] = match["token"]
    cutoff = timezone.now() - timedelta(seconds=settings.VIDEO_STALE_AFTER)
    live = {
        str(token)
        for token in VideoAsset.objects.filter(
            job_token__in=set(folders.values()), heartbeat_at__gte=cutoff
        ).values_list("job_token", flat=True)
    }
    now = time.time()
    removed = []
    for path, token in folders.items():
        if token not in live and now - path.stat().st_mtime > WORK_FOLDER_GRACE:
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    uploads = Path(settings.VIDEO_UPLOAD_TEMP_DIR)
    for path in uploads.glob("tmp*.part") if uploads.is_dir() else ():
        if now - path.stat().st_mtime > UPLOAD_TEMP_FILE_MAX_AGE:
            path.unlink(missing_ok=True)
            removed.append(path)
    if removed:
        logger.info("removed %d work folders and temporary files of dead runs", len(removed))
    return removed
