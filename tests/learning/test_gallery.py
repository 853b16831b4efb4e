import pytest
from django.contrib.contenttypes.models import ContentType
from django.db.models import Sum

from engagement.models import LedgerEntry
from learning import services
from learning.models import Submission
from tests.factories import image_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(student, assignment, moderator, campaign):
    work = services.submit_work(student, assignment, title="Песня о лете", files=[image_upload()])
    return services.approve_submission(work, moderator)


def like_total(work):
    return (
        LedgerEntry.objects.filter(
            kind="like", target_type=ContentType.objects.get_for_model(Submission), target_id=work.pk
        ).aggregate(total=Sum("amount"))["total"]
        or 0
    )


def test_gallery_shows_only_public_fields_of_the_child(published, client_for):
    body = client_for().get("/api/gallery/").json()
    item = body["results"][0]
    assert item["author"] == {"first_name": "Аня", "surname_initial": "К", "age": 12, "region": "Нижегородская область"}
    text = str(body)
    for private in ["Колесникова", "Выкса", "anya@example.org", "parent.anya", "52000"]:
        assert private not in text


def test_gallery_filters_and_orders_by_likes(published, make_student, assignment, moderator, client_for, make_user):
    older = make_student(email="lev@example.org", first_name="Лев", surname="Ершов", age=15, region="77", town="Москва")
    second = services.approve_submission(services.submit_work(older, assignment, title="Ария", text="Ноты"), moderator)
    services.set_like(make_user("fan"), published, True)
    anonymous = client_for()
    assert [w["id"] for w in anonymous.get("/api/gallery/").json()["results"]] == [second.pk, published.pk]
    popular = anonymous.get("/api/gallery/?ordering=popular").json()["results"]
    assert [w["id"] for w in popular] == [published.pk, second.pk]
    assert [w["id"] for w in anonymous.get("/api/gallery/?region=77").json()["results"]] == [second.pk]
    assert [w["id"] for w in anonymous.get("/api/gallery/?age_band=10-13").json()["results"]] == [published.pk]
    assert anonymous.get("/api/gallery/?direction=vocal").json()["count"] == 2
    assert anonymous.get("/api/gallery/?direction=painting").json()["count"] == 0
    assert anonymous.get(f"/api/gallery/?season={assignment.season_id}").json()["count"] == 2


def test_like_and_unlike_move_the_ledger_by_one_rouble_at_most(published, client_for, make_user, campaign):
    fan = make_user("fan")
    client = client_for(fan)
    url = f"/api/gallery/{published.pk}/like/"
    liked = {"liked": True, "like_count": 1, "message": "Спасибо! Ваш лайк — рубль на лечение детей."}
    assert client.post(url).json() == liked
    assert client.post(url).json() == liked, "liking twice counts once"
    assert like_total(published) == campaign.rate_like
    assert client.get(f"/api/gallery/{published.pk}/").json()["liked"] is True
    assert client.delete(url).json() == {"liked": False, "like_count": 0, "message": "Лайк снят."}
    assert like_total(published) == 0
    client.post(url)
    assert like_total(published) == campaign.rate_like
    assert services.raised_by(fan) == campaign.rate_like


def test_anonymous_visitors_cannot_like(published, client_for):
    assert client_for().post(f"/api/gallery/{published.pk}/like/").status_code == 403


def test_own_work_cannot_be_liked(published, client_for):
    response = client_for(published.student.user).post(f"/api/gallery/{published.pk}/like/")
    assert response.status_code == 403
    assert like_total(published) == 0


def test_each_work_has_a_vk_share_link(published, client_for):
    item = client_for().get(f"/api/gallery/{published.pk}/").json()
    assert item["share_url"].startswith("https://vk.com/share.php?url=http")
    assert f"%2Fgallery%2F{published.pk}%2F" in item["share_url"]


def test_gallery_list_queries_do_not_grow_with_the_page(
    published, make_student, assignment, moderator, client_for, make_user, django_assert_max_num_queries
):
    for n in range(6):
        kid = make_student(email=f"kid{n}@example.org", first_name=f"Ребёнок{n}", age=15)
        work = services.submit_work(kid, assignment, title=f"Работа {n}", files=[image_upload()])
        services.approve_submission(work, moderator)
    client = client_for(make_user("viewer"))
    with django_assert_max_num_queries(6):
        response = client.get("/api/gallery/")
    assert response.json()["count"] == 7
