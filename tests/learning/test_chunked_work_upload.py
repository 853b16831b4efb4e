"""A student's large contest video goes up in chunks (resumable, like a mentor's lesson), stays in
the private storage, and is attached to the work by the finished upload's id. Every refusal is a
clear 4xx before or instead of any half-made work."""

import contextlib
import hashlib
import random
from pathlib import Path

import pytest

from learning.models import Submission, SubmissionFile
from media_pipeline.models import VideoAsset, VideoUpload
from tests.factories import image_upload, work_clip

pytestmark = pytest.mark.django_db

CHUNK = 64 * 1024


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    """Two seconds of noisy 320×180 video: a few chunks of 64 KiB."""
    return work_clip(tmp_path_factory.mktemp("chunked-work") / "танец.mp4", size="320x180", seconds=2, noise=True)


@pytest.fixture(autouse=True)
def small_chunks(settings, tmp_path):
    settings.VIDEO_UPLOAD_CHUNK_SIZE = CHUNK
    settings.VIDEO_UPLOAD_TEMP_DIR = str(tmp_path / "uploads")


def start(api, assignment, data, filename="танец.mp4"):
    return api.post(
        f"/api/assignments/{assignment.pk}/video-upload/", {"filename": filename, "size": len(data)}, format="json"
    )


def send_chunk(api, uid, data, offset):
    piece = data[offset : offset + CHUNK]
    return api.put(
        f"/api/media/uploads/{uid}/chunk/",
        piece,
        content_type="application/octet-stream",
        headers={"Upload-Offset": str(offset), "Chunk-Sha256": hashlib.sha256(piece).hexdigest()},
    )


def send_all(api, uid, data):
    for offset in range(0, len(data), CHUNK):
        answer = send_chunk(api, uid, data, offset)
        assert answer.status_code == 200, answer.json()


def NO_TASKS(execute):
    """Stands in for django_capture_on_commit_callbacks: the pipeline's tasks do not run."""
    return contextlib.nullcontext()


def upload_whole(api, assignment, data, capture, filename="танец.mp4"):
    started = start(api, assignment, data, filename)
    assert started.status_code == 201, started.json()
    uid = started.json()["uid"]
    send_all(api, uid, data)
    with capture(execute=True):  # probe and transcode run as the commit's tasks
        done = api.post(
            f"/api/media/uploads/{uid}/complete/", {"sha256": hashlib.sha256(data).hexdigest()}, format="json"
        )
    assert done.status_code == 201, done.json()
    return uid


def test_a_large_video_goes_up_in_chunks_privately_and_becomes_the_works_file(
    student, assignment, clip, client_for, settings, django_capture_on_commit_callbacks
):
    api = client_for(student.user)
    started = start(api, assignment, clip)
    assert started.status_code == 201, started.json()
    upload = started.json()
    assert upload["mode"] == "local" and upload["parts_count"] == -(-len(clip) // CHUNK) > 2

    # The connection drops after the first chunk: the upload says where to go on from.
    assert send_chunk(api, upload["uid"], clip, 0).status_code == 200
    assert api.get(f"/api/media/uploads/{upload['uid']}/").json()["received"] == CHUNK
    for offset in range(CHUNK, len(clip), CHUNK):
        assert send_chunk(api, upload["uid"], clip, offset).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        done = api.post(f"/api/media/uploads/{upload['uid']}/complete/", {}, format="json")
    assert done.status_code == 201, done.json()

    asset = VideoAsset.objects.get(uid=upload["uid"])
    assert asset.private and asset.owner == student.user
    assert asset.status == VideoAsset.Status.READY, asset.failure_reason
    assert (Path(settings.PRIVATE_MEDIA_ROOT) / asset.master_playlist).exists()
    assert not (Path(settings.MEDIA_ROOT) / asset.storage_prefix).exists()  # nothing public before moderation

    answer = api.post(
        "/api/submissions/",
        {"assignment": assignment.pk, "title": "Танец", "files": [image_upload()], "videos": [upload["uid"]]},
        format="multipart",
    )
    assert answer.status_code == 201, answer.json()
    work = Submission.objects.get(pk=answer.json()["id"])
    assert work.status == Submission.Status.PENDING
    video = work.files.get(kind="video")
    assert video.video == asset and video.size == len(clip) and video.content_type == "video/mp4"
    assert work.files.filter(kind="image").count() == 1
    assert not VideoAsset.objects.exclude(pk=asset.pk).exists()  # attached, not copied


def test_the_site_form_takes_the_upload_ids(student, assignment, clip, client_for, django_capture_on_commit_callbacks):
    """The site's submit page (no API client): the same finished upload, passed as `videos`."""
    from django.test import Client

    uid = upload_whole(client_for(student.user), assignment, clip, django_capture_on_commit_callbacks)
    browser = Client()
    browser.force_login(student.user)
    answer = browser.post(
        "/cabinet/submit/",
        {"assignment": assignment.pk, "title": "Танец", "videos": [uid]},
        headers={"Accept": "application/json"},
    )
    assert answer.status_code == 201, answer.content
    assert SubmissionFile.objects.get(submission__uid=answer.json()["uid"]).video.uid.hex == uid.replace("-", "")


def test_an_upload_is_checked_against_the_assignment_before_a_byte_is_sent(
    student, make_assignment, make_student, client_for, make_user
):
    api = client_for(student.user)
    photos_only = make_assignment(title="Фото", allowed_kinds=["image"])
    answer = start(api, photos_only, b"x" * 10)
    assert answer.status_code == 400 and "не принимается" in answer.json()["detail"]

    small = make_assignment(title="Короткое видео", max_video_mb=1)
    answer = start(api, small, b"x" * (3 * 1024 * 1024))
    assert answer.status_code == 400 and "можно не больше 1 МБ" in answer.json()["detail"]

    too_young = make_assignment(title="Для старших", age_bands=["14-18"])
    assert start(api, too_young, b"x" * 10).status_code == 403

    # Only students start contest uploads; a visitor's account may not, nor start a lesson upload.
    visitor = client_for(make_user("visitor"))
    assert start(visitor, small, b"x" * 10).status_code == 403
    lesson = visitor.post("/api/media/uploads/", {"title": "t", "filename": "a.mp4", "size": 10}, format="json")
    assert lesson.status_code == 403
    assert not VideoUpload.objects.exists()


def test_an_upload_is_carried_on_only_by_its_owner(student, make_student, assignment, clip, client_for):
    upload = start(client_for(student.user), assignment, clip).json()
    other = client_for(make_student(email="petya@example.org", first_name="Петя", surname="Иванов").user)
    assert other.get(f"/api/media/uploads/{upload['uid']}/").status_code == 404
    answer = send_chunk(other, upload["uid"], clip, 0)
    assert answer.status_code == 404
    assert client_for().get(f"/api/media/uploads/{upload['uid']}/").status_code in (401, 403)


def test_a_work_refuses_uploads_that_are_not_finished_not_its_authors_used_or_not_video(
    student, make_student, assignment, clip, client_for, django_capture_on_commit_callbacks
):
    api = client_for(student.user)

    def submit(*uids, title="Работа"):
        return api.post(
            "/api/submissions/", {"assignment": assignment.pk, "title": title, "videos": list(uids)}, format="multipart"
        )

    unfinished = start(api, assignment, clip).json()["uid"]
    answer = submit(unfinished)
    assert answer.status_code == 400 and "загрузка не завершена" in answer.json()["detail"]

    petya = make_student(email="petya@example.org", first_name="Петя", surname="Иванов")
    foreign = upload_whole(client_for(petya.user), assignment, clip, django_capture_on_commit_callbacks)
    answer = submit(foreign)
    assert answer.status_code == 400 and "не найдено" in answer.json()["detail"]
    assert submit("not-a-uuid").status_code == 400

    # Bytes that are not a video (a renamed document) are refused: by content while the pipeline
    # has not looked yet, with the pipeline's reason once its probe failed.
    # Fixed bytes, not os.urandom: ffprobe now and then found an audio stream in random noise.
    fake = random.Random(2026).randbytes(3 * CHUNK)
    unprobed = upload_whole(api, assignment, fake, NO_TASKS, filename="видео.mp4")
    answer = submit(unprobed)
    assert answer.status_code == 400 and "по содержимому это не видео" in answer.json()["detail"]
    probed = upload_whole(api, assignment, fake[::-1], django_capture_on_commit_callbacks, filename="фильм.mp4")
    answer = submit(probed)
    assert answer.status_code == 400 and "«фильм.mp4»: Файл не является видео" in answer.json()["detail"]
    assert not Submission.objects.exists()

    mine = upload_whole(api, assignment, clip, django_capture_on_commit_callbacks)
    assert submit(mine, mine).status_code == 400  # the same video twice
    assert submit(mine).status_code == 201
    answer = api.patch(f"/api/submissions/{Submission.objects.get().pk}/", {"videos": [mine]}, format="multipart")
    assert answer.status_code == 409 and "уже приложено" in answer.json()["detail"]


def test_editing_a_work_can_replace_its_files_with_a_chunked_video(
    student, assignment, clip, client_for, django_capture_on_commit_callbacks
):
    api = client_for(student.user)
    created = api.post(
        "/api/submissions/",
        {"assignment": assignment.pk, "title": "Рисунок", "files": [image_upload()]},
        format="multipart",
    )
    assert created.status_code == 201
    uid = upload_whole(api, assignment, clip, django_capture_on_commit_callbacks)
    answer = api.patch(f"/api/submissions/{created.json()['id']}/", {"videos": [uid]}, format="multipart")
    assert answer.status_code == 200, answer.json()
    kinds = [f["kind"] for f in answer.json()["files"]]
    assert kinds == ["video"]


def test_uploads_left_unfinished_or_unused_for_a_week_are_removed(
    student, assignment, clip, client_for, settings, django_capture_on_commit_callbacks
):
    from django.core.management import call_command
    from django.utils import timezone

    api = client_for(student.user)
    open_uid = start(api, assignment, clip).json()["uid"]
    send_all(api, open_uid, clip[: 2 * CHUNK])
    unused = upload_whole(api, assignment, clip, django_capture_on_commit_callbacks)
    used = upload_whole(api, assignment, clip, django_capture_on_commit_callbacks)
    recent = upload_whole(api, assignment, clip, django_capture_on_commit_callbacks)
    answer = api.post(
        "/api/submissions/", {"assignment": assignment.pk, "title": "Т", "videos": [used]}, format="multipart"
    )
    assert answer.status_code == 201
    week_ago = timezone.now() - timezone.timedelta(days=8)
    VideoUpload.objects.filter(uid__in=[open_uid, unused, used]).update(updated_at=week_ago)
    unused_prefix = Path(settings.PRIVATE_MEDIA_ROOT) / VideoAsset.objects.get(uid=unused).storage_prefix
    assert unused_prefix.exists() and list(Path(settings.VIDEO_UPLOAD_TEMP_DIR).glob("*.part"))

    with django_capture_on_commit_callbacks(execute=True):
        call_command("remove_unclaimed_uploads")

    assert VideoUpload.objects.get(uid=open_uid).status == VideoUpload.Status.ABORTED
    assert not list(Path(settings.VIDEO_UPLOAD_TEMP_DIR).glob("*.part"))
    assert not VideoAsset.objects.filter(uid=unused).exists() and not unused_prefix.exists()
    assert VideoAsset.objects.filter(uid__in=[used, recent]).count() == 2  # in a work, or still fresh
