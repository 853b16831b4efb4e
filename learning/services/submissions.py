"""Contest works: a student submits one work per assignment and may edit it while the assignment
is open; nothing of a refused upload stays behind."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import ngettext

from config.errors import ServiceError
from learning.models import Submission, age_band_for
from learning.services.uploads import (
    check_active,
    check_can_submit,
    check_upload,
    check_uploaded_video,
    delete_videos_of,
    format_moscow,
    remove_stored,
    store_files,
)
from learning.services.work_videos import enqueue_video_sync
from media_pipeline.models import strip_bidi_controls


def _check_submission_input(assignment, student, title, text, uploads, videos, now):
    check_can_submit(assignment, student, now)
    if not title or not title.strip():
        raise ServiceError("Дайте работе название.", code="title_required", field="title")
    if len(uploads) + len(videos) > assignment.max_files:
        count = assignment.max_files
        message = ngettext("You can attach at most %(count)s file.", "You can attach at most %(count)s files.", count)
        raise ServiceError(message % {"count": count}, code="too_many_files", field="files")
    if text and "text" not in assignment.allowed_kinds:
        raise ServiceError(
            "Текст в этом задании не принимается: приложите файл.", code="text_not_accepted", field="text"
        )
    if not uploads and not videos and not (text and text.strip()):
        raise ServiceError("Приложите файл работы или напишите текст.", code="work_empty", field="files")
    if len(set(map(str, videos))) != len(videos):
        raise ServiceError("Одно и то же видео приложено дважды.", code="duplicate_video", field="videos")
    checked = [check_upload(assignment, upload) for upload in uploads]
    return checked + [check_uploaded_video(assignment, student, uid) for uid in videos]


def submit_work(student, assignment, *, title, description="", text="", files=(), videos=(), now=None):
    """A student's contest work: files checked by content, images re-encoded, videos handed to the
    media pipeline (or, for large ones, `videos`: uids of finished `start_video_upload` uploads);
    it waits for a moderator. Nothing of a refused upload stays behind, except a finished video
    upload, which the student can attach again."""
    now = now or timezone.now()
    title = _work_title(title)
    files, videos = list(files), list(videos)
    check_active(student)
    checked = _check_submission_input(assignment, student, title, text, files, videos, now)
    written, assets = [], []
    try:
        with transaction.atomic():
            if Submission.objects.filter(student=student, assignment=assignment).exists():
                raise ServiceError(
                    "Вы уже отправили работу на это задание — её можно изменить, пока идёт приём.",
                    code="already_submitted",
                    status=409,
                )
            submission = Submission.objects.create(
                assignment=assignment,
                student=student,
                title=title.strip(),
                description=description.strip(),
                text=text.strip(),
                age=student.age,
                age_band=age_band_for(student.age),
                submitted_at=now,
            )
            written, assets = store_files(submission, checked, student.user)
    except IntegrityError:
        remove_stored(written, assets)
        raise ServiceError(
            "Вы уже отправили работу на это задание — её можно изменить, пока идёт приём.",
            code="already_submitted",
            status=409,
        )
    except Exception:
        remove_stored(written, assets)
        raise
    return submission


EDITABLE_STATUSES = (Submission.Status.PENDING, Submission.Status.APPROVED, Submission.Status.REJECTED)


def edit_work(submission, *, title=None, description=None, text=None, files=None, videos=None, now=None):
    """Change a work while the assignment is open. A changed public or rejected work goes back to the
    moderation queue; `files` and `videos` (finished resumable uploads), when given, replace the
    old files."""
    now = now or timezone.now()
    if submission.withdrawn_at:
        raise ServiceError("Работа снята.", code="work_withdrawn", status=404)
    if submission.status not in EDITABLE_STATUSES:
        raise ServiceError("Работа уже у жюри — изменить её нельзя.", code="work_under_judging", status=409)
    new_title = submission.title if title is None else _work_title(title)
    new_text = submission.text if text is None else text
    replacing = files is not None or videos is not None
    uploads, video_uids = list(files or []), list(videos or [])
    checked = []
    if replacing:
        checked = _check_submission_input(
            submission.assignment, submission.student, new_title, new_text, uploads, video_uids, now
        )
    else:
        _check_open_and_title(submission.assignment, new_title, now)
        if not submission.files.exists() and not new_text.strip():
            raise ServiceError("Приложите файл работы или напишите текст.", code="work_empty", field="files")
    written, assets = [], []
    old_names = []
    try:
        with transaction.atomic():
            submission = Submission.objects.select_for_update().get(pk=submission.pk)
            submission.title = new_title.strip()
            if description is not None:
                submission.description = description.strip()
            submission.text = new_text.strip()
            if replacing:
                old_names = [f.file.name for f in submission.files.all() if f.file]
                delete_videos_of(submission)
                submission.files.all().delete()
                written, assets = store_files(submission, checked, submission.student.user)
            if submission.status != Submission.Status.PENDING:
                submission.status = Submission.Status.PENDING
                submission.rejection_reason = ""
                submission.submitted_at = now
                enqueue_video_sync(submission.pk)
            submission.save()
    except Exception:
        remove_stored(written, assets)
        raise
    remove_stored(old_names)
    return submission


def _work_title(title):
    """A work's title as the gallery will show it: bidi control characters (which reorder what
    follows them) removed, within the column's length."""
    title = strip_bidi_controls(title).strip()
    limit = Submission._meta.get_field("title").max_length
    if len(title) > limit:
        raise ServiceError(
            f"Название работы — не больше {limit} символов, а в нём {len(title)}.", code="title_too_long", field="title"
        )
    return title


def _check_open_and_title(assignment, title, now):
    if not assignment.is_open(now):
        raise ServiceError(
            f"Приём работ закрыт: работы принимались до {format_moscow(assignment.closes_at)} по московскому времени.",
            code="submissions_closed",
            status=403,
        )
    if not title or not title.strip():
        raise ServiceError("Дайте работе название.", code="title_required", field="title")
