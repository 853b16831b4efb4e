"""«Скачать урок» on the lesson page with sizes in Russian, and the data saver: the `Save-Data: on`
header or the site's toggle take covers and the poster away and stop the player loading before
play; the page cache keeps the two variants apart (`Vary: Save-Data`)."""

import pytest
from django.test import override_settings

from media_pipeline.models import VideoAsset
from site_theme.templatetags.offline_tags import file_size, file_size_words

pytestmark = pytest.mark.django_db


@pytest.fixture
def lesson_with_video(season_tree):
    video = VideoAsset.objects.create(
        title="Урок",
        status=VideoAsset.Status.READY,
        duration=600,
        width=1280,
        height=720,
        master_playlist="video/x/hls/master.m3u8",
        poster="video/x/hls/poster.jpg",
        renditions=[{"name": "360p", "playlist": "360p/index.m3u8", "width": 640, "height": 360, "duration": 600}],
        downloads=[
            {
                "kind": "video",
                "file": "downloads/lesson-video.mp4",
                "size": 12 * 1024 * 1024,
                "width": 640,
                "height": 360,
            },
            {"kind": "audio", "file": "downloads/lesson-audio.m4a", "size": 3 * 1024 * 1024},
        ],
    )
    lesson = season_tree["lesson"]
    lesson.video = video
    lesson.save_revision().publish()
    return lesson


def test_sizes_read_in_russian_with_their_plurals():
    assert file_size(12 * 1024 * 1024) == "12\u00a0МБ"
    assert file_size(int(1.4 * 1024 * 1024)) == "1,4\u00a0МБ"
    assert file_size(640 * 1024) == "640\u00a0КБ"
    assert file_size_words(1024 * 1024) == "1 мегабайт"
    assert file_size_words(3 * 1024 * 1024) == "3 мегабайта"
    assert file_size_words(12 * 1024 * 1024) == "12 мегабайт"
    assert file_size_words(int(1.4 * 1024 * 1024)) == "1,4 мегабайта"
    assert file_size_words(21 * 1024) == "21 килобайт"


def test_the_lesson_page_offers_the_video_and_the_sound_with_their_sizes(client, lesson_with_video):
    page = client.get(lesson_with_video.url).content.decode()
    prefix = lesson_with_video.video.hls_prefix

    assert f'href="/media/{prefix}downloads/lesson-video.mp4" download' in page
    assert 'Скачать урок: видео 360p, <abbr title="12 мегабайт">12\u00a0МБ</abbr>' in page
    assert 'Скачать урок: только звук, <abbr title="3 мегабайта">3\u00a0МБ</abbr>' in page
    assert "Сохранить для просмотра без сети" in page


@override_settings(PAGE_CACHE_SECONDS=60)
@pytest.mark.parametrize("how", ["header", "toggle"])
def test_data_saver_drops_the_poster_and_covers_and_holds_the_video_until_play(client, lesson_with_video, how):
    normal = client.get(lesson_with_video.url)
    assert "Save-Data" in normal["Vary"]
    # No video bytes before play in any mode (a page opened and left costs none); the normal page
    # keeps the poster (set by player.js once the page has painted) and the browser's own HLS source.
    assert 'data-poster="' in normal.content.decode() and ' poster="' not in normal.content.decode()
    assert 'preload="none"' in normal.content.decode()
    assert 'preload="metadata"' not in normal.content.decode()
    assert 'type="application/vnd.apple.mpegurl"' in normal.content.decode()
    assert 'data-duration="600.0"' in normal.content.decode()  # the seek bar's length before play

    if how == "header":
        light = client.get(lesson_with_video.url, HTTP_SAVE_DATA="on")
    else:
        client.cookies["pm_save_data"] = "1"
        light = client.get(lesson_with_video.url)
    body = light.content.decode()
    assert 'poster="' not in body
    assert 'preload="none"' in body and "data-save-data" in body
    assert 'type="application/vnd.apple.mpegurl"' not in body  # hls.js, at the lowest rung, after play
    assert '<html lang="ru" data-save-data>' in body
    assert 'aria-pressed="true"' in body  # the footer toggle shows it is on

    # The cached normal page is still what other visitors get.
    client.cookies.pop("pm_save_data", None)
    assert 'poster="' in client.get(lesson_with_video.url).content.decode()


def test_data_saver_takes_covers_off_the_cards(client, season_tree, settings):
    from wagtail.images.models import Image
    from wagtail.images.tests.utils import get_test_image_file

    masterclass = season_tree["masterclass"]
    masterclass.cover = Image.objects.create(title="Обложка", file=get_test_image_file(size=(1280, 720)))
    masterclass.save_revision().publish()
    direction_url = season_tree["direction"].url

    assert "<img" in client.get(direction_url).content.decode()
    assert "<img" not in client.get(direction_url, HTTP_SAVE_DATA="on").content.decode()
