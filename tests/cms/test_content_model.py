import datetime

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError

from cms.models import (
    DirectionPage,
    HomePage,
    LessonPage,
    MasterclassPage,
    MentorPage,
    PartnerPage,
    Region,
    Season,
    WinnerStoryPage,
)

pytestmark = pytest.mark.django_db


def test_all_89_federal_subjects_are_loaded_with_stable_codes():
    assert Region.objects.count() == 89
    assert Region.objects.get(code="77").name == "Москва"
    assert Region.objects.get(code="14").name == "Республика Саха (Якутия)"
    assert Region.objects.get(code="92").name == "Севастополь"


def test_current_season_follows_the_dates():
    past = Season.objects.create(
        name="Сезон 2025/26", starts_on=datetime.date(2025, 9, 1), ends_on=datetime.date(2026, 5, 31)
    )
    now = Season.objects.create(
        name="Сезон 2026/27", starts_on=datetime.date(2026, 9, 1), ends_on=datetime.date(2027, 5, 31)
    )
    assert Season.current(today=datetime.date(2026, 11, 23)) == now
    assert Season.current(today=datetime.date(2026, 3, 1)) == past
    # In summer, between seasons, the one that just ended is still the current one.
    assert Season.current(today=datetime.date(2026, 7, 15)) == past
    assert Season.current(today=datetime.date(2020, 1, 1)) is None


def test_overlapping_seasons_are_refused_with_a_clear_message(season):
    other = Season(name="Лишний", starts_on=datetime.date(2027, 1, 1), ends_on=datetime.date(2027, 8, 1))
    with pytest.raises(ValidationError, match="пересекаются"):
        other.full_clean()


def test_editors_can_build_the_tree_only_as_designed():
    assert DirectionPage.parent_page_types == ["cms.DirectionIndexPage"]
    assert MasterclassPage.allowed_parent_page_models() == [DirectionPage]
    assert LessonPage.allowed_parent_page_models() == [MasterclassPage]
    assert LessonPage.allowed_subpage_models() == []
    assert not LessonPage.can_exist_under(HomePage.objects.get())
    assert not MentorPage.can_exist_under(HomePage.objects.get())
    assert {model.__name__ for model in HomePage.allowed_subpage_models()} == {
        "DirectionIndexPage",
        "MentorIndexPage",
        "WinnerStoryIndexPage",
        "PartnerIndexPage",
        "EventIndexPage",
    }


def test_every_page_type_previews_headlessly_and_is_still_served_by_the_site():
    from wagtail.models import Page, get_page_models
    from wagtail_headless_preview.models import HeadlessMixin

    for model in get_page_models():
        if model._meta.app_label != "cms":
            continue
        mro = model.__mro__
        assert issubclass(model, HeadlessMixin), model
        assert mro.index(HeadlessMixin) < mro.index(Page), model


def test_partner_kinds_include_charity_foundations():
    assert PartnerPage.Kind.FOUNDATION == "foundation"
    assert {kind.value for kind in PartnerPage.Kind} == {"creative", "foundation", "authority", "business"}


def test_a_winner_is_shown_by_first_name_and_surname_initial_only(make_direction, make_story):
    story = make_story(make_direction(), first_name="Аня", surname_initial="К")
    assert story.display_name == "Аня К."
    field_names = {field.name for field in WinnerStoryPage._meta.get_fields()}
    assert not field_names & {"surname", "last_name", "school", "phone", "email", "address"}


def test_a_winners_surname_must_be_a_single_initial(make_direction, make_story):
    story = make_story(make_direction())
    story.surname_initial = "Кузнецова"
    with pytest.raises(ValidationError):
        story.full_clean()


def test_groups_are_created_by_migration():
    assert set(Group.objects.values_list("name", flat=True)) >= {
        "Editors",
        "Moderators",
        "Mentors",
        "Foundation coordinators",
    }


def test_live_pages_are_served_by_the_bundled_site_not_redirected_to_the_preview_client(client, make_direction):
    make_direction("Вокал", "vocal")
    response = client.get("/directions/vocal/")
    assert response.status_code == 200
    assert "Вокал" in response.content.decode()
