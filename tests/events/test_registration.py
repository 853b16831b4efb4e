"""Signing up for an offline event: a child (guardian's consent under 14), an adult, a school group;
capacity, the waiting list that moves up on cancellation (with an email), age limits."""

import pytest
from django.core import mail
from django.test import Client

from config.errors import ServiceError
from events import services
from events.models import Registration
from learning.models import Consent
from tests.factories import make_child, make_event

pytestmark = pytest.mark.django_db


def test_child_of_12_with_guardian_consent_gets_a_place(make_user):
    event = make_event(capacity=5, min_age=10, max_age=17)
    child = make_child(12)
    registration = services.register_child(event, child, by=child.user)
    assert registration.status == Registration.Status.CONFIRMED
    assert registration.display_name == "Аня К."
    assert len(registration.ticket_code) >= 20


def test_guardian_can_register_their_child(make_user):
    event = make_event()
    child = make_child(9)
    registration = services.register_child(event, child, by=child.guardian)
    assert registration.owner == child.guardian
    assert services.can_see_ticket(child.user, registration)


def test_student_under_14_needs_guardian_consent():
    event = make_event()
    child = make_child(12)
    Consent.objects.filter(student=child).update(withdrawn_at="2026-01-01T00:00Z")
    with pytest.raises(ServiceError) as refused:
        services.register_child(event, child, by=child.user)
    assert refused.value.code == "guardian_consent_required"
    assert not Registration.objects.exists()


def test_student_of_14_registers_on_own_consent():
    event = make_event()
    child = make_child(15)
    assert services.register_child(event, child, by=child.user).status == "confirmed"


def test_someone_elses_child_cannot_be_registered(make_user):
    event = make_event()
    child = make_child(12)
    with pytest.raises(ServiceError) as refused:
        services.register_child(event, child, by=make_user())
    assert refused.value.status == 403


def test_age_limits_come_from_the_event():
    event = make_event(min_age=14, max_age=18)
    young = make_child(11)
    with pytest.raises(ServiceError) as refused:
        services.register_child(event, young, by=young.user)
    assert refused.value.code == "age_limit"
    assert "14–18 лет" in refused.value.message
    teen = make_child(16)
    assert services.register_child(event, teen, by=teen.user).status == "confirmed"


def test_adults_are_refused_at_a_childrens_event(make_user):
    event = make_event(max_age=13)
    with pytest.raises(ServiceError) as refused:
        services.register_adult(event, make_user(), name="Ирина Петрова")
    assert refused.value.code == "age_limit"


def test_school_group_takes_its_head_count(make_user):
    event = make_event(capacity=10)
    teacher = make_user()
    group = services.register_group(event, teacher, school="Школа № 3", leader_name="Ольга Ивановна", head_count=8)
    assert group.seats == 8 and group.status == "confirmed"
    second = services.register_group(event, make_user(), school="Лицей", leader_name="Пётр Сидоров", head_count=3)
    assert second.status == "waitlisted"
    with pytest.raises(ServiceError) as refused:
        services.register_group(event, make_user(), school="Школа", leader_name="Учитель", head_count=500)
    assert refused.value.field == "head_count"


def test_full_event_puts_the_next_person_on_the_waiting_list(make_user):
    event = make_event(capacity=2)
    first, second, third = (services.register_adult(event, make_user(), name=f"Взрослый {n}") for n in range(3))
    assert [first.status, second.status, third.status] == ["confirmed", "confirmed", "waitlisted"]
    assert services.waiting_position(third) == 1


def test_registering_twice_is_refused(make_user):
    event = make_event()
    adult = make_user()
    services.register_adult(event, adult, name="Ирина Петрова")
    with pytest.raises(ServiceError) as refused:
        services.register_adult(event, adult, name="Ирина Петрова")
    assert refused.value.code == "already_registered"
    assert event.registrations.count() == 1


def test_cancellation_moves_the_first_waiting_up_and_emails_them(make_user, django_capture_on_commit_callbacks):
    event = make_event(capacity=1)
    holder = make_user()
    taken = services.register_adult(event, holder, name="Первый Участник")
    child = make_child(12)
    waiting_child = services.register_child(event, child, by=child.guardian)
    waiting_adult = services.register_adult(event, make_user(), name="Третий Участник")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        _, promoted = services.cancel_registration(taken, by=holder)

    assert promoted == [waiting_child]
    waiting_child.refresh_from_db()
    waiting_adult.refresh_from_db()
    assert waiting_child.status == "confirmed" and waiting_child.promoted_at is not None
    assert waiting_adult.status == "waitlisted"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert "освободилось" in message.subject
    assert sorted(message.to) == sorted({child.guardian.email, child.guardian_email})
    assert "http://testserver/cabinet/" in message.body
    assert "Колесникова" not in message.body


def test_a_group_too_big_for_the_freed_place_lets_the_next_who_fits_go_first(make_user):
    event = make_event(capacity=3)
    holder = make_user()
    taken = services.register_adult(event, holder, name="Первый")
    services.register_group(event, make_user(), school="Школа", leader_name="Учитель", head_count=2)
    group = services.register_group(event, make_user(), school="Школа 2", leader_name="Учитель 2", head_count=3)
    single = services.register_adult(event, make_user(), name="Одиночка")
    _, promoted = services.cancel_registration(taken, by=holder)
    assert promoted == [single]
    group.refresh_from_db()
    assert group.status == "waitlisted"


def test_only_the_owner_cancels(make_user):
    event = make_event()
    registration = services.register_adult(event, make_user(), name="Ирина")
    with pytest.raises(ServiceError) as refused:
        services.cancel_registration(registration, by=make_user())
    assert refused.value.status == 403


def test_an_erased_childs_place_goes_to_the_waiting_list(make_user, django_capture_on_commit_callbacks):
    from learning import services as learning

    event = make_event(capacity=1)
    child = make_child(12)
    held = services.register_child(event, child, by=child.guardian)
    waiting = services.register_adult(event, make_user(), name="Ждущий")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        learning.delete_student_account(child, by=child.guardian)
    held.refresh_from_db()
    waiting.refresh_from_db()
    assert held.status == "cancelled" and held.name == ""
    assert waiting.status == "confirmed"
    assert len(mail.outbox) == 1


def test_a_school_group_declares_its_childrens_ages_and_they_must_fit_the_events_limits(make_user):
    event = make_event(capacity=40, min_age=10, max_age=14)
    teacher = make_user()
    kwargs = {"school": "Школа № 3", "leader_name": "Ольга Ивановна", "head_count": 12}

    with pytest.raises(ServiceError) as refused:
        services.register_group(event, teacher, **kwargs)
    assert refused.value.code == "group_ages_required" and "10–14 лет" in refused.value.message
    with pytest.raises(ServiceError) as refused:
        services.register_group(event, teacher, ages_from=8, ages_to=12, **kwargs)
    assert refused.value.code == "age_limit" and refused.value.field == "ages_from"
    assert refused.value.message == (
        "Мероприятие для участников 10–14 лет, а самому младшему в группе 8 лет: запишите только детей от 10 лет."
    )
    with pytest.raises(ServiceError) as refused:
        services.register_group(event, teacher, ages_from=11, ages_to=15, **kwargs)
    assert refused.value.code == "age_limit" and refused.value.field == "ages_to"
    assert "самому старшему в группе 15 лет" in refused.value.message
    for ages in (("12", "11"), ("abc", "12"), (3, 12)):
        with pytest.raises(ServiceError) as refused:
            services.register_group(event, teacher, ages_from=ages[0], ages_to=ages[1], **kwargs)
        assert refused.value.code == "invalid_group_ages"
    assert not event.registrations.exists()

    group = services.register_group(event, teacher, ages_from="10", ages_to="14", **kwargs)
    assert (group.ages_from, group.ages_to, group.status) == (10, 14, "confirmed")
    assert "дети 10–14 лет" in group.display_name


def test_a_group_of_children_may_come_to_a_childrens_event_an_adult_alone_may_not(make_user):
    event = make_event(capacity=40, min_age=6, max_age=12)
    group = services.register_group(
        event, make_user(), school="Школа", leader_name="Учитель", head_count=5, ages_from=7, ages_to=9
    )
    assert group.status == "confirmed"
    with pytest.raises(ServiceError) as refused:
        services.register_adult(event, make_user(), name="Ирина Петрова")
    assert refused.value.code == "age_limit"


def test_an_event_without_age_limits_takes_a_group_without_declared_ages(make_user):
    group = services.register_group(make_event(), make_user(), school="Школа", leader_name="Учитель", head_count=3)
    assert group.ages_from is None and group.status == "confirmed"


def test_the_event_page_refuses_a_group_too_young_in_russian(make_user):
    event = make_event(capacity=40, min_age=10, max_age=14)
    client = Client()
    client.force_login(make_user())
    response = client.post(
        f"/event-registration/{event.pk}/",
        {"kind": "group", "school": "Школа № 3", "name": "Ольга Ивановна", "head_count": 6, "ages_from": 7,
         "ages_to": 11},
        follow=True,
    )  # fmt: skip
    assert response.status_code == 200
    assert "самому младшему в группе 7 лет" in response.content.decode()
    assert not event.registrations.exists()
    page = client.get(event.page.get_url()).content.decode()
    assert 'name="ages_from"' in page and "мероприятие для участников 10–14 лет" in page
