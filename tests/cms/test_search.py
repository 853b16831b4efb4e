"""Search over directions, masterclasses, lessons, mentors and stories understands Russian word forms."""

import pytest
from wagtail.models import Page

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


@pytest.fixture
def content(make_direction, make_mentor, make_masterclass, make_lesson, make_story):
    vocal = make_direction("Вокал", "vocal")
    photo = make_direction("Фотография", "photography")
    mentor = make_mentor("Мария Голосова")
    mentor.bio = "<p>Солистка оперного театра, двадцать лет преподаёт академический вокал.</p>"
    mentor.save_revision().publish()
    masterclass = make_masterclass(photo, make_mentor("Пётр Кадров"), "Портрет при свете окна", slug="portrait")
    lesson = make_lesson(masterclass, "Композиция кадра")
    story = make_story(photo, first_name="Лиза", town="Мирный")
    story.quote = "Теперь я снимаю свадьбы земляков на свой фотоаппарат."
    story.save_revision().publish()
    return {"vocal": vocal, "mentor": mentor, "masterclass": masterclass, "lesson": lesson, "story": story}


def titles(query):
    """What a visitor's search finds: live, public pages (the query site_theme's search runs)."""
    return {page.title for page in Page.objects.live().public().specific().search(query)}


def test_a_search_for_vokala_finds_vokal(content):
    found = titles("вокала")
    assert "Вокал" in found
    assert "Мария Голосова" in found  # her biography says «вокал»
    assert "Фотография" not in found


def test_search_reaches_masterclasses_lessons_and_stories(content):
    assert "Портрет при свете окна" in titles("портреты")
    assert "Композиция кадра" in titles("композиции")
    assert "История: Лиза" in titles("фотоаппаратом")


def test_drafts_are_not_found(content, make_lesson):
    from cms.models import LessonPage

    masterclass = content["masterclass"]
    masterclass.add_child(instance=LessonPage(title="Секретная композиция", live=False))
    assert "Секретная композиция" not in titles("композиция")


def test_the_content_api_searches_the_same_way(client, content):
    response = client.get("/api/v2/pages/", {"search": "вокала"})
    assert response.status_code == 200
    assert "Вокал" in {item["title"] for item in response.json()["items"]}
