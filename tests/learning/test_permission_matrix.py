"""Who may do what: every role against every endpoint (the API's, the admin's and the site cabinet's,
the guardian's pages of a child included). A supporter is an adult with no student profile and no
children; the guardian is the student's. Each cell is a real request run in a savepoint that is
rolled back, so one cell's change (a deletion, an approval) never leaks into the next."""

import pytest
from django.core.cache import cache
from django.db import transaction
from rest_framework.test import APIClient

from cms.models import Region
from learning import services
from learning.models import JuryMember, Score
from tests.factories import PASSWORD, birth_date_for, image_upload

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "student",
    "other_student",
    "guardian",
    "supporter",
    "moderator",
    "juror",
    "mentor",
    "editor",
]
ADMIN_DENIED = 302  # Wagtail redirects a refused admin screen (to the login or the dashboard)


def row(anonymous, student, other_student, guardian, supporter, moderator, juror, mentor, editor):
    values = [anonymous, student, other_student, guardian, supporter, moderator, juror, mentor, editor]
    return dict(zip(ROLES, values, strict=True))


# (name, method, url template, payload) -> expected status per role
MATRIX = [
    ("register", "post", "/api/auth/register/", "registration", row(201, 201, 201, 201, 201, 201, 201, 201, 201)),
    ("login", "post", "/api/auth/login/", "login", row(200, 200, 200, 200, 200, 200, 200, 200, 200)),
    ("students list", "get", "/api/students/", None, row(403, 200, 200, 200, 200, 200, 200, 200, 200)),
    ("student detail", "get", "/api/students/{student}/", None, row(403, 200, 404, 200, 404, 404, 404, 404, 404)),
    (
        "student export",
        "get",
        "/api/students/{student}/export/",
        None,
        row(403, 200, 404, 200, 404, 404, 404, 404, 404),
    ),
    ("student delete", "delete", "/api/students/{student}/", None, row(403, 204, 404, 204, 404, 404, 404, 404, 404)),
    ("progress report", "post", "/api/progress/", "progress", row(403, 200, 200, 403, 403, 403, 403, 403, 403)),
    ("progress list", "get", "/api/progress/", None, row(403, 200, 200, 403, 403, 403, 403, 403, 403)),
    (
        "masterclass progress",
        "get",
        "/api/masterclasses/{masterclass}/progress/",
        None,
        row(403, 200, 200, 403, 403, 403, 403, 403, 403),
    ),
    ("assignments", "get", "/api/assignments/", None, row(200, 200, 200, 200, 200, 200, 200, 200, 200)),
    ("my works", "get", "/api/submissions/", None, row(403, 200, 200, 200, 200, 200, 200, 200, 200)),
    ("submit work", "post", "/api/submissions/", "work", row(403, 201, 201, 403, 403, 403, 403, 403, 403)),
    ("work detail", "get", "/api/submissions/{pending}/", None, row(403, 200, 404, 200, 404, 404, 404, 404, 404)),
    ("edit work", "patch", "/api/submissions/{pending}/", "edit", row(403, 200, 404, 403, 404, 404, 404, 404, 404)),
    (
        "shortlist",
        "post",
        "/api/submissions/{approved}/shortlist/",
        None,
        row(403, 403, 403, 403, 403, 200, 403, 200, 403),
    ),
    ("pending file", "get", "/api/works/files/{pending_file}/", None, row(404, 200, 404, 200, 404, 200, 404, 404, 404)),
    ("gallery", "get", "/api/gallery/", None, row(200, 200, 200, 200, 200, 200, 200, 200, 200)),
    ("gallery work", "get", "/api/gallery/{approved}/", None, row(200, 200, 200, 200, 200, 200, 200, 200, 200)),
    ("pending in gallery", "get", "/api/gallery/{pending}/", None, row(404, 404, 404, 404, 404, 404, 404, 404, 404)),
    ("like", "post", "/api/gallery/{approved}/like/", None, row(403, 403, 200, 200, 200, 200, 200, 200, 200)),
    ("unlike", "delete", "/api/gallery/{approved}/like/", None, row(403, 403, 200, 200, 200, 200, 200, 200, 200)),
    ("report", "post", "/api/gallery/{approved}/report/", "report", row(201, 201, 201, 201, 201, 201, 201, 201, 201)),
    ("moderation queue", "get", "/api/moderation/", None, row(403, 403, 403, 403, 403, 200, 403, 403, 403)),
    ("approve", "post", "/api/moderation/{pending}/approve/", None, row(403, 403, 403, 403, 403, 200, 403, 403, 403)),
    ("reject", "post", "/api/moderation/{pending}/reject/", "reject", row(403, 403, 403, 403, 403, 200, 403, 403, 403)),
    ("keep", "post", "/api/moderation/{reported}/keep/", None, row(403, 403, 403, 403, 403, 200, 403, 403, 403)),
    ("jury works", "get", "/api/jury/works/", None, row(403, 403, 403, 403, 403, 403, 200, 200, 403)),
    ("jury work", "get", "/api/jury/works/{jury_code}/", None, row(403, 403, 403, 403, 403, 403, 200, 200, 403)),
    (
        "jury file",
        "get",
        "/api/jury/works/{jury_code}/files/1/",
        None,
        row(403, 403, 403, 403, 403, 403, 200, 200, 403),
    ),
    ("score", "post", "/api/jury/works/{jury_code}/score/", "score", row(403, 403, 403, 403, 403, 403, 200, 200, 403)),
    (
        "conflict",
        "post",
        "/api/jury/works/{jury_code}/conflict/",
        None,
        row(403, 403, 403, 403, 403, 403, 201, 201, 403),
    ),
    (
        "ranking",
        "get",
        "/api/jury/assignments/{assignment}/ranking/",
        None,
        row(403, 403, 403, 403, 403, 403, 403, 200, 200),
    ),
    (
        "winners",
        "post",
        "/api/jury/assignments/{assignment}/winners/",
        "winners",
        row(403, 403, 403, 403, 403, 403, 403, 200, 403),
    ),
    ("admin queue", "get", "/admin/learning/moderation/", None, row(*[ADMIN_DENIED] * 5, 200, *[ADMIN_DENIED] * 3)),
    (
        "admin approve",
        "post",
        "/admin/learning/moderation/{pending}/approve/",
        None,
        row(*[ADMIN_DENIED] * 5, 302, *[ADMIN_DENIED] * 3),
    ),
    ("admin jury", "get", "/admin/learning/jury/", None, row(*[ADMIN_DENIED] * 6, 200, 200, ADMIN_DENIED)),
    (
        "admin results",
        "get",
        "/admin/learning/results/{assignment}/",
        None,
        row(*[ADMIN_DENIED] * 7, 200, 200),
    ),
    (
        "admin appeals",
        "get",
        "/admin/learning/appeals/",
        None,
        row(*[ADMIN_DENIED] * 8, 200),
    ),
    (
        "admin suspicious likes",
        "get",
        "/admin/learning/suspicious/",
        None,
        row(*[ADMIN_DENIED] * 5, 200, *[ADMIN_DENIED] * 3),
    ),
    # Open judging: the public list, and an assignment's table and its JSON only after the results.
    ("results list", "get", "/results/", None, row(200, 200, 200, 200, 200, 200, 200, 200, 200)),
    ("results before", "get", "/results/{assignment}/", None, row(404, 404, 404, 404, 404, 404, 404, 404, 404)),
    (
        "results json before",
        "get",
        "/api/results/{assignment}/",
        None,
        row(404, 404, 404, 404, 404, 404, 404, 404, 404),
    ),
    # The site's cabinet: the child's own pages and the guardian's pages of a child.
    (
        "my work's jury results",
        "get",
        "/cabinet/works/{approved}/",
        None,
        row(302, 200, 404, 200, 404, 404, 404, 404, 404),
    ),
    ("cabinet", "get", "/cabinet/", None, row(302, 200, 200, 200, 200, 200, 200, 200, 200)),
    ("my data", "get", "/cabinet/my-data/", None, row(302, 200, 200, 404, 404, 404, 404, 404, 404)),
    ("child page", "get", "/cabinet/children/{student}/", None, row(302, 404, 404, 200, 404, 404, 404, 404, 404)),
    (
        "withdraw consent page",
        "get",
        "/cabinet/children/{student}/consent/withdraw/",
        None,
        row(302, 404, 404, 200, 404, 404, 404, 404, 404),
    ),
    (
        "withdraw consent",
        "post",
        "/cabinet/children/{student}/consent/withdraw/",
        None,
        row(302, 404, 404, 302, 404, 404, 404, 404, 404),
    ),
    (
        "give consent",
        "post",
        "/cabinet/children/{student}/consent/give/",
        "agree",
        row(302, 404, 404, 302, 404, 404, 404, 404, 404),
    ),
    ("child data", "get", "/cabinet/children/{student}/data/", None, row(302, 404, 404, 200, 404, 404, 404, 404, 404)),
    (
        "delete child page",
        "get",
        "/cabinet/children/{student}/delete/",
        None,
        row(302, 404, 404, 200, 404, 404, 404, 404, 404),
    ),
    (
        "delete child",
        "post",
        "/cabinet/children/{student}/delete/",
        "erase",
        row(302, 404, 404, 302, 404, 404, 404, 404, 404),
    ),
    ("add child page", "get", "/cabinet/children/add/", None, row(302, 403, 403, 200, 200, 200, 200, 200, 200)),
    ("add child", "post", "/cabinet/children/add/", "child", row(302, 403, 403, 302, 302, 302, 302, 302, 302)),
]
# Site forms post as a browser does (form-encoded), the API takes JSON or multipart.
SITE_FORMS = {"agree", "erase", "child"}


@pytest.fixture
def world(
    student,
    make_student,
    make_user,
    assignment,
    make_assignment,
    masterclass,
    lessons,
    mentor_seat,
    campaign,
    stories_index,
    direction,
    season,
):
    assignment.jurors_per_work = 1
    assignment.save()
    moderator = make_user("moderator", group="Moderators")
    juror = make_user("juror")
    JuryMember.objects.create(user=juror, direction=direction, season=season)
    other_juror = make_user("juror2")
    JuryMember.objects.create(user=other_juror, direction=direction, season=season)
    other = make_student(email="vanya@example.org", first_name="Ваня", surname="Орлов", age=15)
    kids = [
        make_student(email=f"kid{n}@example.org", first_name=f"Ребёнок{n}", surname="Тестов", age=15) for n in range(3)
    ]
    approved = services.approve_submission(
        services.submit_work(student, assignment, title="Опубликована", files=[image_upload()]), moderator
    )
    pending = services.submit_work(kids[0], assignment, title="Ждёт", files=[image_upload()])
    # The pending work used by the "student" role must be the student's own: use a second assignment.
    second = make_assignment(title="Второе задание")
    own_pending = services.submit_work(student, second, title="Моя новая", files=[image_upload()])
    shortlisted = services.shortlist_submission(
        services.approve_submission(
            services.submit_work(kids[1], assignment, title="Шорт", text="Стих", files=[image_upload()]),
            moderator,
        ),
        moderator,
    )
    criteria = list(assignment.criteria.all())
    for judge in (juror, mentor_seat.user):
        services.declare_conflicts(judge, assignment)
    Score.objects.create(
        juror=other_juror, submission=shortlisted, points={str(c.pk): 1 for c in criteria}, total=2, comment="ок"
    )
    reported = services.approve_submission(
        services.submit_work(kids[2], assignment, title="Жалоба", text="Т"), moderator
    )
    services.report_submission(reported, reason="Спорно", ip="10.9.9.9")
    users = {
        "anonymous": None,
        "student": student.user,
        "other_student": other.user,
        "guardian": student.guardian,
        "supporter": make_user("supporter"),
        "moderator": moderator,
        "juror": juror,
        "mentor": mentor_seat.user,
        "editor": make_user("editor", group="Editors"),
    }
    return {
        "users": users,
        "ids": {
            "student": student.pk,
            "masterclass": masterclass.pk,
            "approved": approved.pk,
            "pending": own_pending.pk,
            "pending_file": own_pending.files.get().uid,
            "other_pending": pending.pk,
            "shortlisted": shortlisted.pk,
            "jury_code": shortlisted.jury_code,
            "reported": reported.pk,
            "assignment": assignment.pk,
        },
        "lesson": lessons[0],
        "third": make_assignment(title="Третье задание"),
        "criteria": criteria,
        "shortlisted": shortlisted,
    }


def payload(kind, world, role):
    lesson = world["lesson"]
    return {
        None: None,
        "registration": {
            "email": f"new.{role}@example.org",
            "password": PASSWORD,
            "first_name": "Новый",
            "surname": "Ученик",
            "birth_date": birth_date_for(15).isoformat(),
            "region": "77",
            "town": "Москва",
            "consent": True,
        },
        "login": {"email": "vanya@example.org", "password": PASSWORD},
        "progress": {"lesson": lesson.pk, "position": 5, "start": 0, "end": 5, "duration": 60},
        "work": {"assignment": world["third"].pk, "title": "Новая работа", "text": "Стих"},
        "edit": {"title": "Исправленная"},
        "report": {"reason": "Проверьте, пожалуйста"},
        "reject": {"reason": "Не по заданию"},
        "score": {"points": {str(c.pk): 3 for c in world["criteria"]}, "comment": "Хорошо"},
        "winners": {"winners": [world["shortlisted"].pk]},
        "agree": {"agree": "on"},
        "erase": {"confirm": "УДАЛИТЬ"},
        "child": {
            "first_name": "Петя",
            "surname": "Орлов",
            "birth_date": birth_date_for(9).isoformat(),
            "region": Region.objects.get(code="77").pk,
            "town": "Москва",
            "email": f"new.child.{role}@example.org",
            "password": PASSWORD,
            "guardian_consent": "on",
        },
    }[kind]


def test_every_role_against_every_endpoint(world):
    wrong = {}
    for name, method, url, data, expected in MATRIX:
        wrong.update(check_endpoint(world, name, method, url.format(**world["ids"]), data, expected))
    assert not wrong, "\n".join(f"{cell}: {outcome}" for cell, outcome in wrong.items())


def check_endpoint(world, name, method, url, data, expected):
    wrong = {}
    for role in ROLES:
        client = APIClient()
        if world["users"][role] is not None:
            client.force_login(world["users"][role])
        cache.clear()
        savepoint = transaction.savepoint_create()
        try:
            body = payload(data, world, role)
            fmt = "multipart" if method == "patch" or data == "work" or data in SITE_FORMS else "json"
            kwargs = {"format": fmt} if body is not None else {}
            response = (
                getattr(client, method)(url, body, **kwargs) if body is not None else getattr(client, method)(url)
            )
        finally:
            transaction.savepoint_rollback(savepoint)
        if response.status_code != expected[role]:
            wrong[f"{name} × {role}"] = (response.status_code, expected[role], getattr(response, "data", None))
    return wrong
