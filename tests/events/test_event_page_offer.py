"""What the event page offers each signed-in person: a student signs herself up («Записаться», no
child select) and, once registered, sees her ticket instead of the form; a guardian keeps «Записать
ребёнка» for the children not yet registered; a student under 14 gets a note instead of the
volunteer shifts' buttons (the service still refuses her)."""

import datetime

import pytest
from django.test import Client

from config.errors import ServiceError
from events import selectors, services
from events.models import VolunteerShift
from learning.models import Student
from tests.factories import make_child, make_event

pytestmark = pytest.mark.django_db


def page_of(user, event):
    client = Client()
    client.force_login(user)
    return client.get(event.page.get_url()).content.decode()


def add_shift(event):
    starts = event.page.starts_at - datetime.timedelta(hours=1)
    return VolunteerShift.objects.create(
        event=event, role="Встреча гостей", starts_at=starts, ends_at=starts + datetime.timedelta(hours=4), places=3
    )


def test_a_student_signs_herself_up_without_the_adult_wording():
    event = make_event(min_age=8, max_age=14)
    child = make_child(11)
    html = page_of(child.user, event)
    assert "Записать ребёнка" not in html and 'name="student"' in html  # her own id, hidden
    assert "<select" not in html and "Ребёнок <select" not in html
    assert ">Записаться</button>" in html
    assert "Записаться самому" not in html and "Записать группу" not in html


def test_once_registered_the_student_sees_her_ticket_not_the_form_again():
    event = make_event(min_age=8, max_age=14)
    child = make_child(11)
    client = Client()
    client.force_login(child.user)
    client.post(f"/event-registration/{event.pk}/", {"kind": "child", "student": child.pk})
    registration = event.registrations.get()
    assert registration.status == "confirmed" and registration.student == child
    html = client.get(event.page.get_url()).content.decode()
    assert "Вы записаны" in html
    assert f"/tickets/{registration.pk}/ticket.pdf" in html and "/cabinet/#my-events" in html
    assert ">Записаться</button>" not in html and f'action="/event-registration/{event.pk}/"' not in html


def test_a_student_on_the_waiting_list_is_told_her_place():
    event = make_event(capacity=1)
    first, second = make_child(12), make_child(13)
    services.register_child(event, first, by=first.user)
    services.register_child(event, second, by=second.user)
    html = page_of(second.user, event)
    assert "Вы в листе ожидания, №1" in html
    assert f'action="/event-registration/{event.pk}/"' not in html


def test_a_guardian_keeps_the_child_select_for_children_not_yet_registered():
    event = make_event(min_age=8, max_age=14)
    child = make_child(10)
    html = page_of(child.guardian, event)
    assert "Записать ребёнка" in html and f'<option value="{child.pk}">' in html
    services.register_child(event, child, by=child.guardian)
    html = page_of(child.guardian, event)
    assert "Записать ребёнка" not in html and f'<option value="{child.pk}">' not in html
    assert "место подтверждено" in html


def test_an_adult_registered_is_not_offered_the_adult_form_again(make_user):
    event = make_event()
    adult = make_user(first_name="Ирина", last_name="Петрова")
    assert "Записаться самому" in page_of(adult, event)
    services.register_adult(event, adult, name="Ирина Петрова")
    html = page_of(adult, event)
    assert "Записаться самому" not in html and "Ирина Петрова — место подтверждено" in html
    assert "Записать группу от школы" in html


def test_a_student_under_14_is_not_offered_volunteer_shifts_and_is_told_why():
    event = make_event()
    shift = add_shift(event)
    child = make_child(11)
    html = page_of(child.user, event)
    assert "Встреча гостей" in html
    assert f"/volunteer/shifts/{shift.pk}/" not in html and "Записаться на смену" not in html
    assert "Волонтёрами могут быть участники от 14 лет" in html
    with pytest.raises(ServiceError) as refused:  # the rule stays on the server
        services.sign_up_for_shift(shift, child.user)
    assert refused.value.code == "volunteer_age"


def test_a_student_of_14_and_an_adult_are_offered_shifts(make_user):
    event = make_event()
    shift = add_shift(event)
    for person in (make_child(15).user, make_user()):
        assert services.volunteer_refusal(person) is None
        html = page_of(person, event)
        assert f"/volunteer/shifts/{shift.pk}/" in html and "Волонтёрами могут быть" not in html


def test_the_offer_is_read_by_the_selector(make_user):
    event = make_event()
    child = make_child(11)
    offer = selectors.sign_up_offer(child.user, event)
    assert offer["myself"] == child and offer["children"] == [] and not offer["adult"]
    registration = services.register_child(event, child, by=child.user)
    offer = selectors.sign_up_offer(child.user, event)
    assert offer["myself"] is None and offer["registered"] == registration


def test_a_past_event_says_it_is_over_and_a_running_one_that_it_has_started():
    """A month-old event read «Мероприятие уже началось»."""
    visitor = Client()
    past = make_event(days_ahead=-30, title="Мастер-класс в ноябре")
    html = visitor.get(past.page.get_url()).content.decode()
    assert "Мероприятие прошло." in html and "уже началось" not in html
    running = make_event(days_ahead=0, title="Идёт сейчас")
    running.page.starts_at -= datetime.timedelta(hours=1)
    running.page.save(update_fields=["starts_at"])
    html = visitor.get(running.page.get_url()).content.decode()
    assert "Мероприятие уже началось." in html and "прошло" not in html


def test_a_student_outside_the_ages_is_told_why_instead_of_a_button_that_would_refuse():
    event = make_event(min_age=8, max_age=14)
    child = make_child(15)
    html = page_of(child.user, event)
    assert ">Записаться</button>" not in html and f'action="/event-registration/{event.pk}/"' not in html
    assert "Мероприятие для участников 8–14 лет, а вам в день мероприятия будет 15\u00a0лет" in html
    with pytest.raises(ServiceError) as refused:  # the rule the page follows is the service's
        services.register_child(event, child, by=child.user)
    assert refused.value.code == "age_limit" and "будет 15 лет" in refused.value.message


def test_a_guardian_is_offered_only_the_children_of_the_events_ages_and_told_about_the_others():
    event = make_event(min_age=8, max_age=12)
    fits = make_child(10)
    older = make_child(13)
    Student.objects.filter(pk=older.pk).update(guardian=fits.guardian)  # her sister, the same parent
    html = page_of(fits.guardian, event)
    assert f'<option value="{fits.pk}">' in html and f'<option value="{older.pk}">' not in html
    assert f"{older.public_name}: в день мероприятия будет 13\u00a0лет, а оно для участников 8–12 лет." in html
