"""List endpoints read a fixed number of queries however many rows the page holds."""

import pytest

from learning import services
from learning.models import JuryMember
from tests.factories import image_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def many_works(make_student, assignment, make_user, campaign):
    moderator = make_user("moderator", group="Moderators")
    works = []
    for n in range(5):
        kid = make_student(email=f"k{n}@example.org", first_name=f"Ребёнок{n}", age=15)
        works.append(services.submit_work(kid, assignment, title=f"Работа {n}", files=[image_upload(), image_upload()]))
    return moderator, works


def test_moderation_queue_queries_are_pinned(many_works, client_for, django_assert_max_num_queries):
    moderator, works = many_works
    with django_assert_max_num_queries(8):
        response = client_for(moderator).get("/api/moderation/")
    assert response.json()["count"] == 5


def test_jury_list_queries_are_pinned(
    many_works, client_for, make_user, direction, season, django_assert_max_num_queries
):
    moderator, works = many_works
    for work in works:
        services.shortlist_submission(services.approve_submission(work, moderator), moderator)
    juror = make_user("juror")
    JuryMember.objects.create(user=juror, direction=direction, season=season)
    with django_assert_max_num_queries(9):
        response = client_for(juror).get("/api/jury/works/")
    assert response.json()["count"] == 5


def test_assignments_and_my_works_queries_are_pinned(
    many_works, client_for, make_assignment, django_assert_max_num_queries
):
    for n in range(4):
        make_assignment(title=f"Задание {n}")
    with django_assert_max_num_queries(4):
        assert client_for().get("/api/assignments/").json()["count"] == 5
    kid = many_works[1][0].student
    with django_assert_max_num_queries(8):
        assert client_for(kid.user).get("/api/submissions/").json()["count"] == 1


def test_progress_and_profile_queries_are_pinned(student, lessons, client_for, django_assert_max_num_queries):
    for lesson in lessons:
        services.record_progress(student, lesson, position=5, start=0, end=5, duration=60)
    client = client_for(student.user)
    with django_assert_max_num_queries(4):
        assert client.get("/api/progress/").json()["count"] == 3
    with django_assert_max_num_queries(6):
        assert client.get("/api/students/").json()["count"] == 1
