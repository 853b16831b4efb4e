"""What the audit sent to the learning API: each gets a clear Russian 4xx, never a 5xx, and a
refused work takes nothing (no row, no file, not the child's one slot)."""

import os
import subprocess

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from config.errors import ServiceError
from learning import services
from learning.models import Submission
from media_pipeline.models import VideoAsset, VideoUpload
from tests.factories import PASSWORD, birth_date_for, image_upload

pytestmark = pytest.mark.django_db

BIDI = "\u202e\u202d\u202a\u202b\u202c\u2066\u2067\u2068\u2069\u200e\u200f\u061c"


REGISTRATION = {
    "email": "petya@example.org",
    "password": PASSWORD,
    "first_name": "Петя",
    "surname": "Смирнов",
    "region": "52",
    "town": "Выкса",
    "guardian_email": "mama.petya@example.org",
}


@pytest.mark.parametrize("field", [*REGISTRATION, "birth_date"])
def test_a_nul_character_in_any_registration_field_is_a_russian_400(client_for, field):
    data = {**REGISTRATION, "birth_date": birth_date_for(10).isoformat()}
    data[field] = data[field][:2] + "\x00" + data[field][2:]
    response = client_for().post("/api/auth/register/", data, format="json")
    assert response.status_code == 400, response.content
    assert not Submission.objects.exists()


@pytest.mark.parametrize("action", ["approve", "keep", "reject"])
def test_a_moderation_decision_on_a_work_id_that_is_not_a_number_is_a_404(client_for, moderator, action):
    response = client_for(moderator).post(f"/api/moderation/AAA/{action}/", {"reason": "нет"}, format="json")
    assert response.status_code == 404


def test_shortlisting_a_work_id_that_is_not_a_number_is_a_404(client_for, moderator):
    assert client_for(moderator).post("/api/submissions/AAA/shortlist/").status_code == 404


def test_a_long_file_name_still_opens_a_contest_upload(client_for, student, assignment):
    filename = "я" * 250 + ".mp4"  # 254 characters
    response = client_for(student.user).post(
        f"/api/assignments/{assignment.pk}/video-upload/", {"filename": filename, "size": 1000}, format="json"
    )
    assert response.status_code == 201, response.content
    upload = VideoUpload.objects.get()
    assert upload.title.startswith(assignment.title) and len(upload.title) <= 255


def test_bidi_controls_in_a_file_name_do_not_reach_the_video_title(client_for, student, assignment):
    response = client_for(student.user).post(
        f"/api/assignments/{assignment.pk}/video-upload/",
        {"filename": f"мой{BIDI}4pm.exe.mp4", "size": 1000},
        format="json",
    )
    assert response.status_code == 201, response.content
    upload = VideoUpload.objects.get()
    assert not set(BIDI) & set(upload.title + upload.filename)
    assert upload.title.endswith("мой4pm.exe.mp4")


def test_bidi_controls_in_a_work_title_are_dropped(student, assignment):
    work = services.submit_work(student, assignment, title=f"Песня{BIDI} о лете", files=[image_upload()])
    assert work.title == "Песня о лете"
    work = services.edit_work(work, title="\u202eНовая песня")
    assert work.title == "Новая песня"


def test_a_title_of_nothing_but_bidi_controls_is_no_title(student, assignment):
    with pytest.raises(ServiceError, match="название"):
        services.submit_work(student, assignment, title="\u202e\u202c", files=[image_upload()])


@pytest.fixture(scope="module")
def truncated_mp4(tmp_path_factory):
    """An MP4 cut off halfway, as a dropped mobile upload leaves it: the moov index is lost."""
    path = tmp_path_factory.mktemp("truncated") / "clip.mp4"
    subprocess.run(
        [
            *["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=160x90:rate=25", "-t", "2"],
            *["-pix_fmt", "yuv420p", "-c:v", "libx264", "-preset", "ultrafast", str(path)],
        ],
        check=True,
    )
    data = path.read_bytes()
    return data[: len(data) // 2]


def test_a_truncated_mp4_sent_in_one_request_is_refused_with_the_probes_reason(
    client_for, student, assignment, truncated_mp4, settings
):
    api = client_for(student.user)
    clip = SimpleUploadedFile("песня.mp4", truncated_mp4, "video/mp4")
    response = api.post(
        "/api/submissions/", {"assignment": assignment.pk, "title": "Песня", "files": [clip]}, format="multipart"
    )
    assert response.status_code == 400, response.content
    assert "«песня.mp4»: Файл повреждён или загружен не полностью" in response.json()["detail"]
    assert not Submission.objects.exists() and not VideoAsset.objects.exists()
    for root in (settings.MEDIA_ROOT, settings.PRIVATE_MEDIA_ROOT, settings.VIDEO_UPLOAD_TEMP_DIR):
        assert not [name for _, _, names in os.walk(root) for name in names], root
    # The child's one slot for the assignment is still free.
    again = api.post(
        "/api/submissions/",
        {"assignment": assignment.pk, "title": "Песня", "files": [image_upload()]},
        format="multipart",
    )
    assert again.status_code == 201, again.content
