"""Student accounts and consents: sign-in, registration, the guardian's consent (under 14) and the
guardian's consent to naming the town in a winner story, each by a signed emailed link."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from cms.models import WinnerStoryPage
from config import http_cache
from config.errors import ServiceError
from engagement import services as engagement
from learning.models import GUARDIAN_CONSENT_BELOW_AGE, MAX_AGE, MIN_AGE, Consent, Student, Submission, age_on
from learning.services.emails import send_email
from learning.services.work_videos import enqueue_video_sync
from learning.signals import work_visibility_changed

CONSENT_TEXT_VERSION = "2026-09"
GUARDIAN_TOKEN_SALT = "learning.guardian-consent"  # noqa: S105 (a signing namespace, not a secret)
GUARDIAN_TOKEN_MAX_AGE = 14 * 24 * 3600
GUARDIAN_RESEND_INTERVAL = 10 * 60  # seconds between resent consent emails for one child
# Naming the town in a winner story: its own consent, asked of the guardian with the winner's email.
TOWN_CONSENT_TEXT_VERSION = "2026-12"
TOWN_TOKEN_SALT = "learning.town-consent"  # noqa: S105 (a signing namespace, not a secret)
TOWN_TOKEN_MAX_AGE = 90 * 24 * 3600


class ConsentPending(ServiceError):
    """The password is right, but the account waits for the guardian's consent (under 14)."""

    def __init__(self, student):
        if student.consents.filter(kind=Consent.Kind.GUARDIAN, withdrawn_at__isnull=False).exists():
            message = (
                "Родитель отозвал согласие на обработку данных, поэтому аккаунт отключён. Попросите родителя "
                "снова дать согласие в его кабинете — или отправьте ему письмо со ссылкой ещё раз."
            )
        else:
            message = (
                f"Аккаунт ждёт согласия родителя: письмо со ссылкой отправлено на {student.guardian_email}. "
                "Попросите родителя открыть ссылку из письма (проверьте и папку «Спам») — или отправьте письмо ещё раз."
            )
        super().__init__(message, code="consent_pending", status=403)
        self.student = student


def check_login(email, password):
    """The user for an email and password; a child waiting for the guardian is told so."""
    User = get_user_model()
    email = (email or "").strip()
    user = User.objects.filter(username__iexact=email).first() or User.objects.filter(email__iexact=email).first()
    if user is None or not user.check_password(password):
        raise ServiceError("Неверный email или пароль.", code="invalid_credentials", status=400)
    if not user.is_active:
        student = getattr(user, "student", None)
        if student is not None and not student.is_deleted:
            raise ConsentPending(student)
        raise ServiceError("Аккаунт отключён.", code="account_disabled", status=403)
    return user


def raised_by(user):
    """Kopecks the user's own actions raised (the engagement ledger's answer)."""
    return engagement.raised_by(user)


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
    guardian=None,
):
    """Create a student account. Under 14 it stays inactive until a guardian confirms by the emailed
    link; from 14 the student's own consent is recorded and the account is active at once.

    With `guardian` (a signed-in adult adding a child from the cabinet) that guardian's consent is
    recorded at once, with their email and `ip`, whatever the child's age: the account is active and
    linked to the guardian, and no letter goes out."""
    email = (email or "").strip().lower()
    if guardian is not None:
        guardian_email = guardian.email
    User = get_user_model()
    needs_guardian = check_student_rules(
        email=email,
        first_name=first_name,
        surname=surname,
        birth_date=birth_date,
        guardian_email=guardian_email,
        consent=consent,
        today=today,
        guardian=guardian,
    )
    if User.objects.filter(email__iexact=email).exists() or User.objects.filter(username__iexact=email).exists():
        raise ServiceError(
            "Этот email уже зарегистрирован. Войдите или восстановите пароль.", code="email_taken", field="email"
        )
    candidate = User(username=email, email=email, first_name=first_name.strip())
    try:
        validate_password(password, candidate)
    except ValidationError as error:
        raise ServiceError(" ".join(error.messages), code="weak_password", field="password")

    with transaction.atomic():
        candidate.set_password(password)
        candidate.is_active = guardian is not None or not needs_guardian
        candidate.save()
        student = create_student_profile(
            candidate,
            first_name=first_name,
            surname=surname,
            birth_date=birth_date,
            region=region,
            town=town,
            town_population=town_population,
            guardian_email=guardian_email,
            needs_guardian=needs_guardian,
            ip=ip,
            guardian=guardian,
        )
    if needs_guardian and notify_guardian and guardian is None:
        send_guardian_consent_email(student)
    return student


def check_student_rules(
    *, email, first_name, surname, birth_date, guardian_email="", consent=False, today=None, guardian=None
):
    """The registration rules every way in shares (the form, the API, VK ID, a guardian's cabinet):
    name, age 6–18, the guardian's email under 14, one's own consent from 14 (a signed-in guardian
    adding the child consents instead). Returns whether a guardian must confirm by email."""
    today = today or timezone.localdate()
    email = (email or "").strip().lower()
    guardian_email = (guardian_email or "").strip().lower()
    if not (first_name or "").strip() or not (surname or "").strip():
        raise ServiceError("Укажите имя и фамилию.", code="name_required", field="first_name")
    age = age_on(birth_date, today)
    if age < MIN_AGE or age > MAX_AGE:
        raise ServiceError(
            f"Участвовать могут дети от {MIN_AGE} до {MAX_AGE} лет; по дате рождения вам {age}.",
            code="age_out_of_range",
            field="birth_date",
        )
    needs_guardian = age < GUARDIAN_CONSENT_BELOW_AGE
    if guardian is None and needs_guardian:
        if not guardian_email:
            raise ServiceError(
                "До 14 лет нужен email родителя или законного представителя: мы попросим его подтвердить согласие.",
                code="guardian_email_required",
                field="guardian_email",
            )
        if guardian_email == email:
            raise ServiceError(
                "Email родителя должен отличаться от email ученика.", code="guardian_email_same", field="guardian_email"
            )
    elif guardian is None and not consent:
        raise ServiceError(
            "Подтвердите согласие на обработку персональных данных.", code="consent_required", field="consent"
        )
    return needs_guardian


def create_student_profile(
    user,
    *,
    first_name,
    surname,
    birth_date,
    region,
    town,
    town_population=None,
    guardian_email="",
    needs_guardian,
    ip=None,
    guardian=None,
):
    """The Student of `user` (checked by check_student_rules) and its consent: the signed-in
    guardian's when a guardian adds the child, else from 14 the child's own."""
    guardian_email = (guardian_email or "").strip().lower()
    student = Student.objects.create(
        user=user,
        first_name=first_name.strip(),
        surname=surname.strip(),
        birth_date=birth_date,
        region=region,
        town=town.strip(),
        town_population=town_population,
        guardian_email=guardian_email,
        guardian=guardian,
    )
    if guardian is not None:
        Consent.objects.create(
            student=student, kind=Consent.Kind.GUARDIAN, text_version=CONSENT_TEXT_VERSION, email=guardian_email, ip=ip
        )
    elif not needs_guardian:
        Consent.objects.create(
            student=student, kind=Consent.Kind.OWN, text_version=CONSENT_TEXT_VERSION, email=user.email, ip=ip
        )
    return student


def send_guardian_consent_email(student):
    send_email(
        "guardian_consent",
        student.guardian_email,
        {"student": student, "url": guardian_confirm_url(student), "version": CONSENT_TEXT_VERSION},
    )


def resend_guardian_consent(student):
    """Send the guardian's consent link again, at most once per GUARDIAN_RESEND_INTERVAL per child."""
    if student.user.is_active or student.is_deleted or not student.guardian_email:
        raise ServiceError("Этому аккаунту не нужно согласие родителя: просто войдите.", code="consent_not_needed")
    if not cache.add(f"guardian-resend:{student.pk}", 1, GUARDIAN_RESEND_INTERVAL):
        minutes = GUARDIAN_RESEND_INTERVAL // 60
        raise ServiceError(
            f"Письмо уже отправлено недавно. Повторить можно через {minutes} мин.", code="resend_too_soon", status=429
        )
    send_guardian_consent_email(student)


def resend_guardian_consent_by_login(email, password):
    """The API's resend: the child's email and password prove who asks. Returns the student."""
    try:
        check_login(email, password)
    except ConsentPending as pending:
        resend_guardian_consent(pending.student)
        return pending.student
    raise ServiceError("Аккаунт уже активен: просто войдите.", code="already_active", status=409)


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
        raise ServiceError(expired_message, code="link_expired")
    except signing.BadSignature:
        raise ServiceError("Ссылка повреждена. Откройте её из письма целиком.", code="link_damaged")
    student = Student.objects.filter(pk=data["s"], deleted_at__isnull=True).select_related("user").first()
    if student is None or student.guardian_email != data["e"]:
        raise ServiceError(
            "Ссылка больше не действует: аккаунт удалён или email родителя изменён.",
            code="link_no_longer_valid",
            status=404,
        )
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
                raise ServiceError(" ".join(error.messages), code="weak_password", field="password")
            guardian_user.set_password(password)
        elif hasattr(guardian_user, "student"):
            raise ServiceError(
                "Этот email принадлежит ученику; укажите другой email родителя.",
                code="email_belongs_to_student",
                field="password",
            )
        elif not guardian_user.check_password(password):
            raise ServiceError(
                "У этого email уже есть аккаунт: введите его пароль.", code="wrong_password", field="password"
            )
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
        restore_works_hidden_by_withdrawal(student)
    return consent


def restore_works_hidden_by_withdrawal(student):
    """Consent given again (in the cabinet or by the emailed link): the works the last withdrawal of
    the guardian's consent hid come back. They carry that withdrawal's very time."""
    last_withdrawal = (
        student.consents.filter(kind=Consent.Kind.GUARDIAN, withdrawn_at__isnull=False)
        .order_by("-withdrawn_at")
        .values_list("withdrawn_at", flat=True)
        .first()
    )
    if last_withdrawal is None:
        return []
    restored = list(Submission.objects.filter(student=student, withdrawn_at=last_withdrawal))
    Submission.objects.filter(pk__in=[w.pk for w in restored]).update(withdrawn_at=None)
    visibility_changed(restored)
    return restored


def visibility_changed(works):
    """Works came into public view or left it without a moderator's decision (a guardian's consent
    withdrawn or given back): cached pages are dropped and the works' videos follow them."""
    for work in works:
        work_visibility_changed.send(sender=Submission, submission=work)
        if work.files.filter(video__isnull=False).exists():
            enqueue_video_sync(work.pk)


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
        raise ServiceError(
            "В профиле ребёнка не указан населённый пункт: называть нечего.", code="town_missing", status=409
        )
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
        name_town_in_stories(student, student.town)
    return consent


def name_town_in_stories(student, town):
    """Put `town` ("" to remove it) into the child's winner stories: the live page and the draft."""
    stories = WinnerStoryPage.objects.filter(
        pk__in=student.submissions.exclude(winner_story=None).values("winner_story")
    )
    for story in stories:
        WinnerStoryPage.objects.filter(pk=story.pk).update(town=town)
        if revision := story.get_latest_revision():
            revision.content = {**revision.content, "town": town}
            revision.save(update_fields=["content"])
    if stories:
        http_cache.purge()  # the stories are served from the page cache and the route cache
