"""A foundation coordinator reaches another foundation's beneficiaries and transfers through no
admin view: lists, choosers, edit, copy, delete, history, usage, inspect, bulk actions and the
site history all answer as if they did not exist."""

import datetime
import json

import pytest
from django.contrib.auth.models import Group
from wagtail.log_actions import log

from engagement import services
from engagement.models import Beneficiary, FoundationCoordinator, Transfer

SECRET = "болезнь Гоше"  # another foundation's child's diagnosis


@pytest.fixture(autouse=True)
def cheap_passwords(fast_password_hashing):
    """A dozen accounts per test; PBKDF2 is not what is tested here."""


@pytest.fixture
def world(make_user, make_foundation, make_beneficiary, make_campaign, make_work):
    campaign = make_campaign(cap=10_000_00)
    for i in range(10):
        services.record_action("like", make_user(), make_work(), f"raise:{i}")
    group = Group.objects.get(name="Foundation coordinators")
    people, children, transfers = {}, {}, {}
    for key, title, child_name in (("own", "Фонд «Свои»", "Миша"), ("other", "Фонд «Чужие»", "Петя")):
        user = make_user(f"координатор-{key}")
        user.groups.add(group)
        foundation = make_foundation(title)
        FoundationCoordinator.objects.create(user=user, foundation=foundation)
        child = make_beneficiary(foundation, child_name, diagnosis=SECRET if key == "other" else "астма")
        transfer = Transfer(
            campaign=campaign,
            foundation=foundation,
            beneficiary=child,
            amount=123 if key == "own" else 456,
            transferred_on=datetime.date(2026, 11, 20),
            payment_reference=f"п/п {key}",
        )
        services.save_transfer(transfer)
        log(child, "wagtail.create", user=user)
        log(transfer, "wagtail.create", user=user)
        people[key], children[key], transfers[key] = user, child, transfer
    return people, children, transfers


RECORD_VIEWS = ["edit", "copy", "delete", "usage", "history", "history-results", "inspect"]


@pytest.mark.django_db
@pytest.mark.parametrize("model", ["beneficiary", "transfer"])
@pytest.mark.parametrize("view", RECORD_VIEWS)
def test_every_view_of_another_foundations_record_is_a_404(client, world, model, view):
    people, children, transfers = world
    record = {"beneficiary": children, "transfer": transfers}[model]
    client.force_login(people["own"])
    theirs = client.get(f"/admin/snippets/engagement/{model}/{view}/{record['other'].pk}/")
    assert theirs.status_code == 404
    assert "Петя" not in theirs.content.decode() and SECRET not in theirs.content.decode()
    own = client.get(f"/admin/snippets/engagement/{model}/{view}/{record['own'].pk}/")
    # Coordinators may not delete (a redirect with a message); inspect is not enabled for these snippets.
    expected = {"delete": 302, "inspect": 404}.get(view, 200)
    assert own.status_code == expected


@pytest.mark.django_db
def test_posting_to_another_foundations_record_changes_nothing(client, world):
    people, children, transfers = world
    client.force_login(people["own"])
    petya = children["other"]
    assert client.post(f"/admin/snippets/engagement/beneficiary/delete/{petya.pk}/").status_code == 404
    assert client.post(f"/admin/snippets/engagement/transfer/delete/{transfers['other'].pk}/").status_code == 404
    edit = client.post(f"/admin/snippets/engagement/beneficiary/edit/{petya.pk}/", {"first_name": "Взломано"})
    assert edit.status_code == 404
    assert Beneficiary.objects.get(pk=petya.pk).first_name == "Петя"
    assert Transfer.objects.count() == 2
    bulk = client.post(f"/admin/bulk/engagement/beneficiary/delete/?id={petya.pk}")
    assert bulk.status_code in (302, 403, 404)
    assert Beneficiary.objects.filter(pk=petya.pk).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("model", ["beneficiary", "transfer"])
def test_lists_and_choosers_show_only_the_own_foundation(client, world, model):
    people, children, transfers = world
    record = {"beneficiary": children, "transfer": transfers}[model]
    client.force_login(people["own"])
    pages = [
        f"/admin/snippets/engagement/{model}/",
        f"/admin/snippets/engagement/{model}/results/",
        f"/admin/snippets/choose/engagement/{model}/",
        f"/admin/snippets/choose/engagement/{model}/results/",
        f"/admin/snippets/choose/engagement/{model}/chosen-multiple/?id={record['other'].pk}&id={record['own'].pk}",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        if response["Content-Type"] == "application/json":  # the chooser's modal steps
            html = json.dumps(response.json(), ensure_ascii=False)
        assert "Миша" in html, url
        assert "Петя" not in html and SECRET not in html and "4.56" not in html, url
    assert client.get(f"/admin/snippets/choose/engagement/{model}/chosen/{record['other'].pk}/").status_code == 404
    assert client.get(f"/admin/snippets/choose/engagement/{model}/chosen/{record['own'].pk}/").status_code == 200
    assert client.get(f"/admin/snippets/choose/engagement/{model}/chosen/abc/").status_code == 404


@pytest.mark.django_db
def test_the_site_history_shows_a_coordinator_only_their_own_foundations_records(client, world, make_user):
    people, _, _ = world
    client.force_login(people["own"])
    html = client.get("/admin/reports/site-history/").content.decode()
    assert "Миша" in html
    assert "Петя" not in html
    editor = make_user("редактор")
    editor.groups.add(Group.objects.get(name="Editors"))
    client.force_login(editor)
    html = client.get("/admin/reports/site-history/").content.decode()
    assert "Миша" in html and "Петя" in html


@pytest.mark.django_db
def test_the_site_history_of_three_log_models_is_a_query_sqlite_accepts(rf, world, make_user):
    """Pages, models and the foundations' own log: Wagtail nests one union in another, and SQLite (the
    database of `make run`) refused the inner one's ORDER BY, so the report answered 500 there."""
    from django.db.utils import ConnectionHandler  # noqa: PLC0415

    from engagement.admin_views import SiteHistoryView  # noqa: PLC0415

    editor = make_user("редактор")
    editor.groups.add(Group.objects.get(name="Editors"))
    request = rf.get("/admin/reports/site-history/")
    request.user = editor
    view = SiteHistoryView()
    view.setup(request)
    queryset = view.get_filtered_queryset()
    assert queryset.query.combined_queries[0].combinator == "union"  # three log models: nested
    sqlite = ConnectionHandler({"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}})["default"]
    sql, _ = queryset.query.get_compiler(connection=sqlite).as_sql()
    assert sql.count("ORDER BY") == 1  # the report's own, over the whole
