"""The registration form suggests towns from /api/settlements/ as the child types, narrowed by the
chosen region (Chromium; the suggestions fill the field's <datalist>)."""

import pytest

from tests.factories import PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_typing_a_town_offers_settlements_of_the_chosen_region(new_page, migrated_data):
    from cms.models import Region

    vologda = Region.objects.get(code="35")
    page = new_page(PHONE)
    page.goto("/cabinet/register/")
    page.get_by_label("Регион").select_option(str(vologda.pk))
    page.get_by_label("Город или посёлок").press_sequentially("Кирил", delay=40)
    page.wait_for_function(
        "() => [...document.querySelectorAll('#town-options option')].some(o => o.value === 'Кириллов')"
    )
    labels = page.eval_on_selector_all("#town-options option", "options => options.map(o => o.label)")
    assert labels and all("Вологодская" in label for label in labels), labels
    assert page.console_errors == []
