"""Every lesson video also becomes two small files to download and watch offline: a 360p MP4
(H.264 Baseline, ~400 kbit/s) and the sound alone (M4A, AAC ~64 kbit/s), stored beside the ladder
(local disk or the bucket) and published and deleted with it. Real ffmpeg; ffprobe checks streams."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from media_pipeline import downloads, services
from media_pipeline.models import VideoAsset
from tests.factories import bucket_keys, ffprobe, upload_clip

pytestmark = pytest.mark.django_db


def transcoded(owner, clip, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        asset = upload_clip(owner, clip)
    asset.refresh_from_db()
    assert asset.status == VideoAsset.Status.READY, asset.failure_reason
    return asset


def streams(path):
    return {s["codec_type"]: s for s in ffprobe(path, "-show_streams", "-show_format")["streams"]}


def test_a_720p_lesson_gets_a_360p_baseline_mp4_and_an_m4a_of_its_sound(
    mentor, clips, django_capture_on_commit_callbacks
):
    asset = transcoded(mentor, clips["hd720"], django_capture_on_commit_callbacks)

    files = {item["kind"]: item for item in asset.downloads}
    assert set(files) == {"video", "audio"}
    video_path = Path(settings.MEDIA_ROOT) / asset.hls_prefix / files["video"]["file"]
    audio_path = Path(settings.MEDIA_ROOT) / asset.hls_prefix / files["audio"]["file"]
    assert files["video"]["size"] == video_path.stat().st_size
    assert files["audio"]["size"] == audio_path.stat().st_size

    video = streams(video_path)
    assert video["video"]["codec_name"] == "h264"
    assert video["video"]["profile"] in ("Constrained Baseline", "Baseline")
    assert (video["video"]["width"], video["video"]["height"]) == (640, 360)
    assert video["audio"]["codec_name"] == "aac"
    assert float(video["video"]["duration"]) == pytest.approx(3.0, abs=0.3)
    probe = ffprobe(video_path, "-show_format")["format"]
    assert "mp4" in probe["format_name"]
    # ~400 kbit/s of picture and 64 of sound (a 3 s test pattern stays well under the cap).
    assert int(probe["bit_rate"]) < 700_000

    sound = streams(audio_path)
    assert set(sound) == {"audio"}
    assert sound["audio"]["codec_name"] == "aac" and sound["audio"]["profile"] == "LC"
    assert int(sound["audio"]["bit_rate"]) < 80_000
    assert "m4a" in ffprobe(audio_path, "-show_format")["format"]["format_name"]


def test_portrait_and_silent_lessons_get_a_portrait_360p_file_and_no_sound_file(
    mentor, clips, django_capture_on_commit_callbacks
):
    portrait = transcoded(mentor, clips["portrait"], django_capture_on_commit_callbacks)
    video = next(item for item in portrait.downloads if item["kind"] == "video")
    assert (video["width"], video["height"]) == (360, 640)

    silent = transcoded(mentor, clips["silent"], django_capture_on_commit_callbacks)
    assert [item["kind"] for item in silent.downloads] == ["video"]
    path = Path(settings.MEDIA_ROOT) / silent.hls_prefix / silent.downloads[0]["file"]
    assert set(streams(path)) == {"video"}


def test_downloads_have_public_urls_only_once_the_video_is_public(mentor, clips, django_capture_on_commit_callbacks):
    asset = transcoded(mentor, clips["landscape"], django_capture_on_commit_callbacks)
    links = downloads.public_downloads(asset)
    assert [link["url"] for link in links] == [
        f"/media/{asset.hls_prefix}downloads/lesson-video.mp4",
        f"/media/{asset.hls_prefix}downloads/lesson-audio.m4a",
    ]
    asset.private = True
    assert downloads.public_downloads(asset) == []


def test_a_video_made_before_downloads_existed_gets_them_later(mentor, clips, django_capture_on_commit_callbacks):
    asset = transcoded(mentor, clips["landscape"], django_capture_on_commit_callbacks)
    VideoAsset.objects.filter(pk=asset.pk).update(downloads=[])
    for item in asset.downloads:
        (Path(settings.MEDIA_ROOT) / asset.hls_prefix / item["file"]).unlink()

    asset = services.add_downloads(asset)

    assert {item["kind"] for item in asset.downloads} == {"video", "audio"}
    for item in asset.downloads:
        assert (Path(settings.MEDIA_ROOT) / asset.hls_prefix / item["file"]).stat().st_size == item["size"]


def test_downloads_are_stored_in_the_bucket_with_the_ladder(
    mentor, clips, s3_storage, django_capture_on_commit_callbacks
):
    asset = transcoded(mentor, clips["landscape"], django_capture_on_commit_callbacks)

    keys = bucket_keys(s3_storage)
    assert f"{asset.hls_prefix}downloads/lesson-video.mp4" in keys
    assert f"{asset.hls_prefix}downloads/lesson-audio.m4a" in keys
    head = s3_storage.head_object(Bucket=s3_storage.bucket, Key=f"{asset.hls_prefix}downloads/lesson-audio.m4a")
    assert head["ContentType"] == "audio/mp4"
    call_command("configure_bucket")  # the public-read policy of the README covers hls/
    assert s3_storage.anonymous_get(f"{asset.hls_prefix}downloads/lesson-video.mp4") == 200
