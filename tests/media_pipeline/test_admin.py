"""The admin: a mentor uploads a lesson, watches it transcode live, and picks it for a lesson page."""

import os

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.urls import reverse
from wagtail.admin.forms.models import registry as form_field_overrides

from media_pipeline.models import VideoAsset, VideoUpload
from media_pipeline.wagtail_hooks import VideoChooserWidget
from tests.factories import make_video_mentor, restore_migrated_data

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API beside the ORM


def admin_access(user):
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    return user


@pytest.fixture
def mentor_client(client, mentor):
    admin_access(mentor)
    client.force_login(mentor)
    return client


@pytest.mark.django_db
def test_video_list_shows_each_video_with_status_progress_and_reason(mentor_client, mentor, django_user_model):
    VideoAsset.objects.create(title="Урок 1. Дыхание", owner=mentor, status="transcoding", progress=42)
    VideoAsset.objects.create(title="Урок 2", owner=mentor, status="failed", failure_reason="В файле нет видеодорожки.")
    VideoAsset.objects.create(title="Чужой урок", owner=django_user_model.objects.create_user("x"))

    response = mentor_client.get(reverse("media_pipeline_videos"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Урок 1. Дыхание" in html and "перекодирование" in html and 'value="42"' in html
    assert "В файле нет видеодорожки." in html
    assert "Чужой урок" not in html
    assert "data-video-upload-form" in html and "media_pipeline/upload.js" in html


@pytest.mark.django_db
def test_editor_sees_every_video_including_ones_without_an_owner(client, editor):
    VideoAsset.objects.create(title="Демо без владельца", owner=None, status="ready", progress=100)
    client.force_login(admin_access(editor))

    response = client.get(reverse("media_pipeline_videos"))

    assert response.status_code == 200 and "Демо без владельца" in response.content.decode()


@pytest.mark.django_db
def test_people_without_upload_rights_do_not_get_the_video_screen(client, django_user_model):
    user = admin_access(django_user_model.objects.create_user("moderator"))
    client.force_login(user)
    response = client.get(reverse("media_pipeline_videos"))
    assert response.status_code == 302 and response.url == "/admin/"  # Wagtail's "no permission" redirect


@pytest.mark.django_db
def test_chooser_offers_own_usable_videos(mentor_client, mentor):
    VideoAsset.objects.create(title="Готовый урок", owner=mentor, status="ready")
    VideoAsset.objects.create(title="Сломанный файл", owner=mentor, status="failed")

    response = mentor_client.get(reverse("video_chooser:choose"))

    html = response.json()["html"]
    assert "Готовый урок" in html and "готово" in html
    assert "Сломанный файл" not in html


def test_foreign_keys_to_videos_get_the_chooser_widget():
    """So LessonPage's FieldPanel("video") opens the video chooser without further setup."""
    reverse("video_chooser:choose")  # the admin registers its viewsets when its URLs load
    override = form_field_overrides.get(VideoUpload._meta.get_field("video"))
    assert override["widget"] is VideoChooserWidget


@pytest.mark.django_db
def test_editor_adds_captions_in_the_admin_and_a_bad_file_gets_a_reason(mentor_client, mentor):
    video = VideoAsset.objects.create(title="Урок", owner=mentor)
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = reverse("media_pipeline_caption_add", args=[video.pk])
    bad = mentor_client.post(url, {"language": "ru", "label": "Русский", "file": SimpleUploadedFile("a.txt", b"x")})
    assert "WebVTT (.vtt) или SubRip (.srt)" in mentor_client.get(bad.url).content.decode()

    vtt = SimpleUploadedFile("a.vtt", b"WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nHi\n")
    mentor_client.post(url, {"language": "ru", "label": "Русский", "file": vtt})
    assert list(video.captions.values_list("language", flat=True)) == ["ru"]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_mentor_uploads_in_the_admin_and_watches_progress_live(initial_data, browser, live_server, clips, settings):
    # Browser tests of other folders may have flushed the migrations' data (groups, permissions).
    restore_migrated_data(initial_data)
    mentor = make_video_mentor()
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    settings.VIDEO_UPLOAD_CHUNK_SIZE = 256 * 1024  # several chunks for a small clip
    admin_access(mentor)
    context = browser.new_context(base_url=live_server.url, locale="ru-RU")
    context.set_default_timeout(30_000)
    page = context.new_page()
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.goto("/admin/login/")
    page.fill("input[name=username]", "mentor")
    page.fill("input[name=password]", "pw")
    page.click("button[type=submit]")
    page.goto("/admin/videos/")

    page.fill("#video-title", "Урок 3. Сцена")
    page.set_input_files("#video-file", str(clips["landscape"]))
    page.click("[data-video-upload-form] button")
    row = page.locator("tr[data-video-id]", has_text="Урок 3. Сцена")
    row.wait_for()
    assert row.locator("[data-video-status]").inner_text() == "загружено"

    # the worker runs here while the page, without reloading, keeps polling the status API
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", "--queue-name", "*")
    page.wait_for_function(
        "document.querySelector('tr[data-video-id] [data-video-status]').textContent === 'готово'", timeout=30_000
    )

    assert row.locator("[data-video-percent]").inner_text() == "100%"
    video = VideoAsset.objects.get(title="Урок 3. Сцена")
    # The duration the probe measured shows too, still without a reload.
    assert row.locator("[data-video-duration]").inner_text() == f"{round(video.duration)} с"
    assert video.status == "ready" and video.source_size == clips["landscape"].stat().st_size
    assert not errors
    context.close()


@pytest.mark.django_db
def test_video_panel_shows_the_chosen_videos_status_and_progress(rf, mentor):
    from wagtail.admin.panels import ObjectList

    from media_pipeline.panels import VideoPanel

    video = VideoAsset.objects.create(title="Урок 4", owner=mentor, status="transcoding", progress=37)
    upload = VideoUpload(owner=mentor, title="x", filename="x.mp4", size=1, chunk_size=1, mode="local", video=video)
    reverse("video_chooser:choose")
    edit_handler = ObjectList([VideoPanel("video")]).bind_to_model(VideoUpload)
    request = rf.get("/")
    request.user = mentor
    form = edit_handler.get_form_class()(instance=upload, for_user=mentor)

    html = edit_handler.get_bound_panel(instance=upload, form=form, request=request).render_html()

    assert "Выбрать другое видео" in html  # the chooser widget
    assert f'data-video-id="{video.pk}"' in html and "перекодирование" in html and 'value="37"' in html
