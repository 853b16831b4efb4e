"""A guardian looks after their children from one account: adds a second child with consent given at
once, withdraws the consent for a child under 14 (the account stops and the works leave the site, as
for a child without consent) and gives it back (the same works return)."""

import pytest

from config.errors import ServiceError
from learning import selectors, services
from learning.models import Consent
from tests.factories import PASSWORD, birth_date_for, image_upload

pytestmark = pytest.mark.django_db


def add_child(guardian, **overrides):
    values = {
        "email": "liza@example.org",
        "password": PASSWORD,
        "first_name": "Лиза",
        "surname": "Колесникова",
        "birth_date": birth_date_for(9),
        "region": None,
        "town": "Выкса",
        "ip": "10.7.7.7",
    }
    values.update(overrides)
    return services.add_child(guardian, **values)


def test_guardian_adds_a_second_child_with_their_own_consent_and_no_letter(student, mailoutbox):
    guardian = student.guardian

    child = add_child(guardian)

    assert child.user.is_active and child.guardian == guardian
    consent = child.consents.get()
    assert (consent.kind, consent.email, consent.ip) == (Consent.Kind.GUARDIAN, guardian.email, "10.7.7.7")
    assert [c.pk for c in selectors.children_of_guardian(guardian)] == [student.pk, child.pk]
    assert [mail.subject for mail in mailoutbox if "Лиза" in mail.subject + mail.body] == []
    assert services.check_login("liza@example.org", PASSWORD) == child.user


def test_a_child_of_14_added_by_the_guardian_has_the_guardians_consent_not_its_own(student):
    child = add_child(student.guardian, email="petya@example.org", first_name="Петя", birth_date=birth_date_for(15))
    assert list(child.consents.values_list("kind", flat=True)) == [Consent.Kind.GUARDIAN]


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"birth_date": birth_date_for(5)}, "age_out_of_range"),
        ({"email": "anya@example.org"}, "email_taken"),
        ({"email": "parent.anya@example.org"}, "email_taken"),
        ({"password": "12345678"}, "weak_password"),
        ({"first_name": " "}, "name_required"),
    ],
)
def test_adding_a_child_keeps_the_registration_rules(student, overrides, code):
    with pytest.raises(ServiceError) as refused:
        add_child(student.guardian, **overrides)
    assert refused.value.code == code
    assert len(selectors.children_of_guardian(student.guardian)) == 1


def test_a_childs_account_cannot_add_children(student):
    with pytest.raises(ServiceError) as refused:
        add_child(student.user)
    assert (refused.value.code, refused.value.status) == ("student_cannot_be_guardian", 403)


def test_a_supporter_becomes_a_guardian_by_adding_a_child(make_user):
    grandma = make_user("babushka")
    child = add_child(grandma)
    assert selectors.child_of_guardian(grandma, child.pk) == child


def test_withdrawn_consent_stops_the_account_and_hides_the_works_until_given_back(student, assignment, moderator):
    work = services.approve_submission(
        services.submit_work(student, assignment, title="Сад", files=[image_upload()]), moderator
    )
    guardian = student.guardian

    services.withdraw_guardian_consent(guardian, student)

    student.user.refresh_from_db()
    assert not student.user.is_active
    assert not selectors.public_works().filter(pk=work.pk).exists()
    assert not selectors.children_of_guardian(guardian)[0].has_consent
    with pytest.raises(services.ConsentPending) as pending:
        services.check_login(student.user.email, PASSWORD)
    assert "Родитель отозвал согласие" in pending.value.message
    # The guardian still sees the hidden work on the child's page, marked withdrawn.
    assert [w.pk for w in selectors.works_of(student, with_hidden_by_consent=True)] == [work.pk]

    consent = services.give_guardian_consent(guardian, student, ip="10.8.8.8")

    student.user.refresh_from_db()
    assert student.user.is_active
    assert (consent.email, consent.ip, consent.withdrawn_at) == (guardian.email, "10.8.8.8", None)
    assert selectors.public_works().filter(pk=work.pk).exists()
    assert services.check_login(student.user.email, PASSWORD) == student.user


def test_the_emailed_link_after_a_withdrawal_brings_the_works_back_too(student, assignment, moderator):
    work = services.approve_submission(
        services.submit_work(student, assignment, title="Сад", files=[image_upload()]), moderator
    )
    services.withdraw_guardian_consent(student.guardian, student)

    services.confirm_guardian_consent(services.guardian_token(student), ip="10.8.8.8")

    assert selectors.public_works().filter(pk=work.pk).exists()


def test_consent_cannot_be_withdrawn_twice_nor_given_twice(student):
    with pytest.raises(ServiceError) as given:
        services.give_guardian_consent(student.guardian, student)
    assert given.value.code == "consent_already_given"
    services.withdraw_guardian_consent(student.guardian, student)
    with pytest.raises(ServiceError) as withdrawn:
        services.withdraw_guardian_consent(student.guardian, student)
    assert withdrawn.value.code == "consent_already_withdrawn"


def test_from_14_the_child_consents_alone(student):
    older = add_child(student.guardian, email="petya@example.org", first_name="Петя", birth_date=birth_date_for(15))
    with pytest.raises(ServiceError) as refused:
        services.withdraw_guardian_consent(student.guardian, older)
    assert (refused.value.code, refused.value.status) == ("child_consents_alone", 409)
    older.user.refresh_from_db()
    assert older.user.is_active


def test_another_familys_guardian_can_do_nothing_for_the_child(student, make_student):
    other = make_student(email="vanya@example.org", first_name="Ваня", age=10)
    for attempt in (services.withdraw_guardian_consent, services.give_guardian_consent):
        with pytest.raises(ServiceError) as refused:
            attempt(other.guardian, student)
        assert refused.value.status == 404
    assert selectors.child_of_guardian(other.guardian, student.pk) is None
    student.user.refresh_from_db()
    assert student.user.is_active
