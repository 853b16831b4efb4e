"""With S3 storage the browser sends the file straight to the bucket (presigned multipart upload),
the ladder is published there, and deleting the video empties its prefix. A real S3 store:
SeaweedFS on 127.0.0.1, with the bucket policy and CORS rule of `manage.py configure_bucket`."""

import subprocess

import pytest
import requests
from django.core.management import call_command
from rest_framework.test import APIClient

from media_pipeline import services, storage
from media_pipeline.models import VideoAsset, VideoUpload
from tests.factories import bucket_keys, upload_clip

pytestmark = pytest.mark.django_db

MIB = 1024 * 1024


@pytest.fixture(scope="module")
def camera_file(tmp_path_factory):
    """A 2 s clip big enough (~13 MB, nearly lossless) to need three 5 MiB parts."""
    path = tmp_path_factory.mktemp("s3") / "camera.mp4"
    subprocess.run(
        [
            "ffmpeg", "-v", "error",
            "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30:duration=2,noise=alls=8:allf=t",
            "-f", "lavfi", "-i", "sine=duration=2", "-c:v", "libx264", "-preset", "ultrafast", "-qp", "0",
            "-c:a", "aac", "-shortest", str(path),
        ],
        check=True,
    )  # fmt: skip
    return path


@pytest.fixture
def api(mentor, settings):
    settings.VIDEO_UPLOAD_CHUNK_SIZE = 5 * MIB  # the smallest part S3 accepts
    client = APIClient()
    client.force_authenticate(mentor)
    return client


def browser_put_parts(urls, data, part_size, numbers):
    """What the admin's JS does: PUT each part to its presigned URL (browsers may add a
    Content-Type) and keep the ETag."""
    parts = []
    for number in numbers:
        piece = data[(number - 1) * part_size : number * part_size]
        response = requests.put(urls[str(number)], data=piece, headers={"Content-Type": "video/mp4"}, timeout=30)
        assert response.status_code == 200, response.text
        parts.append({"part_number": number, "etag": response.headers["ETag"]})
    return parts


def test_browser_uploads_parts_straight_to_the_bucket_and_the_video_is_published_there(
    api, s3_storage, camera_file, django_capture_on_commit_callbacks
):
    data = camera_file.read_bytes()
    upload = api.post(
        "/api/media/uploads/", {"title": "Урок из камеры", "filename": "camera.mp4", "size": len(data)}, format="json"
    ).json()
    assert upload["mode"] == "s3" and upload["chunk_size"] >= 5 * MIB and upload["parts_count"] == 3

    urls = api.post(f"/api/media/uploads/{upload['uid']}/parts/", {"part_numbers": [1, 2, 3]}, format="json")
    urls = urls.json()["urls"]
    assert all(url.startswith(s3_storage.meta.endpoint_url) for url in urls.values())
    first = browser_put_parts(urls, data, upload["chunk_size"], [1, 2])
    # the tab was closed; on return the platform says which parts the bucket already has
    state = api.get(f"/api/media/uploads/{upload['uid']}/").json()
    assert [p["part_number"] for p in state["parts"]] == [1, 2]
    parts = first + browser_put_parts(urls, data, upload["chunk_size"], [3])

    with django_capture_on_commit_callbacks(execute=True):
        done = api.post(f"/api/media/uploads/{upload['uid']}/complete/", {"parts": parts}, format="json")

    assert done.status_code == 201, done.json()
    video = VideoAsset.objects.get(uid=done.json()["uid"])
    assert video.status == VideoAsset.Status.READY, video.failure_reason
    keys = bucket_keys(s3_storage)
    prefix = f"video/{video.uid}/"
    assert f"private/{prefix}source/camera.mp4" in keys  # a source is never published
    assert f"{prefix}hls/master.m3u8" in keys and f"{prefix}hls/360p/seg_00000.ts" in keys
    assert not [k for k in keys if "/staging/" in k]
    head = s3_storage.head_object(Bucket=s3_storage.bucket, Key=f"{prefix}hls/master.m3u8")
    assert head["ContentType"] == "application/vnd.apple.mpegurl"
    segment = s3_storage.head_object(Bucket=s3_storage.bucket, Key=f"{prefix}hls/360p/seg_00000.ts")
    assert segment["ContentType"] == "video/mp2t"
    call_command("configure_bucket")  # the public-read policy of the README
    master = requests.get(video.playlist_url, timeout=10)  # players fetch it from the bucket over HTTP
    assert master.status_code == 200 and "AVERAGE-BANDWIDTH" in master.text
    assert s3_storage.anonymous_get(f"private/{prefix}source/camera.mp4") == 403

    with django_capture_on_commit_callbacks(execute=True):
        video.delete()

    assert bucket_keys(s3_storage) == []


def test_object_of_the_wrong_size_is_refused_and_removed(api, s3_storage, settings):
    upload = api.post(
        "/api/media/uploads/", {"title": "Урок", "filename": "a.mp4", "size": 6 * MIB}, format="json"
    ).json()
    urls = api.post(f"/api/media/uploads/{upload['uid']}/parts/", {"part_numbers": [1]}, format="json").json()["urls"]
    parts = browser_put_parts(urls, b"z" * (6 * MIB - 100), 6 * MIB, [1])  # the browser sent less than it said

    response = api.post(f"/api/media/uploads/{upload['uid']}/complete/", {"parts": parts}, format="json")

    assert response.status_code == 400
    assert "другого размера" in response.json()["detail"]
    assert bucket_keys(s3_storage) == []
    assert not VideoAsset.objects.exists()


def test_cancelled_multipart_upload_is_aborted_in_the_bucket(api, s3_storage):
    upload = api.post(
        "/api/media/uploads/", {"title": "Урок", "filename": "a.mp4", "size": 6 * MIB}, format="json"
    ).json()
    urls = api.post(f"/api/media/uploads/{upload['uid']}/parts/", {"part_numbers": [1]}, format="json").json()["urls"]
    browser_put_parts(urls, b"z" * (5 * MIB), 5 * MIB, [1])

    assert api.delete(f"/api/media/uploads/{upload['uid']}/").status_code == 204

    assert s3_storage.list_multipart_uploads(Bucket=s3_storage.bucket).get("Uploads", []) == []
    assert VideoUpload.objects.get(uid=upload["uid"]).status == VideoUpload.Status.ABORTED


def test_register_upload_stores_the_source_in_the_bucket(mentor, s3_storage, clips):
    video = upload_clip(mentor, clips["landscape"])

    assert storage.is_s3()
    assert bucket_keys(s3_storage) == [f"private/video/{video.uid}/source/landscape.mp4"]


def test_a_private_upload_sends_its_parts_under_private_and_the_video_stays_there(
    api, mentor, s3_storage, camera_file, settings, django_capture_on_commit_callbacks
):
    """A student's contest video (learning starts it with private=True): the browser's parts land
    under the private location, the finished video is private, nothing public appears."""
    data = camera_file.read_bytes()
    upload = services.start_upload(mentor, "Работа", "camera.mp4", len(data), private=True)
    assert upload.mode == VideoUpload.Mode.S3 and upload.private
    urls = api.post(f"/api/media/uploads/{upload.uid}/parts/", {"part_numbers": [1, 2, 3]}, format="json")
    parts = browser_put_parts(urls.json()["urls"], data, upload.chunk_size, [1, 2, 3])
    state = api.get(f"/api/media/uploads/{upload.uid}/").json()
    assert [p["part_number"] for p in state["parts"]] == [1, 2, 3]

    with django_capture_on_commit_callbacks(execute=True):
        done = api.post(f"/api/media/uploads/{upload.uid}/complete/", {"parts": parts}, format="json")

    assert done.status_code == 201, done.json()
    video = VideoAsset.objects.get(uid=done.json()["uid"])
    assert video.private and video.status == VideoAsset.Status.READY, video.failure_reason
    keys = bucket_keys(s3_storage)
    assert f"private/video/{video.uid}/source/camera.mp4" in keys
    assert f"private/video/{video.uid}/hls/master.m3u8" in keys
    assert all(key.startswith("private/") for key in keys)
