"""What the other apps' events mean for families: the notifications of each kind, worded here.
This is the one module of notifications that reads learning, certificates, cms and events (through
their models and signals' arguments); the rest of the app knows only generic targets."""

import datetime
import math

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.utils import dateformat, timezone, translation
from django.utils.translation import ngettext

from cms.models import LessonPage
from config.text import quoted
from events.models import Registration
from learning import services as learning
from learning.models import Assignment, Consent, Score, Student, Submission
from notifications.models import ChannelLink, Kind, Notification, Preference, Profile
from notifications.services.notify import notify

CABINET_URL = "/cabinet/"


def family_of(student):
    """The child's account and, when linked, the guardian's: both follow the child's works."""
    people = [student.user]
    if student.guardian_id and student.guardian_id != student.user_id:
        people.append(student.guardian)
    return people


def _for_family(student, kind, target, *, title, body, guardian_title=None, url=CABINET_URL):
    for person in family_of(student):
        is_child = person.pk == student.user_id
        notify(
            kind,
            target,
            recipient=person,
            title=title if is_child else (guardian_title or title),
            body=body,
            url=url,
        )


def work_status_changed(submission):
    """Moderation or results changed a work's status: approved, rejected (with the reason), a winner
    or a finalist."""

    student, name = submission.student, submission.student.first_name
    title = submission.title
    if submission.status == Submission.Status.APPROVED:
        _for_family(
            student,
            Kind.WORK_APPROVED,
            submission,
            title=f"Работа {quoted(title)} одобрена",
            guardian_title=f"Работа {quoted(title)} ({name}) одобрена",
            body="Модератор проверил работу: теперь её видят все, и она принесла рубль на лечение детей.",
        )
    elif submission.status == Submission.Status.REJECTED:
        _for_family(
            student,
            Kind.WORK_REJECTED,
            submission,
            title=f"Работа {quoted(title)} не прошла модерацию",
            guardian_title=f"Работа {quoted(title)} ({name}) не прошла модерацию",
            body=f"Причина: {submission.rejection_reason}\nИсправьте работу и отправьте её снова, пока приём открыт.",
        )
    elif submission.status in (Submission.Status.WINNER, Submission.Status.FINALIST):
        place = "победитель" if submission.status == Submission.Status.WINNER else "финалист"
        _for_family(
            student,
            Kind.RESULTS,
            submission,
            title=f"Итоги конкурса: {quoted(title)} — {place}!",
            guardian_title=f"Итоги конкурса: работа {quoted(title)} ({name}) — {place}",
            body=f"Наставник подвёл итоги задания {quoted(submission.assignment.title)}. Поздравляем!",
        )


def jury_commented(score):
    """A juror's comment reached a work: the author sees it in the cabinet (the juror stays unnamed).
    Each juror's comment is its own notification; from the second on the title says which one it
    is, so a family reading three of them sees three comments, not one notice repeated."""
    submission = score.submission
    number = Score.objects.filter(submission=submission, pk__lte=score.pk).exclude(comment="").count()
    title = f"Жюри оставило комментарий к работе {quoted(submission.title)}"
    if number > 1:
        title = f"Жюри оставило ещё один комментарий к работе {quoted(submission.title)} ({number}-й)"
    _for_family(
        submission.student,
        Kind.JURY_COMMENT,
        score,
        title=title,
        body="Комментарий члена жюри уже в кабинете, в разделе «Мои работы».",
    )


def appeal_decided(appeal):
    """An editor decided an appeal: its author (and the family) read the decision and the reason
    on the work's results page in the cabinet."""
    submission = appeal.submission
    verdict = "удовлетворена" if appeal.status == "upheld" else "отклонена"
    _for_family(
        submission.student,
        Kind.RESULTS,
        appeal,
        title=f"Апелляция по работе {quoted(submission.title)} {verdict}",
        body=f"Решение и его причина — на странице итогов работы в кабинете. {appeal.decision_reason[:300]}",
        url=f"/cabinet/works/{submission.pk}/",
    )


def certificate_issued(certificate):
    notify(
        Kind.CERTIFICATE_READY,
        certificate,
        recipient=certificate.holder,
        title=f"Сертификат готов: {certificate.get_kind_display()}",
        body=(
            f"Подтверждено часов волонтёрства: {certificate.hours_display} ({certificate.season.name}). "
            if certificate.hours is not None
            else f"Сертификат: {quoted(certificate.title)}. "
        )
        + f"Он в кабинете, его можно скачать. Код проверки {certificate.code}.",
        url=CABINET_URL,
    )


def lesson_published(lesson):
    """A new lesson in a masterclass: told to the children who study that masterclass (have progress
    in its other lessons; the platform has no «follow» yet). Returns how many were told."""

    masterclass = lesson.get_parent()
    others = lesson.get_siblings(inclusive=False).values("pk")
    students = (
        Student.objects.filter(progress__lesson__in=others, deleted_at__isnull=True, user__is_active=True)
        .select_related("user", "region")
        .distinct()
    )
    told = 0
    for student in students:
        told += (
            notify(
                Kind.NEW_LESSON,
                lesson,
                recipient=student.user,
                title=f"Новый урок: {quoted(lesson.title)}",
                body=f"В мастер-классе {quoted(masterclass.title)} вышел новый урок.",
                url=lesson.url or "",
            )
            is not None
        )
    return told


def consent_reminders(now=None):
    """Guardians who have not confirmed consent get a reminder 1 and 3 days after registration
    (not later than a week: an old account is not woken up). Returns how many were sent."""

    now = now or timezone.now()
    waiting = (
        Student.objects.filter(
            user__is_active=False,
            deleted_at__isnull=True,
            created_at__lte=now - datetime.timedelta(days=1),
            created_at__gt=now - datetime.timedelta(days=7),
        )
        .exclude(guardian_email="")
        .exclude(consents__kind=Consent.Kind.GUARDIAN)
        .select_related("user")
    )
    told = 0
    for student in waiting:
        key = "day3" if student.created_at <= now - datetime.timedelta(days=3) else "day1"
        told += (
            notify(
                Kind.CONSENT_PENDING,
                student,
                email=student.guardian_email,
                key=key,
                title=f"{student.first_name} ждёт вашего согласия",
                body=(
                    f"{student.first_name} зарегистрировался на «Поколении М» — бесплатных мастер-классах "
                    "для детей. До 14 лет нужен ваш ответ: подтвердите согласие по ссылке, и аккаунт заработает."
                ),
                url=learning.guardian_confirm_url(student),
                now=now,
            )
            is not None
        )
    return told


def event_reminders(now=None):
    """Confirmed places at events starting within `NOTIFICATIONS_EVENT_REMINDER_HOURS`: the ticket's
    owner and the child are reminded once. Returns how many were sent."""

    now = now or timezone.now()
    soon = now + datetime.timedelta(hours=settings.NOTIFICATIONS_EVENT_REMINDER_HOURS)
    registrations = Registration.objects.filter(
        status=Registration.Status.CONFIRMED, event__page__starts_at__gt=now, event__page__starts_at__lte=soon
    ).select_related("event__page", "owner", "student__user", "student__region")
    told = 0
    for registration in registrations:
        page = registration.event.page
        starts = timezone.localtime(page.starts_at)
        people = [registration.owner]
        if registration.student_id and registration.student.user_id != registration.owner_id:
            people.append(registration.student.user)
        for person in people:
            told += (
                notify(
                    Kind.EVENT_REMINDER,
                    registration,
                    recipient=person,
                    title=f"Скоро {quoted(page.title)}",
                    body=f"Начало {starts:%d.%m в %H:%M} (по Москве), {page.town}, {page.venue}. "
                    "Билет с QR-кодом — в кабинете.",
                    url=page.url or CABINET_URL,
                    now=now,
                )
                is not None
            )
    return told


def deadline_reminders(now=None):
    """Open assignments closing within `NOTIFICATIONS_DEADLINE_REMINDER_DAYS`: each child who started
    one and has not sent a work is reminded once. Works have no drafts, so «started» means progress
    in a lesson of the assignment's masterclass; «not sent», no work to it that is not withdrawn.
    Active accounts of an age band the assignment takes. Returns how many were sent."""

    now = now or timezone.now()
    days = settings.NOTIFICATIONS_DEADLINE_REMINDER_DAYS
    closing = Assignment.objects.filter(
        masterclass__isnull=False,
        opens_at__lte=now,
        closes_at__gt=now,
        closes_at__lte=now + datetime.timedelta(days=days),
    ).select_related("masterclass")
    told = 0
    for assignment in closing:
        lessons = LessonPage.objects.child_of(assignment.masterclass).values("pk")
        sent = Submission.objects.filter(assignment=assignment, withdrawn_at__isnull=True).values("student_id")
        students = (
            Student.objects.filter(progress__lesson__in=lessons, deleted_at__isnull=True, user__is_active=True)
            .exclude(pk__in=sent)
            .select_related("user", "region")
            .distinct()
        )
        left = max(1, math.ceil((assignment.closes_at - now) / datetime.timedelta(days=1)))
        with translation.override("ru"):
            closes = dateformat.format(timezone.localtime(assignment.closes_at), "j E в H:i")
            remaining = ngettext("%(count)s day left", "%(count)s days left", left) % {"count": left}
        for student in students:
            if assignment.age_bands and student.age_band not in assignment.age_bands:
                continue
            told += (
                notify(
                    Kind.DEADLINE_REMINDER,
                    assignment,
                    recipient=student.user,
                    key=f"{days}d",
                    title=f"Приём работ на {quoted(assignment.title)} закрывается {closes} — {remaining}",
                    body=f"Вы начали мастер-класс {quoted(assignment.masterclass.title)}, но ещё не отправили работу "
                    f"на задание {quoted(assignment.title)}. Успейте до {closes} по московскому времени.",
                    url=CABINET_URL,
                    now=now,
                )
                is not None
            )
    return told


def forget_student(student):
    """Erase what notifications hold of a child: theirs, and those about them or their works."""

    works = list(Submission.objects.filter(student=student).values_list("pk", flat=True))
    scores = list(Score.objects.filter(submission_id__in=works).values_list("pk", flat=True))
    about = [(Student, [student.pk]), (Submission, works), (Score, scores)]
    for model, ids in about:
        if ids:
            Notification.objects.filter(
                target_type=ContentType.objects.get_for_model(model), target_id__in=ids
            ).delete()
    Notification.objects.filter(recipient=student.user).delete()
    ChannelLink.objects.filter(user=student.user).delete()
    Preference.objects.filter(user=student.user).delete()
    Profile.objects.filter(user=student.user).delete()
