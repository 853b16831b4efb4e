"""The content API is described in the OpenAPI document that /api/docs/ shows, and the description
matches what the endpoints return."""

import datetime

import pytest

from cms.models import EventPage, PartnerPage, Region

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(client):
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def test_the_api_docs_show_the_content_endpoints(client, schema):
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"/api/schema/" in docs.content
    for path in [
        "/api/v2/pages/",
        "/api/v2/pages/{id}/",
        "/api/v2/page_preview/",
        "/api/v2/seasons/",
        "/api/v2/regions/",
    ]:
        assert path in schema["paths"], path
    parameters = {p["name"] for p in schema["paths"]["/api/v2/pages/"]["get"]["parameters"]}
    assert {"type", "child_of", "direction", "season", "mentor", "age_band", "region", "fields"} <= parameters


@pytest.fixture
def one_of_each(sections, make_direction, make_mentor, make_masterclass, make_lesson, make_story, make_image):
    from tests.cms.conftest import add_child

    direction = make_direction(cover=make_image())
    mentor = make_mentor(photo=make_image())
    masterclass = make_masterclass(direction, mentor, cover=make_image())
    start = datetime.datetime(2026, 12, 1, 12, tzinfo=datetime.UTC)
    return [
        sections["directions"].get_parent().specific,
        *sections.values(),
        direction,
        mentor,
        masterclass,
        make_lesson(masterclass),
        make_story(direction),
        add_child(sections["partners"], PartnerPage(title="Фонд", kind="foundation", description="<p>.</p>")),
        add_child(
            sections["events"],
            EventPage(
                title="Встреча",
                starts_at=start,
                ends_at=start,
                region=Region.objects.get(code="16"),
                town="Казань",
                venue="ДК",
                description="<p>.</p>",
                mentors=[mentor],
            ),
        ),
    ]


def test_every_page_type_is_described_exactly_as_the_api_returns_it(client, schema, one_of_each):
    described = set()
    for page in one_of_each:
        data = client.get(f"/api/v2/pages/{page.pk}/").json()
        name = type(page).__name__
        properties = schema["components"]["schemas"][name]["properties"]
        assert set(data) == set(properties), name
        described.add(name)
    assert len(described) == 13
