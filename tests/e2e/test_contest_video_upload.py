"""In Chromium: a student's contest video goes up in chunks, survives a dropped connection, and the
work lands in the cabinet waiting for a moderator; the lesson player offers sound only even when a
video has a single picture rung and the connection is fast."""

import datetime
import subprocess

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.factories import PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PASSWORD = "Kraski-2026-leto"
CHUNK = 32 * 1024


def noisy_clip(path):
    """Three seconds of noisy video: a few hundred KB, so a dozen chunks of 32 KiB."""
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=15:duration=3",
         "-f", "lavfi", "-i", "sine=duration=3", "-vf", "noise=alls=30:allf=t",
         "-c:v", "libx264", "-preset", "ultrafast", "-qp", "12", "-pix_fmt", "yuv420p", "-c:a", "aac",
         "-shortest", str(path)],
        check=True,
    )  # fmt: skip
    return path


def signed_in_student(new_page, region):
    from learning import services

    today = timezone.localdate()
    services.register_student(
        email="misha@example.ru",
        password=PASSWORD,
        first_name="Миша",
        surname="Зайцев",
        birth_date=datetime.date(today.year - 15, 1, 1),
        region=region,
        town="Белёв",
        town_population=13000,
        consent=True,
    )
    page = new_page(PHONE)
    page.goto("/cabinet/login/")
    page.get_by_label("Email").fill("misha@example.ru")
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.get_by_role("heading", name="Привет, Миша!").wait_for()
    return page


def test_a_contest_video_goes_up_in_chunks_and_survives_a_dropped_connection(
    new_page, season_content, settings, tmp_path, screenshot
):
    from learning.models import Submission
    from media_pipeline.models import VideoUpload

    settings.VIDEO_UPLOAD_CHUNK_SIZE = CHUNK
    clip = noisy_clip(tmp_path / "куплет.mp4")
    size = clip.stat().st_size
    assert size > 4 * CHUNK
    page = signed_in_student(new_page, season_content["region"])

    chunks = {"sent": 0, "dropped": 0}

    def flaky_network(route):
        chunks["sent"] += 1
        if chunks["sent"] == 3:  # the mobile connection drops in the middle of the upload
            chunks["dropped"] += 1
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route("**/api/media/uploads/*/chunk/", flaky_network)
    page.goto("/cabinet/submit/")
    page.get_by_label("Название работы").fill("Куплет под гитару")
    page.get_by_label("Файлы").set_input_files(str(clip))
    page.get_by_role("button", name="Отправить").click()
    # The dropped chunk holds the bar for a second while the page asks where the upload stands.
    page.wait_for_function("() => document.querySelector('[data-upload-progress] progress').value > 0")
    expect(page.locator("[data-upload-status]")).to_contain_text("Загружено")
    screenshot(page, "submit-video-progress-phone")
    page.get_by_role("heading", name="Привет, Миша!").wait_for(timeout=60_000)

    assert chunks["dropped"] == 1 and chunks["sent"] == -(-size // CHUNK) + 1  # one chunk sent twice
    upload = VideoUpload.objects.get()
    assert upload.private and upload.received == size and upload.status == VideoUpload.Status.COMPLETED
    work = Submission.objects.get()
    assert work.status == Submission.Status.PENDING and work.title == "Куплет под гитару"
    video = work.files.get(kind="video").video
    assert video == upload.video and video.private
    assert page.locator(".status--pending").count() == 1
    assert not page.console_errors or all(
        "ERR_CONNECTION_RESET" in e or "Failed to load" in e for e in page.console_errors
    )


def test_the_form_names_the_assignments_formats_and_refuses_a_wrong_file_before_sending(
    new_page, season_content, tmp_path
):
    """The hint listed every kind whatever the assignment, and a text file «went up» as «0.0 из 0.0 МБ»
    before the server refused it."""
    from learning.models import Submission

    assignment = season_content["assignment"]
    assignment.allowed_kinds = ["video"]
    assignment.save(update_fields=["allowed_kinds"])
    page = signed_in_student(new_page, season_content["region"])
    page.goto("/cabinet/submit/")
    expect(page.locator("[data-formats-hint]")).to_have_text("видео: MP4, MOV, WebM или MKV")
    expect(page.get_by_label("Задание").locator("option")).to_contain_text(assignment.title)  # keeps its name
    assert page.get_by_label("Файлы").get_attribute("accept").startswith("video/*")
    note = tmp_path / "заметка.txt"
    note.write_text("hello")
    sent = []
    page.on("request", lambda request: request.method == "POST" and sent.append(request.url))
    page.get_by_label("Название работы").fill("Не то")
    page.get_by_label("Файлы").set_input_files(str(note))
    alert = page.get_by_role("alert")
    expect(alert).to_have_text(
        "«заметка.txt»: такой файл в этом задании не принимается. Принимаются: видео: MP4, MOV, WebM или MKV."
    )
    page.get_by_role("button", name="Отправить").click()
    expect(alert).to_be_visible()
    assert sent == [] and not Submission.objects.exists()
    page.get_by_label("Файлы").set_input_files(noisy_clip(tmp_path / "клип.mp4"))
    expect(alert).to_be_hidden()


def test_sound_only_is_offered_for_a_single_rung_video_on_a_fast_connection(new_page, season_content):
    lesson = season_content["lesson"]
    renditions = [r for r in lesson.video.renditions if "width" in r]
    assert len(renditions) == 1  # the 320×180 clip has one picture rung (and the sound-only one)
    page = new_page(PHONE)
    page.goto(lesson.url)
    quality = page.locator("[data-quality]")
    expect(quality).to_be_visible()
    expect(quality.locator("option[value=audio]")).to_have_text("Только звук")
    # preload="none": the choice made before play loads nothing until play, then the sound-only rung.
    quality.select_option("audio")
    with page.expect_request(lambda r: "/audio/" in r.url):
        page.locator("[data-player] video").evaluate("v => { v.muted = true; v.play(); }")
    expect(quality).to_have_value("audio")  # still says what is playing after the new manifest
