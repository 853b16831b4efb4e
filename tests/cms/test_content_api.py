"""What a front end reads from /api/v2/: filters, renditions, HTML rich text, lesson video."""

import pytest
from django.contrib.auth.models import Group

from cms.models import LessonPage, Region, Season
from tests.factories import add_child

pytestmark = pytest.mark.django_db


def items(client, **params):
    response = client.get("/api/v2/pages/", params)
    assert response.status_code == 200, response.content
    return response.json()["items"]


@pytest.fixture
def vocal_tree(make_direction, make_mentor, make_masterclass, make_lesson):
    vocal = make_direction("Вокал", "vocal")
    mentor = make_mentor("Мария Голосова")
    masterclass = make_masterclass(vocal, mentor, "Голос с нуля", age_band="10-13")
    lessons = [make_lesson(masterclass, title) for title in ["Дыхание", "Опора", "Распевка"]]
    return vocal, mentor, masterclass, lessons


def test_lessons_of_a_masterclass_come_in_the_order_editors_arranged(client, vocal_tree):
    _, _, masterclass, lessons = vocal_tree
    lessons[2].move(lessons[0], pos="left")  # "Распевка" becomes the first lesson

    titles = [item["title"] for item in items(client, type="cms.LessonPage", child_of=masterclass.pk)]

    assert titles == ["Распевка", "Дыхание", "Опора"]


def test_masterclasses_filter_by_direction_season_mentor_and_age_band(
    client, vocal_tree, make_direction, make_mentor, make_masterclass
):
    vocal, maria, vocal_class, _ = vocal_tree
    acting = make_direction("Актёрское мастерство", "acting")
    ivan = make_mentor("Иван Сценов")
    acting_class = make_masterclass(acting, ivan, "Этюды", age_band="6-9")
    past = Season.objects.create(name="Сезон 2025/26", starts_on="2025-09-01", ends_on="2026-05-31")
    past_class = make_masterclass(acting, ivan, "Прошлый сезон", age_band="14-18", slug="past")
    past_class.season = past
    past_class.save_revision().publish()

    def ids(**params):
        return {item["id"] for item in items(client, type="cms.MasterclassPage", **params)}

    assert ids(direction="vocal") == {vocal_class.pk}
    assert ids(direction=str(acting.pk)) == {acting_class.pk, past_class.pk}
    assert ids(mentor=ivan.pk) == {acting_class.pk, past_class.pk}
    assert ids(age_band="6-9") == {acting_class.pk}
    assert ids(season=past.pk) == {past_class.pk}
    assert ids(season="current") == {vocal_class.pk, acting_class.pk}
    assert ids(direction="acting", season="current", age_band="6-9", mentor=ivan.pk) == {acting_class.pk}
    assert maria.pk not in ids()


def test_stories_filter_by_region_direction_and_season(client, make_direction, make_story, season):
    vocal = make_direction("Вокал", "vocal")
    photo = make_direction("Фотография", "photography")
    moscow = make_story(vocal, region_code="77", first_name="Аня")
    yakutia = make_story(photo, region_code="14", first_name="Айаал", surname_initial="Н", town="Вилюйск")

    def ids(**params):
        return {item["id"] for item in items(client, type="cms.WinnerStoryPage", **params)}

    assert ids(region=Region.objects.get(code="14").pk) == {yakutia.pk}
    assert ids(region_code="77") == {moscow.pk}
    assert ids(direction="photography") == {yakutia.pk}
    assert ids(direction=str(vocal.pk)) == {moscow.pk}
    assert ids(season=season.pk) == {moscow.pk, yakutia.pk}


def test_a_story_shows_the_child_only_by_first_name_initial_age_region_and_town_size(
    client, make_direction, make_story
):
    story = make_story(make_direction(), first_name="Аня", surname_initial="К", town_size="under_10k")

    data = client.get(f"/api/v2/pages/{story.pk}/").json()

    assert data["display_name"] == "Аня К."
    assert data["age"] == 12
    assert data["region"]["name"] == "Москва"
    assert (data["town"], data["town_size"]) == ("", "under_10k")
    assert data["where_from"] == "населённый пункт до 10 тысяч жителей"
    assert "town_population" not in data and "surname" not in data and "school" not in data


def test_rich_text_comes_as_html_and_images_as_renditions(client, make_direction, make_image, sections):
    cover = make_image("Обложка вокала")
    direction = make_direction("Вокал", "vocal", cover=cover)
    direction.description = f'<p>См. <a linktype="page" id="{sections["mentors"].pk}">наставников</a></p>'
    direction.save_revision().publish()

    data = client.get(f"/api/v2/pages/{direction.pk}/").json()

    assert '<a href="/mentors/">наставников</a>' in data["description"]
    assert data["cover"]["url"].startswith("/media/images/")
    assert (data["cover"]["width"], data["cover"]["height"]) == (64, 36)  # fill never upscales past source
    assert data["cover"]["thumbnail"]["url"] != data["cover"]["url"]
    assert data["cover"]["alt"] == "Обложка вокала"


def test_a_lesson_gives_its_video_as_playlist_and_poster(client, vocal_tree, make_lesson):
    from media_pipeline.models import VideoAsset

    _, _, masterclass, _ = vocal_tree
    video = VideoAsset.objects.create(
        title="Урок 1",
        status=VideoAsset.Status.READY,
        duration=312.5,
        master_playlist="video/hls/1/master.m3u8",
        poster="video/hls/1/poster.jpg",
    )
    lesson = make_lesson(masterclass, "С видео", video=video)

    data = client.get(f"/api/v2/pages/{lesson.pk}/").json()

    assert data["duration"] == 312.5
    assert data["video"]["playlist_url"].endswith("video/hls/1/master.m3u8")
    assert data["video"]["poster_url"].endswith("video/hls/1/poster.jpg")
    assert data["video"]["status"] == "ready"


def test_a_lesson_without_a_finished_video_says_so(client, vocal_tree):
    _, _, _, lessons = vocal_tree
    data = client.get(f"/api/v2/pages/{lessons[0].pk}/").json()
    assert data["video"] is None
    assert data["duration"] is None


def test_drafts_are_not_in_the_api(client, vocal_tree, make_lesson):
    _, _, masterclass, _ = vocal_tree
    draft = add_child(masterclass, LessonPage(title="Черновик урока", live=False), publish=False)
    draft.save_revision()

    assert client.get(f"/api/v2/pages/{draft.pk}/").status_code == 404
    assert "Черновик урока" not in {item["title"] for item in items(client, type="cms.LessonPage")}


def test_seasons_and_regions_have_endpoints(client, season):
    Season.objects.create(name="Сезон 2025/26", starts_on="2025-09-01", ends_on="2026-05-31")

    seasons = client.get("/api/v2/seasons/").json()["items"]
    regions = client.get("/api/v2/regions/", {"code": "77"}).json()

    assert [(s["name"], s["is_current"]) for s in seasons] == [("Сезон 2026/27", True), ("Сезон 2025/26", False)]
    assert regions["meta"]["total_count"] == 1
    assert regions["items"][0]["name"] == "Москва"
    assert client.get("/api/v2/regions/", {"limit": 100}).json()["meta"]["total_count"] == 89


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"colour": "red"}, "Неизвестный параметр"),
        ({"type": "cms.NoSuchPage"}, "Такого типа страниц нет"),
        ({"type": "cms.MasterclassPage", "direction": "nope"}, "Направление «nope» не найдено"),
        ({"type": "cms.MasterclassPage", "season": "last"}, "Сезон «last» не найден"),
        ({"limit": 1000}, "не больше 100"),
    ],
)
def test_bad_queries_get_a_400_in_russian(client, vocal_tree, params, fragment):
    response = client.get("/api/v2/pages/", params)
    assert response.status_code == 400
    assert fragment in response.json()["message"]


def test_mentors_group_exists_for_api_consumers_to_rely_on():
    assert Group.objects.filter(name="Mentors").exists()
