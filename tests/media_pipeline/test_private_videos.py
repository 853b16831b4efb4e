"""A private video (a student's upload before moderation) lives only in the private storage, has no
public URL, and becomes public in one step (publish_asset) once someone approves it."""

from pathlib import Path

import pytest
from django.core.files import File
from django.core.files.storage import storages
from django.core.management import call_command

from media_pipeline import services
from media_pipeline.models import VideoAsset
from media_pipeline.signals import video_ready
from tests.factories import bucket_keys, ffprobe, make_clip

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return make_clip(tmp_path_factory.mktemp("private") / "work.mp4", size="320x180", seconds=1)


def upload_private(owner, path, capture):
    with capture(execute=True), open(path, "rb") as handle:
        asset = services.register_upload(owner, "Работа", File(handle, name="work.mp4"), private=True)
    asset.refresh_from_db()
    return asset


def files_under(root, prefix):
    folder = Path(root) / prefix
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def test_a_private_video_is_transcoded_into_the_private_storage_only(
    mentor, clip, settings, django_capture_on_commit_callbacks
):
    ready = []
    video_ready.connect(lambda sender, asset, **kw: ready.append(asset.pk), weak=False, dispatch_uid="test-ready")
    try:
        asset = upload_private(mentor, clip, django_capture_on_commit_callbacks)
    finally:
        video_ready.disconnect(dispatch_uid="test-ready")
    assert asset.status == VideoAsset.Status.READY and asset.private
    assert ready == [asset.pk]
    private_files = files_under(settings.PRIVATE_MEDIA_ROOT, asset.storage_prefix)
    assert "hls/master.m3u8" in private_files and any(name.startswith("source/") for name in private_files)
    assert files_under(settings.MEDIA_ROOT, asset.storage_prefix) == []
    assert asset.playlist_url is None and asset.poster_url is None and asset.thumbnails_url is None


def test_publishing_moves_the_ladder_to_the_public_storage_once_and_keeps_the_source_private(
    mentor, clip, settings, django_capture_on_commit_callbacks
):
    asset = upload_private(mentor, clip, django_capture_on_commit_callbacks)
    private_files = files_under(settings.PRIVATE_MEDIA_ROOT, asset.storage_prefix)
    ladder = [name for name in private_files if not name.startswith("source/")]

    asset = services.publish_asset(asset)
    asset.refresh_from_db()
    assert not asset.private
    assert files_under(settings.MEDIA_ROOT, asset.storage_prefix) == ladder
    # The original recording (with whatever the phone wrote into it) is never published.
    assert files_under(settings.PRIVATE_MEDIA_ROOT, asset.storage_prefix) == ["source/work.mp4"]
    assert asset.playlist_url == f"{settings.MEDIA_URL}{asset.storage_prefix}hls/master.m3u8"
    master = Path(settings.MEDIA_ROOT) / asset.master_playlist
    streams = ffprobe(master, "-show_streams")["streams"]
    assert {s["codec_type"] for s in streams} >= {"video", "audio"}

    services.publish_asset(asset)  # a repeated call (a retried task) changes nothing
    assert files_under(settings.MEDIA_ROOT, asset.storage_prefix) == ladder
    assert files_under(settings.PRIVATE_MEDIA_ROOT, asset.storage_prefix) == ["source/work.mp4"]


def test_a_lesson_videos_source_never_lands_in_the_public_storage(
    mentor, clip, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), open(clip, "rb") as handle:
        lesson = services.register_upload(mentor, "Урок", File(handle, name="lesson.mp4"))
    lesson.refresh_from_db()

    assert lesson.status == VideoAsset.Status.READY and lesson.playlist_url
    assert all(name.startswith("hls/") for name in files_under(settings.MEDIA_ROOT, lesson.storage_prefix))
    assert files_under(settings.PRIVATE_MEDIA_ROOT, lesson.storage_prefix) == ["source/lesson.mp4"]


def test_a_video_still_processing_cannot_be_published(mentor, clip, settings, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False), open(clip, "rb") as handle:
        asset = services.register_upload(mentor, "Работа", File(handle, name="work.mp4"), private=True)
    with pytest.raises(services.ValidationError, match="обрабатывается"):
        services.publish_asset(asset)
    assert VideoAsset.objects.get(pk=asset.pk).private


def test_deleting_a_private_video_deletes_its_files(mentor, clip, settings, django_capture_on_commit_callbacks):
    asset = upload_private(mentor, clip, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        asset.delete()
    assert files_under(settings.PRIVATE_MEDIA_ROOT, asset.storage_prefix) == []
    assert files_under(settings.MEDIA_ROOT, asset.storage_prefix) == []


def test_on_s3_a_private_video_sits_under_private_and_is_published_and_unpublished_in_the_same_bucket(
    mentor, clip, settings, s3_storage, django_capture_on_commit_callbacks
):
    asset = upload_private(mentor, clip, django_capture_on_commit_callbacks)
    keys = bucket_keys(s3_storage)
    assert keys and all(key.startswith(f"private/{asset.storage_prefix}") for key in keys)
    assert "Signature=" in storages["private"].url(asset.master_playlist)  # only signed links

    services.publish_asset(asset)
    keys = bucket_keys(s3_storage)
    assert f"{asset.storage_prefix}hls/master.m3u8" in keys
    assert [key for key in keys if key.startswith("private/")] == [f"private/{asset.source.name}"]
    call_command("configure_bucket")  # the README's policy: anyone may read the ladder, not the source
    assert s3_storage.anonymous_get(asset.master_playlist) == 200
    assert s3_storage.anonymous_get(f"private/{asset.source.name}") == 403
    assert s3_storage.head_object(Bucket=s3_storage.bucket, Key=asset.master_playlist)["CacheControl"].startswith(
        "public"
    )

    services.unpublish_asset(asset)  # the work was rejected after all: back under private/
    keys = bucket_keys(s3_storage)
    assert f"private/{asset.master_playlist}" in keys
    assert keys and all(key.startswith("private/") for key in keys)
    asset.refresh_from_db()
    assert asset.private and asset.playlist_url is None
