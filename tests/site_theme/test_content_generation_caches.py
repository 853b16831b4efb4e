"""What a cold page keeps under the page cache's generation (config/http_cache.py) and what drops it:
the view restrictions (cms/restrictions.py), a lesson's masterclass and lessons, the home page's
works, and the counter a process keeps for a second."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from wagtail.models import PageViewRestriction

from learning import services as learning
from tests.factories import png_upload

pytestmark = pytest.mark.django_db


def queries_of(client, path):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    return response, [query["sql"] for query in queries.captured_queries]


def test_a_page_made_private_is_no_longer_answered_from_the_page_cache(client, season_tree):
    lesson = season_tree["lesson"]
    assert client.get(lesson.url).status_code == 200
    assert client.get(lesson.url).status_code == 200  # from the cache

    restriction = PageViewRestriction.objects.create(
        page=season_tree["masterclass"], restriction_type=PageViewRestriction.LOGIN
    )

    response = client.get(lesson.url)
    assert response.status_code == 302
    assert "login" in response["Location"]

    restriction.delete()

    assert client.get(lesson.url).status_code == 200


@override_settings(PAGE_CACHE_SECONDS=0)
def test_view_restrictions_are_read_once_per_generation_and_still_hide_private_sections(client, season_tree):
    lesson, direction = season_tree["lesson"], season_tree["direction"]
    client.get(lesson.url)
    response, sql = queries_of(client, lesson.url)
    assert response.status_code == 200
    assert not [query for query in sql if "wagtailcore_pageviewrestriction" in query]

    restriction = PageViewRestriction.objects.create(page=direction, restriction_type=PageViewRestriction.GROUPS)
    restriction.groups.add(Group.objects.create(name="Только свои"))

    assert client.get(lesson.url).status_code == 302
    assert direction.title not in client.get("/").content.decode()  # the home page's directions
    assert client.get(season_tree["home"].url).status_code == 200

    restriction.delete()

    assert client.get(lesson.url).status_code == 200
    assert direction.title in client.get("/").content.decode()


@override_settings(PAGE_CACHE_SECONDS=0)
def test_a_cold_lesson_reads_its_masterclass_and_lessons_once_until_publishing(client, season_tree, page_tree):
    masterclass, lesson = season_tree["masterclass"], season_tree["lesson"]
    client.get(lesson.url)

    response, sql = queries_of(client, lesson.url)

    html = response.content.decode()
    assert "Урок 1 из 1" in html and "Поём с дыханием" in html
    the_lesson_itself = f'WHERE "cms_lessonpage"."page_ptr_id" = {lesson.pk} '
    read = [query for query in sql if 'FROM "cms_masterclasspage"' in query or 'FROM "cms_lessonpage"' in query]
    assert [query for query in read if the_lesson_itself not in query] == []

    page_tree.lesson(masterclass, "Урок 2: звук", slug="lesson-2")

    html = client.get(lesson.url).content.decode()
    assert "Урок 1 из 2" in html and "Урок 2: звук" in html


@override_settings(PAGE_CACHE_SECONDS=0)
def test_a_video_becoming_ready_shows_its_player_on_a_lesson_read_before(client, season_tree):
    from media_pipeline.models import VideoAsset
    from media_pipeline.signals import video_ready

    lesson = season_tree["lesson"]
    video = VideoAsset.objects.create(title="урок", status=VideoAsset.Status.TRANSCODING)
    lesson.video = video
    lesson.save_revision().publish()
    assert "video/lesson/hls/master.m3u8" not in client.get(lesson.url).content.decode()

    VideoAsset.objects.filter(pk=video.pk).update(
        status=VideoAsset.Status.READY,
        duration=600,
        master_playlist="video/lesson/hls/master.m3u8",
        renditions=[{"name": "360p", "playlist": "360p/index.m3u8", "width": 640, "height": 360}],
    )
    video_ready.send_robust(VideoAsset, asset=VideoAsset.objects.get(pk=video.pk))

    assert "video/lesson/hls/master.m3u8" in client.get(lesson.url).content.decode()


@override_settings(PAGE_CACHE_SECONDS=0)
def test_the_home_pages_works_are_read_once_until_moderation(client, public_work, make_student, moderator):
    client.get("/")
    response, sql = queries_of(client, "/")
    assert public_work.title in response.content.decode()
    assert not [query for query in sql if 'FROM "learning_submission"' in query]

    student = make_student(email="second@example.ru", first_name="Вторая")
    work = learning.submit_work(student, public_work.assignment, title="Вторая работа", files=[png_upload()])
    learning.approve_submission(work, moderator)

    assert "Вторая работа" in client.get("/").content.decode()


@override_settings(PAGE_CACHE_SECONDS=0, ENGAGEMENT_COUNTER_CACHE_SECONDS=3600)
def test_the_counter_on_a_page_is_read_once_per_period_in_a_process(client, season_tree, campaign):
    from site_theme.templatetags import site_theme_tags

    site_theme_tags._counter.clear()
    client.get("/")

    response, sql = queries_of(client, "/")

    assert "data-counter-kopecks" in response.content.decode()
    assert not [query for query in sql if "engagement_counterslot" in query]


@override_settings(PAGE_CACHE_SECONDS=0)
def test_the_site_and_its_home_page_are_read_once_until_publishing_or_a_site_change(client, season_tree):
    from wagtail.models import Site

    home = season_tree["home"]
    client.get("/")
    response, sql = queries_of(client, "/")
    assert response.status_code == 200
    assert not [query for query in sql if "wagtailcore_site" in query or 'FROM "cms_homepage"' in query]

    home.title = "Поколение М: новый сезон"
    home.save_revision().publish()
    assert "Поколение М: новый сезон" in client.get("/").content.decode()

    Site.objects.filter(root_page=home).update(hostname="elsewhere.example", is_default_site=False)
    Site.objects.get(root_page=home).save()  # the admin saves the model; the update alone is not seen

    assert client.get("/").status_code == 404


@override_settings(PAGE_CACHE_SECONDS=0)
def test_a_cold_lesson_reads_the_generation_once(client, season_tree, monkeypatch):
    from django.conf import settings
    from django.core.cache import caches

    from config import http_cache

    lesson = season_tree["lesson"]
    client.get(lesson.url)
    shared = caches[settings.CACHE_MIDDLEWARE_ALIAS]
    reads, inside = [], []
    original_get, original_get_many = shared.get, shared.get_many

    def get(key, *args, **kwargs):
        if not inside:  # a cache without get_many of its own asks for each key
            reads.append(key)
        return original_get(key, *args, **kwargs)

    def get_many(keys, *args, **kwargs):
        reads.extend(keys)
        inside.append(True)
        try:
            return original_get_many(keys, *args, **kwargs)
        finally:
            inside.pop()

    monkeypatch.setattr(shared, "get", get)
    monkeypatch.setattr(shared, "get_many", get_many)

    assert "Урок 1 из 1" in client.get(lesson.url).content.decode()
    assert reads.count(http_cache.GENERATION_KEY) == 1


def test_a_purge_during_a_request_is_seen_by_the_rest_of_it(rf):
    from config import http_cache

    seen = []

    def view(request):
        seen.append(http_cache.generation())
        seen.append(http_cache.generation())
        http_cache.purge()
        seen.append(http_cache.generation())
        return None

    http_cache.GenerationMemoMiddleware(view)(rf.get("/"))

    assert seen[0] == seen[1] != seen[2]
    assert http_cache.generation() == seen[2]  # outside a request: read from the cache


@override_settings(PAGE_CACHE_SECONDS=0)
def test_a_lessons_materials_are_read_once_until_they_or_their_documents_change(client, season_tree):
    from django.core.files.base import ContentFile
    from wagtail.documents.models import Document

    from cms.models import LessonMaterial

    lesson = season_tree["lesson"]
    document = Document.objects.create(title="Ноты", file=ContentFile(b"%PDF-1.4", name="notes.pdf"))
    LessonMaterial.objects.create(page=lesson, document=document, title="", sort_order=0)
    assert "Ноты" in client.get(lesson.url).content.decode()

    response, sql = queries_of(client, lesson.url)
    assert "Ноты" in response.content.decode()
    assert not [query for query in sql if "cms_lessonmaterial" in query or "wagtaildocs_document" in query]

    document.title = "Ноты песни"
    document.save()
    assert "Ноты песни" in client.get(lesson.url).content.decode()

    LessonMaterial.objects.filter(page=lesson).delete()  # a queryset delete sends post_delete too
    assert "Материалы к уроку" not in client.get(lesson.url).content.decode()


@override_settings(PAGE_CACHE_SECONDS=0)
def test_a_lessons_route_is_read_once_until_its_page_is_unpublished_or_moved(client, season_tree, page_tree):
    lesson, masterclass = season_tree["lesson"], season_tree["masterclass"]
    client.get(lesson.url)

    response, sql = queries_of(client, lesson.url)
    assert response.status_code == 200
    assert not [query for query in sql if "wagtailcore_page" in query]

    other = page_tree.masterclass(
        season_tree["direction"],
        mentor=masterclass.mentor,
        season=masterclass.season,
        title="Второй мастер-класс",
        slug="second",
    )
    url = lesson.url
    lesson.move(other, pos="last-child")
    assert client.get(url).status_code == 301  # Wagtail's redirect to its new place, not the old copy
    lesson.refresh_from_db()
    assert client.get(lesson.url).status_code == 200

    lesson.unpublish()
    assert client.get(lesson.url).status_code == 404
    assert masterclass.url  # the masterclass itself is untouched


@override_settings(PAGE_CACHE_SECONDS=0)
def test_a_lessons_content_is_kept_for_anonymous_visitors_only(client, season_tree, make_student):
    from django.test import Client

    from learning import services as learning_services

    lesson = season_tree["lesson"]
    student = make_student()
    learning_services.record_progress(student, lesson, position=30, start=0, end=30, duration=600)
    signed_in = Client()
    signed_in.force_login(student.user)
    assert "Войдите</a>" not in signed_in.get(lesson.url).content.decode()  # rendered, not kept

    first = client.get(lesson.url).content.decode()
    response, sql = queries_of(client, lesson.url)
    assert response.content.decode() == first and "Войдите</a>" in first
    assert sql == []

    assert "Войдите</a>" not in signed_in.get(lesson.url).content.decode()  # never the anonymous copy

    lesson.title = "Урок 1: дыхание животом"
    lesson.save_revision().publish()
    assert "<h1>Урок 1: дыхание животом</h1>" in client.get(lesson.url).content.decode()
