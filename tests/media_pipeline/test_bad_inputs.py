"""Files that cannot become a lesson fail with a reason the mentor can act on, and leave nothing behind."""

import subprocess
from pathlib import Path

import pytest
from django.conf import settings

from media_pipeline.models import VideoAsset
from tests.factories import make_clip, upload_clip

pytestmark = pytest.mark.django_db


def processed(owner, path, capture):
    with capture(execute=True):
        asset = upload_clip(owner, path)
    asset.refresh_from_db()
    return asset


def assert_failed_without_leftovers(asset, reason_part):
    assert asset.status == VideoAsset.Status.FAILED
    assert reason_part in asset.failure_reason
    assert asset.playlist_url is None and not asset.source.name
    assert not (Path(settings.MEDIA_ROOT) / asset.storage_prefix).exists()
    assert not list(Path(settings.VIDEO_UPLOAD_TEMP_DIR).glob("*"))


def test_text_file_named_mp4_is_not_a_video(mentor, tmp_path, django_capture_on_commit_callbacks):
    fake = tmp_path / "урок.mp4"
    fake.write_text("Это не видео, а конспект урока.\n" * 50, encoding="utf-8")

    asset = processed(mentor, fake, django_capture_on_commit_callbacks)

    assert_failed_without_leftovers(asset, "не является видео")


def test_truncated_file_is_reported_as_damaged(mentor, clips, tmp_path, django_capture_on_commit_callbacks):
    data = clips["landscape"].read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) // 2])  # the index (moov) sits at the end and is lost

    asset = processed(mentor, cut, django_capture_on_commit_callbacks)

    assert_failed_without_leftovers(asset, "повреждён или загружен не полностью")


def test_truncated_streamable_file_is_reported_as_cut(mentor, tmp_path, django_capture_on_commit_callbacks):
    whole = make_clip(tmp_path / "whole.mp4", size="320x180", seconds=6, extra=["-movflags", "+faststart"])
    data = whole.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) // 3])  # the index up front still promises 6 s

    asset = processed(mentor, cut, django_capture_on_commit_callbacks)

    assert_failed_without_leftovers(asset, "Файл обрезан")


def test_sound_without_picture_has_no_video_stream(mentor, tmp_path, django_capture_on_commit_callbacks):
    sound = tmp_path / "sound.mp4"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=duration=2", "-c:a", "aac", str(sound)], check=True
    )

    asset = processed(mentor, sound, django_capture_on_commit_callbacks)

    assert_failed_without_leftovers(asset, "нет видеодорожки")


def test_clip_shorter_than_a_second_is_refused(mentor, tmp_path, django_capture_on_commit_callbacks):
    short = make_clip(tmp_path / "short.mp4", size="320x180", seconds=0.5)

    asset = processed(mentor, short, django_capture_on_commit_callbacks)

    assert_failed_without_leftovers(asset, "короче 1 секунды")


def test_clip_longer_than_the_limit_is_refused(mentor, clips, settings, django_capture_on_commit_callbacks):
    settings.VIDEO_MAX_DURATION = 2

    asset = processed(mentor, clips["landscape"], django_capture_on_commit_callbacks)

    assert_failed_without_leftovers(asset, "длиннее допустимого")
    assert "0:00:02" in asset.failure_reason


def test_file_over_the_size_limit_is_refused_before_storing(mentor, clips, settings):
    from django.core.exceptions import ValidationError

    settings.VIDEO_MAX_UPLOAD_SIZE = 1000
    with pytest.raises(ValidationError, match="больше допустимого"):
        upload_clip(mentor, clips["landscape"])
    assert not VideoAsset.objects.exists()
    assert not (Path(settings.MEDIA_ROOT) / "video").exists()
