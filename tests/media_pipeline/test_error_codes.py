"""A client of the video API branches on a stable `code`: every refusal has the platform's one
shape `{"code", "detail", "field"}`, with the same Russian message and status as before."""

import hashlib

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

CHUNK = 64 * 1024


@pytest.fixture
def api(mentor, settings):
    settings.VIDEO_UPLOAD_CHUNK_SIZE = CHUNK
    client = APIClient()
    client.force_authenticate(mentor)
    return client


def start(api, size):
    response = api.post("/api/media/uploads/", {"title": "Урок", "filename": "a.mp4", "size": size}, format="json")
    assert response.status_code == 201, response.json()
    return response.json()["uid"]


def put_chunk(api, uid, piece, offset, digest=None):
    return api.put(
        f"/api/media/uploads/{uid}/chunk/",
        piece,
        content_type="application/octet-stream",
        headers={"Upload-Offset": str(offset), "Chunk-Sha256": digest or hashlib.sha256(piece).hexdigest()},
    )


def test_a_file_over_the_limit_is_refused_with_its_code(api, settings):
    settings.VIDEO_MAX_UPLOAD_SIZE = 10 * 1024**2
    response = api.post("/api/media/uploads/", {"title": "У", "filename": "a.mp4", "size": 11 * 1024**2}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "file_too_large" and "больше допустимого" in response.json()["detail"]


def test_a_damaged_chunk_and_a_chunk_out_of_order_have_their_codes(api):
    data = b"\x01" * (CHUNK + 10)
    uid = start(api, len(data))

    damaged = put_chunk(api, uid, data[:CHUNK], 0, digest="0" * 64)
    skipped = put_chunk(api, uid, data[CHUNK:], CHUNK)

    assert damaged.status_code == 400
    assert damaged.json() == {
        "code": "chunk_checksum_mismatch",
        "detail": "Контрольная сумма части не совпала: она повредилась при передаче. Отправьте эту часть ещё раз.",
        "field": None,
    }
    assert skipped.status_code == 409
    assert skipped.json()["code"] == "chunk_out_of_order" and skipped.json()["received"] == 0


def test_a_closed_upload_and_a_body_that_is_not_an_object_have_their_codes(api):
    uid = start(api, 10)
    assert api.delete(f"/api/media/uploads/{uid}/").status_code == 204

    closed = put_chunk(api, uid, b"x" * 10, 0)
    not_object = api.post(f"/api/media/uploads/{uid}/complete/", [1, 2], format="json")

    assert (closed.status_code, closed.json()["code"]) == (400, "upload_closed")
    assert (not_object.status_code, not_object.json()["code"]) == (400, "body_not_json_object")
