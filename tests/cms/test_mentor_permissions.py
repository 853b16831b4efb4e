"""Mentors edit only their own pages, and what they change waits for an editor's approval."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from wagtail.models import Page
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from cms.models import LessonPage

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_mentors(make_direction, make_mentor, make_masterclass, make_lesson):
    vocal = make_direction("Вокал", "vocal")
    maria = make_mentor("Мария Голосова", username="maria")
    ivan = make_mentor("Иван Сценов", username="ivan")
    marias_class = make_masterclass(vocal, maria, "Голос с нуля", slug="voice")
    ivans_class = make_masterclass(vocal, ivan, "Сценическая речь", slug="speech")
    return {
        "maria": maria,
        "ivan": ivan,
        "marias_lesson": make_lesson(marias_class, "Дыхание"),
        "ivans_lesson": make_lesson(ivans_class, "Дикция"),
        "marias_class": marias_class,
        "ivans_class": ivans_class,
    }


def lesson_form(lesson, title, action=None):
    data = nested_form_data(
        {
            "title": title,
            "slug": lesson.slug,
            "summary": "",
            "text": rich_text("<p>Текст</p>"),
            "video": "",
            "materials": inline_formset([]),
            "comments": inline_formset([]),
        }
    )
    if action:
        data[action] = "1"
    return data


def edit_url(page):
    return reverse("wagtailadmin_pages:edit", args=[page.pk])


def test_a_mentor_cannot_edit_another_mentors_lesson(client, two_mentors):
    client.force_login(two_mentors["maria"].user)
    ivans_lesson = two_mentors["ivans_lesson"]

    assert client.get(edit_url(ivans_lesson)).status_code in (302, 403)
    client.post(edit_url(ivans_lesson), lesson_form(ivans_lesson, "Взломано"))

    ivans_lesson.refresh_from_db()
    assert ivans_lesson.title == "Дикция"
    assert ivans_lesson.latest_revision.content["title"] == "Дикция"
    assert not ivans_lesson.permissions_for_user(two_mentors["maria"].user).can_edit()


def test_a_mentor_edits_their_own_lesson_even_when_an_editor_created_it(client, two_mentors):
    marias_lesson = two_mentors["marias_lesson"]
    assert marias_lesson.owner_id is None  # created by "an editor", not by Maria
    client.force_login(two_mentors["maria"].user)

    assert client.get(edit_url(marias_lesson)).status_code == 200
    response = client.post(edit_url(marias_lesson), lesson_form(marias_lesson, "Дыхание (новая версия)"))

    assert response.status_code == 302
    assert LessonPage.objects.get(pk=marias_lesson.pk).get_latest_revision().content["title"] == (
        "Дыхание (новая версия)"
    )


def test_a_mentor_edits_their_own_mentor_page_but_not_a_colleagues(two_mentors):
    maria_user = two_mentors["maria"].user
    assert two_mentors["maria"].permissions_for_user(maria_user).can_edit()
    assert not two_mentors["ivan"].permissions_for_user(maria_user).can_edit()
    assert two_mentors["marias_class"].permissions_for_user(maria_user).can_edit()
    assert not two_mentors["ivans_class"].permissions_for_user(maria_user).can_edit()


def test_a_mentor_adds_lessons_only_to_their_own_masterclass(two_mentors):
    maria_user = two_mentors["maria"].user
    assert two_mentors["marias_class"].permissions_for_user(maria_user).can_add_subpage()
    assert not two_mentors["ivans_class"].permissions_for_user(maria_user).can_add_subpage()
    mentors_index = two_mentors["maria"].get_parent()
    assert not mentors_index.permissions_for_user(maria_user).can_add_subpage()


def test_a_mentor_cannot_publish_and_an_editor_approves_the_change(client, two_mentors, django_user_model):
    marias_lesson = two_mentors["marias_lesson"]
    maria_user = two_mentors["maria"].user
    assert not marias_lesson.permissions_for_user(maria_user).can_publish()
    client.force_login(maria_user)

    client.post(edit_url(marias_lesson), lesson_form(marias_lesson, "Дыхание 2.0", action="action-publish"))
    assert Page.objects.get(pk=marias_lesson.pk).title == "Дыхание"  # publishing is not hers to do

    client.post(edit_url(marias_lesson), lesson_form(marias_lesson, "Дыхание 2.0", action="action-submit"))
    marias_lesson.refresh_from_db()
    state = marias_lesson.current_workflow_state
    assert state is not None and state.workflow.name == "Проверка редактором"
    assert marias_lesson.title == "Дыхание"  # still the live version

    editor = django_user_model.objects.create_user(username="editor", password="pass-12345")
    editor.groups.add(Group.objects.get(name="Editors"))
    task_state = state.current_task_state
    assert task_state.task.specific.user_can_access_editor(marias_lesson, editor)
    task_state.task.specific.on_action(task_state, editor, "approve")

    marias_lesson.refresh_from_db()
    assert marias_lesson.title == "Дыхание 2.0"
    assert marias_lesson.live


def test_a_masterclass_a_mentor_starts_is_theirs_and_waits_for_approval(client, two_mentors):
    from cms.models import MasterclassPage, Season

    maria = two_mentors["maria"]
    direction = two_mentors["marias_class"].get_parent()
    client.force_login(maria.user)
    url = reverse("wagtailadmin_pages:add", args=["cms", "masterclasspage", direction.pk])
    form = nested_form_data(
        {
            "title": "Джаз для начинающих",
            "slug": "jazz",
            "season": Season.objects.get().pk,
            "age_band": "14-18",
            "description": rich_text("<p>Свинг и импровизация.</p>"),
            "cover": "",
            "body": streamfield([]),
            "materials": inline_formset([]),
            "comments": inline_formset([]),
        }
    )

    assert 'name="mentor"' not in client.get(url).content.decode()  # editors assign mentors, not mentors
    response = client.post(url, {**form, "action-submit": "1"})

    assert response.status_code == 302, response.content.decode()[:2000]
    jazz = MasterclassPage.objects.get(slug="jazz")
    assert jazz.mentor == maria
    assert jazz.owner == maria.user
    assert not jazz.live
    assert jazz.current_workflow_state.workflow.name == "Проверка редактором"
    assert jazz.permissions_for_user(maria.user).can_edit()
