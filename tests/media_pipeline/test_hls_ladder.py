"""A mentor's upload becomes an HLS ladder every player can stream: real ffmpeg, tiny clips."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import default_storage

from media_pipeline.models import VideoAsset
from tests.factories import ffprobe, upload_clip

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def media(name):
    return Path(settings.MEDIA_ROOT) / name


def master_variants(asset):
    """[(attributes dict, uri)] of the master playlist."""
    lines = media(asset.master_playlist).read_text().splitlines()
    variants = []
    for index, line in enumerate(lines):
        if line.startswith("#EXT-X-STREAM-INF:"):
            attributes = dict(re.findall(r'([A-Z-]+)=("[^"]*"|[^,]*)', line.split(":", 1)[1]))
            variants.append(({k: v.strip('"') for k, v in attributes.items()}, lines[index + 1]))
    return variants


def rung_path(asset, uri):
    return media(asset.hls_prefix) / uri


def keyframe_times(playlist):
    frames = ffprobe(playlist, "-select_streams", "v:0", "-skip_frame", "nokey", "-show_entries", "frame=pts_time")
    return [round(float(f["pts_time"]), 2) for f in frames["frames"]]


def transcoded(owner, clip, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        asset = upload_clip(owner, clip)
    asset.refresh_from_db()
    assert asset.status == VideoAsset.Status.READY, asset.failure_reason
    return asset


def test_landscape_upload_plays_in_every_rung_for_as_long_as_the_source(
    mentor, clips, django_capture_on_commit_callbacks
):
    asset = transcoded(mentor, clips["landscape"], django_capture_on_commit_callbacks)

    assert asset.progress == 100 and asset.duration == pytest.approx(3.0, abs=0.1)
    variants = master_variants(asset)
    resolutions = [v["RESOLUTION"] for v, _ in variants if "RESOLUTION" in v]
    assert sorted(resolutions) == ["416x234", "640x360"]  # 360p source: nothing above it
    for attributes, uri in variants:
        probe = ffprobe(rung_path(asset, uri), "-show_format", "-show_streams")
        assert float(probe["format"]["duration"]) == pytest.approx(3.0, abs=0.5), uri
        assert int(attributes["AVERAGE-BANDWIDTH"]) <= int(attributes["BANDWIDTH"])
        for stream in probe["streams"]:
            if stream["codec_type"] == "video":
                assert stream["profile"] == "High"
                assert f"{stream['width']}x{stream['height']}" == attributes["RESOLUTION"]
                assert float(attributes["FRAME-RATE"]) == pytest.approx(30.0)
            else:
                assert stream["codec_name"] == "aac" and stream["channels"] == 2
    audio_only = [v for v, _ in variants if "RESOLUTION" not in v]
    assert audio_only == [audio_only[0]] and audio_only[0]["CODECS"] == "mp4a.40.2"
    assert 50_000 < int(audio_only[0]["AVERAGE-BANDWIDTH"]) < 90_000  # the 64 kbit/s rung


def test_keyframes_sit_at_the_same_timestamps_in_every_rung(mentor, clips, django_capture_on_commit_callbacks):
    asset = transcoded(mentor, clips["hd720"], django_capture_on_commit_callbacks)

    video_rungs = [uri for attributes, uri in master_variants(asset) if "RESOLUTION" in attributes]
    times = {uri: keyframe_times(rung_path(asset, uri)) for uri in video_rungs}
    first = times[video_rungs[0]]
    # One short start segment (0.75 s: the first frame at or after it, 0.767 s at 30 fps), then an IDR
    # every 2 s: 0, 0.77 and 2 s of a 3 s clip.
    assert [round(t - first[0], 2) for t in first] == pytest.approx([0.0, 0.77, 2.0], abs=0.05)
    assert all(t == first for t in times.values()), times


def test_the_lowest_rung_starts_with_a_short_small_segment(mentor, clips, django_capture_on_commit_callbacks):
    """A player shows nothing before it holds its first segment (Chromium's own HLS paints once it holds
    about a dozen frames): at the lowest rung on a 750 kbit/s link it must cost a fraction of a second,
    not the 50 KB of a 2 s one."""
    asset = transcoded(mentor, clips["hd720"], django_capture_on_commit_callbacks)

    lowest = min(
        ((attributes, uri) for attributes, uri in master_variants(asset) if "RESOLUTION" in attributes),
        key=lambda variant: int(variant[0]["BANDWIDTH"]),
    )[1]
    playlist = rung_path(asset, lowest)
    durations = [
        float(line[len("#EXTINF:") :].split(",")[0])
        for line in playlist.read_text().splitlines()
        if line.startswith("#EXTINF:")
    ]
    # 0.77 s, then up to the 2 s grid, then 2 s segments (the clip ends at 3 s).
    assert durations == [pytest.approx(0.77, abs=0.05), pytest.approx(1.23, abs=0.05), pytest.approx(1.0, abs=0.05)]
    segments = sorted(playlist.parent.glob("seg_*.ts"))
    assert segments[0].stat().st_size < 30_000, [s.stat().st_size for s in segments]
    # Every start segment opens on a keyframe, so each plays by itself.
    for segment in segments[:3]:
        assert keyframe_times(segment)
        first_frame = ffprobe(
            segment, "-select_streams", "v:0", "-show_entries", "frame=key_frame", "-read_intervals", "%+#1"
        )
        assert first_frame["frames"][0]["key_frame"] == 1, segment
    # The sound-only rung has no keyframes to follow: 2 s segments, not a flood of half-second ones.
    audio = rung_path(asset, "audio/index.m3u8").read_text()
    assert audio.count("#EXTINF:") == 2


def test_720p_upload_gets_720p_and_below_never_more(mentor, clips, django_capture_on_commit_callbacks):
    asset = transcoded(mentor, clips["hd720"], django_capture_on_commit_callbacks)

    heights = sorted(int(v["RESOLUTION"].split("x")[1]) for v, _ in master_variants(asset) if "RESOLUTION" in v)
    assert heights == [234, 360, 432, 540, 720]
    playlist = media(asset.hls_prefix) / "720p" / "index.m3u8"
    text = playlist.read_text()
    assert "#EXT-X-PLAYLIST-TYPE:VOD" in text and "#EXT-X-INDEPENDENT-SEGMENTS" in text
    assert "#EXT-X-TARGETDURATION:" in text


def test_portrait_phone_video_stays_portrait(mentor, clips, django_capture_on_commit_callbacks):
    asset = transcoded(mentor, clips["portrait"], django_capture_on_commit_callbacks)

    sizes = [tuple(map(int, v["RESOLUTION"].split("x"))) for v, _ in master_variants(asset) if "RESOLUTION" in v]
    assert sorted(sizes) == [(234, 416), (360, 640)]
    assert (asset.width, asset.height) == (360, 640)


def test_video_without_sound_has_no_audio_rung(mentor, clips, django_capture_on_commit_callbacks):
    asset = transcoded(mentor, clips["silent"], django_capture_on_commit_callbacks)

    variants = master_variants(asset)
    assert variants and all("RESOLUTION" in v and "mp4a" not in v["CODECS"] for v, _ in variants)
    assert not asset.has_audio


def test_poster_and_seek_thumbnails_are_published(mentor, clips, django_capture_on_commit_callbacks):
    asset = transcoded(mentor, clips["landscape"], django_capture_on_commit_callbacks)

    poster = ffprobe(media(asset.poster), "-show_streams")["streams"][0]
    assert (poster["width"], poster["height"]) == (640, 360)
    sprite = ffprobe(media(asset.thumbnails_sprite), "-show_streams")["streams"][0]
    assert (sprite["width"], sprite["height"]) == (2 * 160, 90)  # keyframes at 0 s and 2 s of a 3 s clip
    vtt = media(asset.thumbnails_vtt).read_text()
    assert vtt.startswith("WEBVTT")
    assert "00:00:00.000 --> 00:00:02.000\nthumbnails.jpg#xywh=0,0,160,90" in vtt
    assert "00:00:02.000 --> 00:00:03.000\nthumbnails.jpg#xywh=160,0,160,90" in vtt
    assert asset.poster_url == f"/media/{asset.poster}"
    assert asset.thumbnails_url == f"/media/{asset.thumbnails_vtt}"


def test_urls_stay_empty_until_ready_and_honour_the_cdn(mentor, clips, settings, django_capture_on_commit_callbacks):
    asset = upload_clip(mentor, clips["landscape"])  # on-commit never fires: the job has not run
    assert asset.status == VideoAsset.Status.UPLOADED
    assert (asset.playlist_url, asset.poster_url, asset.thumbnails_url) == (None, None, None)

    asset = transcoded(mentor, clips["landscape"], django_capture_on_commit_callbacks)
    settings.MEDIA_CDN_URL = "https://cdn.example.ru"
    assert asset.playlist_url == f"https://cdn.example.ru/video/{asset.uid}/hls/master.m3u8"


def test_playlists_reference_segments_relatively(mentor, clips, django_capture_on_commit_callbacks):
    asset = transcoded(mentor, clips["landscape"], django_capture_on_commit_callbacks)

    for name in default_storage.listdir(asset.hls_prefix)[1] + ["360p/index.m3u8", "audio/index.m3u8"]:
        if name.endswith(".m3u8"):
            text = media(asset.hls_prefix + name).read_text()
            assert "://" not in text and "\n/" not in text, name


def test_running_the_transcode_again_replaces_files_without_duplicates(
    mentor, clips, django_capture_on_commit_callbacks
):
    from media_pipeline import services

    asset = transcoded(mentor, clips["landscape"], django_capture_on_commit_callbacks)
    before = sorted(p.relative_to(media(asset.storage_prefix)) for p in media(asset.storage_prefix).rglob("*"))

    with django_capture_on_commit_callbacks(execute=True):
        services._schedule(asset, "transcode")
    asset.refresh_from_db()

    after = sorted(p.relative_to(media(asset.storage_prefix)) for p in media(asset.storage_prefix).rglob("*"))
    assert asset.status == VideoAsset.Status.READY
    assert after == before
    assert not any("staging" in str(p) for p in after)


def test_phone_video_with_rotation_metadata_comes_out_upright(
    mentor, clips, tmp_path, django_capture_on_commit_callbacks
):
    import subprocess

    rotated = tmp_path / "phone.mp4"  # stored 640x360, shown turned a quarter: 360x640
    subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(clips["portrait"]).replace("portrait", "landscape"), "-t", "2",
         "-c", "copy", "-metadata:s:v:0", "rotate=90", str(rotated)],
        check=True,
    )  # fmt: skip

    asset = transcoded(mentor, rotated, django_capture_on_commit_callbacks)

    assert (asset.width, asset.height) == (360, 640)
    sizes = [tuple(map(int, v["RESOLUTION"].split("x"))) for v, _ in master_variants(asset) if "RESOLUTION" in v]
    assert sorted(sizes) == [(234, 416), (360, 640)]
    stream = ffprobe(rung_path(asset, "360p/index.m3u8"), "-show_streams")["streams"][0]
    assert (stream["width"], stream["height"]) == (360, 640)
