"""Captions join the master playlist; local media is served with HLS content types and the bucket's
Cache-Control; deleting a video deletes its files; the lesson page carries the playlists a play
reads first."""

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.views.static import serve
from rest_framework.test import APIClient

from media_pipeline.models import VideoAsset
from media_pipeline.storage import serve_local_media
from tests.factories import ffprobe, make_season, upload_clip

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

SRT = """1\r
00:00:00,500 --> 00:00:02,000\r
Здравствуйте, ребята!\r
\r
2\r
00:00:02,100 --> 00:00:02,900\r
Начинаем урок.\r
"""


@pytest.fixture
def ready_video(mentor, clips, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        video = upload_clip(mentor, clips["landscape"])
    video.refresh_from_db()
    assert video.status == VideoAsset.Status.READY
    return video


@pytest.fixture
def api(mentor):
    client = APIClient()
    client.force_authenticate(mentor)
    return client


def media(name):
    return Path(settings.MEDIA_ROOT) / name


def test_srt_captions_become_a_subtitles_group_in_the_master_playlist(api, ready_video):
    response = api.post(
        f"/api/media/videos/{ready_video.uid}/captions/",
        {"language": "ru", "label": "Русский", "file": SimpleUploadedFile("урок.srt", SRT.encode())},
        format="multipart",
    )

    assert response.status_code == 201, response.json()
    master = media(ready_video.master_playlist).read_text()
    assert re.search(
        r'#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="Русский",LANGUAGE="ru".*URI="subtitles/ru.m3u8"', master
    )
    assert all('SUBTITLES="subs"' in line for line in master.splitlines() if line.startswith("#EXT-X-STREAM-INF"))
    vtt = media(f"{ready_video.hls_prefix}subtitles/ru.vtt").read_text()
    assert vtt.startswith("WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:")
    assert "00:00:00.500 --> 00:00:02.000\nЗдравствуйте, ребята!" in vtt
    playlist = media(f"{ready_video.hls_prefix}subtitles/ru.m3u8").read_text()
    assert "#EXT-X-PLAYLIST-TYPE:VOD" in playlist and "ru.vtt" in playlist
    streams = ffprobe(media(f"{ready_video.hls_prefix}subtitles/ru.m3u8"), "-show_streams")["streams"]
    assert [s["codec_name"] for s in streams] == ["webvtt"]  # a player's HLS parser reads it as subtitles

    assert api.delete(f"/api/media/videos/{ready_video.uid}/captions/ru/").status_code == 204
    assert "SUBTITLES" not in media(ready_video.master_playlist).read_text()
    assert not media(f"{ready_video.hls_prefix}subtitles/ru.vtt").exists()


def test_a_file_that_is_not_subtitles_is_refused_with_a_reason(api, ready_video):
    response = api.post(
        f"/api/media/videos/{ready_video.uid}/captions/",
        {"language": "ru", "label": "Русский", "file": SimpleUploadedFile("notes.txt", "просто текст".encode())},
        format="multipart",
    )
    assert response.status_code == 400
    assert "WebVTT (.vtt) или SubRip (.srt)" in response.json()["detail"]


def test_captions_added_before_the_transcode_are_in_the_first_master(mentor, clips, django_capture_on_commit_callbacks):
    from media_pipeline import services

    video = upload_clip(mentor, clips["landscape"])
    vtt = "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nПривет\n"
    services.add_caption(video, "ru", "Русский", SimpleUploadedFile("a.vtt", vtt.encode()))
    with django_capture_on_commit_callbacks(execute=True):
        services.retry_video(video)
    video.refresh_from_db()

    assert 'LANGUAGE="ru"' in media(video.master_playlist).read_text()


def test_local_media_is_served_with_hls_content_types(ready_video):
    """One transcode for every file checked (a transcode per file cost seconds each)."""
    expected = {
        "master.m3u8": "application/vnd.apple.mpegurl",
        "360p/seg_00000.ts": "video/mp2t",
        "thumbnails.vtt": "text/vtt",
    }
    served = {}
    for name in expected:
        response = serve(
            RequestFactory().get("/media/x"), ready_video.hls_prefix + name, document_root=settings.MEDIA_ROOT
        )
        served[name] = (response.status_code, response["Content-Type"])
    assert served == {name: (200, content_type) for name, content_type in expected.items()}


def test_local_media_keeps_the_buckets_cache_control(ready_video):
    """Development serves /media/ as the bucket would: a segment read twice in one visit (Chromium's own
    HLS reads the first one twice) comes from the browser's cache the second time; playlists, which
    captions rewrite, only for a minute."""
    expected = {
        "master.m3u8": "public, max-age=60",
        "360p/index.m3u8": "public, max-age=60",
        "360p/seg_00000.ts": "public, max-age=86400",
        "poster.webp": "public, max-age=86400",
    }
    served = {}
    for name in expected:
        request = RequestFactory().get("/media/x")
        response = serve_local_media(request, ready_video.hls_prefix + name, document_root=settings.MEDIA_ROOT)
        served[name] = (response.status_code, response["Cache-Control"])
    assert served == {name: (200, cache_control) for name, cache_control in expected.items()}


def test_deleting_a_video_deletes_all_its_files(ready_video, settings, django_capture_on_commit_callbacks):
    folder = media(ready_video.storage_prefix)
    source = Path(settings.PRIVATE_MEDIA_ROOT) / ready_video.source_prefix  # sources are never public
    assert source.is_dir() and (folder / "hls" / "master.m3u8").exists()

    with django_capture_on_commit_callbacks(execute=True):
        ready_video.delete()

    assert not folder.exists() and not source.parent.exists()


def page_playlists(html):
    """{URL: text} the lesson page's player carries (json_script inside the player), or None."""
    found = re.search(r'<figure class="player".*?<script type="application/json">(.*?)</script>', html, re.S)
    return json.loads(found.group(1)) if found else None


@pytest.fixture
def lesson_with(page_tree):
    def make(video):
        season = make_season(days_before=30)
        page_tree.sections_named("directions", "mentors")
        mentor = page_tree.mentor("Вера Звонкова", slug="vera")
        direction = page_tree.direction(curator=mentor)
        masterclass = page_tree.masterclass(direction, mentor=mentor, season=season, slug="breath")
        return page_tree.lesson(masterclass, "Урок 1: дыхание", slug="lesson-1", video=video)

    return make


def test_the_lesson_page_carries_the_master_and_its_lowest_rungs_playlist(
    client, api, ready_video, lesson_with, settings, django_capture_on_commit_callbacks
):
    """Pressing play then reads no playlist over the network: on a slow link each is a round trip."""
    settings.PAGE_CACHE_SECONDS = 0  # the page itself, as the CDN, may keep a copy a minute: not under test
    lesson = lesson_with(ready_video)
    prefix = ready_video.hls_prefix
    lowest = min((r for r in ready_video.renditions if "width" in r), key=lambda r: r["average_bandwidth"])
    assert len([r for r in ready_video.renditions if "width" in r]) > 1  # the choice is a real one

    carried = page_playlists(client.get(lesson.url).content.decode())
    master_url, media_url = f"/media/{prefix}master.m3u8", f"/media/{prefix}{lowest['playlist']}"
    assert carried == {
        master_url: media(ready_video.master_playlist).read_text(),
        media_url: media(prefix + lowest["playlist"]).read_text(),
    }
    assert "#EXT-X-ENDLIST" in carried[media_url] and "seg_00000.ts" in carried[media_url]

    # Captions rewrite the master: the next page carries the new one, not a minute-old copy.
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            f"/api/media/videos/{ready_video.uid}/captions/",
            {"language": "ru", "label": "Русский", "file": SimpleUploadedFile("урок.srt", SRT.encode())},
            format="multipart",
        )
    assert response.status_code == 201
    carried = page_playlists(client.get(lesson.url).content.decode())
    assert 'URI="subtitles/ru.m3u8"' in carried[master_url]
    assert carried[master_url] == media(ready_video.master_playlist).read_text()


def test_a_lesson_whose_playlists_are_gone_still_plays_from_the_network(client, ready_video, lesson_with):
    lesson = lesson_with(ready_video)
    media(ready_video.master_playlist).unlink()

    response = client.get(lesson.url)

    assert response.status_code == 200
    html = response.content.decode()
    assert page_playlists(html) is None
    assert f'data-src="/media/{ready_video.master_playlist}"' in html
