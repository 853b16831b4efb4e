"""What happens to a lesson video, from upload to a published HLS ladder. Plain functions; each
state change is one transaction. The tasks in tasks.py call `probe` and `transcode`."""

import functools
import hashlib
import logging
import math
import re
import shutil
import tempfile
import time
import uuid
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import ngettext

from media_pipeline import downloads, storage, transcoding
from media_pipeline.models import VideoAsset, VideoCaption, VideoUpload, safe_filename, video_title
from media_pipeline.signals import video_ready

logger = logging.getLogger(__name__)

PROGRESS_WRITE_INTERVAL = 2.0  # seconds between progress/heartbeat writes while ffmpeg runs
TRANSCODE_SHARE = 90  # percent of the progress bar that ffmpeg's ladder pass covers
MASTER_NAME = "master.m3u8"
S3_MIN_PART = 5 * 1024 * 1024
S3_MAX_PARTS = 10_000


class ChunkOutOfOrder(ValidationError):
    """A chunk that does not start where the upload stands; `expected` is where it does."""

    def __init__(self, expected):
        super().__init__(f"Ожидалась часть файла с байта {expected}. Продолжите загрузку с этого места.", code="offset")
        self.expected = expected


class Superseded(Exception):
    """Another run took over this job (stale-job recovery), or the video was deleted."""


# --- Upload ---------------------------------------------------------------------------------


def max_size_gb():
    return round(settings.VIDEO_MAX_UPLOAD_SIZE / 1024**3, 1)


def check_size(size):
    if size <= 0:
        raise ValidationError("Файл пустой. Выберите видеофайл.", code="empty")
    if size > settings.VIDEO_MAX_UPLOAD_SIZE:
        limit = settings.VIDEO_MAX_UPLOAD_SIZE / 1024**3
        raise ValidationError(
            f"Файл больше допустимого ({size / 1024**3:.1f} ГБ при пределе {limit:.1f} ГБ). "
            "Сожмите запись или разделите её на несколько уроков.",
            code="too_large",
        )


def register_upload(owner, title, file, private=False):
    """Store an uploaded file (a Django File) as a new video and start probe + transcode. The source
    always goes to the private storage; a private video (a student's upload before moderation)
    keeps its HLS ladder there too until `publish_asset`."""
    check_size(file.size)
    temp_dir = Path(settings.VIDEO_UPLOAD_TEMP_DIR)
    temp_dir.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    with tempfile.NamedTemporaryFile(dir=temp_dir, suffix=".part", delete=False) as out:
        try:
            for chunk in file.chunks():
                digest.update(chunk)
                out.write(chunk)
        except BaseException:
            Path(out.name).unlink(missing_ok=True)
            raise
    return _create_asset(
        owner=owner,
        title=title,
        filename=getattr(file, "name", "") or "video",
        local_file=Path(out.name),
        size=file.size,
        checksum=digest.hexdigest(),
        private=private,
    )


def check_playable(file):
    """Probe an uploaded file (a Django File) before anything is stored and raise ValidationError
    with the probe's reason when it would fail later: not a video, truncated, too short or too long.
    For callers that must refuse at once (a contest work sent in one request takes the child's
    only slot); the pipeline probes again when it runs."""
    file.seek(0)
    head = file.read(8192)
    file.seek(0)
    try:
        if hasattr(file, "temporary_file_path"):  # a large upload Django already keeps on disk
            transcoding.probe_source(file.temporary_file_path(), head=head, max_duration=settings.VIDEO_MAX_DURATION)
            return
        temp_dir = Path(settings.VIDEO_UPLOAD_TEMP_DIR)
        temp_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=temp_dir, suffix=".probe") as copy:
            for chunk in file.chunks():
                copy.write(chunk)
            copy.flush()
            file.seek(0)
            transcoding.probe_source(copy.name, head=head, max_duration=settings.VIDEO_MAX_DURATION)
    except transcoding.VideoRejected as rejected:
        raise ValidationError(rejected.reason, code="unplayable")


def _create_asset(
    *, owner, title, filename, size, checksum="", local_file=None, stored_name=None, uid=None, private=False
):
    asset = VideoAsset(
        uid=uid or uuid.uuid4(), title=video_title(title or filename), owner=owner, source_size=size, private=private
    )
    name = stored_name or f"{asset.source_prefix}{safe_filename(filename)}"
    with storage.selected(private=True):
        try:
            if local_file is not None:
                storage.move_in(local_file, name)
            with transaction.atomic():
                asset.source.name = name
                asset.checksum = checksum
                asset.save()
                _schedule(asset, "probe")
        except BaseException:
            storage.delete_prefix(asset.storage_prefix)
            if local_file is not None:
                Path(local_file).unlink(missing_ok=True)
            raise
    return asset


def start_upload(owner, title, filename, size, *, private=False):
    """Open a resumable upload: chunks through the platform, or a multipart upload straight to S3
    (under the private location: a source is never public). A private upload (a student's contest
    video) becomes a private video."""
    check_size(size)
    title = video_title(title)
    if not title:
        raise ValidationError("Укажите название видео.", code="title")
    chunk_size = settings.VIDEO_UPLOAD_CHUNK_SIZE
    upload = VideoUpload(owner=owner, title=title, filename=safe_filename(filename), size=size, private=private)
    with storage.selected(private=True):
        if storage.is_s3():
            # S3 allows at most 10 000 parts of at least 5 MiB (except the last).
            chunk_size = max(chunk_size, S3_MIN_PART, math.ceil(size / S3_MAX_PARTS))
            upload.mode = VideoUpload.Mode.S3
            upload.s3_key = f"video/{upload.uid}/source/{upload.filename}"
            answer = storage.s3_client().create_multipart_upload(
                Bucket=storage.s3_bucket_name(),
                Key=storage.s3_key(upload.s3_key),
                ContentType=storage.content_type(upload.filename),
            )
            upload.s3_upload_id = answer["UploadId"]
        else:
            upload.mode = VideoUpload.Mode.LOCAL
    upload.chunk_size = chunk_size
    upload.save()
    return upload


def _in_upload_storage(function):
    """Run an operation on an upload against the storage its bytes go to: the private one, where
    every video's source lives."""

    @functools.wraps(function)
    def wrapper(upload, *args, **kwargs):
        with storage.selected(private=True):
            return function(upload, *args, **kwargs)

    return wrapper


def part_path(upload):
    return Path(settings.VIDEO_UPLOAD_TEMP_DIR) / f"{upload.uid}.part"


def _require_open(upload, mode):
    if upload.status != VideoUpload.Status.OPEN:
        raise ValidationError("Эта загрузка уже завершена или отменена. Начните новую.", code="closed")
    if upload.mode != mode:
        raise ValidationError("Эта загрузка идёт другим способом.", code="mode")


def receive_chunk(upload, offset, data, sha256):
    """Append one chunk of a local upload. A chunk must start where the upload stands and match
    its SHA-256, so a dropped connection resumes from the last whole chunk."""
    with transaction.atomic():
        upload = VideoUpload.objects.select_for_update().get(pk=upload.pk)
        _require_open(upload, VideoUpload.Mode.LOCAL)
        if offset != upload.received:
            raise ChunkOutOfOrder(upload.received)
        is_last = offset + len(data) == upload.size
        if not data or len(data) > upload.chunk_size or (len(data) != upload.chunk_size and not is_last):
            raise ValidationError(
                f"Часть файла должна быть ровно {upload.chunk_size} байт (последняя — до конца файла).",
                code="chunk_size",
            )
        digest = hashlib.sha256(data).hexdigest()
        if digest != (sha256 or "").lower():
            raise ValidationError(
                "Контрольная сумма части не совпала: она повредилась при передаче. Отправьте эту часть ещё раз.",
                code="chunk_checksum",
            )
        path = part_path(upload)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "r+b" if path.exists() else "wb") as out:
            out.seek(offset)
            out.write(data)
            out.truncate()  # drop whatever a dropped request left past this chunk
        upload.received = offset + len(data)
        upload.chunk_digests = [*upload.chunk_digests, digest]
        upload.save(update_fields=["received", "chunk_digests", "updated_at"])
    return upload


@_in_upload_storage
def presign_parts(upload, part_numbers):
    """Presigned PUT URLs for parts of an S3 multipart upload (the browser sends the bytes)."""
    _require_open(upload, VideoUpload.Mode.S3)
    client = storage.s3_client()
    urls = {}
    for number in part_numbers:
        if not 1 <= number <= upload.parts_count:
            raise ValidationError(f"Номер части должен быть от 1 до {upload.parts_count}.", code="part_number")
        urls[number] = client.generate_presigned_url(
            "upload_part",
            Params={
                "Bucket": storage.s3_bucket_name(),
                "Key": storage.s3_key(upload.s3_key),
                "UploadId": upload.s3_upload_id,
                "PartNumber": number,
            },
            ExpiresIn=3600,
        )
    return urls


@_in_upload_storage
def uploaded_parts(upload):
    """Parts S3 already holds ([{part_number, etag, size}]), so a browser can resume."""
    if upload.mode != VideoUpload.Mode.S3 or upload.status != VideoUpload.Status.OPEN:
        return []
    paginator = storage.s3_client().get_paginator("list_parts")
    parts = []
    for page in paginator.paginate(
        Bucket=storage.s3_bucket_name(), Key=storage.s3_key(upload.s3_key), UploadId=upload.s3_upload_id
    ):
        parts += [{"part_number": p["PartNumber"], "etag": p["ETag"], "size": p["Size"]} for p in page.get("Parts", [])]
    return parts


def source_head(asset, size=8192):
    """The first bytes of a video's source file, to tell by content what it is (empty when the
    source is gone, as after a failed probe)."""
    if not asset.source.name:
        return b""
    with storage.selected(private=True), storage.open_file(asset.source.name) as file:
        return file.read(size)


class UploadRejected(ValidationError):
    """The uploaded file cannot be trusted; it is already removed and the upload closed."""


@_in_upload_storage
def complete_upload(upload, parts=None, sha256=""):
    """Finish an upload, verify it (checksum for local chunks; existence and size in S3) and start
    processing. A file that does not verify is removed and the upload closed."""
    rejected = None
    with transaction.atomic():
        upload = VideoUpload.objects.select_for_update().get(pk=upload.pk)
        if upload.status == VideoUpload.Status.COMPLETED and upload.video_id:
            return upload.video  # a repeated request after a lost answer
        _require_open(upload, upload.mode)
        try:
            asset = (
                _complete_local(upload, sha256)
                if upload.mode == VideoUpload.Mode.LOCAL
                else _complete_s3(upload, parts)
            )
        except UploadRejected as error:
            rejected = error  # leave the block normally so the closed state is saved
        else:
            upload.status = VideoUpload.Status.COMPLETED
            upload.video = asset
            upload.save(update_fields=["status", "video", "updated_at"])
    if rejected:
        raise rejected
    return asset


def _reject_upload(upload, message, code):
    part_path(upload).unlink(missing_ok=True)
    if upload.mode == VideoUpload.Mode.S3:
        storage.delete_prefix(f"video/{upload.uid}/")
    upload.status = VideoUpload.Status.ABORTED
    upload.save(update_fields=["status", "updated_at"])
    return UploadRejected(message, code=code)


def _complete_local(upload, sha256):
    if upload.received != upload.size:
        raise ValidationError(
            f"Файл загружен не полностью: {upload.received} из {upload.size} байт. Продолжите загрузку.",
            code="incomplete",
        )
    path = part_path(upload)
    whole, digests = hashlib.sha256(), []
    with open(path, "rb") as source:
        while chunk := source.read(upload.chunk_size):
            whole.update(chunk)
            digests.append(hashlib.sha256(chunk).hexdigest())
    if digests != upload.chunk_digests or (sha256 and sha256.lower() != whole.hexdigest()):
        raise _reject_upload(
            upload, "Контрольная сумма собранного файла не совпала: файл повредился. Загрузите его заново.", "checksum"
        )
    return _create_asset(
        owner=upload.owner,
        title=upload.title,
        filename=upload.filename,
        size=upload.size,
        checksum=whole.hexdigest(),
        local_file=path,
        uid=upload.uid,
        private=upload.private,
    )


def _complete_s3(upload, parts):
    parts = parts or []
    client, bucket, key = storage.s3_client(), storage.s3_bucket_name(), storage.s3_key(upload.s3_key)
    if not parts:
        parts = [{"part_number": p["part_number"], "etag": p["etag"]} for p in uploaded_parts(upload)]
    try:
        client.complete_multipart_upload(
            Bucket=bucket,
            Key=key,
            UploadId=upload.s3_upload_id,
            MultipartUpload={
                "Parts": [
                    {"PartNumber": int(p["part_number"]), "ETag": str(p["etag"])}
                    for p in sorted(parts, key=lambda p: int(p["part_number"]))
                ]
            },
        )
    except client.exceptions.ClientError as error:
        raise ValidationError(
            f"Хранилище не приняло файл: {error.response.get('Error', {}).get('Message', 'ошибка')}. "
            "Проверьте, что все части загружены, и повторите.",
            code="s3_complete",
        )
    size = storage.object_size(upload.s3_key)
    if size != upload.size:
        raise _reject_upload(
            upload,
            f"В хранилище файл другого размера ({size or 0} байт вместо {upload.size}). Загрузите его заново.",
            "size",
        )
    return _create_asset(
        owner=upload.owner,
        title=upload.title,
        filename=upload.filename,
        size=size,
        stored_name=upload.s3_key,
        uid=upload.uid,
        private=upload.private,
    )


@_in_upload_storage
def abort_upload(upload):
    """Cancel an upload and delete what arrived of it."""
    if upload.status != VideoUpload.Status.OPEN:
        return
    part_path(upload).unlink(missing_ok=True)
    if upload.mode == VideoUpload.Mode.S3:
        client = storage.s3_client()
        try:
            client.abort_multipart_upload(
                Bucket=storage.s3_bucket_name(), Key=storage.s3_key(upload.s3_key), UploadId=upload.s3_upload_id
            )
        except client.exceptions.ClientError:
            logger.warning("multipart upload %s was already gone", upload.s3_upload_id)
    VideoUpload.objects.filter(pk=upload.pk).update(status=VideoUpload.Status.ABORTED, updated_at=timezone.now())
    upload.status = VideoUpload.Status.ABORTED


# --- Jobs: schedule, claim, heartbeat, recover ------------------------------------------------


def _schedule(asset, stage):
    """Hand the asset to a new run of `stage` ("probe" or "transcode"); older runs become no-ops."""
    from media_pipeline import tasks

    asset.job_token = uuid.uuid4()
    asset.heartbeat_at = timezone.now()
    asset.status = VideoAsset.Status.UPLOADED if stage == "probe" else VideoAsset.Status.TRANSCODING
    asset.progress = 0
    asset.save(update_fields=["job_token", "heartbeat_at", "status", "progress", "updated_at"])
    task = tasks.probe_video if stage == "probe" else tasks.transcode_video
    asset_id, token = asset.pk, str(asset.job_token)
    transaction.on_commit(lambda: task.enqueue(asset_id, token))


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
            transaction.on_commit(lambda: [_delete_prefix(prefix, private) for private in (True, False)])
    return updated


def _delete_prefix(prefix, private):
    with storage.selected(private):
        storage.delete_prefix(prefix)


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
        raise ValidationError("Видео уже готово.", code="ready")
    if not asset.source.name:
        raise ValidationError("Исходный файл удалён после ошибки. Загрузите видео заново.", code="no_source")
    with transaction.atomic():
        asset.attempts = 0
        asset.failure_reason = ""
        asset.save(update_fields=["attempts", "failure_reason", "updated_at"])
        _schedule(asset, "probe")


# --- Probe ----------------------------------------------------------------------------------


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


def probe(asset_id, token):
    """Check that the source is a playable video within the limits, then schedule the transcode."""
    asset = _claim(asset_id, token, VideoAsset.Status.PROBING, count_attempt=False)
    if asset is None:
        return "superseded"
    with storage.selected(private=True):  # the probe reads only the source
        return _probe(asset, token)


def _probe(asset, token):
    try:
        if not asset.source.name or storage.object_size(asset.source.name) is None:
            raise transcoding.VideoRejected("Исходный файл не найден в хранилище. Загрузите видео заново.")
        source, head = storage.probe_input(asset.source.name)
        info = transcoding.probe_source(source, head=head, max_duration=settings.VIDEO_MAX_DURATION)
    except transcoding.VideoRejected as rejected:
        _fail(asset, token, rejected.reason)
        return "failed"
    with transaction.atomic():
        updated = VideoAsset.objects.filter(pk=asset.pk, job_token=token).update(
            duration=info.duration,
            width=info.width,
            height=info.height,
            frame_rate=info.frame_rate,
            video_codec=info.video_codec,
            audio_codec=info.audio_codec,
            has_audio=info.has_audio,
        )
        if not updated:
            return "superseded"
        asset.refresh_from_db()
        _schedule(asset, "transcode")
    return "probed"


def process_now(asset):
    """Probe and transcode in this process instead of a worker (demo data, management commands);
    the queued runs then find their job taken over and do nothing."""
    asset.refresh_from_db()
    if probe(asset.pk, str(asset.job_token)) == "probed":
        asset.refresh_from_db()
        transcode(asset.pk, str(asset.job_token))
    asset.refresh_from_db()
    return asset


def source_info(asset):
    return transcoding.SourceInfo(
        duration=asset.duration,
        width=asset.width,
        height=asset.height,
        frame_rate=asset.frame_rate,
        video_codec=asset.video_codec,
        audio_codec=asset.audio_codec,
        has_audio=asset.has_audio,
    )


# --- Transcode and publish ------------------------------------------------------------------


def transcode(asset_id, token):
    """Make the HLS ladder, poster and thumbnails in a local work folder, upload them under a
    staging prefix, then publish them under hls/ with the master playlist last."""
    asset = _claim(asset_id, token, VideoAsset.Status.TRANSCODING, count_attempt=True)
    if asset is None:
        return "superseded"
    with storage.selected(asset.private):
        return _transcode(asset, token)


def _transcode(asset, token):
    staging = f"{asset.storage_prefix}staging/"
    run_prefix = f"{staging}{token}/"
    storage.delete_prefix(staging)  # whatever a dead run left behind, in the storage and on this disk
    sweep_work_folders()
    workdir = work_folder(token, "hls")
    try:
        renditions, extras = _make_ladder(asset, token, workdir)
        _beat(asset, token, progress=TRANSCODE_SHARE + 3)
        last = time.monotonic()
        for name in transcoding.file_tree(workdir):
            storage.put_file(workdir / name, run_prefix + name)
            if time.monotonic() - last > PROGRESS_WRITE_INTERVAL:
                _beat(asset, token)
                last = time.monotonic()
        _publish(asset, token, run_prefix, renditions, extras)
        return "ready"
    except transcoding.VideoRejected as rejected:
        _fail(asset, token, rejected.reason)
        return "failed"
    except (Superseded, transcoding.TranscodeAborted):
        storage.delete_prefix(run_prefix)
        if not VideoAsset.objects.filter(pk=asset.pk).exists():
            storage.delete_prefix(asset.storage_prefix)  # deleted while we worked
        return "superseded"
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _make_ladder(asset, token, workdir):
    info = source_info(asset)
    rungs = transcoding.plan_ladder(info.width, info.height)
    state = {"last": 0.0}

    def on_progress(fraction):
        now = time.monotonic()
        if now - state["last"] < PROGRESS_WRITE_INTERVAL and fraction < 1:
            return True
        state["last"] = now
        try:
            _beat(asset, token, progress=int(fraction * TRANSCODE_SHARE))
        except Superseded:
            return False
        return True

    with local_source(asset, token, on_chunk=lambda: _beat(asset, token)) as source:
        args = transcoding.ladder_command(source, workdir, info, rungs, preset=settings.VIDEO_X264_PRESET)
        transcoding.run_ffmpeg(args, duration=info.duration, on_progress=on_progress)
        renditions = [transcoding.measure_rendition(workdir, r.name) for r in rungs]
        if info.has_audio:
            renditions.append(transcoding.measure_rendition(workdir, transcoding.AUDIO_ONLY_NAME, audio_only=True))
        made = renditions[0]["duration"]
        if made < info.duration - max(1.0, info.duration * 0.05):
            raise transcoding.VideoRejected(
                f"Файл обрезан: в нём {transcoding.format_duration(made)} видео из заявленных "
                f"{transcoding.format_duration(info.duration)}. Загрузите полную запись."
            )
        top, low = rungs[0], rungs[-1]
        transcoding.make_poster(
            source, workdir / "poster.jpg", at=min(info.duration / 3, 5.0), width=top.width, height=top.height
        )

        def still_ours(fraction):
            """The downloads' pass keeps the heartbeat (throttled like progress) and leaves the bar."""
            if time.monotonic() - state["last"] < PROGRESS_WRITE_INTERVAL:
                return True
            state["last"] = time.monotonic()
            try:
                _beat(asset, token)
            except Superseded:
                return False
            return True

        made_downloads = downloads.make_downloads(
            source, workdir, info, preset=settings.VIDEO_X264_PRESET, on_progress=still_ours
        )
    transcoding.make_thumbnails(
        workdir / low.name / "index.m3u8",
        workdir / "thumbnails.jpg",
        workdir / "thumbnails.vtt",
        duration=info.duration,
        width=low.width,
        height=low.height,
        sprite_url="thumbnails.jpg",
    )
    extras = {"stream_start": renditions[0]["start_time"], "downloads": made_downloads}
    return renditions, extras


def _publish(asset, token, run_prefix, renditions, extras):
    final = asset.hls_prefix
    _beat(asset, token)
    storage.delete_prefix(final)
    master_name = final + MASTER_NAME
    for name in storage.list_prefix(run_prefix):
        storage.move(name, final + name[len(run_prefix) :])
    with transaction.atomic():
        updated = VideoAsset.objects.filter(pk=asset.pk, job_token=token).update(
            renditions=renditions,
            stream_start=extras["stream_start"],
            downloads=extras["downloads"],
            poster=final + "poster.jpg",
            thumbnails_sprite=final + "thumbnails.jpg",
            thumbnails_vtt=final + "thumbnails.vtt",
            master_playlist=master_name,
        )
        if not updated:
            raise Superseded()
        asset.refresh_from_db()
        write_master(asset)  # the master playlist goes last: until now no player could find the rungs
        VideoAsset.objects.filter(pk=asset.pk).update(
            status=VideoAsset.Status.READY,
            progress=100,
            failure_reason="",
            job_token=None,
            heartbeat_at=None,
            updated_at=timezone.now(),
        )
        asset_id = asset.pk
        # send_robust: a receiver's failure is logged and never turns a finished transcode into a failure.
        transaction.on_commit(lambda: video_ready.send_robust(VideoAsset, asset=VideoAsset.objects.get(pk=asset_id)))
    storage.delete_prefix(f"{asset.storage_prefix}staging/")


def write_master(asset):
    """(Re)write subtitles and the master playlist of a transcoded video from its captions."""
    with storage.selected(asset.private):
        _write_master(asset)


def _write_master(asset):
    final = asset.hls_prefix
    captions = []
    duration = max(r["duration"] for r in asset.renditions)
    for caption in asset.captions.all():
        with storage.open_text(caption.file) as vtt:
            mapped, playlist = transcoding.subtitle_files(
                vtt, duration=duration, stream_start=asset.stream_start, file_name=f"{caption.language}.vtt"
            )
        storage.put_text(mapped, f"{final}subtitles/{caption.language}.vtt")
        storage.put_text(playlist, f"{final}subtitles/{caption.language}.m3u8")
        captions.append(
            {"language": caption.language, "label": caption.label, "playlist": f"subtitles/{caption.language}.m3u8"}
        )
    storage.put_text(transcoding.render_master(asset.renditions, captions), final + MASTER_NAME)
    keep = {f"{final}subtitles/{c['language']}.{ext}" for c in captions for ext in ("vtt", "m3u8")}
    for name in storage.list_prefix(f"{final}subtitles/"):
        if name not in keep:
            storage.delete(name)


# --- Captions -------------------------------------------------------------------------------


def add_caption(video, language, label, file):
    """Attach subtitles (WebVTT, or SRT converted to WebVTT) to a video; a ready video's master
    playlist offers them at once."""
    try:
        vtt = transcoding.captions_to_webvtt(file.read(), getattr(file, "name", ""))
    except transcoding.VideoRejected as rejected:
        raise ValidationError(rejected.reason, code="captions")
    caption = VideoCaption(video=video, language=language, label=label)
    try:
        caption.full_clean(exclude=["file"], validate_unique=False)
    except ValidationError as error:
        labels = {"language": "Язык", "label": "Название"}
        raise ValidationError(
            "; ".join(f"{labels.get(field, field)}: {' '.join(texts)}" for field, texts in error.message_dict.items()),
            code="captions",
        )
    name = f"{video.storage_prefix}captions/{language}.vtt"
    with transaction.atomic():
        video = VideoAsset.objects.select_for_update().get(pk=video.pk)
        caption, _ = VideoCaption.objects.update_or_create(
            video=video, language=language, defaults={"label": label, "file": name}
        )
        with storage.selected(video.private):
            storage.put_text(vtt, name)
        if video.is_ready:
            write_master(video)
    return caption


def remove_caption(caption):
    with transaction.atomic():
        video = VideoAsset.objects.select_for_update().get(pk=caption.video_id)
        caption.delete()
        with storage.selected(video.private):
            storage.delete(caption.file)
        if video.is_ready:
            write_master(video)


# --- Deletion -------------------------------------------------------------------------------


def delete_files_of(asset):
    """Called when a VideoAsset row is deleted: all its files go too, once the deletion commits
    (from both storages: a publication may have stopped half-way)."""
    prefix = asset.storage_prefix
    transaction.on_commit(lambda: [_delete_prefix(prefix, private) for private in (False, True)])


# --- Private videos -------------------------------------------------------------------------


def _published_files(asset):
    """Names of the private storage's files of a video that publishing makes public: everything
    but the source, which never leaves the private storage."""
    with storage.selected(private=True):
        return [name for name in storage.list_prefix(asset.storage_prefix) if not name.startswith(asset.source_prefix)]


def publish_asset(asset):
    """Make a ready private video public: copy its ladder into the public storage (the master
    playlist last, so no player finds a half-copied ladder), clear the flag, then delete the private
    copy; the source stays private. Idempotent: publishing a public video only removes a private
    copy left behind; a failed run leaves the video private and is safe to repeat."""
    with transaction.atomic():
        asset = VideoAsset.objects.select_for_update().get(pk=asset.pk)
        if asset.private:
            if not asset.is_ready:
                raise ValidationError("Видео ещё обрабатывается: опубликовать его можно, когда оно готово.")
            for name in sorted(_published_files(asset), key=lambda name: name == asset.master_playlist):
                storage.copy_to_public(name)
            asset.private = False
            asset.save(update_fields=["private", "updated_at"])
    with storage.selected(private=True):
        storage.delete_many(_published_files(asset))
    return asset


def unpublish_asset(asset):
    """Take a public video back into the private storage (a work rejected or hidden after it was
    public): copy its ladder there, set the flag, then delete the public copy, master playlist
    first so no player starts on a half-removed ladder. Idempotent, like `publish_asset`."""
    with transaction.atomic():
        asset = VideoAsset.objects.select_for_update().get(pk=asset.pk)
        prefix = asset.storage_prefix
        if not asset.private:
            for name in storage.list_prefix(prefix):
                storage.copy_to_private(name)
            asset.private = True
            asset.save(update_fields=["private", "updated_at"])
    if asset.master_playlist and storage.object_size(asset.master_playlist) is not None:
        storage.delete(asset.master_playlist)
    _delete_prefix(prefix, private=False)
    return asset


def open_file(asset, name):
    """One stored file of a video (source, playlist, segment, poster), from whichever storage holds
    it now; None when there is no such file. For permission-checked views of private videos."""
    if not name.startswith(asset.storage_prefix) or ".." in name.split("/"):
        return None
    with storage.selected(asset.private or name.startswith(asset.source_prefix)):
        if storage.object_size(name) is None:
            return None
        return storage.open_file(name)
