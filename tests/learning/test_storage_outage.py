"""When the file store does not answer, a student's request gets a 503 in the API's JSON shape
with a Russian message (not a server error page), and nothing of the work is left half-written."""

from urllib.parse import urlsplit

import pytest

from learning.models import Submission
from tests.factories import image_upload
from tests.s3_server import free_ports

pytestmark = pytest.mark.django_db


@pytest.fixture
def stop_the_store(settings, s3_storage):
    """Works are stored on S3 (SeaweedFS); calling the fixture makes the store unreachable."""

    def stop():
        settings.AWS_S3_ENDPOINT_URL = f"http://127.0.0.1:{free_ports(1)[0]}"  # nothing listens there
        settings.STORAGES = {**settings.STORAGES}  # storages are built again with the new endpoint

    return stop


def submit(client, assignment, **data):
    payload = {"assignment": assignment.pk, "title": "Рисунок", "description": "Лето", **data}
    return client.post("/api/submissions/", payload, format="multipart")


def assert_store_unavailable(response):
    assert response.status_code == 503, response.content
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "storage_unavailable"
    assert "Хранилище файлов сейчас недоступно" in response.json()["detail"]
    assert int(response["Retry-After"]) > 0


def test_a_work_sent_while_the_store_is_down_is_refused_with_503_and_not_kept(
    client_for, student, assignment, stop_the_store
):
    stop_the_store()

    response = submit(client_for(student.user), assignment, files=[image_upload()])

    assert_store_unavailable(response)
    assert not Submission.objects.exists()


def test_a_work_file_asked_for_while_the_store_is_down_gets_503(client_for, student, assignment, stop_the_store):
    client = client_for(student.user)
    created = submit(client, assignment, files=[image_upload()])
    assert created.status_code == 201, created.content
    stop_the_store()

    response = client.get(urlsplit(created.json()["files"][0]["url"]).path)

    assert_store_unavailable(response)


def test_a_video_upload_started_while_the_store_is_down_gets_503(client_for, student, assignment, stop_the_store):
    stop_the_store()

    response = client_for(student.user).post(
        f"/api/assignments/{assignment.pk}/video-upload/", {"filename": "песня.mp4", "size": 6_000_000}, format="json"
    )

    assert_store_unavailable(response)


def test_a_work_sent_from_the_site_form_while_the_store_is_down_is_refused_with_503_and_not_kept(
    client, student, assignment, stop_the_store
):
    client.force_login(student.user)
    stop_the_store()

    response = client.post(
        "/cabinet/submit/",
        {"assignment": assignment.pk, "title": "Рисунок", "description": "Лето", "files": [image_upload()]},
    )

    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    assert "Хранилище файлов сейчас недоступно" in response.content.decode()
    assert not Submission.objects.exists()


def test_the_site_forms_script_gets_the_503_as_json(client, student, assignment, stop_the_store):
    client.force_login(student.user)
    stop_the_store()

    response = client.post(
        "/cabinet/submit/",
        {"assignment": assignment.pk, "title": "Рисунок", "description": "Лето", "files": [image_upload()]},
        headers={"accept": "application/json"},
    )

    assert response.status_code == 503
    assert "Хранилище файлов сейчас недоступно" in response.json()["detail"]
    assert not Submission.objects.exists()
