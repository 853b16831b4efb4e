"""Seating the jury in the admin: only adults can be chosen (children's accounts and emails never
appear), found by a search; a juror's list holds only contests still being judged."""

import datetime

import pytest
from django.utils import timezone

from cms.models import Season
from learning import services
from learning.models import JuryMember
from tests.factories import image_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(make_user):
    return make_user("editor", group="Editors", first_name="Ольга", last_name="Редакторова")


def test_the_seat_form_offers_a_search_of_adults_not_a_dropdown_of_every_account(
    client, editor, make_user, make_student
):
    make_user("vera", first_name="Вера", last_name="Звонкова")
    make_student(email="child.kid@example.org", first_name="Аня", surname="Колесникова", age=15)
    client.force_login(editor)

    form = client.get("/admin/snippets/learning/jurymember/add/").content.decode()
    assert "child.kid@example.org" not in form and "vera@example.org" not in form, "no list of accounts"
    assert "/admin/learning/jury-adults/" in form, "a chooser with a search"

    everyone = client.get("/admin/learning/jury-adults/results/").content.decode()
    assert "vera@example.org" in everyone and "editor@example.org" in everyone
    assert "child.kid@example.org" not in everyone and "Колесникова" not in everyone

    found = client.get("/admin/learning/jury-adults/results/", {"q": "звонк"}).content.decode()
    assert "vera@example.org" in found and "editor@example.org" not in found
    assert (
        "child.kid@example.org"
        not in client.get("/admin/learning/jury-adults/results/", {"q": "child"}).content.decode()
    )


def test_a_childs_account_cannot_be_seated_even_by_a_hand_made_post(
    client, editor, make_student, direction, season, make_user
):
    kid = make_student(email="child.kid@example.org", age=15)
    client.force_login(editor)
    assert client.get(f"/admin/learning/jury-adults/chosen/{kid.user_id}/").status_code == 404
    data = {"user": kid.user_id, "direction": direction.pk, "season": season.pk, "role": "juror"}
    page = client.post("/admin/snippets/learning/jurymember/add/", data)
    assert page.status_code == 200
    assert "в жюри могут быть только взрослые" in page.content.decode()
    assert not JuryMember.objects.exists()

    adult = make_user("vera")
    chosen = client.get(f"/admin/learning/jury-adults/chosen/{adult.pk}/")
    assert chosen.status_code == 200
    ok = client.post("/admin/snippets/learning/jurymember/add/", {**data, "user": adult.pk})
    assert ok.status_code == 302
    assert JuryMember.objects.get().user == adult


def test_last_seasons_shortlist_leaves_the_jurys_list(
    client, make_student, make_assignment, direction, season, make_user, client_for, campaign
):
    moderator = make_user("moderator", group="Moderators")
    today = timezone.localdate()
    last = Season.objects.create(
        name="Сезон 2025/26",
        starts_on=today - datetime.timedelta(days=400),
        ends_on=today - datetime.timedelta(days=30),
    )
    old = make_assignment(title="Прошлое задание", season=last)
    current = make_assignment(title="Нынешнее задание")
    juror = make_user("juror")
    for seat_season in (last, season):  # the same juror sat last season too
        JuryMember.objects.create(user=juror, direction=direction, season=seat_season)
    works = {}
    for n, assignment in enumerate([old, current]):
        kid = make_student(email=f"kid{n}@example.org", age=12)
        work = services.submit_work(kid, assignment, title=f"Работа {n}", files=[image_upload()])
        works[assignment.title] = services.shortlist_submission(services.approve_submission(work, moderator), moderator)

    codes = [row["code"] for row in client_for(juror).get("/api/jury/works/").json()["results"]]
    assert codes == [works["Нынешнее задание"].jury_code]
    client.force_login(juror)
    admin_list = client.get("/admin/learning/jury/").content.decode()
    assert works["Нынешнее задание"].jury_code in admin_list
    assert works["Прошлое задание"].jury_code not in admin_list
    assert client_for(juror).get(f"/api/jury/works/{works['Прошлое задание'].jury_code}/").status_code == 404
