"""The whole story through the API: a child registers with a guardian's consent, completes a lesson,
submits a work, sees it approved and liked; a blind jury scores it and the mentor picks it as winner,
whose story draft appears in the admin."""

import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db.models import Sum
from rest_framework.test import APIClient

from cms.models import WinnerStoryPage
from engagement.models import LedgerEntry
from learning.models import JuryMember, Submission
from media_pipeline.models import VideoAsset
from tests.factories import PASSWORD, birth_date_for, image_upload

pytestmark = pytest.mark.django_db


def test_from_registration_to_winner_story(
    lessons,
    masterclass,
    assignment,
    direction,
    season,
    make_user,
    make_student,
    mentor_seat,
    jurors,
    stories_index,
    campaign,
    mailoutbox,
    client,
):
    # 1. Registration; the guardian confirms by the emailed link.
    kid = APIClient()
    response = kid.post(
        "/api/auth/register/",
        {
            "email": "sasha@example.org",
            "password": PASSWORD,
            "first_name": "Саша",
            "surname": "Воронцова",
            "birth_date": birth_date_for(11).isoformat(),
            "region": "35",
            "town": "Тотьма",
            "guardian_email": "mama.sasha@example.org",
        },
        format="json",
    )
    assert response.status_code == 201
    token = re.search(r"/api/consent/guardian/(\S+)/", mailoutbox[-1].body).group(1)
    assert APIClient().post("/api/consent/guardian/", {"token": token}, format="json").status_code == 201
    login = kid.post("/api/auth/login/", {"email": "sasha@example.org", "password": PASSWORD}, format="json")
    assert login.status_code == 200

    # 2. A lesson watched to the end, in ~10 s reports.
    lesson = lessons[0]
    lesson.video = VideoAsset.objects.create(title="Урок", status="ready", duration=60.0)
    lesson.save()
    for start in range(0, 60, 10):
        body = kid.post(
            "/api/progress/",
            {"lesson": lesson.pk, "position": start + 10, "start": start, "end": start + 10},
            format="json",
        ).json()
    assert body["completed"] is True
    assert kid.get(f"/api/masterclasses/{masterclass.pk}/progress/").json()["completed"] == 1

    # 3. A work submitted, approved by a moderator (+1 ledger action), liked by a visitor.
    work_id = kid.post(
        "/api/submissions/",
        {"assignment": assignment.pk, "title": "Песня о Тотьме", "files": [image_upload()]},
        format="multipart",
    ).json()["id"]
    moderator = APIClient()
    moderator.force_login(make_user("moderator", group="Moderators"))
    assert moderator.post(f"/api/moderation/{work_id}/approve/").status_code == 200
    assert kid.get(f"/api/submissions/{work_id}/").json()["status"] == "approved"
    fan = APIClient()
    fan.force_login(make_user("fan"))
    assert fan.post(f"/api/gallery/{work_id}/like/").json()["like_count"] == 1
    ledger = LedgerEntry.objects.filter(target_type=ContentType.objects.get_for_model(Submission), target_id=work_id)
    assert ledger.aggregate(total=Sum("amount"))["total"] == campaign.rate_work_approved + campaign.rate_like
    me = kid.get("/api/students/").json()["results"][0]
    assert me["raised_kopecks"] == campaign.rate_work_approved

    # 4. Shortlisted by the mentor; three jurors score it blind.
    mentor = APIClient()
    mentor.force_login(mentor_seat.user)
    assert mentor.post(f"/api/submissions/{work_id}/shortlist/").status_code == 200
    criteria = list(assignment.criteria.all())
    code = Submission.objects.get(pk=work_id).jury_code
    for juror in jurors:
        judge = APIClient()
        judge.force_login(juror)
        seen = judge.get(f"/api/jury/works/{code}/").content.decode()
        assert "Воронцова" not in seen and "Саша" not in seen and "Тотьма" not in seen.replace("Песня о Тотьме", "")
        scored = judge.post(
            f"/api/jury/works/{code}/score/",
            {"points": {str(c.pk): c.max_points - 1 for c in criteria}, "comment": "Живо и искренне"},
            format="json",
        )
        assert scored.status_code == 200
    ranking = mentor.get(f"/api/jury/assignments/{assignment.pk}/ranking/").json()
    assert ranking[0]["jury"][0]["submission"] == work_id

    # 5. The mentor confirms the winner: a draft story for editors, emails to the child and guardian.
    confirmed = mentor.post(f"/api/jury/assignments/{assignment.pk}/winners/", {"winners": [work_id]}, format="json")
    assert confirmed.status_code == 200
    assert kid.get(f"/api/submissions/{work_id}/").json()["status"] == "winner"
    story = WinnerStoryPage.objects.get()
    assert not story.live and story.display_name == "Саша В."
    assert {"sasha@example.org", "mama.sasha@example.org"} <= {a for m in mailoutbox for a in m.to}
    editor = make_user("editor", group="Editors")
    client.force_login(editor)
    assert client.get(f"/admin/pages/{story.pk}/edit/").status_code == 200
    assert JuryMember.objects.filter(role="mentor").count() == 1
