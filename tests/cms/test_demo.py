"""`load_demo` builds a believable season, and running it again changes nothing."""

import datetime
import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Max
from wagtail.documents.models import Document
from wagtail.images.models import Image
from wagtail.models import Page, Revision

from cms import demo
from cms.models import (
    DirectionPage,
    EventPage,
    LessonPage,
    MasterclassPage,
    MentorPage,
    PartnerPage,
    Season,
    WinnerStoryPage,
)
from reports.models import Settlement
from reports.settlements import _latin_spellings, name_key

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def snapshot():
    return {
        "pages": list(Page.objects.order_by("pk").values_list("pk", "title", "live", "latest_revision_id")),
        "revisions": Revision.objects.aggregate(last=Max("pk"))["last"],
        "images": list(Image.objects.order_by("pk").values_list("pk", "file")),
        "documents": list(Document.objects.order_by("pk").values_list("pk", "file")),
        "users": list(get_user_model().objects.order_by("pk").values_list("pk", "username", "password")),
        "seasons": list(Season.objects.values_list("pk", "name", "starts_on", "ends_on")),
    }


def assert_names_no_town_of_its_region(story):
    """Neither the address nor the text of a story whose town has no guardian's consent names a town
    of the child's region: not in Cyrillic (any ending) nor in any latin spelling in the slug."""
    text = name_key(" ".join([story.title, story.quote, str(story.body)]))
    for name in Settlement.objects.filter(region=story.region).values_list("name", flat=True):
        key = name_key(name)
        stem = key[:-2] if len(key) >= 6 else key  # «Мирный» is «о зимнем Мирном» in a sentence
        assert not re.search(rf"\b{re.escape(stem)}", text), (story.slug, name)
        for spelling in _latin_spellings(key):
            assert spelling[:5] not in story.slug, (story.slug, name)


def test_demo_season_is_complete_and_loading_twice_changes_nothing():
    demo.load(io.StringIO())
    first = snapshot()

    directions = DirectionPage.objects.live()
    assert set(directions.values_list("slug", flat=True)) == {
        "vocal",
        "acting",
        "cinema",
        "fashion-design",
        "painting",
        "photography",
        "illustration",
        "robotics",
        "blogging",
    }
    for direction in directions:
        masterclasses = MasterclassPage.objects.child_of(direction).live()
        assert masterclasses.count() == 2, direction
        assert direction.curator is not None and direction.curator.user.groups.filter(name="Mentors").exists()
        for masterclass in masterclasses:
            assert masterclass.mentor == direction.curator
            assert masterclass.owner == direction.curator.user
            assert LessonPage.objects.child_of(masterclass).live().count() == 3
            assert masterclass.materials.get().document.file_extension == "pdf"
    assert MentorPage.objects.live().count() == 9
    assert MentorPage.objects.filter(user__isnull=True).count() == 0

    stories = WinnerStoryPage.objects.live()
    assert stories.count() == 6
    assert len(set(stories.values_list("region", flat=True))) == 6
    sizes = set(stories.values_list("town_size", flat=True))
    assert {"under_10k", "over_1m"} <= sizes  # a village and a big city, by size only: no consent to name them
    assert set(stories.values_list("town", flat=True)) == {""}
    for story in stories:
        assert_names_no_town_of_its_region(story)

    assert set(PartnerPage.objects.values_list("kind", flat=True)) == {
        "creative",
        "foundation",
        "authority",
        "business",
    }
    assert EventPage.objects.count() == 4
    assert EventPage.objects.filter(attendance__isnull=False).count() == 2  # the two that already took place
    assert Season.current(today=datetime.date(2026, 11, 23)).name == "Сезон 2026/27"
    assert Season.objects.count() == 2

    demo.load(io.StringIO())
    assert snapshot() == first
