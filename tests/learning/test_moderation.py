import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from engagement.models import LedgerEntry
from learning import services
from learning.models import ContestSettings, ModerationDecision, RejectionReason, Submission
from tests.factories import PASSWORD, image_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def work(student, assignment):
    return services.submit_work(student, assignment, title="Песня о лете", files=[image_upload()])


def ledger_for(submission):
    return LedgerEntry.objects.filter(
        target_type=ContentType.objects.get_for_model(Submission), target_id=submission.pk, kind="work_approved"
    )


def test_approval_records_exactly_one_engagement_action(work, moderator, campaign, client_for):
    assert not ledger_for(work).exists()
    services.approve_submission(work, moderator)
    entries = list(ledger_for(work))
    assert len(entries) == 1
    assert entries[0].amount == campaign.rate_work_approved
    assert entries[0].actor_user_id == work.student.user_id

    # An edit sends it back to the queue; approving again does not count twice.
    services.edit_work(work, title="Песня о лете (новая запись)")
    services.approve_submission(work, moderator)
    assert ledger_for(work).count() == 1
    assert services.raised_by(work.student.user) == campaign.rate_work_approved


def test_rejection_shows_the_reason_to_the_student(work, moderator, client_for):
    response = client_for(moderator).post(
        f"/api/moderation/{work.pk}/reject/", {"reason": "На фото видно домашний адрес."}, format="json"
    )
    assert response.status_code == 200, response.content
    mine = client_for(work.student.user).get(f"/api/submissions/{work.pk}/").json()
    assert mine["status"] == "rejected"
    assert mine["rejection_reason"] == "На фото видно домашний адрес."


def test_rejection_needs_a_reason(work, moderator, client_for):
    response = client_for(moderator).post(f"/api/moderation/{work.pk}/reject/", {"reason": " "}, format="json")
    assert response.status_code == 400
    work.refresh_from_db()
    assert work.status == "pending"


def test_rejecting_a_counted_work_writes_a_compensating_entry(work, moderator, campaign):
    services.approve_submission(work, moderator)
    services.edit_work(work, title="Другая")
    services.reject_submission(work, moderator, "Работа не по заданию.")
    amounts = list(ledger_for(work).values_list("amount", flat=True))
    assert sorted(amounts) == [-campaign.rate_work_approved, campaign.rate_work_approved]
    assert services.raised_by(work.student.user) == 0


def test_nothing_is_public_before_approval(work, moderator, client_for):
    anonymous = client_for()
    file_url = f"/api/works/files/{work.files.get().uid}/"
    assert anonymous.get("/api/gallery/").json()["count"] == 0
    assert anonymous.get(f"/api/gallery/{work.pk}/").status_code == 404
    assert anonymous.get(file_url).status_code == 404
    assert client_for(work.student.user).get(file_url).status_code == 200
    assert client_for(moderator).get(file_url).status_code == 200
    services.approve_submission(work, moderator)
    assert anonymous.get("/api/gallery/").json()["count"] == 1
    assert anonymous.get(file_url).status_code == 200


def test_reports_send_a_work_back_to_the_queue_and_hide_it_past_the_threshold(work, moderator, client_for, make_user):
    services.approve_submission(work, moderator)
    settings_row = ContestSettings.load()
    settings_row.report_hide_threshold = 2
    settings_row.save()

    first = client_for(make_user("visitor1")).post(
        f"/api/gallery/{work.pk}/report/", {"reason": "Чужая работа"}, format="json"
    )
    assert first.status_code == 201
    queue = client_for(moderator).get("/api/moderation/").json()["results"]
    assert [item["id"] for item in queue] == [work.pk]
    assert client_for().get(f"/api/gallery/{work.pk}/").status_code == 200, "still public below the threshold"

    again = client_for(make_user("visitor1b")).post(f"/api/gallery/{work.pk}/report/", {"reason": "Да"}, format="json")
    assert again.status_code == 201
    assert client_for().get(f"/api/gallery/{work.pk}/").status_code == 404
    assert ModerationDecision.objects.filter(submission=work, action="hide").exists()

    response = client_for(moderator).post(f"/api/moderation/{work.pk}/keep/", format="json")
    assert response.status_code == 200
    assert client_for().get(f"/api/gallery/{work.pk}/").status_code == 200
    assert client_for(moderator).get("/api/moderation/").json()["results"] == []


def test_one_account_reports_a_work_once(work, moderator, client_for, make_user):
    services.approve_submission(work, moderator)
    client = client_for(make_user("visitor2"))
    assert client.post(f"/api/gallery/{work.pk}/report/", {"reason": "Плохо"}, format="json").status_code == 201
    second = client.post(f"/api/gallery/{work.pk}/report/", {"reason": "Плохо"}, format="json")
    assert second.status_code == 409
    assert "уже пожаловались" in second.json()["detail"]


def test_admin_queue_is_oldest_first_and_filters_by_direction_and_kind(
    client, make_student, assignment, moderator, student
):
    older = services.submit_work(
        student, assignment, title="Старая", files=[image_upload()], now=timezone.now() - datetime.timedelta(hours=5)
    )
    other = make_student(email="vanya@example.org", first_name="Ваня", surname="Орлов")
    newer = services.submit_work(other, assignment, title="Новая", text="Стихотворение")
    client.login(username="moderator", password=PASSWORD)
    page = client.get("/admin/learning/moderation/")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.index("«Старая»") < html.index("«Новая»")
    assert f"/api/works/files/{older.files.get().uid}/" in html, "a preview of every file"
    only_text = client.get("/admin/learning/moderation/?kind=text").content.decode()
    assert "«Новая»" in only_text and "«Старая»" not in only_text
    other_direction = client.get("/admin/learning/moderation/?direction=painting").content.decode()
    assert "«Новая»" not in other_direction
    assert newer.status == "pending"


def test_admin_rejects_with_an_editable_reason_template_and_logs_it(client, work, moderator):
    template = RejectionReason.objects.create(title="Личные данные", text="Уберите из работы телефон и адрес.")
    client.login(username="moderator", password=PASSWORD)
    response = client.post(f"/admin/learning/moderation/{work.pk}/reject/", {"template": template.pk, "reason": ""})
    assert response.status_code == 302
    work.refresh_from_db()
    assert (work.status, work.rejection_reason) == ("rejected", "Уберите из работы телефон и адрес.")
    decision = ModerationDecision.objects.get(submission=work)
    assert (decision.moderator, decision.action) == (moderator, "reject")
    log = client.get("/admin/learning/moderation/log/").content.decode()
    assert "Уберите из работы телефон и адрес." in log


def test_admin_approve_button_publishes(client, work, moderator, campaign):
    client.login(username="moderator", password=PASSWORD)
    response = client.post(f"/admin/learning/moderation/{work.pk}/approve/")
    assert response.status_code == 302
    work.refresh_from_db()
    assert work.status == "approved"
    assert ledger_for(work).count() == 1


def test_the_queue_is_for_moderators_only(client, make_user, work):
    make_user("editor", group="Editors")
    client.login(username="editor", password=PASSWORD)
    # Wagtail answers a refused admin screen with a redirect to the dashboard and a message.
    page = client.get("/admin/learning/moderation/")
    assert (page.status_code, page.url) == (302, "/admin/")
    assert client.post(f"/admin/learning/moderation/{work.pk}/approve/").url == "/admin/"
    work.refresh_from_db()
    assert work.status == "pending"


def learning_letters(outbox):
    """Learning's own letters: notifications' (a certificate ready, …) carry List-Unsubscribe."""
    return [m for m in outbox if "List-Unsubscribe" not in m.extra_headers]


def test_the_author_and_the_guardian_hear_the_moderators_decision(
    work, moderator, mailoutbox, django_capture_on_commit_callbacks
):
    mailoutbox.clear()  # registration letters
    with django_capture_on_commit_callbacks(execute=True):
        services.reject_submission(work, moderator, "На фото видно домашний адрес.")
    student = work.student
    assert sorted(m.to[0] for m in mailoutbox) == sorted([student.user.email, student.guardian_email])
    letter = mailoutbox[0]
    assert "«Песня о лете» нужно доработать" in letter.subject
    assert "Причина: На фото видно домашний адрес." in letter.body

    mailoutbox.clear()
    services.edit_work(work, title="Песня о лете")
    with django_capture_on_commit_callbacks(execute=True):
        services.approve_submission(work, moderator)
    letters = learning_letters(mailoutbox)
    assert len(letters) == 2 and all("опубликована" in m.subject for m in letters)

    mailoutbox.clear()  # approving again after reports is no news for the author
    services.report_submission(work, reason="Спам", ip="10.1.1.1")
    with django_capture_on_commit_callbacks(execute=True):
        services.approve_submission(work, moderator)
    assert mailoutbox == []


def test_the_guardians_copy_is_addressed_to_the_parent_not_the_child(
    work, moderator, mailoutbox, django_capture_on_commit_callbacks
):
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.approve_submission(work, moderator)
    student = work.student
    letters = {m.to[0]: m for m in learning_letters(mailoutbox)}
    child, parent = letters[student.user.email], letters[student.guardian_email]
    assert child.body.startswith(f"{student.first_name}, здравствуйте!")
    assert not parent.body.startswith(f"{student.first_name}, здравствуйте!")
    assert "вашу работу" not in parent.body
    assert f"({student.first_name}, конкурс " in parent.body and "(а)" not in parent.body
    assert "как родитель или законный представитель" in parent.body
    assert student.first_name in parent.subject

    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.reject_submission(work, moderator, "На фото видно домашний адрес.")
    parent = {m.to[0]: m for m in learning_letters(mailoutbox)}[student.guardian_email]
    assert "вашу работу" not in parent.body and "Причина: На фото видно домашний адрес." in parent.body
