"""The gallery shows only what moderators approved, with filters; a like counts once and is worth
a rouble on the counter."""

import datetime

import pytest

from tests.factories import add_child, png_upload


@pytest.mark.django_db
def test_visitor_likes_a_work_and_the_counter_goes_up_by_a_rouble(client, public_work, visitor):
    from engagement import services as engagement

    before = engagement.counter()["raised_kopecks"]
    client.force_login(visitor)
    response = client.post(f"/gallery/{public_work.pk}/like/", {"action": "like"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 200, response.content.decode()
    assert response.json() == {
        "liked": True,
        "likes": 1,
        "likes_word": "лайк",
        "message": "Спасибо! Ваш лайк — рубль на лечение детей.",
    }
    assert engagement.counter()["raised_kopecks"] == before + 100


@pytest.mark.django_db
def test_gallery_shows_approved_works_with_first_name_and_initial_only(client, public_work, assignment, make_student):
    from learning import services as learning

    waiting = make_student(email="boris@example.ru", first_name="Боря", surname="Лебедев")
    learning.submit_work(waiting, assignment, title="Ещё не проверена", files=[png_upload()])

    page = client.get("/gallery/").content.decode()

    assert "Обложка для песни" in page
    assert "Аня К." in page and "Кузнецова" not in page
    assert "Ещё не проверена" not in page
    work_page = client.get(f"/gallery/{public_work.pk}/").content.decode()
    assert "Кузнецова" not in work_page and "Кириллов" not in work_page
    assert "https://vk.com/share.php?" in work_page


@pytest.mark.django_db
def test_a_work_waiting_for_moderation_has_no_public_page(client, assignment, make_student):
    from learning import services as learning

    work = learning.submit_work(make_student(), assignment, title="Черновик", files=[png_upload()])
    assert client.get(f"/gallery/{work.pk}/").status_code == 404


@pytest.mark.django_db
def test_gallery_filters_by_direction(client, public_work):
    assert "Обложка для песни" in client.get("/gallery/?direction=vocal").content.decode()
    assert "Обложка для песни" not in client.get("/gallery/?direction=robotics").content.decode()


@pytest.mark.django_db
def test_gallery_query_count_does_not_grow_with_the_works(
    client, public_work, assignment, make_student, moderator, django_assert_max_num_queries
):
    from learning import services as learning
    from learning.models import Assignment

    for number in range(6):
        other = Assignment.objects.get(pk=assignment.pk)
        other.pk = None
        other.title = f"Задание {number}"
        other.save()
        work = learning.submit_work(public_work.student, other, title=f"Работа {number}", files=[png_upload()])
        learning.approve_submission(work, moderator)
    client.get("/gallery/")  # warm the menu cache
    with django_assert_max_num_queries(14):
        page = client.get("/gallery/").content.decode()
    assert page.count('class="card"') == 7


@pytest.mark.django_db
def test_a_visitor_who_is_not_signed_in_is_asked_to_sign_in_to_like(client, public_work):
    response = client.post(f"/gallery/{public_work.pk}/like/", {"action": "like"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 401
    assert "Войдите" in response.json()["detail"]


@pytest.mark.django_db
def test_the_anonymous_like_button_leads_to_a_login_page_that_says_why(client, public_work):
    work_page = client.get(f"/gallery/{public_work.pk}/").content.decode()
    link = f"/cabinet/login/?next=/gallery/{public_work.pk}/&amp;why=like"
    assert f'href="{link}"' in work_page
    login = client.get(link.replace("&amp;", "&")).content.decode()
    assert "Войдите, чтобы поддержать работу — это бесплатно, а каждый лайк — рубль на лечение" in login
    assert f'name="next" value="/gallery/{public_work.pk}/"' in login
    plain = client.get("/cabinet/login/?next=/cabinet/&why=<script>").content.decode()
    assert "поддержать работу" not in plain and "<script>" not in plain


@pytest.mark.django_db
def test_likes_from_one_address_are_limited_on_the_site_as_in_the_api(client, public_work, visitor, settings):
    from django.contrib.auth import get_user_model

    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**rates, "like": "100/min", "like_ip": "1/min"},
    }
    neighbour = get_user_model().objects.create_user("sosed@example.ru", "sosed@example.ru", "x")
    answers = []
    for person in (visitor, neighbour):  # two accounts behind one address
        client.force_login(person)
        answers.append(
            client.post(
                f"/gallery/{public_work.pk}/like/",
                {"action": "like"},
                HTTP_ACCEPT="application/json",
                REMOTE_ADDR="203.0.113.7",
            )
        )
    assert answers[0].status_code == 200
    assert answers[1].status_code == 429
    assert "Слишком много лайков" in answers[1].json()["detail"]


@pytest.mark.django_db
def test_one_like_is_one_лайк_not_лайков(client, public_work, visitor):
    assert "<span data-like-word>лайков</span>" in client.get(f"/gallery/{public_work.pk}/").content.decode()
    client.force_login(visitor)
    client.post(f"/gallery/{public_work.pk}/like/", {"action": "like"})
    page = client.get(f"/gallery/{public_work.pk}/").content.decode()
    assert "<strong data-like-count>1</strong> <span data-like-word>лайк</span>" in page
    assert '1<span class="visually-hidden"> лайк</span>' in client.get("/gallery/").content.decode()


@pytest.mark.django_db
def test_transparency_says_1_ребёнок_получил_помощь(client, public_work):
    from cms.models import PartnerIndexPage, PartnerPage, Region
    from engagement import services as engagement
    from engagement.models import Beneficiary, Campaign, Transfer

    partners = (
        public_work.assignment.direction.get_parent()
        .get_parent()
        .add_child(instance=PartnerIndexPage(title="Партнёры", slug="partners"))
    )
    foundation = partners.add_child(instance=PartnerPage(title="Фонд", kind="foundation", description="<p>.</p>"))
    child = Beneficiary.objects.create(
        foundation=foundation, first_name="Миша", age=8, region=Region.objects.first(), diagnosis="порок сердца",
        amount_needed=100_00, verified_on=datetime.date(2026, 10, 1), consent_to_publish=True,
    )  # fmt: skip
    engagement.save_transfer(
        Transfer(
            campaign=Campaign.objects.get(), foundation=foundation, beneficiary=child, amount=100,
            transferred_on=datetime.date(2026, 11, 20), payment_reference="п/п 1",
        )
    )  # fmt: skip
    page = client.get("/transparency/").content.decode()
    assert "1</strong> ребёнок получил помощь" in page
    assert "детей получили помощь" not in page
    assert "1</strong> доброе дело засчитано" in page  # the approved work


@pytest.mark.django_db
def test_an_event_counts_its_people_in_russian_plurals(client, season_tree):
    from django.utils import timezone

    from cms.models import EventIndexPage, EventPage, Region

    events = add_child(season_tree["home"], EventIndexPage(title="События", slug="events"))
    start = timezone.now() - datetime.timedelta(days=3)
    event = add_child(
        events,
        EventPage(
            title="Фестиваль", slug="fest", starts_at=start, ends_at=start + datetime.timedelta(hours=3),
            region=Region.objects.first(), town="Казань", venue="Дворец", attendance=21, volunteers=3,
            description="<p>Песни и танцы.</p>",
        ),
    )  # fmt: skip
    assert "21 участник, 3 волонтёра" in client.get(event.url).content.decode()
