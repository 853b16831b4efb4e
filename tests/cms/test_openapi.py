"""The content API is described in the OpenAPI document that /api/docs/ shows, and the description
matches what the endpoints return."""

import pytest

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


def test_every_page_type_is_described_exactly_as_the_api_returns_it(client, schema, one_of_each):
    described = set()
    for page in one_of_each:
        data = client.get(f"/api/v2/pages/{page.pk}/").json()
        name = type(page).__name__
        properties = schema["components"]["schemas"][name]["properties"]
        assert set(data) == set(properties), name
        described.add(name)
    assert len(described) == 13
