"""A moderator voids every action of a fraudulent account in one step."""

from django.contrib.auth.models import Group

from engagement import services
from engagement.models import LedgerEntry


def test_voiding_an_account_writes_compensations_and_removes_its_money(campaign, make_user, make_work):
    cheat, honest = make_user(), make_user()
    for _ in range(3):
        services.set_like(cheat, make_work(), True)
    services.record_action("like", honest, make_work(), "honest:1")
    assert services.void_account(cheat, "накрутка") == 3
    assert services.void_account(cheat, "повтор") == 0
    assert services.raised_by(cheat) == 0 and services.raised_by(honest) == 100
    assert services.counter(campaign)["raised_kopecks"] == 100
    assert LedgerEntry.objects.filter(reason="аннулировано: накрутка").count() == 3
    assert all(balance.balanced for balance in services.reconcile())


def test_a_moderator_voids_an_account_from_the_admin(client, campaign, make_user, make_work):
    moderator, cheat = make_user("модератор"), make_user("накрутчик")
    moderator.groups.add(Group.objects.get(name="Moderators"))
    services.set_like(cheat, make_work(), True)
    client.force_login(moderator)
    assert client.get("/admin/engagement/void-account/").status_code == 200
    response = client.post("/admin/engagement/void-account/", {"username": "накрутчик", "reason": "боты"})
    assert response.status_code == 302
    assert services.raised_by(cheat) == 0


def test_the_void_form_explains_what_is_missing(client, campaign, make_user):
    moderator = make_user("модератор2")
    moderator.groups.add(Group.objects.get(name="Moderators"))
    client.force_login(moderator)
    response = client.post("/admin/engagement/void-account/", {"username": "нет-такого", "reason": "боты"})
    assert "Аккаунта с логином «нет-такого» нет." in response.content.decode()


def test_only_moderators_may_void(client, campaign, make_user):
    editor = make_user("редактор")
    editor.groups.add(Group.objects.get(name="Editors"))
    client.force_login(editor)
    response = client.get("/admin/engagement/void-account/")
    assert response.status_code == 302 and response["Location"] == "/admin/"  # Wagtail's "no permission"
