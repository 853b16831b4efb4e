"""The way through the lessons: «Начать учиться» leads to them, each lesson shows its length and
leads on to the next, a masterclass offers to continue where the student stopped, the gallery sorts
by likes, and the registration form suggests towns."""

import pytest

from tests.factories import add_child, png_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_lessons(season_tree):
    from cms.models import LessonPage
    from media_pipeline.models import VideoAsset

    first = season_tree["lesson"]
    first.video = VideoAsset.objects.create(title="Дыхание", duration=754.0)
    first.save_revision().publish()
    second = add_child(season_tree["masterclass"], LessonPage(title="Урок 2: опора", slug="lesson-2", summary="Опора."))
    return first, second


def test_a_lesson_shows_its_length_and_leads_to_the_next(client, two_lessons):
    first, second = two_lessons
    page = client.get(first.url).content.decode()
    assert "Урок 1 из 2" in page
    assert "13\u00a0мин" in page, "754 s of video, rounded to minutes"
    assert f'href="{second.url}" rel="next">Следующий урок: Урок 2: опора' in page

    last = client.get(second.url).content.decode()
    assert "Урок 2 из 2" in last
    assert f'href="{first.url}" rel="prev"' in last
    assert "Все уроки мастер-класса" in last and 'rel="next"' not in last


def test_the_masterclass_offers_to_continue_where_the_student_stopped(client, two_lessons, make_student):
    from learning import services as learning

    first, second = two_lessons
    masterclass = first.get_parent()
    assert "Начать с урока 1" in client.get(masterclass.url).content.decode()

    student = make_student()
    for start in range(0, 754, 30):  # the player reports every few seconds
        end = min(start + 30, 754)
        learning.record_progress(student, first.specific, position=end, start=start, end=end, duration=754)
    client.force_login(student.user)
    page = client.get(masterclass.url).content.decode()
    assert f'href="{second.url}">Продолжить: урок 2 «Урок 2: опора»' in page


def test_start_learning_leads_a_newcomer_to_the_lessons_not_to_registration(client, season_tree):
    home = client.get("/").content.decode()
    directions = season_tree["direction"].get_parent().url
    assert f'<a class="button" href="{directions}">Начать учиться</a>' in home
    assert 'href="/cabinet/register/">Начать учиться' not in home


def test_the_gallery_sorts_by_likes(client, public_work, make_student, assignment, moderator, visitor):
    from learning import services as learning

    newer = learning.submit_work(make_student(email="b@example.ru"), assignment, title="Новая", files=[png_upload()])
    learning.approve_submission(newer, moderator)
    learning.set_like(visitor, public_work, True)

    newest_first = client.get("/gallery/").content.decode()
    assert newest_first.index("Новая") < newest_first.index(public_work.title)
    liked_first = client.get("/gallery/", {"ordering": "popular"}).content.decode()
    assert liked_first.index(public_work.title) < liked_first.index("Новая")
    assert '<option value="popular" selected>Больше лайков</option>' in liked_first


def test_registration_suggests_towns_from_the_settlements_api(client, season_tree):
    from cms.models import Region

    page = client.get("/cabinet/register/").content.decode()
    assert 'list="town-options"' in page and '<datalist id="town-options">' in page
    assert 'data-settlements-url="/api/settlements/"' in page
    assert "site_theme/js/town.js" in page
    region = Region.objects.order_by("name").first()
    assert f'data-code="{region.code}"' in page


def test_the_gallery_pager_keeps_the_sort_and_filters(client, public_work, moderator, make_student, monkeypatch):
    from learning import services as learning
    from site_theme import views

    monkeypatch.setattr(views, "GALLERY_PAGE_SIZE", 1)
    author = make_student(email="vtoraya@example.ru")
    other = learning.submit_work(author, public_work.assignment, title="Вторая", files=[png_upload()])
    learning.approve_submission(other, moderator)
    direction = public_work.assignment.direction.slug
    page = client.get("/gallery/", {"ordering": "popular", "direction": direction}).content.decode()
    assert f"?direction={direction}&amp;ordering=popular&amp;page=2" in page
