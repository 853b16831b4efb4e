import pytest

from learning import services
from learning.models import LessonProgress
from media_pipeline.models import VideoAsset

pytestmark = pytest.mark.django_db


def test_overlapping_intervals_merge():
    assert services.merge_intervals([[0, 10], [20, 30]], [8, 22]) == [[0, 30]]
    assert services.merge_intervals([[0, 10]], [15, 20]) == [[0, 10], [15, 20]]
    assert services.merge_intervals([], [5, 5]) == [[5, 5]]


@pytest.fixture
def lesson(lessons):
    video = VideoAsset.objects.create(title="Дыхание", status="ready", duration=100.0)
    lesson = lessons[0]
    lesson.video = video
    lesson.save()
    return lesson


def report(client, lesson, start, end, position=None):
    return client.post(
        "/api/progress/",
        {"lesson": lesson.pk, "position": end if position is None else position, "start": start, "end": end},
        format="json",
    )


def test_the_player_keeps_one_row_with_the_resume_position(client_for, student, lesson):
    client = client_for(student.user)
    for start in range(0, 30, 10):
        assert report(client, lesson, start, start + 10).status_code == 200
    row = LessonProgress.objects.get()
    assert row.position == 30 and row.watched == [[0, 30]] and row.watched_seconds == 30
    mine = client.get(f"/api/progress/?lesson={lesson.pk}").json()["results"]
    assert mine[0]["position"] == 30 and mine[0]["percent"] == 30 and mine[0]["completed"] is False


def test_seeking_to_the_end_does_not_complete_a_lesson(client_for, student, lesson):
    client = client_for(student.user)
    report(client, lesson, 0, 10)
    body = report(client, lesson, 90, 100).json()
    assert body["watched_seconds"] == 20 and body["completed"] is False


def test_a_lesson_is_complete_at_95_percent_actually_watched(client_for, student, lesson):
    client = client_for(student.user)
    for start in range(0, 90, 10):
        report(client, lesson, start, start + 10)
    assert report(client, lesson, 90, 94).json()["completed"] is False
    body = report(client, lesson, 94, 95).json()
    assert body["completed"] is True and body["percent"] == 95
    # Watching it again changes nothing about completion.
    assert report(client, lesson, 0, 10, position=10).json()["completed"] is True


def test_a_forged_whole_lesson_interval_is_refused(client_for, student, lesson):
    response = report(client_for(student.user), lesson, 0, 100)
    assert response.status_code == 400
    assert "~10 с" in response.json()["detail"]
    assert not LessonProgress.objects.filter(watched_seconds__gt=0).exists()


def test_masterclass_progress_counts_completed_lessons(client_for, student, lesson, lessons, masterclass):
    client = client_for(student.user)
    for start in range(0, 100, 20):
        report(client, lesson, start, start + 20)
    body = client.get(f"/api/masterclasses/{masterclass.pk}/progress/").json()
    assert body == {"completed": 1, "total": 3, "percent": 33}


def test_a_lesson_without_a_processed_video_takes_the_players_duration(client_for, student, lessons):
    client = client_for(student.user)
    lesson = lessons[1]
    missing = report(client, lesson, 0, 10)
    assert missing.status_code == 400 and missing.json()["field"] == "duration"
    ok = client.post(
        "/api/progress/", {"lesson": lesson.pk, "position": 10, "start": 0, "end": 10, "duration": 20}, format="json"
    )
    assert ok.json()["percent"] == 50


def test_progress_is_only_for_students(client_for, make_user, lesson):
    assert report(client_for(make_user("parent")), lesson, 0, 10).status_code == 403
    assert report(client_for(), lesson, 0, 10).status_code == 403
