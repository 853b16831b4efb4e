"""The rules of the learning side: plain functions, one transaction each, callable from any view.

Errors a person can fix raise `LearningError` with a Russian message (the API turns it into a 4xx).
Other apps are reached only through their services, imported lazily: `engagement` for money,
`media_pipeline` for contest videos, `cms` for winner-story drafts.
"""

import io
import secrets
import statistics
import uuid
import warnings
from dataclasses import dataclass
from datetime import timedelta
from pathlib import PurePath
from urllib.parse import urlencode

import filetype
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import dateformat, timezone, translation
from django.utils.translation import ngettext
from PIL import Image, ImageOps

from learning.models import (
    GUARDIAN_CONSENT_BELOW_AGE,
    JURY_GROUP,
    MAX_AGE,
    MIN_AGE,
    Assignment,
    Conflict,
    Consent,
    ContestSettings,
    JuryMember,
    LessonProgress,
    Like,
    ModerationDecision,
    Report,
    Score,
    Student,
    Submission,
    SubmissionFile,
    age_band_for,
    age_on,
)
from learning.signals import lesson_completed, student_account_deleted, work_status_changed, work_visibility_changed

CONSENT_TEXT_VERSION = "2026-09"
GUARDIAN_TOKEN_SALT = "learning.guardian-consent"  # noqa: S105 (a signing namespace, not a secret)
GUARDIAN_TOKEN_MAX_AGE = 14 * 24 * 3600
GUARDIAN_RESEND_INTERVAL = 10 * 60  # seconds between resent consent emails for one child
# Naming the town in a winner story: its own consent, asked of the guardian with the winner's email.
TOWN_CONSENT_TEXT_VERSION = "2026-12"
TOWN_TOKEN_SALT = "learning.town-consent"  # noqa: S105 (a signing namespace, not a secret)
TOWN_TOKEN_MAX_AGE = 90 * 24 * 3600

# A lesson counts as complete when this share of it was actually watched.
COMPLETE_SHARE = 0.95
# The player reports every ~10 s; at 2x speed that is 20 s of video. Longer intervals are refused,
# so a forged "I watched all of it" cannot complete a lesson.
MAX_REPORTED_INTERVAL = 30.0

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


class LearningError(Exception):
    """A refusal a person can act on; `field` names the input it is about, when there is one."""

    def __init__(self, message, field=None, status=400):
        super().__init__(message)
        self.message = message
        self.field = field
        self.status = status


class ConsentPending(LearningError):
    """The password is right, but the account waits for the guardian's consent (under 14)."""

    def __init__(self, student):
        super().__init__(
            f"Аккаунт ждёт согласия родителя: письмо со ссылкой отправлено на {student.guardian_email}. "
            "Попросите родителя открыть ссылку из письма (проверьте и папку «Спам») — или отправьте письмо ещё раз.",
            status=403,
        )
        self.student = student


# --- Roles ----------------------------------------------------------------------------------------


def in_group(user, name):
    return bool(user and user.is_authenticated and (user.is_superuser or user.groups.filter(name=name).exists()))


def is_moderator(user):
    return in_group(user, "Moderators")


def is_editor(user):
    return in_group(user, "Editors")


def student_of(user):
    """The active student profile of a user, or None."""
    if not user or not user.is_authenticated:
        return None
    student = getattr(user, "student", None)
    if student is None or student.is_deleted:
        return None
    return student


def can_manage_student(user, student):
    """The student themself or their guardian (their data, their works, their account)."""
    if not user or not user.is_authenticated or student.is_deleted:
        return False
    return student.user_id == user.pk or (student.guardian_id is not None and student.guardian_id == user.pk)


def jury_seat(user, assignment, role=None):
    if not user or not user.is_authenticated:
        return None
    seats = JuryMember.objects.filter(user=user, direction_id=assignment.direction_id, season_id=assignment.season_id)
    if role:
        seats = seats.filter(role=role)
    return seats.first()


def is_mentor_of(user, assignment):
    """The direction's mentor for the season: seated as mentor, or the user of the masterclass's mentor page."""
    if jury_seat(user, assignment, JuryMember.Role.MENTOR):
        return True
    masterclass = assignment.masterclass
    mentor_page = getattr(masterclass, "mentor", None) if masterclass else None
    return bool(mentor_page and user.is_authenticated and getattr(mentor_page, "user_id", None) == user.pk)


def check_login(email, password):
    """The user for an email and password; a child waiting for the guardian is told so."""
    User = get_user_model()
    email = (email or "").strip()
    user = User.objects.filter(username__iexact=email).first() or User.objects.filter(email__iexact=email).first()
    if user is None or not user.check_password(password):
        raise LearningError("Неверный email или пароль.", status=400)
    if not user.is_active:
        student = getattr(user, "student", None)
        if student is not None and not student.is_deleted:
            raise ConsentPending(student)
        raise LearningError("Аккаунт отключён.", status=403)
    return user


def can_see_work(user, submission):
    """Public works to everyone; before approval only the author, the guardian, moderators and the
    work's jury (unless they declared a conflict)."""
    if submission.is_public:
        return True
    if not user or not user.is_authenticated:
        return False
    if can_manage_student(user, submission.student) or is_moderator(user):
        return True
    if submission.status == Submission.Status.SHORTLISTED and jury_seat(user, submission.assignment):
        return not submission.conflicts.filter(juror=user).exists()
    return False


def raised_by(user):
    """Kopecks the user's own actions raised (the engagement ledger's answer)."""
    from engagement import services as engagement

    return engagement.raised_by(user)


# --- Registration and consent ---------------------------------------------------------------------


def _send(template, to, context):
    """Render learning/emails/<template>.txt (first line is the subject) and send it."""
    subject, _, body = render_to_string(f"learning/emails/{template}.txt", context).strip().partition("\n")
    send_mail(subject.strip(), body.strip() + "\n", settings.DEFAULT_FROM_EMAIL, [to])


def guardian_token(student):
    return signing.dumps({"s": student.pk, "e": student.guardian_email}, salt=GUARDIAN_TOKEN_SALT)


def guardian_confirm_url(student):
    return settings.SITE_URL + reverse("learning:guardian-consent-page", args=[guardian_token(student)])


def register_student(
    *,
    email,
    password,
    first_name,
    surname,
    birth_date,
    region,
    town,
    town_population=None,
    guardian_email="",
    consent=False,
    ip=None,
    today=None,
    notify_guardian=True,
):
    """Create a student account. Under 14 it stays inactive until a guardian confirms by the emailed
    link; from 14 the student's own consent is recorded and the account is active at once."""
    today = today or timezone.localdate()
    email = (email or "").strip().lower()
    guardian_email = (guardian_email or "").strip().lower()
    User = get_user_model()
    if not first_name.strip() or not surname.strip():
        raise LearningError("Укажите имя и фамилию.", "first_name")
    age = age_on(birth_date, today)
    if age < MIN_AGE or age > MAX_AGE:
        raise LearningError(
            f"Участвовать могут дети от {MIN_AGE} до {MAX_AGE} лет; по дате рождения вам {age}.", "birth_date"
        )
    if User.objects.filter(email__iexact=email).exists() or User.objects.filter(username__iexact=email).exists():
        raise LearningError("Этот email уже зарегистрирован. Войдите или восстановите пароль.", "email")
    needs_guardian = age < GUARDIAN_CONSENT_BELOW_AGE
    if needs_guardian:
        if not guardian_email:
            raise LearningError(
                "До 14 лет нужен email родителя или законного представителя: мы попросим его подтвердить согласие.",
                "guardian_email",
            )
        if guardian_email == email:
            raise LearningError("Email родителя должен отличаться от email ученика.", "guardian_email")
    elif not consent:
        raise LearningError("Подтвердите согласие на обработку персональных данных.", "consent")
    candidate = User(username=email, email=email, first_name=first_name.strip())
    try:
        validate_password(password, candidate)
    except ValidationError as error:
        raise LearningError(" ".join(error.messages), "password")

    with transaction.atomic():
        candidate.set_password(password)
        candidate.is_active = not needs_guardian
        candidate.save()
        student = Student.objects.create(
            user=candidate,
            first_name=first_name.strip(),
            surname=surname.strip(),
            birth_date=birth_date,
            region=region,
            town=town.strip(),
            town_population=town_population,
            guardian_email=guardian_email,
        )
        if not needs_guardian:
            Consent.objects.create(
                student=student, kind=Consent.Kind.OWN, text_version=CONSENT_TEXT_VERSION, email=email, ip=ip
            )
    if needs_guardian and notify_guardian:
        _send(
            "guardian_consent",
            guardian_email,
            {"student": student, "url": guardian_confirm_url(student), "version": CONSENT_TEXT_VERSION},
        )
    return student


def resend_guardian_consent(student):
    """Send the guardian's consent link again, at most once per GUARDIAN_RESEND_INTERVAL per child."""
    from django.core.cache import cache

    if student.user.is_active or student.is_deleted or not student.guardian_email:
        raise LearningError("Этому аккаунту не нужно согласие родителя: просто войдите.")
    if not cache.add(f"guardian-resend:{student.pk}", 1, GUARDIAN_RESEND_INTERVAL):
        minutes = GUARDIAN_RESEND_INTERVAL // 60
        raise LearningError(f"Письмо уже отправлено недавно. Повторить можно через {minutes} мин.", status=429)
    _send(
        "guardian_consent",
        student.guardian_email,
        {"student": student, "url": guardian_confirm_url(student), "version": CONSENT_TEXT_VERSION},
    )


def resend_guardian_consent_by_login(email, password):
    """The API's resend: the child's email and password prove who asks. Returns the student."""
    try:
        check_login(email, password)
    except ConsentPending as pending:
        resend_guardian_consent(pending.student)
        return pending.student
    raise LearningError("Аккаунт уже активен: просто войдите.", status=409)


def student_for_guardian_token(token):
    return _student_for_token(
        token,
        GUARDIAN_TOKEN_SALT,
        GUARDIAN_TOKEN_MAX_AGE,
        "Срок действия ссылки истёк (14 дней). Попросите ребёнка зарегистрироваться заново.",
    )


def _student_for_token(token, salt, max_age, expired_message):
    """The student a guardian's emailed link is about, while the guardian's email is unchanged."""
    try:
        data = signing.loads(token, salt=salt, max_age=max_age)
    except signing.SignatureExpired:
        raise LearningError(expired_message)
    except signing.BadSignature:
        raise LearningError("Ссылка повреждена. Откройте её из письма целиком.")
    student = Student.objects.filter(pk=data["s"], deleted_at__isnull=True).select_related("user").first()
    if student is None or student.guardian_email != data["e"]:
        raise LearningError("Ссылка больше не действует: аккаунт удалён или email родителя изменён.", status=404)
    return student


def confirm_guardian_consent(token, *, ip=None, password=""):
    """Record the guardian's consent and activate the child's account. With a password the guardian
    also gets an account (or links an existing one with that email) to manage the child's data."""
    student = student_for_guardian_token(token)
    User = get_user_model()
    guardian_user = None
    if password:
        guardian_user = User.objects.filter(email__iexact=student.guardian_email).first()
        if guardian_user is None:
            guardian_user = User(username=student.guardian_email, email=student.guardian_email)
            try:
                validate_password(password, guardian_user)
            except ValidationError as error:
                raise LearningError(" ".join(error.messages), "password")
            guardian_user.set_password(password)
        elif hasattr(guardian_user, "student"):
            raise LearningError("Этот email принадлежит ученику; укажите другой email родителя.", "password")
        elif not guardian_user.check_password(password):
            raise LearningError("У этого email уже есть аккаунт: введите его пароль.", "password")
    with transaction.atomic():
        student = Student.objects.select_for_update().get(pk=student.pk)
        if guardian_user is not None:
            guardian_user.save()
            student.guardian = guardian_user
            student.save(update_fields=["guardian"])
        consent = student.consents.filter(kind=Consent.Kind.GUARDIAN, withdrawn_at__isnull=True).first()
        if consent is None:
            consent = Consent.objects.create(
                student=student,
                kind=Consent.Kind.GUARDIAN,
                text_version=CONSENT_TEXT_VERSION,
                email=student.guardian_email,
                ip=ip,
            )
        get_user_model().objects.filter(pk=student.user_id).update(is_active=True)
    return consent


def town_consent_url(student):
    token = signing.dumps({"s": student.pk, "e": student.guardian_email}, salt=TOWN_TOKEN_SALT)
    return settings.SITE_URL + reverse("learning:town-consent-page", args=[token])


def student_for_town_token(token):
    return _student_for_token(
        token,
        TOWN_TOKEN_SALT,
        TOWN_TOKEN_MAX_AGE,
        "Срок действия ссылки истёк (90 дней). Напишите нам, если хотите, чтобы в истории был назван город.",
    )


def has_town_consent(student):
    return student.consents.filter(kind=Consent.Kind.TOWN_IN_STORY, withdrawn_at__isnull=True).exists()


def record_town_consent(token, *, ip=None):
    """The guardian agrees to naming the child's town in the winner story. Recorded like the other
    consents (text version, time, IP, email); the child's stories name the town from then on."""
    student = student_for_town_token(token)
    if not student.town:
        raise LearningError("В профиле ребёнка не указан населённый пункт: называть нечего.", status=409)
    with transaction.atomic():
        consent = student.consents.filter(kind=Consent.Kind.TOWN_IN_STORY, withdrawn_at__isnull=True).first()
        if consent is None:
            consent = Consent.objects.create(
                student=student,
                kind=Consent.Kind.TOWN_IN_STORY,
                text_version=TOWN_CONSENT_TEXT_VERSION,
                email=student.guardian_email,
                ip=ip,
            )
        _name_town_in_stories(student, student.town)
    return consent


def _name_town_in_stories(student, town):
    """Put `town` ("" to remove it) into the child's winner stories: the live page and the draft."""
    from cms.models import WinnerStoryPage

    stories = WinnerStoryPage.objects.filter(
        pk__in=student.submissions.exclude(winner_story=None).values("winner_story")
    )
    for story in stories:
        WinnerStoryPage.objects.filter(pk=story.pk).update(town=town)
        if revision := story.get_latest_revision():
            revision.content = {**revision.content, "town": town}
            revision.save(update_fields=["content"])


# --- Data download and account deletion -----------------------------------------------------------


def export_student_data(student):
    """Everything the platform keeps about a student, as JSON-ready data."""
    user = student.user
    return {
        "account": {"email": user.email, "date_joined": user.date_joined.isoformat(), "is_active": user.is_active},
        "profile": {
            "first_name": student.first_name,
            "surname": student.surname,
            "birth_date": student.birth_date.isoformat() if student.birth_date else None,
            "region": student.region.name if student.region else None,
            "town": student.town,
            "town_population": student.town_population,
            "guardian_email": student.guardian_email,
        },
        "consents": [
            {
                "kind": c.kind,
                "text_version": c.text_version,
                "email": c.email,
                "ip": c.ip,
                "given_at": c.given_at.isoformat(),
                "withdrawn_at": c.withdrawn_at.isoformat() if c.withdrawn_at else None,
            }
            for c in student.consents.all()
        ],
        "lesson_progress": [
            {
                "lesson": p.lesson.title,
                "position": p.position,
                "watched_seconds": p.watched_seconds,
                "completed_at": p.completed_at.isoformat() if p.completed_at else None,
            }
            for p in student.progress.select_related("lesson")
        ],
        "submissions": [
            {
                "assignment": s.assignment.title,
                "title": s.title,
                "description": s.description,
                "text": s.text,
                "status": s.status,
                "rejection_reason": s.rejection_reason,
                "created_at": s.created_at.isoformat(),
                "files": [{"kind": f.kind, "content_type": f.content_type, "size": f.size} for f in s.files.all()],
            }
            for s in student.submissions.select_related("assignment").prefetch_related("files")
        ],
        "likes_given": [like.submission_id for like in user.work_likes.all()],
    }


def delete_student_account(student, *, by=None):
    """Erase personal fields and withdraw the works. The rows stay (anonymised) so every ledger entry
    keeps its actor and target: no total changes."""
    now = timezone.now()
    stored_names = []
    with transaction.atomic():
        student = Student.objects.select_for_update().select_related("user").get(pk=student.pk)
        if student.is_deleted:
            raise LearningError("Аккаунт уже удалён.", status=404)
        for submission in student.submissions.prefetch_related("files"):
            stored_names += [f.file.name for f in submission.files.all() if f.file]
            _delete_videos_of(submission)
            submission.files.all().delete()
            submission.title = "Работа снята автором"
            submission.description = ""
            submission.text = ""
            submission.withdrawn_at = now
            submission.save(update_fields=["title", "description", "text", "withdrawn_at", "updated_at"])
        student.consents.update(withdrawn_at=now)
        _name_town_in_stories(student, "")
        user = student.user
        user.username = f"deleted-{uuid.uuid4().hex}"
        user.email = ""
        user.first_name = ""
        user.last_name = ""
        user.is_active = False
        user.set_unusable_password()
        user.save()
        student.first_name = ""
        student.surname = ""
        student.birth_date = None
        student.region = None
        student.town = ""
        student.town_population = None
        student.guardian_email = ""
        student.guardian = None
        student.deleted_at = now
        student.save()
        student_account_deleted.send(sender=Student, student=student)
        storage_default = SubmissionFile._meta.get_field("file").storage
        transaction.on_commit(lambda: [storage_default.delete(name) for name in stored_names])
    return student


# --- Lesson progress ------------------------------------------------------------------------------


def merge_intervals(intervals, new=None):
    """Sorted, non-overlapping [start, end] intervals covering the given ones."""
    items = sorted([list(i) for i in intervals] + ([list(new)] if new else []))
    merged = []
    for start, end in items:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return merged


def record_progress(student, lesson, *, position, start, end, duration=None):
    """Keep the resume position and add the interval the player reports as watched (one row per
    student and lesson). Complete when at least 95 % of the lesson was actually watched."""
    video = getattr(lesson, "video", None)
    known = getattr(video, "duration", None) if video else None
    for value, name in ((position, "position"), (start, "start"), (end, "end")):
        if value is None or value < 0:
            raise LearningError("Позиция и интервал просмотра должны быть неотрицательными числами.", name)
    if end < start:
        raise LearningError("Конец просмотренного интервала раньше его начала.", "end")
    if end - start > MAX_REPORTED_INTERVAL:
        raise LearningError(
            f"Интервал длиннее {int(MAX_REPORTED_INTERVAL)} с: плеер присылает просмотренное каждые ~10 с.", "end"
        )
    with transaction.atomic():
        progress, _ = LessonProgress.objects.get_or_create(student=student, lesson=lesson)
        progress = LessonProgress.objects.select_for_update().get(pk=progress.pk)
        total = known or progress.duration or duration
        if not total or total <= 0:
            raise LearningError("Длительность урока ещё неизвестна: передайте duration.", "duration")
        progress.duration = total
        start, end = min(start, total), min(end, total)
        progress.position = min(position, total)
        if end > start:
            progress.watched = merge_intervals(progress.watched, [start, end])
        progress.watched_seconds = round(sum(e - s for s, e in progress.watched), 3)
        completes = progress.completed_at is None and progress.watched_seconds >= COMPLETE_SHARE * total
        if completes:
            progress.completed_at = timezone.now()
        progress.save()
        if completes:
            lesson_completed.send(sender=LessonProgress, student=student, lesson=lesson)
    return progress


def masterclass_progress(student, masterclass):
    """Completed lessons of all live lessons of a masterclass."""
    from cms.models import LessonPage

    lessons = LessonPage.objects.live().child_of(masterclass)
    total = lessons.count()
    completed = LessonProgress.objects.filter(student=student, lesson__in=lessons, completed_at__isnull=False).count()
    return {"completed": completed, "total": total, "percent": round(100 * completed / total) if total else 0}


# --- Contest files --------------------------------------------------------------------------------


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


def _format_moscow(moment):
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
        accepted = "; ".join(
            f"{KIND_LABELS[k]}: {FORMATS_HINT[k]}" for k in assignment.allowed_kinds if k in FORMATS_HINT
        )
        raise LearningError(
            f"«{label}»: по содержимому это не поддерживаемый формат. Принимаются: {accepted or 'только текст'}.",
            "files",
        )
    if kind not in assignment.allowed_kinds:
        raise LearningError(f"«{label}»: {KIND_LABELS[kind]} в этом задании не принимается.", "files")
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
                raise LearningError(
                    f"«{label}»: изображение {width}×{height} слишком большое; "
                    f"не больше {IMAGE_MAX_PIXELS // 1_000_000} мегапикселей.",
                    "files",
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
    except LearningError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise LearningError(f"«{label}»: изображение слишком большое для обработки.", "files")
    except (OSError, SyntaxError, ValueError):
        raise LearningError(f"«{label}»: файл изображения повреждён или не дочитан; сохраните его заново.", "files")
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
    from media_pipeline.services import check_playable

    try:
        check_playable(upload)
    except ValidationError as error:
        raise LearningError(f"«{label}»: {' '.join(error.messages)}", "files")


def register_contest_video(owner, title, file):
    """Contest videos go through media_pipeline (probe, transcode), like lesson videos."""
    from media_pipeline.services import register_upload

    try:
        return register_upload(owner, title, file, private=True)  # public only once approved
    except ValidationError as error:
        raise LearningError(f"«{PurePath(file.name or 'видео').name}»: {' '.join(error.messages)}", "files")


def _check_active(student):
    if student.is_deleted or not student.user.is_active:
        raise LearningError("Аккаунт ещё не активирован: нужно согласие родителя.", status=403)


def _check_can_submit(assignment, student, now):
    """The assignment takes works now, from a student of this age."""
    if not assignment.is_open(now):
        if now < assignment.opens_at:
            raise LearningError(
                f"Приём работ ещё не начался: он откроется {_format_moscow(assignment.opens_at)} "
                "по московскому времени.",
                status=403,
            )
        raise LearningError(
            f"Приём работ закрыт: работы принимались до {_format_moscow(assignment.closes_at)} по московскому времени.",
            status=403,
        )
    band = age_band_for(student.age)
    if assignment.age_bands and band not in assignment.age_bands:
        bands = ", ".join(assignment.age_bands)
        raise LearningError(f"Это задание для возраста {bands} лет, а вам {student.age}.", status=403)


def _check_submission_input(assignment, student, title, text, uploads, videos, now):
    _check_can_submit(assignment, student, now)
    if not title or not title.strip():
        raise LearningError("Дайте работе название.", "title")
    if len(uploads) + len(videos) > assignment.max_files:
        count = assignment.max_files
        message = ngettext("You can attach at most %(count)s file.", "You can attach at most %(count)s files.", count)
        raise LearningError(message % {"count": count}, "files")
    if text and "text" not in assignment.allowed_kinds:
        raise LearningError("Текст в этом задании не принимается: приложите файл.", "text")
    if not uploads and not videos and not (text and text.strip()):
        raise LearningError("Приложите файл работы или напишите текст.", "files")
    if len(set(map(str, videos))) != len(videos):
        raise LearningError("Одно и то же видео приложено дважды.", "videos")
    checked = [check_upload(assignment, upload) for upload in uploads]
    return checked + [check_uploaded_video(assignment, student, uid) for uid in videos]


UNCLAIMED_UPLOAD_DAYS = 7


def remove_unclaimed_uploads(now=None):
    """Students' contest uploads left unfinished or never attached to a work for a week: abort the
    open ones (their chunks or S3 parts go) and delete the finished ones' private videos.
    Returns (aborted, deleted). Run daily: `manage.py remove_unclaimed_uploads`."""
    from media_pipeline.models import VideoAsset, VideoUpload
    from media_pipeline.services import abort_upload

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
        raise LearningError(
            f"«{label}»: файл {size / 1024 / 1024:.1f} МБ, а для вида «{KIND_LABELS[kind]}» "
            f"можно не больше {limit // 1024 // 1024} МБ.",
            "files",
        )


def start_video_upload(student, assignment, *, filename, size, now=None):
    """Open a resumable upload of a contest video (chunks through the platform, or parts straight
    to S3), checked against the assignment before a byte is sent. The bytes stay in the private
    storage; the finished upload is attached with `submit_work(videos=[uid])`."""
    from media_pipeline.services import start_upload

    now = now or timezone.now()
    _check_active(student)
    _check_can_submit(assignment, student, now)
    label = PurePath(filename or "видео").name
    if "video" not in assignment.allowed_kinds:
        raise LearningError(f"«{label}»: {KIND_LABELS['video']} в этом задании не принимается.", "files")
    _check_size(assignment, "video", label, size)
    try:
        return start_upload(student.user, f"{assignment.title}: {label}", label, size, private=True)
    except ValidationError as error:
        raise LearningError(f"«{label}»: {' '.join(error.messages)}", "files")


def check_uploaded_video(assignment, student, uid):
    """A finished resumable upload of this student, not yet part of a work, that is a video by
    content and within the assignment's limits."""
    from media_pipeline.models import VideoUpload
    from media_pipeline.services import source_head

    try:
        upload = VideoUpload.objects.select_related("video").get(owner=student.user, uid=uid, private=True)
    except (VideoUpload.DoesNotExist, ValidationError, ValueError):
        raise LearningError("Загруженное видео не найдено: загрузите файл ещё раз.", "videos")
    label = upload.filename
    if upload.status != VideoUpload.Status.COMPLETED or upload.video is None:
        raise LearningError(f"«{label}»: загрузка не завершена — дождитесь, пока она дойдёт до конца.", "videos")
    if SubmissionFile.objects.filter(video=upload.video).exists():
        raise LearningError(f"«{label}» уже приложено к работе.", "videos", status=409)
    if "video" not in assignment.allowed_kinds:
        raise LearningError(f"«{label}»: {KIND_LABELS['video']} в этом задании не принимается.", "files")
    _check_size(assignment, "video", label, upload.size)
    if upload.video.status == upload.video.Status.FAILED:
        raise LearningError(f"«{label}»: {upload.video.failure_reason}", "videos")
    guess = filetype.guess(source_head(upload.video))
    if guess is None or KIND_BY_MIME.get(guess.mime) != "video":
        raise LearningError(f"«{label}»: по содержимому это не видео. Принимаются {FORMATS_HINT['video']}.", "videos")
    return CheckedFile(
        kind="video", name=label, content_type=guess.mime, size=upload.size, content=None, video=upload.video
    )


def _store_files(submission, checked, owner):
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
        _remove_stored(written, assets)
        raise
    return written, assets


def _remove_stored(names, assets=()):
    """Remove what a failed or replaced upload wrote: work files and whole video assets."""
    from media_pipeline import storage as video_storage

    storage = SubmissionFile._meta.get_field("file").storage
    for name in names:
        storage.delete(name)
    for asset in assets:
        with video_storage.selected(asset.private):
            video_storage.delete_prefix(asset.storage_prefix)


def _delete_videos_of(submission):
    """Delete the work's video assets; media_pipeline removes their files once this commits."""
    from media_pipeline.models import VideoAsset

    VideoAsset.objects.filter(pk__in=submission.files.exclude(video=None).values("video")).delete()


def submit_work(student, assignment, *, title, description="", text="", files=(), videos=(), now=None):
    """A student's contest work: files checked by content, images re-encoded, videos handed to the
    media pipeline (or, for large ones, `videos`: uids of finished `start_video_upload` uploads);
    it waits for a moderator. Nothing of a refused upload stays behind, except a finished video
    upload, which the student can attach again."""
    now = now or timezone.now()
    title = _work_title(title)
    files, videos = list(files), list(videos)
    _check_active(student)
    checked = _check_submission_input(assignment, student, title, text, files, videos, now)
    written, assets = [], []
    try:
        with transaction.atomic():
            if Submission.objects.filter(student=student, assignment=assignment).exists():
                raise LearningError(
                    "Вы уже отправили работу на это задание — её можно изменить, пока идёт приём.", status=409
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
            written, assets = _store_files(submission, checked, student.user)
    except IntegrityError:
        _remove_stored(written, assets)
        raise LearningError("Вы уже отправили работу на это задание — её можно изменить, пока идёт приём.", status=409)
    except Exception:
        _remove_stored(written, assets)
        raise
    return submission


EDITABLE_STATUSES = (Submission.Status.PENDING, Submission.Status.APPROVED, Submission.Status.REJECTED)


def edit_work(submission, *, title=None, description=None, text=None, files=None, videos=None, now=None):
    """Change a work while the assignment is open. A changed public or rejected work goes back to the
    moderation queue; `files` and `videos` (finished resumable uploads), when given, replace the
    old files."""
    now = now or timezone.now()
    if submission.withdrawn_at:
        raise LearningError("Работа снята.", status=404)
    if submission.status not in EDITABLE_STATUSES:
        raise LearningError("Работа уже у жюри — изменить её нельзя.", status=409)
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
            raise LearningError("Приложите файл работы или напишите текст.", "files")
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
                _delete_videos_of(submission)
                submission.files.all().delete()
                written, assets = _store_files(submission, checked, submission.student.user)
            if submission.status != Submission.Status.PENDING:
                submission.status = Submission.Status.PENDING
                submission.rejection_reason = ""
                submission.submitted_at = now
                _enqueue_video_sync(submission.pk)
            submission.save()
    except Exception:
        _remove_stored(written, assets)
        raise
    _remove_stored(old_names)
    return submission


def _work_title(title):
    """A work's title as the gallery will show it: bidi control characters (which reorder what
    follows them) removed, within the column's length."""
    from media_pipeline.models import strip_bidi_controls

    title = strip_bidi_controls(title).strip()
    limit = Submission._meta.get_field("title").max_length
    if len(title) > limit:
        raise LearningError(f"Название работы — не больше {limit} символов, а в нём {len(title)}.", "title")
    return title


def _check_open_and_title(assignment, title, now):
    if not assignment.is_open(now):
        raise LearningError(
            f"Приём работ закрыт: работы принимались до {_format_moscow(assignment.closes_at)} по московскому времени.",
            status=403,
        )
    if not title or not title.strip():
        raise LearningError("Дайте работе название.", "title")


# --- Moderation -----------------------------------------------------------------------------------


def _log(submission, moderator, action, reason=""):
    return ModerationDecision.objects.create(submission=submission, moderator=moderator, action=action, reason=reason)


def approval_key(submission):
    return f"work_approved:{submission.pk}:{submission.ledger_round}"


def count_approved_work(submission):
    """The one place a contest work reaches the engagement ledger: one action per accepted work."""
    from engagement import services as engagement

    try:
        return engagement.record_action("work_approved", submission.student.user, submission, approval_key(submission))
    except engagement.EngagementError as error:
        raise LearningError(str(error), status=409)


def uncount_approved_work(submission, reason):
    from engagement import services as engagement

    try:
        return engagement.reverse_action(approval_key(submission), reason)
    except engagement.EngagementError as error:
        raise LearningError(str(error), status=409)


def _notify_author(submission, template):
    """Tell the author (and a guardian, who reads a young child's mail) what the moderator decided,
    once the decision is committed."""
    student = submission.student
    context = {
        "submission": submission,
        "student": student,
        "assignment": submission.assignment,
        "site_url": settings.SITE_URL,
    }
    letters = {}
    if student.guardian_email:
        letters[student.guardian_email.lower()] = f"{template}_guardian"  # addressed to the parent
    if student.user.email:
        letters[student.user.email.lower()] = template  # the child's own, when the addresses differ
    transaction.on_commit(lambda: [_send(letter, to, context) for to, letter in sorted(letters.items())])


def _lock(submission):
    return Submission.objects.select_for_update().select_related("student__user", "assignment").get(pk=submission.pk)


def approve_submission(submission, moderator):
    """Publish a pending (or reported) work; the first approval is worth one ledger action."""
    with transaction.atomic():
        submission = _lock(submission)
        if submission.withdrawn_at:
            raise LearningError("Работа снята автором.", status=409)
        if submission.status not in (Submission.Status.PENDING,) and not submission.needs_review:
            raise LearningError("Одобрить можно только работу из очереди модерации.", status=409)
        published = submission.status == Submission.Status.PENDING
        if published:
            submission.status = Submission.Status.APPROVED
            submission.approved_at = timezone.now()
            _notify_author(submission, "work_approved")
        submission.rejection_reason = ""
        submission.hidden = False
        submission.needs_review = False
        if not submission.counted:
            count_approved_work(submission)
            submission.counted = True
        submission.save()
        if published:
            work_status_changed.send(sender=Submission, submission=submission)
        submission.reports.filter(resolved_at__isnull=True).update(resolved_at=timezone.now())
        _log(submission, moderator, ModerationDecision.Action.APPROVE)
        _enqueue_video_sync(submission.pk)
    return submission


def _enqueue_video_sync(submission_id):
    from learning.tasks import sync_work_videos

    transaction.on_commit(lambda: sync_work_videos.enqueue(submission_id))


def sync_work_videos(submission):
    """A work's videos are public exactly while the work is: a public work's ready videos leave the
    private storage (media_pipeline copies them to the public one); a work rejected, hidden or sent
    back to moderation after an edit takes its public videos back. Videos still processing follow
    when media_pipeline says they are ready. Returns the videos moved."""
    from media_pipeline.services import publish_asset, unpublish_asset

    submission = Submission.objects.get(pk=submission.pk)
    if submission.is_public:
        files = submission.files.filter(video__private=True, video__status="ready").select_related("video")
        return [publish_asset(item.video) for item in files]
    files = submission.files.filter(video__private=False).select_related("video")
    return [unpublish_asset(item.video) for item in files]


def on_video_ready(sender, asset, **kwargs):
    """media_pipeline's `video_ready`: a contest video approved while it was processing goes public now."""
    if asset.private:
        for submission in Submission.objects.filter(files__video=asset).distinct():
            if submission.is_public:
                _enqueue_video_sync(submission.pk)


def reject_submission(submission, moderator, reason):
    """Refuse a work with a reason the student sees. A work already counted gets a compensating entry."""
    reason = (reason or "").strip()
    if not reason:
        raise LearningError("Напишите причину отклонения: её увидит ученик.", "reason")
    with transaction.atomic():
        submission = _lock(submission)
        if submission.status in (Submission.Status.WINNER, Submission.Status.FINALIST):
            raise LearningError("Итоги по этой работе уже подведены.", status=409)
        if submission.status == Submission.Status.REJECTED:
            raise LearningError("Работа уже отклонена.", status=409)
        if submission.counted:
            uncount_approved_work(submission, reason)
            submission.counted = False
            submission.ledger_round = F("ledger_round") + 1
        submission.status = Submission.Status.REJECTED
        submission.rejection_reason = reason
        submission.needs_review = False
        submission.hidden = False
        submission.save()
        work_status_changed.send(sender=Submission, submission=submission)
        submission.reports.filter(resolved_at__isnull=True).update(resolved_at=timezone.now())
        _log(submission, moderator, ModerationDecision.Action.REJECT, reason)
        _enqueue_video_sync(submission.pk)
        _notify_author(submission, "work_rejected")
    submission.refresh_from_db()
    return submission


def report_submission(submission, *, reason, reporter=None, ip=None):
    """A visitor reports a public work: it goes back to the queue, and past the threshold it is hidden."""
    reason = (reason or "").strip()
    if not reason:
        raise LearningError("Напишите, что не так с работой.", "reason")
    with transaction.atomic():
        submission = _lock(submission)
        if not submission.is_public:
            raise LearningError("Работа не найдена.", status=404)
        open_reports = submission.reports.filter(resolved_at__isnull=True)
        same = open_reports.filter(reporter=reporter) if reporter else open_reports.filter(reporter=None, ip=ip)
        if same.exists():
            raise LearningError("Вы уже пожаловались на эту работу; модератор её проверит.", status=409)
        Report.objects.create(submission=submission, reporter=reporter, ip=ip, reason=reason)
        submission.needs_review = True
        threshold = ContestSettings.load().report_hide_threshold
        if open_reports.count() >= threshold and not submission.hidden:
            submission.hidden = True
            _log(submission, None, ModerationDecision.Action.HIDE, f"Жалоб: {open_reports.count()}")
            _enqueue_video_sync(submission.pk)
        submission.save()
        if submission.hidden:
            work_visibility_changed.send(sender=Submission, submission=submission)
    return submission


def keep_submission(submission, moderator, reason=""):
    """Reports were unfounded: the work stays public and leaves the queue."""
    with transaction.atomic():
        submission = _lock(submission)
        if not submission.needs_review:
            raise LearningError("По этой работе нет открытых жалоб.", status=409)
        submission.needs_review = False
        submission.hidden = False
        submission.save()
        submission.reports.filter(resolved_at__isnull=True).update(resolved_at=timezone.now())
        _log(submission, moderator, ModerationDecision.Action.KEEP, reason)
        _enqueue_video_sync(submission.pk)
        work_visibility_changed.send(sender=Submission, submission=submission)
    return submission


def shortlist_submission(submission, by):
    with transaction.atomic():
        submission = _lock(submission)
        if not (is_moderator(by) or is_mentor_of(by, submission.assignment)):
            raise LearningError("Шорт-лист составляют модераторы и наставник направления.", status=403)
        if not submission.is_public or submission.status != Submission.Status.APPROVED:
            raise LearningError("В шорт-лист попадают только опубликованные работы.", status=409)
        submission.status = Submission.Status.SHORTLISTED
        submission.jury_code = submission.jury_code or new_jury_code()
        submission.save()
        work_status_changed.send(sender=Submission, submission=submission)
        _log(submission, by, ModerationDecision.Action.SHORTLIST)
    return submission


def new_jury_code():
    """The random code under which jurors see a shortlisted work. Jurors get nothing else that
    names it (no id, uid, file name, title or file size), so nothing they see leads to the work
    in the gallery, where a work under judging shows no author anyway (`public_works`)."""
    return secrets.token_hex(6).upper()


def jury_label(submission):
    """How jurors name a work: by its code, never its title (the title would find it in the gallery)."""
    return f"Работа {submission.jury_code}"


def under_judging():
    """Works the jury is judging now: shortlisted in an assignment whose winners are not confirmed."""
    from django.db.models import Exists, OuterRef, Q

    confirmed = Submission.objects.filter(assignment=OuterRef("assignment"), status=Submission.Status.WINNER)
    return Q(status=Submission.Status.SHORTLISTED) & ~Exists(confirmed)


def public_works():
    """Works anyone may see, flagged `under_judging`: until the results are confirmed such a work is
    shown without its author (name, age, region) and is left out of filters by author."""
    from django.db.models import BooleanField, ExpressionWrapper

    return Submission.objects.filter(
        status__in=Submission.PUBLIC_STATUSES, hidden=False, withdrawn_at__isnull=True
    ).annotate(under_judging=ExpressionWrapper(under_judging(), output_field=BooleanField()))


def by_author(works, **lookups):
    """Public works filtered by something of their author's (region, age band): never a work under
    judging, whose author the gallery does not show yet."""
    return works.filter(**lookups).exclude(under_judging())


def public_work_url(submission):
    return f"{settings.SITE_URL}/gallery/{submission.pk}/"


def vk_share_url(submission):
    return "https://vk.com/share.php?" + urlencode({"url": public_work_url(submission), "title": submission.title})


def moderation_queue_with_reports():
    from django.db.models import Count, Q

    return moderation_queue().annotate(open_reports=Count("reports", filter=Q(reports__resolved_at__isnull=True)))


def filter_by_kind(queryset, kind):
    """Works that contain a file of `kind` (or a text, for "text")."""
    from django.db.models import Exists, OuterRef

    if kind == Assignment.Kind.TEXT:
        return queryset.exclude(text="")
    return queryset.filter(Exists(SubmissionFile.objects.filter(submission=OuterRef("pk"), kind=kind)))


def moderation_queue():
    """Pending works and reported public ones, oldest first."""
    from django.db.models import Q

    return (
        Submission.objects.filter(withdrawn_at__isnull=True)
        .filter(Q(status=Submission.Status.PENDING) | Q(needs_review=True))
        .select_related("assignment__direction", "student__region")
        .prefetch_related("files__video")
        .order_by("submitted_at", "pk")
    )


# --- Likes ----------------------------------------------------------------------------------------


def count_like(user, submission, liked, ip=None):
    """The one place a like reaches the engagement ledger (a like is worth its rouble while it stands;
    the ledger also limits how fast an account or an address may like)."""
    from engagement import services as engagement

    try:
        return engagement.set_like(user, submission, liked, ip=ip)
    except engagement.RateLimited as error:
        raise LearningError(str(error), status=429)
    except engagement.EngagementError as error:
        raise LearningError(str(error))


def set_like(user, submission, liked, ip=None):
    """Like or unlike a public work; repeating the same state changes nothing. Returns the count.
    The gallery's `Like` rows mirror the ledger's standing likes in the same transaction, so the
    gallery can sort by likes without reading the ledger."""
    with transaction.atomic():
        submission = _lock(submission)
        if not submission.is_public:
            raise LearningError("Работа не найдена.", status=404)
        if submission.student.user_id == user.pk:
            raise LearningError("Свою работу лайкнуть нельзя.", status=403)
        existing = Like.objects.filter(submission=submission, user=user)
        if liked != existing.exists():
            count_like(user, submission, liked, ip=ip)
            if liked:
                Like.objects.create(submission=submission, user=user)
            else:
                existing.delete()
            submission.like_count = Like.objects.filter(submission=submission).count()
            submission.save(update_fields=["like_count"])
    return submission.like_count


# --- Jury and winners -----------------------------------------------------------------------------


def on_jury_seat_removed(sender, instance, **kwargs):
    """A member's last jury seat gone: they leave the Jury group and lose the admin's jury screen."""
    from django.contrib.auth.models import Group

    group = Group.objects.filter(name=JURY_GROUP).first()
    if group is not None and not JuryMember.objects.filter(user_id=instance.user_id).exists():
        group.user_set.remove(instance.user_id)


def blind_works_for(user):
    """Shortlisted works of the directions and seasons the user judges, minus declared conflicts.
    A finished contest leaves the list: its winners are confirmed or its season is over."""
    seats = JuryMember.objects.filter(user=user)
    if not seats.exists():
        return Submission.objects.none()
    from django.db.models import Q

    scope = Q()
    for seat in seats:
        scope |= Q(assignment__direction_id=seat.direction_id, assignment__season_id=seat.season_id)
    return (
        Submission.objects.filter(scope, under_judging(), withdrawn_at__isnull=True)
        .filter(assignment__season__ends_on__gte=timezone.localdate())
        .exclude(conflicts__juror=user)
        .select_related("assignment")
        .prefetch_related("files__video", "assignment__criteria")
        .order_by("uid")
    )


def _judge_check(juror, submission):
    if not jury_seat(juror, submission.assignment):
        raise LearningError("Вы не в жюри этого направления.", status=403)
    if submission.conflicts.filter(juror=juror).exists():
        raise LearningError("Вы заявили конфликт интересов по этой работе.", status=403)
    if submission.status != Submission.Status.SHORTLISTED:
        raise LearningError("Оценивать можно только работы шорт-листа до подведения итогов.", status=409)


def score_submission(juror, submission, *, points, comment):
    """A juror's rubric score (every criterion, within its maximum) with a comment; re-scoring updates it."""
    criteria = list(submission.assignment.criteria.all())
    _judge_check(juror, submission)
    if not (comment or "").strip():
        raise LearningError("Добавьте комментарий к оценке.", "comment")
    clean = {}
    for criterion in criteria:
        value = points.get(str(criterion.pk), points.get(criterion.pk))
        if value is None:
            raise LearningError(f"Поставьте балл по критерию «{criterion.name}».", "points")
        try:
            value = int(value)
        except (TypeError, ValueError):
            raise LearningError(f"Балл по критерию «{criterion.name}» должен быть целым числом.", "points")
        if not 0 <= value <= criterion.max_points:
            raise LearningError(f"По критерию «{criterion.name}» можно от 0 до {criterion.max_points}.", "points")
        clean[str(criterion.pk)] = value
    unknown = {str(k) for k in points} - set(clean)
    if unknown:
        raise LearningError("В оценке есть критерии не из этого задания.", "points")
    with transaction.atomic():
        score, _ = Score.objects.update_or_create(
            juror=juror,
            submission=submission,
            defaults={"points": clean, "total": sum(clean.values()), "comment": comment.strip()},
        )
    return score


def declare_conflict(juror, submission, note=""):
    if not jury_seat(juror, submission.assignment):
        raise LearningError("Вы не в жюри этого направления.", status=403)
    with transaction.atomic():
        conflict, _ = Conflict.objects.get_or_create(juror=juror, submission=submission, defaults={"note": note})
        Score.objects.filter(juror=juror, submission=submission).delete()
    return conflict


def jury_ranking(assignment):
    """Per age band: each juror's totals turned into z-scores over the works that juror scored (so a
    strict and a generous juror weigh the same), then averaged per work. Likes play no part."""
    scores = list(
        Score.objects.filter(submission__assignment=assignment, submission__withdrawn_at__isnull=True)
        .exclude(submission__status__in=[Submission.Status.PENDING, Submission.Status.REJECTED])
        .select_related("submission")
    )
    by_juror = {}
    for score in scores:
        by_juror.setdefault(score.juror_id, []).append(score)
    z_by_work = {}
    for juror_scores in by_juror.values():
        totals = [s.total for s in juror_scores]
        mean = statistics.fmean(totals)
        spread = statistics.pstdev(totals) if len(totals) > 1 else 0.0
        for s in juror_scores:
            z = (s.total - mean) / spread if spread else 0.0
            z_by_work.setdefault(s.submission_id, []).append(z)
    works = {s.submission_id: s.submission for s in scores}
    bands = {}
    for work_id, zs in z_by_work.items():
        work = works[work_id]
        raw = [s.total for s in scores if s.submission_id == work_id]
        bands.setdefault(work.age_band, []).append(
            {
                "submission": work,
                "score": round(statistics.fmean(zs), 4),
                "jurors": len(zs),
                "mean_total": round(statistics.fmean(raw), 2),
                "enough_scores": len(zs) >= assignment.jurors_per_work,
            }
        )
    for rows in bands.values():
        rows.sort(key=lambda r: (-r["score"], -r["mean_total"], r["submission"].pk))
        for place, row in enumerate(rows, start=1):
            row["place"] = place
    return dict(sorted(bands.items()))


def audience_award(assignment, limit=10):
    """The most liked public works of an assignment, per age band: shown apart from the jury ranking."""
    works = (
        Submission.objects.filter(
            assignment=assignment, status__in=Submission.PUBLIC_STATUSES, hidden=False, withdrawn_at__isnull=True
        )
        .select_related("student__region")
        .order_by("-like_count", "submitted_at")
    )
    bands = {}
    for work in works:
        rows = bands.setdefault(work.age_band, [])
        if len(rows) < limit:
            rows.append(work)
    return dict(sorted(bands.items()))


def confirm_winners(mentor, assignment, *, winners, finalists=(), notify=True):
    """The mentor picks winners and finalists from the scored shortlist. Each winner gets a draft
    winner story (public fields only) for editors; the student and guardian get an email."""
    if not (is_mentor_of(mentor, assignment) or mentor.is_superuser):
        raise LearningError("Победителей утверждает наставник направления.", status=403)
    winners, finalists = list(winners), list(finalists)
    if not winners:
        raise LearningError("Выберите хотя бы одного победителя.", "winners")
    if {w.pk for w in winners} & {f.pk for f in finalists}:
        raise LearningError("Работа не может быть одновременно победителем и финалистом.", "finalists")
    with transaction.atomic():
        locked = {
            s.pk: s
            for s in Submission.objects.select_for_update(of=("self",))
            .filter(pk__in=[w.pk for w in winners + finalists])
            .select_related("student__user", "student__region", "assignment")
        }
        for work in winners + finalists:
            work = locked[work.pk]
            if work.assignment_id != assignment.pk or work.status != Submission.Status.SHORTLISTED:
                raise LearningError(f"«{work.title}» не из шорт-листа этого задания.", "winners")
            if work.withdrawn_at:
                raise LearningError(f"«{work.title}» снята автором.", "winners")
            if work.scores.count() < assignment.jurors_per_work:
                count = assignment.jurors_per_work
                message = ngettext(
                    "«%(title)s» needs at least %(count)s jury score, it has %(scores)s.",
                    "«%(title)s» needs at least %(count)s jury scores, it has %(scores)s.",
                    count,
                )
                raise LearningError(
                    message % {"title": work.title, "count": count, "scores": work.scores.count()}, "winners"
                )
        confirmed = []
        for work, status, action in [
            *[(locked[w.pk], Submission.Status.WINNER, ModerationDecision.Action.WINNER) for w in winners],
            *[(locked[f.pk], Submission.Status.FINALIST, ModerationDecision.Action.FINALIST) for f in finalists],
        ]:
            work.status = status
            if status == Submission.Status.WINNER:
                work.winner_story = create_winner_story_draft(work)
            work.save()
            work_status_changed.send(sender=Submission, submission=work)
            _log(work, mentor, action)
            confirmed.append(work)
    for work in confirmed if notify else []:
        if work.status == Submission.Status.WINNER:
            context = {"submission": work, "student": work.student, "assignment": assignment}
            if work.student.user.email:
                _send("winner", work.student.user.email, context)
            if work.student.guardian_email:
                town_url = town_consent_url(work.student) if work.student.town else ""
                _send("winner_guardian", work.student.guardian_email, {**context, "town_url": town_url})
    return confirmed


def create_winner_story_draft(submission):
    """A draft WinnerStoryPage under the winner-story index, filled with public fields only (the
    town's size; the town itself only with the guardian's consent); editors add the photo, quote
    and story before publishing."""
    from cms.models import WinnerStoryIndexPage, WinnerStoryPage
    from cms.towns import town_size_bucket

    index = WinnerStoryIndexPage.objects.first()
    if index is None:
        raise LearningError("Нет раздела историй победителей: редакторам нужно создать его в админке.", status=409)
    student = submission.student
    assignment = submission.assignment
    page = WinnerStoryPage(
        title=f"{student.public_name} — «{submission.title}»",
        slug=f"winner-{submission.uid.hex[:12]}",
        live=False,
        first_name=student.first_name,
        surname_initial=student.surname[:1].upper(),
        age=submission.age,
        region=student.region,
        town_size=town_size_bucket(student.town_population),
        town=student.town if has_town_consent(student) else "",
        direction=assignment.direction,
        season=assignment.season,
        opportunity=assignment.winner_opportunity,
    )
    index.add_child(instance=page)
    page.save_revision()
    return page
