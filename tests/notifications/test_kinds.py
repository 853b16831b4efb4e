"""Each kind, raised by the platform's own events (moderation, the jury, results, certificates, a
new lesson, consent reminders, event reminders), reaches the cabinet, email, VK and Telegram once."""

import datetime

import pytest
from django.utils import timezone

from learning import services as learning
from learning.models import JuryMember, Student
from notifications.models import Kind, Notification
from notifications.services import sources
from tests.factories import make_event
from tests.notifications.builders import link_messengers, make_contest, switch_on_everything

pytestmark = pytest.mark.django_db


@pytest.fixture
def contest(db):
    return make_contest()


@pytest.fixture
def child(make_child):
    """A 15-year-old with VK and Telegram linked, every kind switched on everywhere."""
    student = make_child(age=15, email="milana@example.org")
    link_messengers(student.user, vk_id=7007, chat_id=8008)
    switch_on_everything(student.user)
    return student


def received(vk, telegram, smtp, student):
    """(VK messages, Telegram messages, letters) the child got, as their first lines."""
    return (
        [m["message"].splitlines()[0] for m in vk.received if m["user_id"] == "7007"],
        [m["text"].splitlines()[0] for m in telegram.received if m["chat_id"] == "8008"],
        # (learning sends letters of its own too; ours carry the unsubscribe header)
        [str(letter["Subject"]) for letter in smtp.to(student.user.email) if letter["List-Unsubscribe"]],
    )


def titles_of_kind(student, kind):
    return list(Notification.objects.filter(recipient=student.user, kind=kind).values_list("title", flat=True))


def test_every_kind_reaches_every_channel_once(contest, child, make_user, send, settings, vk, telegram, smtp):
    moderator = make_user("moderator", group="Moderators")
    juror = make_user("juror")
    mentor = make_user("mentor", is_superuser=True)
    JuryMember.objects.create(user=juror, direction=contest["direction"], season=contest["season"])
    assignment = contest["assignment"]

    # Moderation: one work approved, another rejected with a reason.
    work = learning.submit_work(child, assignment, title="Моя песня", text="Текст песни")
    send(learning.approve_submission, work, moderator)
    other = make_contest_assignment(contest, "Нарисуй сцену")
    rejected = learning.submit_work(child, other, title="Сцена", text="Описание")
    send(learning.reject_submission, rejected, moderator, "Нет изображения сцены.")
    # The jury comments on the shortlisted work; the mentor confirms it a winner (a certificate follows).
    send(learning.shortlist_submission, work, moderator)
    work.refresh_from_db()
    criterion = assignment.criteria.get()
    learning.declare_conflicts(juror, assignment)
    send(learning.score_submission, juror, work, points={str(criterion.pk): 9}, comment="Чисто и смело!")
    send(learning.confirm_winners, mentor, assignment, winners=[work], notify=False)
    # A new lesson in the masterclass the child studies.
    learning.record_progress(child, contest["lessons"][0], position=10, start=0, end=10, duration=100)
    from cms.models import LessonPage
    from tests.factories import add_child

    send(add_child, contest["masterclass"], LessonPage(title="Резонаторы", summary="Кратко", text="<p>Урок.</p>"))
    # An event tomorrow the child registered for.
    event = make_event(days_ahead=2, title="Концерт наставников")
    from events import services as events

    events.register_child(event, child, by=child.user)
    settings.NOTIFICATIONS_EVENT_REMINDER_HOURS = 72  # the event is two days away
    send(sources.event_reminders)
    send(sources.event_reminders)  # the hourly job again: no second reminder

    kinds = [
        Kind.WORK_APPROVED,
        Kind.WORK_REJECTED,
        Kind.JURY_COMMENT,
        Kind.RESULTS,
        Kind.CERTIFICATE_READY,
        Kind.NEW_LESSON,
        Kind.EVENT_REMINDER,
    ]
    by_kind = {kind: titles_of_kind(child, kind) for kind in kinds}
    # One of each; the certificate kind once per certificate (participant, finalist, winner).
    assert {kind: len(titles) for kind, titles in by_kind.items()} == {
        **dict.fromkeys(kinds, 1),
        Kind.CERTIFICATE_READY: 3,
    }
    expected = [title for titles in by_kind.values() for title in titles]
    vk_titles, telegram_titles, letters = received(vk, telegram, smtp, child)
    assert sorted(vk_titles) == sorted(expected)
    assert sorted(telegram_titles) == sorted(expected)
    assert sorted(letters) == sorted(expected)
    rejection = Notification.objects.get(recipient=child.user, kind=Kind.WORK_REJECTED)
    assert "Нет изображения сцены." in rejection.body
    certificate = Notification.objects.filter(recipient=child.user, kind=Kind.CERTIFICATE_READY).first()
    assert certificate.body.startswith("Сертификат: «")  # «Сертификат за «Обложка любимой книги»» was wrong


def make_contest_assignment(contest, title):
    from learning.models import Assignment, RubricCriterion

    first = contest["assignment"]
    assignment = Assignment.objects.create(
        title=title,
        direction=first.direction,
        season=first.season,
        masterclass=first.masterclass,
        task="Нарисуйте сцену.",
        opens_at=first.opens_at,
        closes_at=first.closes_at,
        age_bands=first.age_bands,
        allowed_kinds=first.allowed_kinds,
        jurors_per_work=1,
        winner_opportunity="Выставка",
    )
    RubricCriterion.objects.create(assignment=assignment, name="Идея", max_points=10, sort_order=0)
    return assignment


def test_a_guardian_who_has_not_consented_is_reminded_after_one_and_three_days(make_child, send, smtp):
    waiting = make_child(age=11, consent=False, email="kirill@example.org")
    guardian = waiting.guardian_email

    def registered_ago(**delta):
        Student.objects.filter(pk=waiting.pk).update(created_at=timezone.now() - datetime.timedelta(**delta))

    registered_ago(hours=23)
    send(sources.consent_reminders)
    assert smtp.to(guardian) == []
    registered_ago(days=1, hours=1)
    send(sources.consent_reminders)
    send(sources.consent_reminders)  # the hourly job again
    assert len(smtp.to(guardian)) == 1
    registered_ago(days=3, hours=1)
    send(sources.consent_reminders)
    send(sources.consent_reminders)
    letters = smtp.to(guardian)
    assert len(letters) == 2
    text = letters[1].get_body(preferencelist=("plain",)).get_content()
    assert "ждёт вашего согласия" in letters[1]["Subject"]
    assert learning.guardian_confirm_url(waiting).rsplit("/", 2)[0] in text  # the consent link itself
    assert Notification.objects.filter(email=guardian, kind=Kind.CONSENT_PENDING).count() == 2


def test_no_reminder_once_the_guardian_consented(make_child, send, smtp):
    student = make_child(age=11, consent=True, email="lena@example.org")
    Student.objects.filter(pk=student.pk).update(created_at=timezone.now() - datetime.timedelta(days=2))

    send(sources.consent_reminders)

    assert smtp.received == []


def test_erasing_a_child_erases_their_notifications_and_messenger_links(make_child, send):
    child = make_child(age=15, email="erase@example.org")
    link_messengers(child.user, vk_id=9500)
    from notifications.services.notify import notify

    send(notify, Kind.NEW_LESSON, child, recipient=child.user, title="Урок", body="Вышел.")
    assert Notification.objects.filter(recipient=child.user).exists()

    learning.delete_student_account(child, by=child.user)

    assert not Notification.objects.filter(recipient=child.user).exists()
    assert not child.user.channel_links.exists()


def test_a_notification_that_cannot_be_written_does_not_undo_the_moderators_decision(
    contest, child, make_user, send, caplog
):
    from django.db import connection

    moderator = make_user("moderator2", group="Moderators")
    work = learning.submit_work(child, contest["assignment"], title="Песня", text="Текст")
    with connection.cursor() as cursor:  # the notifications table refuses every row, as a broken disk might
        cursor.execute(
            "CREATE FUNCTION refuse_notification() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'notifications unavailable'; END $$"
        )
        cursor.execute(
            "CREATE TRIGGER refuse_notification BEFORE INSERT ON notifications_notification "
            "FOR EACH ROW EXECUTE FUNCTION refuse_notification()"
        )

    send(learning.approve_submission, work, moderator)

    work.refresh_from_db()
    assert work.status == "approved"
    assert not Notification.objects.exists()
    assert "the change itself goes on" in caplog.text


def test_each_jurors_comment_reads_as_its_own_notice(contest, child, make_user, send):
    moderator = make_user("moderator", group="Moderators")
    assignment = contest["assignment"]
    work = learning.submit_work(child, assignment, title="Моя песня", text="Текст песни")
    send(learning.approve_submission, work, moderator)
    send(learning.shortlist_submission, work, moderator)
    work.refresh_from_db()
    criterion = assignment.criteria.get()
    for name in ("juror.a", "juror.b", "juror.c"):
        juror = make_user(name)
        JuryMember.objects.create(user=juror, direction=contest["direction"], season=contest["season"])
        learning.declare_conflicts(juror, assignment)
        send(learning.score_submission, juror, work, points={str(criterion.pk): 8}, comment=f"Отзыв {name}")
    titles = Notification.objects.filter(recipient=child.user, kind=Kind.JURY_COMMENT).order_by("pk")
    assert list(titles.values_list("title", flat=True)) == [
        "Жюри оставило комментарий к работе «Моя песня»",
        "Жюри оставило ещё один комментарий к работе «Моя песня» (2-й)",
        "Жюри оставило ещё один комментарий к работе «Моя песня» (3-й)",
    ]
