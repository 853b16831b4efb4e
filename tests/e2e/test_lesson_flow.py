"""In Chromium on a phone: a lesson shows its length and leads on to the next one, without pushing
the page wider than the screen."""

import pytest

from tests.factories import PHONE, add_child

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_visitor_goes_on_to_the_next_lesson_on_a_phone(new_page, season_content, screenshot):
    from cms.models import LessonPage

    lesson = season_content["lesson"]
    title = "Урок 2: опора дыхания и длинные фразы на одном выдохе"
    add_child(lesson.get_parent(), LessonPage(title=title, slug="lesson-2", summary="Опора."))

    page = new_page(PHONE)
    page.goto(lesson.url)
    assert page.get_by_text("Урок 1 из 2").is_visible()
    next_button = page.get_by_role("link", name=f"Следующий урок: {title} →")
    next_button.wait_for()
    screenshot(page, "lesson-next-phone")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    next_button.click()
    page.get_by_role("heading", name=title).wait_for()
    assert page.get_by_role("link", name="← Предыдущий урок").is_visible()
