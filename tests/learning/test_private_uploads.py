"""Nothing a student uploads is public before a moderator approves it: pending works' images and
videos are not under /media/, only the permission-checked views serve them; approval publishes."""

import subprocess
from pathlib import Path

import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.test import RequestFactory
from django.views.static import serve

from learning import services
from learning.models import SubmissionFile
from media_pipeline.models import VideoAsset
from tests.factories import image_upload, work_clip

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    """One second of 160×90 test video with a tone."""
    return work_clip(tmp_path_factory.mktemp("work-clip") / "song.mp4")


def public_media(settings, name):
    """What /media/<name> answers (config/urls.py serves MEDIA_ROOT with this view in development)."""
    request = RequestFactory().get(f"{settings.MEDIA_URL}{name}")
    try:
        return serve(request, name, document_root=settings.MEDIA_ROOT).status_code
    except Http404:
        return 404


def only_the_source_is_private(asset, settings):
    """After publication the private storage keeps the original file and nothing else; the public
    one never has it."""
    folder = Path(settings.PRIVATE_MEDIA_ROOT) / asset.storage_prefix
    kept = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())
    return kept == ["source/song.mp4"] and not (Path(settings.MEDIA_ROOT) / asset.source_prefix).exists()


def submit_work(student, assignment, clip, capture):
    files = [image_upload(), SimpleUploadedFile("song.mp4", clip, "video/mp4")]
    with capture(execute=True):  # the video's probe and transcode run as the commit's tasks
        work = services.submit_work(student, assignment, title="Песня о лете", files=files)
    image = work.files.get(kind="image")
    video = work.files.select_related("video").get(kind="video")
    return work, image, video


def test_a_pending_work_is_only_reachable_through_the_checked_views(
    student, make_student, assignment, clip, moderator, client_for, settings, django_capture_on_commit_callbacks
):
    work, image, video = submit_work(student, assignment, clip, django_capture_on_commit_callbacks)
    asset = video.video
    assert asset.status == VideoAsset.Status.READY and asset.private

    # Nothing under the public media folder: the would-be public URLs answer 404.
    assert storages["private"].exists(image.file.name)
    assert not (Path(settings.MEDIA_ROOT) / image.file.name).exists()
    assert public_media(settings, image.file.name) == 404
    assert not (Path(settings.MEDIA_ROOT) / asset.storage_prefix).exists()
    assert (Path(settings.PRIVATE_MEDIA_ROOT) / asset.master_playlist).exists()
    assert public_media(settings, asset.master_playlist) == 404
    assert asset.playlist_url is None and asset.poster_url is None

    image_url = f"/api/works/files/{image.uid}/"
    master_url = f"/api/works/files/{video.uid}/hls/master.m3u8"
    moderator_client = client_for(moderator)
    answer = moderator_client.get(image_url)
    assert answer.status_code == 200
    assert b"".join(answer.streaming_content) == storages["private"].open(image.file.name).read()
    master = moderator_client.get(master_url)
    assert master.status_code == 200 and master["Content-Type"] == "application/vnd.apple.mpegurl"
    rendition = next(line for line in b"".join(master.streaming_content).decode().splitlines() if ".m3u8" in line)
    rendition = rendition.split('URI="')[-1].rstrip('"')
    variant = moderator_client.get(f"/api/works/files/{video.uid}/hls/{rendition}")
    assert variant.status_code == 200
    segment = next(line for line in b"".join(variant.streaming_content).decode().splitlines() if line.endswith(".ts"))
    base = rendition.rsplit("/", 1)[0]
    piece = moderator_client.get(f"/api/works/files/{video.uid}/hls/{base}/{segment}")
    assert piece.status_code == 200 and piece["Content-Type"] == "video/mp2t"
    assert moderator_client.get(f"/api/works/files/{video.uid}/").status_code == 200  # the source, as before
    assert moderator_client.get(f"/api/works/files/{video.uid}/hls/../source/song.mp4").status_code == 404

    # The author may look; another student and anonymous visitors may not.
    author = client_for(student.user)
    assert author.get(master_url).status_code == 200
    detail = author.get(f"/api/submissions/{work.pk}/").json()
    previews = [f["preview_playlist_url"] for f in detail["files"] if f["kind"] == "video"]
    assert previews == [f"{settings.SITE_URL}{master_url}"]
    other = client_for(make_student(email="petya@example.org", first_name="Петя", surname="Иванов").user)
    for client in (other, client_for()):
        assert client.get(image_url).status_code == 404
        assert client.get(master_url).status_code == 404


def test_approval_publishes_the_video_and_keeps_only_its_source_private(
    student, assignment, clip, moderator, client_for, settings, django_capture_on_commit_callbacks
):
    work, image, video = submit_work(student, assignment, clip, django_capture_on_commit_callbacks)
    asset = video.video
    private_copy = Path(settings.PRIVATE_MEDIA_ROOT) / asset.storage_prefix
    assert private_copy.exists()

    with django_capture_on_commit_callbacks(execute=True):
        services.approve_submission(work, moderator)

    asset.refresh_from_db()
    assert not asset.private
    assert only_the_source_is_private(asset, settings)
    assert asset.playlist_url == f"{settings.MEDIA_URL}{asset.master_playlist}"
    assert public_media(settings, asset.master_playlist) == 200
    master = Path(settings.MEDIA_ROOT) / asset.master_playlist
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "stream=codec_type", "-of", "csv=p=0", str(master)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert {"video", "audio"} <= set(probe.stdout.split())

    # The public gallery shows the work: its image through the same view, now to anyone.
    gallery = client_for().get("/api/gallery/").json()
    files = {f["kind"]: f for f in gallery["results"][0]["files"]}
    assert files["video"]["playlist_url"] == asset.playlist_url
    assert client_for().get(f"/api/works/files/{image.uid}/").status_code == 200
    assert not (Path(settings.MEDIA_ROOT) / image.file.name).exists()  # images never need to be public


def test_a_video_approved_while_processing_is_published_when_ready(
    student, assignment, clip, moderator, settings, django_capture_on_commit_callbacks
):
    files = [SimpleUploadedFile("song.mp4", clip, "video/mp4")]
    with django_capture_on_commit_callbacks(execute=False) as pending_tasks:
        work = services.submit_work(student, assignment, title="Песня о лете", files=files)
    asset = SubmissionFile.objects.get(submission=work).video
    with django_capture_on_commit_callbacks(execute=True):
        services.approve_submission(work, moderator)
    asset.refresh_from_db()
    assert asset.private and not asset.is_ready  # nothing to publish yet

    with django_capture_on_commit_callbacks(execute=True):
        for run in pending_tasks:  # the worker now probes and transcodes; "ready" publishes it
            run()
    asset.refresh_from_db()
    assert asset.is_ready and not asset.private
    assert (Path(settings.MEDIA_ROOT) / asset.master_playlist).exists()
    assert only_the_source_is_private(asset, settings)


def test_a_rejected_work_keeps_its_video_private(
    student, assignment, clip, moderator, settings, django_capture_on_commit_callbacks
):
    work, _, video = submit_work(student, assignment, clip, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        services.reject_submission(work, moderator, "Запись не по заданию.")
    video.video.refresh_from_db()
    assert video.video.private and video.video.playlist_url is None
    assert public_media(settings, video.video.master_playlist) == 404


def assert_private(asset, settings):
    asset.refresh_from_db()
    assert asset.private and asset.playlist_url is None
    assert public_media(settings, asset.master_playlist) == 404
    assert not (Path(settings.MEDIA_ROOT) / asset.storage_prefix).exists()
    assert (Path(settings.PRIVATE_MEDIA_ROOT) / asset.master_playlist).exists()  # kept for the moderator


def assert_public(asset, settings):
    asset.refresh_from_db()
    assert not asset.private and asset.playlist_url
    assert public_media(settings, asset.master_playlist) == 200
    assert only_the_source_is_private(asset, settings)


def test_a_public_work_rejected_later_takes_its_video_out_of_public_view(
    student, assignment, clip, moderator, settings, django_capture_on_commit_callbacks
):
    work, _, video = submit_work(student, assignment, clip, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        services.approve_submission(work, moderator)
    assert_public(video.video, settings)

    with django_capture_on_commit_callbacks(execute=True):
        services.reject_submission(work, moderator, "Выяснилось, что работа чужая.")
    assert_private(video.video, settings)


def test_hiding_by_reports_and_editing_take_the_video_back_until_a_moderator_decides(
    student, assignment, clip, moderator, settings, django_capture_on_commit_callbacks
):
    from learning.models import ContestSettings

    contest = ContestSettings.load()
    contest.report_hide_threshold = 1
    contest.save()
    work, _, video = submit_work(student, assignment, clip, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        services.approve_submission(work, moderator)
    with django_capture_on_commit_callbacks(execute=True):
        services.report_submission(work, reason="Здесь чужое лицо", ip="10.9.9.9")
    assert_private(video.video, settings)

    with django_capture_on_commit_callbacks(execute=True):
        services.keep_submission(work, moderator, "Всё в порядке")
    assert_public(video.video, settings)

    with django_capture_on_commit_callbacks(execute=True):
        services.edit_work(work, title="Песня о лете, вторая версия")
    assert_private(video.video, settings)


def test_a_withdrawn_guardian_consent_takes_the_video_out_of_public_view_until_given_back(
    student, assignment, clip, moderator, settings, django_capture_on_commit_callbacks
):
    work, _, video = submit_work(student, assignment, clip, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        services.approve_submission(work, moderator)
    assert_public(video.video, settings)

    with django_capture_on_commit_callbacks(execute=True):
        services.withdraw_guardian_consent(student.guardian, student)
    assert_private(video.video, settings)

    with django_capture_on_commit_callbacks(execute=True):
        services.give_guardian_consent(student.guardian, student, ip="10.8.8.8")
    assert_public(video.video, settings)
