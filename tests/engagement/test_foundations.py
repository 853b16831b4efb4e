"""Foundations' beneficiaries and transfers, the transparency API and coordinators' admin."""

import datetime

import pytest
from django.contrib.auth.models import Group

from config.errors import ServiceError
from engagement import services
from engagement.models import FoundationCoordinator, Transfer


@pytest.fixture
def raised_campaign(make_campaign, make_user, make_work):
    campaign = make_campaign(cap=10_000_00)
    for i in range(10):
        services.record_action("like", make_user(), make_work(), f"raise:{i}")
    return campaign  # 10 roubles raised


def transfer(campaign, beneficiary, amount, reference="п/п 1"):
    return Transfer(
        campaign=campaign,
        foundation=beneficiary.foundation,
        beneficiary=beneficiary,
        amount=amount,
        transferred_on=datetime.date(2026, 11, 20),
        payment_reference=reference,
    )


def test_transfers_never_exceed_what_the_campaign_raised(raised_campaign, make_foundation, make_beneficiary):
    child = make_beneficiary(make_foundation())
    services.save_transfer(transfer(raised_campaign, child, 600, "п/п 1"))
    with pytest.raises(ServiceError, match="собрано 10\u00a0₽, уже переведено 6\u00a0₽, доступно 4\u00a0₽") as refusal:
        services.save_transfer(transfer(raised_campaign, child, 500, "п/п 2"))
    assert (refusal.value.code, refusal.value.field) == ("transfer_exceeds_raised", "amount")
    services.save_transfer(transfer(raised_campaign, child, 400, "п/п 3"))
    assert Transfer.objects.count() == 2
    assert services.counter(raised_campaign)["children_helped"] == 1


def test_a_transfer_pays_only_a_beneficiary_of_its_foundation(raised_campaign, make_foundation, make_beneficiary):
    child = make_beneficiary(make_foundation("Фонд «Солнце»"))
    wrong = transfer(raised_campaign, child, 100)
    wrong.foundation = make_foundation("Фонд «Ветер»")
    with pytest.raises(ServiceError, match="другому фонду") as refusal:
        services.save_transfer(wrong)
    assert (refusal.value.code, refusal.value.field) == ("beneficiary_of_other_foundation", "beneficiary")


def test_transparency_shows_only_consented_verified_children_with_public_fields(
    client, raised_campaign, make_foundation, make_beneficiary
):
    foundation = make_foundation()
    public = make_beneficiary(foundation, "Аня", age=7)
    hidden = make_beneficiary(foundation, "Боря", consent=False)
    unverified = make_beneficiary(foundation, "Вера", verified=False)
    services.save_transfer(transfer(raised_campaign, public, 300, "1"))
    services.save_transfer(transfer(raised_campaign, hidden, 200, "2"))
    services.save_transfer(transfer(raised_campaign, unverified, 100, "3"))
    season = client.get("/api/engagement/transparency/").json()["seasons"][0]
    assert season["raised_kopecks"] == 1000 and season["transferred_kopecks"] == 600
    assert season["children_helped"] == 3
    assert [child["first_name"] for child in season["beneficiaries"]] == ["Аня"]
    assert set(season["beneficiaries"][0]) == {
        "first_name",
        "age",
        "region",
        "diagnosis",
        "foundation",
        "amount_needed_kopecks",
        "received_kopecks",
    }
    assert season["beneficiaries"][0]["received_kopecks"] == 300


@pytest.fixture
def coordinator(make_user, make_foundation):
    user = make_user("координатор")
    user.groups.add(Group.objects.get(name="Foundation coordinators"))
    foundation = make_foundation("Фонд «Свои»")
    FoundationCoordinator.objects.create(user=user, foundation=foundation)
    return user, foundation


def test_a_coordinator_sees_and_edits_only_their_own_foundations_children(
    client, coordinator, make_foundation, make_beneficiary
):
    user, own = coordinator
    mine = make_beneficiary(own, "Миша")
    theirs = make_beneficiary(make_foundation("Фонд «Чужие»"), "Петя")
    client.force_login(user)
    listing = client.get("/admin/snippets/engagement/beneficiary/")
    assert listing.status_code == 200
    assert "Миша" in listing.content.decode() and "Петя" not in listing.content.decode()
    assert client.get(f"/admin/snippets/engagement/beneficiary/edit/{mine.pk}/").status_code == 200
    assert client.get(f"/admin/snippets/engagement/beneficiary/edit/{theirs.pk}/").status_code == 404


def test_a_coordinator_records_a_transfer_in_the_admin_within_what_was_raised(
    client, coordinator, raised_campaign, make_beneficiary
):
    user, own = coordinator
    child = make_beneficiary(own, "Миша")
    client.force_login(user)
    form = {
        "campaign": raised_campaign.pk,
        "foundation": own.pk,
        "beneficiary": child.pk,
        "transferred_on": "2026-11-20",
        "payment_reference": "п/п 77",
    }
    too_much = client.post("/admin/snippets/engagement/transfer/add/", {**form, "amount": "50"})
    assert too_much.status_code == 200 and "Перевод больше, чем осталось" in too_much.content.decode()
    assert Transfer.objects.count() == 0
    ok = client.post("/admin/snippets/engagement/transfer/add/", {**form, "amount": "7"})
    assert ok.status_code == 302
    assert Transfer.objects.get().amount == 700


@pytest.fixture
def rich_campaign(make_campaign, make_user, make_work):
    campaign = make_campaign(cap=10_000_000_00, rate_like=1000_00)
    for i in range(3):
        services.record_action("like", make_user(), make_work(), f"rich:{i}")
    return campaign  # 3 000 roubles raised


def test_a_coordinator_types_the_transfer_in_roubles(client, coordinator, rich_campaign, make_beneficiary):
    user, own = coordinator
    child = make_beneficiary(own, "Миша")
    client.force_login(user)
    form_page = client.get("/admin/snippets/engagement/transfer/add/").content.decode()
    assert "Сумма перевода, ₽" in form_page and "коп." not in form_page
    form = {
        "campaign": rich_campaign.pk,
        "foundation": own.pk,
        "beneficiary": child.pk,
        "transferred_on": "2026-11-20",
        "payment_reference": "п/п 78",
    }
    for typed, error in [
        ("полторы тысячи", "Введите сумму в рублях числом"),
        ("1500,555", "не больше двух знаков"),
        ("-5", "больше нуля"),
        ("0", "больше нуля"),
        ("1e40", "больше миллиарда"),
    ]:
        page = client.post("/admin/snippets/engagement/transfer/add/", {**form, "amount": typed})
        assert page.status_code == 200 and error in page.content.decode(), typed
    assert Transfer.objects.count() == 0

    ok = client.post("/admin/snippets/engagement/transfer/add/", {**form, "amount": "1500"})
    assert ok.status_code == 302
    transfer = Transfer.objects.get()
    assert transfer.amount == 150000
    assert "1\u00a0500\u00a0₽" in client.get("/admin/snippets/engagement/transfer/").content.decode()
    edit = client.get(f"/admin/snippets/engagement/transfer/edit/{transfer.pk}/").content.decode()
    assert 'value="1500"' in edit

    client.post(f"/admin/snippets/engagement/transfer/edit/{transfer.pk}/", {**form, "amount": "1 200,50 ₽"})
    transfer.refresh_from_db()
    assert transfer.amount == 120050


def test_the_coordinators_admin_reads_in_russian(client, coordinator, rich_campaign, make_beneficiary, make_user):
    """Consent as «да»/«нет», a transfer named with its amount in roubles and its date in words, the
    save messages in the right gender, the campaign's budget in roubles."""
    user, own = coordinator
    make_beneficiary(own, "Ксения", consent=True)
    make_beneficiary(own, "Глеб", consent=False)
    client.force_login(user)
    listing = client.get("/admin/snippets/engagement/beneficiary/").content.decode()
    cells = "".join(listing.split())
    assert ">да<" in cells and ">нет<" in cells and ">True<" not in cells
    assert "Добавить запись о подопечном" in listing
    child = own.beneficiaries.get(first_name="Ксения")
    form = {
        "campaign": rich_campaign.pk,
        "foundation": own.pk,
        "beneficiary": child.pk,
        "transferred_on": "2026-12-06",
        "payment_reference": "п/п 79",
        "amount": "5",
    }
    page = client.post("/admin/snippets/engagement/transfer/add/", form, follow=True).content.decode()
    assert "Перевод «5\u00a0₽ → Ксения, 6 декабря 2026» создан." in page
    assert "создана" not in page and "5.00" not in page
    transfer = Transfer.objects.get()
    page = client.post(
        f"/admin/snippets/engagement/transfer/edit/{transfer.pk}/", {**form, "amount": "5,50"}, follow=True
    ).content.decode()
    assert "Перевод «5,50\u00a0₽ → Ксения, 6 декабря 2026» сохранён." in page

    editor = make_user("редактор")
    editor.groups.add(Group.objects.get(name="Editors"))
    client.force_login(editor)
    campaigns = client.get("/admin/snippets/engagement/campaign/").content.decode()
    assert "10\u00a0000\u00a0000\u00a0₽" in campaigns and "1000000000" not in campaigns
