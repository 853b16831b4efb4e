"""A mentor uploads a big file in chunks through the platform; a dropped connection resumes."""

import hashlib
from pathlib import Path

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from media_pipeline.models import VideoAsset, VideoUpload

pytestmark = pytest.mark.django_db

CHUNK = 64 * 1024


@pytest.fixture
def client(mentor, settings):
    settings.VIDEO_UPLOAD_CHUNK_SIZE = CHUNK
    api = APIClient()
    api.force_authenticate(mentor)
    return api


def start(client, data, title="Урок 1. Дыхание"):
    response = client.post(
        "/api/media/uploads/", {"title": title, "filename": "урок 1.mp4", "size": len(data)}, format="json"
    )
    assert response.status_code == 201, response.json()
    return response.json()


def send(client, uid, data, offset, digest=None):
    piece = data[offset : offset + CHUNK]
    return client.put(
        f"/api/media/uploads/{uid}/chunk/",
        piece,
        content_type="application/octet-stream",
        headers={"Upload-Offset": str(offset), "Chunk-Sha256": digest or hashlib.sha256(piece).hexdigest()},
    )


def test_chunked_upload_resumes_after_a_dropped_connection_and_starts_processing(
    client, clips, django_capture_on_commit_callbacks
):
    data = clips["landscape"].read_bytes()
    upload = start(client, data)
    assert upload["mode"] == "local" and upload["chunk_size"] == CHUNK

    assert send(client, upload["uid"], data, 0).status_code == 200
    # the connection dropped during the second chunk: the client asks where to resume
    state = client.get(f"/api/media/uploads/{upload['uid']}/").json()
    assert state["received"] == CHUNK
    skipped = send(client, upload["uid"], data, 2 * CHUNK)
    assert skipped.status_code == 409
    assert skipped.json()["received"] == CHUNK and "с байта 65536" in skipped.json()["detail"]
    offset = CHUNK
    while offset < len(data):
        assert send(client, upload["uid"], data, offset).status_code == 200
        offset += CHUNK

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(
            f"/api/media/uploads/{upload['uid']}/complete/",
            {"sha256": hashlib.sha256(data).hexdigest()},
            format="json",
        )

    assert done.status_code == 201, done.json()
    video = VideoAsset.objects.get(uid=done.json()["uid"])
    assert video.checksum == hashlib.sha256(data).hexdigest() and video.source_size == len(data)
    assert video.status == VideoAsset.Status.READY and video.playlist_url
    assert not list(Path(settings.VIDEO_UPLOAD_TEMP_DIR).glob("*.part"))
    status = client.get(f"/api/media/videos/{video.uid}/").json()
    assert status["status"] == "ready" and status["progress"] == 100
    assert status["playlist_url"].endswith("/hls/master.m3u8")


def test_chunk_damaged_in_transit_is_refused(client):
    data = b"\x00" * (CHUNK + 10)
    upload = start(client, data)

    response = send(client, upload["uid"], data, 0, digest="0" * 64)

    assert response.status_code == 400
    assert "Отправьте эту часть ещё раз" in response.json()["detail"]
    assert VideoUpload.objects.get(uid=upload["uid"]).received == 0


def test_assembled_file_with_wrong_checksum_is_removed(client):
    data = bytes(range(256)) * 300
    upload = start(client, data)
    for offset in range(0, len(data), CHUNK):
        assert send(client, upload["uid"], data, offset).status_code == 200

    response = client.post(f"/api/media/uploads/{upload['uid']}/complete/", {"sha256": "ab" * 32}, format="json")

    assert response.status_code == 400
    assert "Контрольная сумма собранного файла не совпала" in response.json()["detail"]
    assert VideoUpload.objects.get(uid=upload["uid"]).status == VideoUpload.Status.ABORTED
    assert not VideoAsset.objects.exists()
    assert not list(Path(settings.VIDEO_UPLOAD_TEMP_DIR).glob("*"))


def test_completing_before_all_chunks_arrive_says_how_much_is_missing(client):
    data = b"x" * (CHUNK * 2)
    upload = start(client, data)
    send(client, upload["uid"], data, 0)

    response = client.post(f"/api/media/uploads/{upload['uid']}/complete/", {}, format="json")

    assert response.status_code == 400
    assert f"{CHUNK} из {2 * CHUNK} байт" in response.json()["detail"]


def test_upload_over_the_size_limit_is_refused_at_once(client, settings):
    settings.VIDEO_MAX_UPLOAD_SIZE = 10 * 1024**2
    response = client.post(
        "/api/media/uploads/", {"title": "Длинный урок", "filename": "a.mp4", "size": 11 * 1024**2}, format="json"
    )
    assert response.status_code == 400
    assert "больше допустимого" in response.json()["detail"]


def test_cancelled_upload_leaves_nothing(client):
    data = b"y" * (CHUNK + 5)
    upload = start(client, data)
    send(client, upload["uid"], data, 0)

    assert client.delete(f"/api/media/uploads/{upload['uid']}/").status_code == 204

    assert not list(Path(settings.VIDEO_UPLOAD_TEMP_DIR).glob("*"))
    assert send(client, upload["uid"], data, CHUNK).status_code == 400


def test_people_without_the_upload_permission_cannot_upload(django_user_model):
    student = django_user_model.objects.create_user("student", password="pw")
    api = APIClient()
    assert api.post("/api/media/uploads/", {}, format="json").status_code == 403
    api.force_authenticate(student)
    response = api.post("/api/media/uploads/", {"title": "x", "filename": "a.mp4", "size": 5}, format="json")
    assert response.status_code == 403
    assert "наставники и редакторы" in response.json()["detail"]


def test_mentor_sees_only_own_videos_and_editor_sees_all(
    mentor, editor, django_user_model, django_assert_max_num_queries
):
    other = django_user_model.objects.create_user("other")
    for index in range(3):
        VideoAsset.objects.create(title=f"Мой урок {index}", owner=mentor)
    VideoAsset.objects.create(title="Чужой урок", owner=other)
    api = APIClient()

    api.force_authenticate(mentor)
    with django_assert_max_num_queries(6):
        mine = api.get("/api/media/videos/").json()
    assert {v["title"] for v in mine["results"]} == {"Мой урок 0", "Мой урок 1", "Мой урок 2"}

    api.force_authenticate(editor)
    assert api.get("/api/media/videos/").json()["count"] == 4


@pytest.mark.parametrize("body", ["null", '"sha256"', "[1, 2]", "7"])
@pytest.mark.parametrize("action", ["complete", "parts"])
def test_a_body_that_is_not_a_json_object_gets_a_russian_400(client, action, body):
    upload = start(client, b"z" * 100)
    response = client.post(f"/api/media/uploads/{upload['uid']}/{action}/", body, content_type="application/json")
    assert response.status_code == 400, response.content
    assert "JSON-объект" in response.json()["detail"]
    assert VideoUpload.objects.get(uid=upload["uid"]).status == VideoUpload.Status.OPEN


def test_parts_that_are_not_objects_get_a_russian_400(client):
    upload = start(client, b"z" * 100)
    for parts in (["etag"], [{"part_number": "1"}], [{"part_number": 1, "etag": 5}]):
        response = client.post(f"/api/media/uploads/{upload['uid']}/complete/", {"parts": parts}, format="json")
        assert response.status_code == 400, response.content
        assert "part_number" in response.json()["parts"]


def test_bidi_controls_in_a_title_or_file_name_are_dropped(client):
    response = client.post(
        "/api/media/uploads/",
        {"title": "Урок \u202eфп.exe", "filename": "урок\u202e4pm.exe", "size": 100},
        format="json",
    )
    assert response.status_code == 201, response.content
    upload = VideoUpload.objects.get()
    assert (upload.title, upload.filename) == ("Урок фп.exe", "урок4pm.exe")
