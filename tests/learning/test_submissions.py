import datetime
import io
import os

import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from django.utils import timezone
from PIL import Image

from config.errors import ServiceError
from learning import services
from learning.models import Submission, SubmissionFile
from tests.factories import PASSWORD, birth_date_for, image_upload, pdf_upload

pytestmark = pytest.mark.django_db


def stored_files(settings):
    """Every stored file, public (MEDIA_ROOT) or private (PRIVATE_MEDIA_ROOT: works before approval)."""
    return sorted(
        os.path.relpath(os.path.join(d, f), root)
        for root in (settings.MEDIA_ROOT, settings.PRIVATE_MEDIA_ROOT)
        for d, _, files in os.walk(root)
        for f in files
    )


def gps_exif():
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (55.0, 45.0, 21.0)
    gps[3] = "E"
    gps[4] = (37.0, 37.0, 4.0)
    return exif


def submit(client, assignment, **data):
    payload = {"assignment": assignment.pk, "title": "Моя песня", "description": "Пою о лете"}
    payload.update(data)
    return client.post("/api/submissions/", payload, format="multipart")


def test_student_submits_a_photo_and_its_gps_is_stripped(client_for, student, assignment, settings):
    upload = image_upload(exif=gps_exif())
    assert b"PhoneMaker" in upload.read()
    upload.seek(0)
    response = submit(client_for(student.user), assignment, files=[upload])
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "pending"
    item = SubmissionFile.objects.get()
    with item.file.open("rb") as stored:
        data = stored.read()
    assert b"PhoneMaker" not in data
    image = Image.open(io.BytesIO(data))
    assert not image.getexif()
    assert (image.width, image.height) == (64, 48)
    assert item.content_type == "image/jpeg"


def test_a_renamed_file_is_judged_by_content_and_nothing_is_kept(client_for, student, assignment, settings):
    fake = SimpleUploadedFile("drawing.png", b"MZ\x90\x00 this is an executable, not a picture", "image/png")
    response = submit(client_for(student.user), assignment, files=[image_upload(), fake])
    assert response.status_code == 400
    message = response.json()["detail"]
    assert "drawing.png" in message and "по содержимому" in message
    assert not Submission.objects.exists()
    assert stored_files(settings) == []


def test_a_decompression_bomb_is_refused(client_for, student, assignment, settings):
    buffer = io.BytesIO()
    Image.new("1", (9000, 9000)).save(buffer, "PNG")  # 81 MP, a few KB compressed
    bomb = SimpleUploadedFile("big.png", buffer.getvalue(), "image/png")
    response = submit(client_for(student.user), assignment, files=[bomb])
    assert response.status_code == 400
    assert "мегапикселей" in response.json()["detail"]
    assert stored_files(settings) == []


def test_a_truncated_image_is_refused_with_a_reason(client_for, student, assignment):
    data = image_upload().read()
    broken = SimpleUploadedFile("cut.jpg", data[: len(data) // 2], "image/jpeg")
    response = submit(client_for(student.user), assignment, files=[broken])
    assert response.status_code == 400
    assert "повреждён" in response.json()["detail"]


def test_late_submission_is_refused_with_the_deadline_in_moscow_time(client_for, student, make_assignment):
    closed = make_assignment(
        title="Прошлое задание",
        opens_at=datetime.datetime(2026, 9, 1, 9, 0, tzinfo=datetime.UTC),
        closes_at=datetime.datetime(2026, 10, 15, 20, 59, tzinfo=datetime.UTC),
    )
    response = submit(client_for(student.user), closed, files=[image_upload()])
    assert response.status_code == 403
    assert response.json()["detail"] == (
        "Приём работ закрыт: работы принимались до 15 октября 2026, 23:59 по московскому времени."
    )


def test_one_work_per_student_and_assignment(client_for, student, assignment):
    client = client_for(student.user)
    assert submit(client, assignment, files=[image_upload()]).status_code == 201
    second = submit(client, assignment, files=[image_upload()])
    assert second.status_code == 409
    assert "уже отправили" in second.json()["detail"]
    with pytest.raises(IntegrityError):
        Submission.objects.create(assignment=assignment, student=student, title="Обход", age=12, age_band="10-13")


def test_size_limit_is_per_kind(client_for, student, make_assignment, settings):
    assignment = make_assignment(max_document_mb=1)
    big_pdf = SimpleUploadedFile("big.pdf", b"%PDF-1.4\n" + b"0" * (1024 * 1024 + 10), "application/pdf")
    response = submit(client_for(student.user), assignment, files=[big_pdf])
    assert response.status_code == 400
    assert "не больше 1 МБ" in response.json()["detail"]
    assert submit(client_for(student.user), assignment, files=[pdf_upload()]).status_code == 201


def test_a_kind_the_assignment_does_not_take_is_refused(client_for, student, make_assignment):
    assignment = make_assignment(allowed_kinds=["image"])
    response = submit(client_for(student.user), assignment, files=[pdf_upload()])
    assert response.status_code == 400
    assert "документ в этом задании не принимается" in response.json()["detail"]


def test_an_assignment_for_other_ages_is_refused(client_for, make_student, make_assignment):
    younger_only = make_assignment(age_bands=["6-9"])
    student = make_student(age=15)
    response = submit(client_for(student.user), younger_only, text="Стихи", files=[])
    assert response.status_code == 403
    assert "6-9" in response.json()["detail"]


def test_too_many_files_are_refused(client_for, student, make_assignment):
    assignment = make_assignment(max_files=1)
    response = submit(client_for(student.user), assignment, files=[image_upload(), image_upload()])
    assert response.status_code == 400
    assert "не больше 1 файла" in response.json()["detail"]


def test_editing_an_approved_work_sends_it_back_to_moderation(client_for, student, assignment, make_user, campaign):
    client = client_for(student.user)
    work = Submission.objects.get(pk=submit(client, assignment, files=[image_upload()]).json()["id"])
    services.approve_submission(work, make_user("moder", group="Moderators"))
    response = client.patch(f"/api/submissions/{work.pk}/", {"title": "Новая версия"}, format="multipart")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "pending"
    work.refresh_from_db()
    assert work.title == "Новая версия" and not work.is_public


def test_replacing_files_removes_the_old_ones(client_for, student, assignment, settings):
    client = client_for(student.user)
    work_id = submit(client, assignment, files=[image_upload()]).json()["id"]
    before = stored_files(settings)
    response = client.patch(f"/api/submissions/{work_id}/", {"files": [pdf_upload()]}, format="multipart")
    assert response.status_code == 200, response.content
    after = stored_files(settings)
    assert len(before) == len(after) == 1 and before != after
    assert [f["kind"] for f in response.json()["files"]] == ["document"]


def test_a_text_work_needs_no_file(client_for, student, assignment):
    response = submit(client_for(student.user), assignment, text="Песня о лете\nкуплет первый")
    assert response.status_code == 201
    assert response.json()["text"].startswith("Песня о лете")


def test_a_child_waiting_for_consent_cannot_submit(client_for, assignment):
    from cms.models import Region

    waiting = services.register_student(
        email="wait@example.org",
        password=PASSWORD,
        first_name="Оля",
        surname="Ждёт",
        birth_date=birth_date_for(9),
        region=Region.objects.get(code="77"),
        town="Москва",
        guardian_email="mama.wait@example.org",
    )
    with pytest.raises(ServiceError, match="согласие родителя"):
        services.submit_work(waiting, assignment, title="Рисунок", text="…", now=timezone.now())


@pytest.fixture(scope="module")
def tiny_clip(tmp_path_factory):
    """One second of 64×48 test video, made by the real ffmpeg."""
    import subprocess

    path = tmp_path_factory.mktemp("clip") / "clip.mp4"
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=64x48:rate=10",
            "-t",
            "1",
            "-pix_fmt",
            "yuv420p",
            "-c:v",
            "libx264",
            "-y",
            str(path),
        ],
        check=True,
    )
    return path.read_bytes()


def test_a_contest_video_goes_through_the_media_pipeline(client_for, student, assignment, tiny_clip, settings):
    clip = SimpleUploadedFile("my-song.mov", tiny_clip, "video/quicktime")
    response = submit(client_for(student.user), assignment, files=[clip])
    assert response.status_code == 201, response.content
    item = SubmissionFile.objects.get()
    assert item.kind == "video" and item.video is not None
    assert item.video.owner == student.user
    # Until a moderator approves the work, the video lives in the private storage only.
    assert item.video.private
    assert storages["private"].exists(item.video.source.name)
    assert not storages["default"].exists(item.video.source.name)
    assert response.json()["files"][0]["video_status"] == item.video.status


def test_a_refused_upload_leaves_no_video_behind(client_for, student, assignment, tiny_clip, settings):
    from media_pipeline.models import VideoAsset

    clip = SimpleUploadedFile("my-song.mp4", tiny_clip, "video/mp4")
    fake = SimpleUploadedFile("notes.pdf", b"not a pdf at all", "application/pdf")
    response = submit(client_for(student.user), assignment, files=[clip, fake])
    assert response.status_code == 400
    assert not VideoAsset.objects.exists()
    assert stored_files(settings) == []


def test_a_video_failing_after_storage_is_cleaned_up(student, make_assignment, tiny_clip, settings, monkeypatch):
    """If storing a later file fails, the video already handed to the pipeline is removed too."""
    from media_pipeline.models import VideoAsset

    assignment = make_assignment(title="Видео и фото")
    original = SubmissionFile.save
    calls = {"n": 0}

    def failing_save(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError("диск переполнен")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(SubmissionFile, "save", failing_save)
    clip = SimpleUploadedFile("a.mp4", tiny_clip, "video/mp4")
    with pytest.raises(OSError):
        services.submit_work(student, assignment, title="Клип", files=[clip, image_upload()])
    assert not Submission.objects.exists()
    assert not VideoAsset.objects.exists()
    assert stored_files(settings) == []
