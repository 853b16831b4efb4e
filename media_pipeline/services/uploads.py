"""Uploads of a video: one request (`register_upload`), or resumable — chunks through the platform
or a multipart upload straight to S3 — then verified and handed to the pipeline's jobs."""

import functools
import hashlib
import logging
import math
import tempfile
import uuid
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from media_pipeline import storage, transcoding
from media_pipeline.errors import ChunkOutOfOrder, UploadRejected, VideoRefused
from media_pipeline.models import VideoAsset, VideoUpload, safe_filename, video_title
from media_pipeline.selectors import uploaded_parts
from media_pipeline.services.jobs import _schedule

logger = logging.getLogger(__name__)

S3_MIN_PART = 5 * 1024 * 1024
S3_MAX_PARTS = 10_000


def check_size(size):
    if size <= 0:
        raise VideoRefused("Файл пустой. Выберите видеофайл.", code="file_empty")
    if size > settings.VIDEO_MAX_UPLOAD_SIZE:
        limit = settings.VIDEO_MAX_UPLOAD_SIZE / 1024**3
        raise VideoRefused(
            f"Файл больше допустимого ({size / 1024**3:.1f} ГБ при пределе {limit:.1f} ГБ). "
            "Сожмите запись или разделите её на несколько уроков.",
            code="file_too_large",
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
    """Probe an uploaded file (a Django File) before anything is stored and raise VideoRefused (a
    ValidationError too) with the probe's reason when it would fail later: not a video, truncated,
    too short or too long.
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
        raise VideoRefused(rejected.reason, code="video_unplayable")


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
        raise VideoRefused("Укажите название видео.", code="title_missing", field="title")
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
        raise VideoRefused("Эта загрузка уже завершена или отменена. Начните новую.", code="upload_closed")
    if upload.mode != mode:
        raise VideoRefused("Эта загрузка идёт другим способом.", code="upload_mode_mismatch")


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
            raise VideoRefused(
                f"Часть файла должна быть ровно {upload.chunk_size} байт (последняя — до конца файла).",
                code="chunk_size_wrong",
            )
        digest = hashlib.sha256(data).hexdigest()
        if digest != (sha256 or "").lower():
            raise VideoRefused(
                "Контрольная сумма части не совпала: она повредилась при передаче. Отправьте эту часть ещё раз.",
                code="chunk_checksum_mismatch",
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
            raise VideoRefused(
                f"Номер части должен быть от 1 до {upload.parts_count}.",
                code="part_number_out_of_range",
                field="part_numbers",
            )
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
        raise VideoRefused(
            f"Файл загружен не полностью: {upload.received} из {upload.size} байт. Продолжите загрузку.",
            code="upload_incomplete",
        )
    path = part_path(upload)
    whole, digests = hashlib.sha256(), []
    with open(path, "rb") as source:
        while chunk := source.read(upload.chunk_size):
            whole.update(chunk)
            digests.append(hashlib.sha256(chunk).hexdigest())
    if digests != upload.chunk_digests or (sha256 and sha256.lower() != whole.hexdigest()):
        raise _reject_upload(
            upload,
            "Контрольная сумма собранного файла не совпала: файл повредился. Загрузите его заново.",
            "upload_checksum_mismatch",
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
        raise VideoRefused(
            f"Хранилище не приняло файл: {error.response.get('Error', {}).get('Message', 'ошибка')}. "
            "Проверьте, что все части загружены, и повторите.",
            code="storage_refused_upload",
        )
    size = storage.object_size(upload.s3_key)
    if size != upload.size:
        raise _reject_upload(
            upload,
            f"В хранилище файл другого размера ({size or 0} байт вместо {upload.size}). Загрузите его заново.",
            "upload_size_mismatch",
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
