"""The guardian's cabinet on the site: one account sees each child (lessons, works with the
moderator's reason and the jury's comment, what the child raised), withdraws and gives consent with a
confirmation, downloads or deletes the child's data and adds a second child; another family's child
is a 404; the child's own cabinet names the guardian by a masked email."""

import json

import pytest

from cms.models import Region
from learning import services as learning
from learning.models import Score
from site_theme.templatetags.site_theme_tags import masked_email
from tests import factories
from tests.factories import PASSWORD, birth_date_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def family(assignment, moderator, campaign, season_tree):
    """A guardian with two children: Аня (12, a published work the jury commented) and Лиза (9, a
    rejected work), added from the cabinet."""
    anya = factories.make_student("anya@example.ru", "Аня", "Кузнецова", 12, region="52", town="Кириллов")
    guardian = anya.guardian
    liza = learning.add_child(
        guardian,
        email="liza@example.ru",
        password=PASSWORD,
        first_name="Лиза",
        surname="Кузнецова",
        birth_date=birth_date_for(9),
        region=None,
        town="Кириллов",
        ip="10.1.1.1",
    )
    published = learning.approve_submission(
        learning.submit_work(anya, assignment, title="Обложка", files=[factories.png_upload()]), moderator
    )
    Score.objects.create(juror=moderator, submission=published, points={}, total=0, comment="Смелые цвета!")
    rejected = learning.submit_work(liza, assignment, title="Двор", files=[factories.png_upload()])
    learning.reject_submission(rejected, moderator, "На рисунке виден номер дома — уберите его.")
    learning.record_progress(anya, season_tree["lesson"], position=5, start=0, end=5, duration=60)
    return {"guardian": guardian, "anya": anya, "liza": liza, "published": published}


def test_the_guardian_sees_both_children_and_each_ones_lessons_works_reasons_and_comments(client, family):
    client.force_login(family["guardian"])
    cabinet = client.get("/cabinet/").content.decode()
    assert "Аня Кузнецова" in cabinet and "Лиза Кузнецова" in cabinet
    assert f'href="/cabinet/children/{family["anya"].pk}/"' in cabinet

    anya = client.get(f"/cabinet/children/{family['anya'].pk}/").content.decode()
    assert "Урок 1: дыхание" in anya and "Обложка" in anya
    assert "Жюри:</strong> Смелые цвета!" in anya
    liza = client.get(f"/cabinet/children/{family['liza'].pk}/").content.decode()
    assert "отклонена" in liza and "виден номер дома" in liza
    assert "Смелые цвета!" not in liza


def test_the_childs_page_shows_what_the_childs_actions_raised(client, family):
    client.force_login(family["guardian"])
    anya = client.get(f"/cabinet/children/{family['anya'].pk}/").content.decode()
    liza = client.get(f"/cabinet/children/{family['liza'].pk}/").content.decode()
    # Аня's approved work counted a rouble; Лиза's rejected one nothing.
    assert "data-child-raised>1\u00a0₽<" in anya
    assert "data-child-raised>0\u00a0₽<" in liza


CHILD_URLS = ["", "consent/withdraw/", "data/", "delete/"]


@pytest.mark.parametrize("suffix", CHILD_URLS)
def test_another_family_gets_a_404_for_every_page_of_the_child(client, family, make_user, suffix):
    other = factories.make_student("vanya@example.ru", "Ваня", "Орлов", 10, region="52", town="Кириллов")
    # Another family's guardian, an adult with no children, the child's own sister.
    for user in [other.guardian, make_user("babushka"), family["liza"].user]:
        client.force_login(user)
        assert client.get(f"/cabinet/children/{family['anya'].pk}/{suffix}").status_code == 404
        assert client.post(f"/cabinet/children/{family['anya'].pk}/{suffix}", {"confirm": "УДАЛИТЬ"}).status_code == 404
    assert client.post(f"/cabinet/children/{family['anya'].pk}/consent/give/", {"agree": "on"}).status_code == 404
    family["anya"].user.refresh_from_db()
    assert family["anya"].user.is_active


def test_signed_out_visitors_are_sent_to_sign_in(client, family):
    response = client.get(f"/cabinet/children/{family['anya'].pk}/")
    assert response.status_code == 302 and response["Location"].startswith("/cabinet/login/")


def test_withdrawing_consent_asks_first_says_what_happens_then_gives_it_back(client, family):
    client.force_login(family["guardian"])
    anya = family["anya"]
    confirm = client.get(f"/cabinet/children/{anya.pk}/consent/withdraw/").content.decode()
    assert "аккаунт Аня отключится" in confirm and "1 работа уйдёт с сайта" in confirm
    anya.user.refresh_from_db()
    assert anya.user.is_active  # nothing happens before the confirmation

    response = client.post(f"/cabinet/children/{anya.pk}/consent/withdraw/", follow=True)
    page = response.content.decode()
    assert "Согласие отозвано" in page and "скрыта: согласие отозвано" in page
    anya.user.refresh_from_db()
    assert not anya.user.is_active
    assert client.get(f"/gallery/{family['published'].pk}/").status_code == 404

    refused = client.post(f"/cabinet/children/{anya.pk}/consent/give/", follow=True).content.decode()
    assert "Отметьте согласие" in refused
    anya.user.refresh_from_db()
    assert not anya.user.is_active

    client.post(f"/cabinet/children/{anya.pk}/consent/give/", {"agree": "on"}, REMOTE_ADDR="10.5.5.5")
    anya.user.refresh_from_db()
    assert anya.user.is_active
    assert anya.consents.get(withdrawn_at__isnull=True).ip == "10.5.5.5"
    assert client.get(f"/gallery/{family['published'].pk}/").status_code == 200


def test_a_child_of_14_has_no_withdraw_button(client, family):
    older = learning.add_child(
        family["guardian"],
        email="petya@example.ru",
        password=PASSWORD,
        first_name="Петя",
        surname="Кузнецов",
        birth_date=birth_date_for(15),
        region=None,
        town="",
    )
    client.force_login(family["guardian"])
    page = client.get(f"/cabinet/children/{older.pk}/").content.decode()
    assert "С 14 лет ребёнок сам даёт согласие" in page and "Отозвать согласие" not in page


def test_the_guardian_downloads_and_deletes_a_childs_data(client, family):
    client.force_login(family["guardian"])
    liza = family["liza"]
    download = client.get(f"/cabinet/children/{liza.pk}/data/")
    assert download["Content-Disposition"].startswith("attachment;")
    assert json.loads(download.content)["profile"]["first_name"] == "Лиза"

    refused = client.post(f"/cabinet/children/{liza.pk}/delete/", {"confirm": "да"})
    assert refused.status_code == 400 and "Напишите слово УДАЛИТЬ" in refused.content.decode()
    response = client.post(f"/cabinet/children/{liza.pk}/delete/", {"confirm": "удалить"})
    assert response.status_code == 302
    liza.refresh_from_db()
    assert liza.is_deleted and liza.first_name == ""
    assert client.get(f"/cabinet/children/{liza.pk}/").status_code == 404
    assert "Лиза" not in client.get("/cabinet/").content.decode()


def child_form(**overrides):
    values = {
        "first_name": "Петя",
        "surname": "Кузнецов",
        "birth_date": birth_date_for(8).isoformat(),
        "region": "",
        "town": "Кириллов",
        "email": "petya@example.ru",
        "password": PASSWORD,
        "guardian_consent": "on",
    }
    values.update(overrides)
    return values


def test_the_guardian_adds_a_child_who_signs_in_at_once(client, family, season_tree):
    client.force_login(family["guardian"])
    page = client.get("/cabinet/children/add/").content.decode()
    assert "Пароль для ребёнка" in page and "сообщите ему сами" in page
    response = client.post(
        "/cabinet/children/add/", child_form(region=Region.objects.first().pk), REMOTE_ADDR="10.6.6.6"
    )
    assert response.status_code == 302
    petya = learning.student_of(learning.check_login("petya@example.ru", PASSWORD))
    assert response["Location"] == f"/cabinet/children/{petya.pk}/"
    consent = petya.consents.get()
    assert (consent.kind, consent.email, consent.ip) == ("guardian", family["guardian"].email, "10.6.6.6")
    assert "Петя Кузнецов" in client.get("/cabinet/").content.decode()


def test_adding_a_child_explains_every_refusal_in_russian(client, family, season_tree):
    client.force_login(family["guardian"])
    region = Region.objects.first().pk
    no_consent = client.post("/cabinet/children/add/", child_form(region=region, guardian_consent=""))
    assert no_consent.status_code == 400 and "Без вашего согласия" in no_consent.content.decode()
    too_young = client.post("/cabinet/children/add/", child_form(region=region, birth_date=birth_date_for(4)))
    assert too_young.status_code == 400 and "Участвовать могут дети от 6 до 18 лет" in too_young.content.decode()
    taken = client.post("/cabinet/children/add/", child_form(region=region, email="liza@example.ru"))
    assert taken.status_code == 400 and "Этот email уже зарегистрирован" in taken.content.decode()


def test_a_childs_account_cannot_add_children(client, family):
    client.force_login(family["anya"].user)
    assert client.get("/cabinet/children/add/").status_code == 403
    assert "Добавить ребёнка" not in client.get("/cabinet/").content.decode()


def test_a_supporter_is_invited_to_add_a_child(client, make_user):
    client.force_login(make_user("babushka"))
    page = client.get("/cabinet/").content.decode()
    assert "Добавить ребёнка" in page and "отдельный аккаунт для вас не нужен" in page


def test_the_childs_cabinet_names_the_guardian_by_a_masked_email(client, family):
    client.force_login(family["liza"].user)
    page = client.get("/cabinet/").content.decode()
    guardian_email = family["guardian"].email
    assert f"{guardian_email[0]}***@{guardian_email.split('@')[1]}" in page
    assert guardian_email not in page


def test_masked_email_keeps_the_first_letter_and_the_domain():
    assert masked_email("anna@mail.ru") == "a***@mail.ru"
    assert masked_email("") == masked_email("broken") == ""
