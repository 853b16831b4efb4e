"""Contest files: what a student may send now, files checked by their content (images re-encoded,
videos handed to media_pipeline), resumable video uploads, and the clean-up of unused ones."""

import io
import uuid
import warnings
from dataclasses import dataclass
from datetime import timedelta
from pathlib import PurePath

import filetype
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils import dateformat, timezone, translation
from PIL import Image, ImageOps

from config.errors import ServiceError
from config.text import quoted
from learning.models import Assignment, SubmissionFile, age_band_for
from media_pipeline import storage as video_storage
from media_pipeline.models import VideoAsset, VideoUpload
from media_pipeline.services import abort_upload, check_playable, register_upload, source_head, start_upload

# Decompression-bomb guard: more pixels than this is refused before decoding.
IMAGE_MAX_PIXELS = 40_000_000
KIND_BY_MIME = {
    "image/jpeg": "image",
    "image/png": "image",
    "image/webp": "image",
    "video/mp4": "video",
    "video/quicktime": "video",
    "video/webm": "video",
    "video/x-matroska": "video",
    "video/x-m4v": "video",
    "audio/mpeg": "audio",
    "audio/mp4": "audio",
    "audio/ogg": "audio",
    "audio/x-wav": "audio",
    "audio/x-flac": "audio",
    "application/pdf": "document",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "document",
    "application/vnd.oasis.opendocument.text": "document",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "document",
}
FORMATS_HINT = {
    "image": "JPEG, PNG или WebP",
    "video": "MP4, MOV, WebM или MKV",
    "audio": "MP3, M4A, OGG, WAV или FLAC",
    "document": "PDF, DOCX, ODT или PPTX",
}
KIND_LABELS = dict(Assignment.Kind.choices)
# What the file chooser offers for each kind (the content decides in the end, see check_upload).
ACCEPT = {
    "image": "image/jpeg,image/png,image/webp,.jpg,.jpeg,.png,.webp",
    "video": "video/*,.mp4,.m4v,.mov,.webm,.mkv",
    "audio": "audio/*,.mp3,.m4a,.ogg,.wav,.flac",
    "document": ".pdf,.docx,.odt,.pptx",
}


def accepted_formats(assignment):
    """The files an assignment takes, as the form and the refusals say it:
    «изображение: JPEG, PNG или WebP; видео: MP4, MOV, WebM или MKV» ("" when it takes only text)."""
    return "; ".join(f"{KIND_LABELS[k]}: {FORMATS_HINT[k]}" for k in assignment.allowed_kinds if k in FORMATS_HINT)


def accepted_types(assignment):
    """The `accept` attribute of the assignment's file chooser."""
    return ",".join(ACCEPT[k] for k in assignment.allowed_kinds if k in ACCEPT)


@dataclass
class CheckedFile:
    kind: str
    name: str
    content_type: str
    size: int
    content: object  # a File-like object ready to store (None for a video uploaded in chunks)
    width: int | None = None
    height: int | None = None
    video: object = None  # a VideoAsset already made from a finished resumable upload


def format_moscow(moment):
    with translation.override("ru"):
        return dateformat.format(timezone.localtime(moment), "j E Y, H:i")


def check_upload(assignment, upload):
    """Decide what a file is by its content and prepare it for storage; refuse with a reason."""
    label = PurePath(getattr(upload, "name", "") or "файл").name
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    kind_guess = filetype.guess(head) if head else None
    mime = kind_guess.mime if kind_guess else None
    kind = KIND_BY_MIME.get(mime)
    if kind is None:
        accepted = accepted_formats(assignment)
        raise ServiceError(
            f"{quoted(label)}: по содержимому это не поддерживаемый формат. Принимаются: {accepted or 'только текст'}.",
            code="unsupported_format",
            field="files",
        )
    if kind not in assignment.allowed_kinds:
        raise ServiceError(
            f"{quoted(label)}: {KIND_LABELS[kind]} в этом задании не принимается. "
            f"Принимаются: {accepted_formats(assignment) or 'только текст'}.",
            code="kind_not_accepted",
            field="files",
        )
    size = upload.size
    _check_size(assignment, kind, label, size)
    if kind == "image":
        return _reencode_image(upload, label, size)
    if kind == "video":
        _check_playable(upload, label)
    extension = kind_guess.extension
    return CheckedFile(kind=kind, name=f"{uuid.uuid4().hex}.{extension}", content_type=mime, size=size, content=upload)


def _reencode_image(upload, label, size):
    """Decode and re-encode an image: drops EXIF (GPS and all), applies its rotation, refuses bombs."""
    try:
        with Image.open(upload) as image:
            width, height = image.size
            if width * height > IMAGE_MAX_PIXELS:
                raise ServiceError(
                    f"{quoted(label)}: изображение {width}×{height} слишком большое; "
                    f"не больше {IMAGE_MAX_PIXELS // 1_000_000} мегапикселей.",
                    code="image_too_large",
                    field="files",
                )
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                image.load()
            image = ImageOps.exif_transpose(image)
            has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
            out = io.BytesIO()
            if has_alpha:
                image.convert("RGBA").save(out, "PNG", optimize=True)
                extension, mime = "png", "image/png"
            else:
                image.convert("RGB").save(out, "JPEG", quality=90, optimize=True)
                extension, mime = "jpg", "image/jpeg"
    except ServiceError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ServiceError(
            f"{quoted(label)}: изображение слишком большое для обработки.", code="image_too_large", field="files"
        )
    except (OSError, SyntaxError, ValueError):
        raise ServiceError(
            f"{quoted(label)}: файл изображения повреждён или не дочитан; сохраните его заново.",
            code="image_damaged",
            field="files",
        )
    data = out.getvalue()
    return CheckedFile(
        kind="image",
        name=f"{uuid.uuid4().hex}.{extension}",
        content_type=mime,
        size=len(data),
        content=ContentFile(data),
        width=image.width,
        height=image.height,
    )


THUMBNAIL_SIZE = 480  # px, the longer side of a work's image on a card (2× a 240 px card column)


def work_thumbnail(work_file):
    """The stored name of a small WebP of a work's image (made on first use, kept next to the image),
    so cards never send the original upload; None when the file is not an image."""
    if work_file.kind != "image" or not work_file.file:
        return None
    storage = work_file.file.storage
    name = f"{work_file.file.name}.thumb-{THUMBNAIL_SIZE}.webp"
    if storage.exists(name):
        return name
    with work_file.file.open("rb") as original, Image.open(original) as image:
        image.draft("RGB", (THUMBNAIL_SIZE * 2, THUMBNAIL_SIZE * 2))  # JPEG: decode at a smaller scale
        image = image.convert("RGBA" if image.mode in ("RGBA", "LA", "PA") else "RGB")
        image.thumbnail((THUMBNAIL_SIZE, THUMBNAIL_SIZE))
        out = io.BytesIO()
        image.save(out, "WEBP", quality=80, method=4)
    return storage.save(name, ContentFile(out.getvalue()))


def _check_playable(upload, label):
    """A video sent in one request is probed before the work exists, so a broken file (a truncated
    MP4) is refused with the pipeline's reason instead of taking the child's one slot."""
    try:
        check_playable(upload)
    except ValidationError as error:
        raise ServiceError(f"{quoted(label)}: {' '.join(error.messages)}", code="video_unplayable", field="files")


def register_contest_video(owner, title, file):
    """Contest videos go through media_pipeline (probe, transcode), like lesson videos."""
    try:
        return register_upload(owner, title, file, private=True)  # public only once approved
    except ValidationError as error:
        raise ServiceError(
            f"{quoted(PurePath(file.name or 'видео').name)}: {' '.join(error.messages)}",
            code="video_refused",
            field="files",
        )


def check_active(student):
    if student.is_deleted or not student.user.is_active:
        raise ServiceError("Аккаунт ещё не активирован: нужно согласие родителя.", code="account_inactive", status=403)


def check_can_submit(assignment, student, now):
    """The assignment takes works now, from a student of this age."""
    if not assignment.is_open(now):
        if now < assignment.opens_at:
            raise ServiceError(
                f"Приём работ ещё не начался: он откроется {format_moscow(assignment.opens_at)} "
                "по московскому времени.",
                code="submissions_not_open",
                status=403,
            )
        raise ServiceError(
            f"Приём работ закрыт: работы принимались до {format_moscow(assignment.closes_at)} по московскому времени.",
            code="submissions_closed",
            status=403,
        )
    band = age_band_for(student.age)
    if assignment.age_bands and band not in assignment.age_bands:
        bands = ", ".join(assignment.age_bands)
        raise ServiceError(
            f"Это задание для возраста {bands} лет, а вам {student.age}.", code="wrong_age_band", status=403
        )


UNCLAIMED_UPLOAD_DAYS = 7


def remove_unclaimed_uploads(now=None):
    """Students' contest uploads left unfinished or never attached to a work for a week: abort the
    open ones (their chunks or S3 parts go) and delete the finished ones' private videos.
    Returns (aborted, deleted). Run daily: `manage.py remove_unclaimed_uploads`."""
    cutoff = (now or timezone.now()) - timedelta(days=UNCLAIMED_UPLOAD_DAYS)
    old = VideoUpload.objects.filter(private=True, updated_at__lt=cutoff)
    abandoned = list(old.filter(status=VideoUpload.Status.OPEN))
    for upload in abandoned:
        abort_upload(upload)
    unclaimed = VideoAsset.objects.filter(
        private=True, upload__in=old.filter(status=VideoUpload.Status.COMPLETED)
    ).exclude(pk__in=SubmissionFile.objects.exclude(video=None).values("video"))
    deleted = len(unclaimed)
    unclaimed.delete()  # media_pipeline removes the files once this commits
    return len(abandoned), deleted


def _check_size(assignment, kind, label, size):
    limit = assignment.size_limit_bytes(kind)
    if size > limit:
        raise ServiceError(
            f"{quoted(label)}: файл {size / 1024 / 1024:.1f} МБ, а для вида {quoted(KIND_LABELS[kind])} "
            f"можно не больше {limit // 1024 // 1024} МБ.",
            code="file_too_large",
            field="files",
        )


def start_video_upload(student, assignment, *, filename, size, now=None):
    """Open a resumable upload of a contest video (chunks through the platform, or parts straight
    to S3), checked against the assignment before a byte is sent. The bytes stay in the private
    storage; the finished upload is attached with `submit_work(videos=[uid])`."""
    now = now or timezone.now()
    check_active(student)
    check_can_submit(assignment, student, now)
    label = PurePath(filename or "видео").name
    if "video" not in assignment.allowed_kinds:
        raise ServiceError(
            f"{quoted(label)}: {KIND_LABELS['video']} в этом задании не принимается.",
            code="kind_not_accepted",
            field="files",
        )
    _check_size(assignment, "video", label, size)
    try:
        return start_upload(student.user, f"{assignment.title}: {label}", label, size, private=True)
    except ValidationError as error:
        raise ServiceError(f"{quoted(label)}: {' '.join(error.messages)}", code="video_refused", field="files")


def check_uploaded_video(assignment, student, uid):
    """A finished resumable upload of this student, not yet part of a work, that is a video by
    content and within the assignment's limits."""
    try:
        upload = VideoUpload.objects.select_related("video").get(owner=student.user, uid=uid, private=True)
    except (VideoUpload.DoesNotExist, ValidationError, ValueError):
        raise ServiceError(
            "Загруженное видео не найдено: загрузите файл ещё раз.", code="upload_not_found", field="videos"
        )
    label = upload.filename
    if upload.status != VideoUpload.Status.COMPLETED or upload.video is None:
        raise ServiceError(
            f"{quoted(label)}: загрузка не завершена — дождитесь, пока она дойдёт до конца.",
            code="upload_incomplete",
            field="videos",
        )
    if SubmissionFile.objects.filter(video=upload.video).exists():
        raise ServiceError(
            f"{quoted(label)} уже приложено к работе.", code="video_already_attached", field="videos", status=409
        )
    if "video" not in assignment.allowed_kinds:
        raise ServiceError(
            f"{quoted(label)}: {KIND_LABELS['video']} в этом задании не принимается.",
            code="kind_not_accepted",
            field="files",
        )
    _check_size(assignment, "video", label, upload.size)
    if upload.video.status == upload.video.Status.FAILED:
        raise ServiceError(f"{quoted(label)}: {upload.video.failure_reason}", code="video_failed", field="videos")
    guess = filetype.guess(source_head(upload.video))
    if guess is None or KIND_BY_MIME.get(guess.mime) != "video":
        raise ServiceError(
            f"{quoted(label)}: по содержимому это не видео. Принимаются {FORMATS_HINT['video']}.",
            code="not_a_video",
            field="videos",
        )
    return CheckedFile(
        kind="video", name=label, content_type=guess.mime, size=upload.size, content=None, video=upload.video
    )


def store_files(submission, checked, owner):
    """Store checked files; returns what was written so a failure can remove it."""
    written, assets = [], []
    try:
        for position, item in enumerate(checked):
            row = SubmissionFile(
                submission=submission,
                kind=item.kind,
                content_type=item.content_type,
                size=item.size,
                width=item.width,
                height=item.height,
                position=position,
            )
            if item.video is not None:
                row.video = item.video  # made by a resumable upload; it stays if this work fails
            elif item.kind == "video":
                item.content.seek(0)
                asset = register_contest_video(owner, submission.title, item.content)
                assets.append(asset)
                row.video = asset
            else:
                row.file.save(item.name, item.content, save=False)
                written.append(row.file.name)
            row.save()
    except Exception:
        remove_stored(written, assets)
        raise
    return written, assets


def remove_stored(names, assets=()):
    """Remove what a failed or replaced upload wrote: work files and whole video assets."""
    storage = SubmissionFile._meta.get_field("file").storage
    for name in names:
        storage.delete(name)
    for asset in assets:
        with video_storage.selected(asset.private):
            video_storage.delete_prefix(asset.storage_prefix)


def delete_videos_of(submission):
    """Delete the work's video assets; media_pipeline removes their files once this commits."""
    VideoAsset.objects.filter(pk__in=submission.files.exclude(video=None).values("video")).delete()
