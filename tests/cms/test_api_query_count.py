"""A list request costs the same number of queries for 5 items as for 50, with every field."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.documents.models import Document

from cms.models import (
    EventPage,
    LessonMaterial,
    LessonPage,
    MasterclassMaterial,
    MasterclassPage,
    MentorPage,
    MentorSocialLink,
    Region,
    WinnerStoryGalleryImage,
    WinnerStoryPage,
)

pytestmark = [pytest.mark.django_db, pytest.mark.postgres, pytest.mark.slow]


@pytest.fixture
def document(db):
    from django.core.files.base import ContentFile

    return Document.objects.create(title="Ноты", file=ContentFile(b"%PDF-1.4", name="notes.pdf"))


@pytest.fixture
def builders(sections, season, make_direction, make_mentor, make_image, make_masterclass, document):
    from media_pipeline.models import VideoAsset

    direction = make_direction(cover=make_image(), slug="vocal")
    other_direction = make_direction("Фото", "photography", cover=make_image())
    mentor = make_mentor(photo=make_image())
    masterclass = make_masterclass(direction, mentor, cover=make_image(), slug="base")

    def masterclasses(n):
        for i in range(n):
            teacher = sections["mentors"].add_child(
                instance=MentorPage(title=f"Наставник {i}", role="артист", bio="<p>.</p>", photo=make_image())
            )
            page = MasterclassPage(
                title=f"Курс {i}",
                mentor=teacher,
                season=season,
                age_band="6-9",
                description="<p>Описание</p>",
                cover=make_image(),
            )
            page.materials.add(MasterclassMaterial(document=document, title="Ноты"))
            (direction if i % 2 else other_direction).add_child(instance=page)
        return {"type": "cms.MasterclassPage"}

    def lessons(n):
        for i in range(n):
            video = VideoAsset.objects.create(
                title=f"Видео {i}", status="ready", master_playlist=f"v/{i}/master.m3u8", poster=f"v/{i}/p.jpg"
            )
            page = LessonPage(title=f"Урок {i}", text="<p>Текст</p>", video=video)
            page.materials.add(LessonMaterial(document=document))
            masterclass.add_child(instance=page)
        return {"type": "cms.LessonPage", "child_of": masterclass.pk}

    def stories(n):
        regions = list(Region.objects.all()[:5])
        for i in range(n):
            page = WinnerStoryPage(
                title=f"История {i}",
                first_name="Аня",
                surname_initial="К",
                age=10,
                region=regions[i % 5],
                town="Кимры",
                direction=direction,
                season=season,
                opportunity="Сцена",
                photo=make_image(),
            )
            page.gallery.add(WinnerStoryGalleryImage(image=make_image()))
            page.gallery.add(WinnerStoryGalleryImage(image=make_image()))
            sections["stories"].add_child(instance=page)
        return {"type": "cms.WinnerStoryPage"}

    def events(n):
        start = datetime.datetime(2026, 12, 1, 12, tzinfo=datetime.UTC)
        for i in range(n):
            page = EventPage(
                title=f"Встреча {i}",
                starts_at=start,
                ends_at=start + datetime.timedelta(hours=3),
                region=Region.objects.get(code="16"),
                town="Казань",
                venue="Дом культуры",
                description="<p>.</p>",
                cover=make_image(),
                mentors=[mentor],
            )
            sections["events"].add_child(instance=page)
        return {"type": "cms.EventPage"}

    def mentors(n):
        for i in range(n):
            page = MentorPage(
                title=f"Наставница {i}", role="художница", bio="<p>.</p>", photo=make_image(), directions=[direction]
            )
            page.social_links.add(MentorSocialLink(network="vk", url="https://vk.com/example"))
            sections["mentors"].add_child(instance=page)
        return {"type": "cms.MentorPage"}

    return {
        "masterclasses": masterclasses,
        "lessons": lessons,
        "stories": stories,
        "events": events,
        "mentors": mentors,
    }


def count_queries(client, params):
    client.get("/api/v2/pages/", params)  # first request makes the renditions; count the steady state
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v2/pages/", params)
    assert response.status_code == 200, response.content
    return len(queries), response.json()


@pytest.mark.parametrize("kind", ["masterclasses", "lessons", "stories", "events", "mentors"])
def test_list_query_count_does_not_grow_with_items(client, builders, kind, django_assert_max_num_queries):
    params = builders[kind](5)
    params = {**params, "fields": "*", "limit": 100}
    queries_for_5, data = count_queries(client, params)
    assert data["meta"]["total_count"] >= 5

    builders[kind](45)
    client.get("/api/v2/pages/", params)  # renditions for the new items
    with django_assert_max_num_queries(queries_for_5):
        response = client.get("/api/v2/pages/", params)
    assert response.json()["meta"]["total_count"] >= 50
