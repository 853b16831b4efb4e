"""Every refusal of the content API has one shape: Wagtail API's `message` (what its clients
read), plus the platform's error contract — a stable `code`, the same text in `detail`, and the
query parameter it is about in `field` — so a client can branch on the code whatever refused."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("url", "status", "code", "field", "fragment"),
    [
        ("/api/v2/pages/?colour=red", 400, "unknown_query_parameter", None, "Неизвестный параметр запроса: colour"),
        ("/api/v2/pages/?limit=1000", 400, "limit_too_high", "limit", "не больше 100"),
        ("/api/v2/pages/?type=cms.NoSuchPage", 400, "unknown_page_type", "type", "Такого типа страниц нет"),
        ("/api/v2/pages/?type=cms.MasterclassPage&season=last", 400, "season_not_found", "season", "Сезон «last»"),
        ("/api/v2/pages/?type=cms.MasterclassPage&direction=nope", 400, "direction_not_found", "direction", "«nope»"),
        ("/api/v2/pages/999999999/", 404, "not_found", None, ""),
        ("/api/v2/page_preview/?content_type=cms.lessonpage", 400, "preview_token_missing", "token", "Нет токена"),
    ],
)
def test_a_content_api_refusal_has_message_code_detail_and_field(client, sections, url, status, code, field, fragment):
    response = client.get(url)

    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"message", "code", "detail", "field"}
    assert fragment in body["message"]
    assert body["detail"] == body["message"]
    assert (body["code"], body["field"]) == (code, field)
