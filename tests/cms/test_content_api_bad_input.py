"""Whatever an anonymous visitor puts in a content API address gets a Russian 4xx, never a 5xx."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        "/api/v2/pages/?offset=99999999999999999999",
        "/api/v2/pages/?offset=9223372036854775807",
        "/api/v2/images/?offset=9223372036854775807",
        "/api/v2/images/?offset=9223372036854775800&limit=20",
        "/api/v2/documents/?offset=99999999999999999999",
        "/api/v2/images/?offset=500",
        "/api/v2/pages/?search=%D0%B2%D0%BE%D0%BA%D0%B0%D0%BB&offset=99999999999999999999",
    ],
)
def test_an_offset_past_the_end_is_an_empty_page_however_big(client, url, make_image):
    make_image()
    response = client.get(url)
    assert response.status_code == 200, response.content
    assert response.json()["items"] == []


@pytest.mark.parametrize(
    "url",
    [
        "/api/v2/pages/find/?html_path=%00",
        "/api/v2/pages/find/?html_path=/a%00b/",
        "/api/v2/pages/?search=%00",
        "/api/v2/pages/?search=%D0%B2%D0%BE%D0%BA%D0%B0%D0%BB%00",
        "/api/v2/pages/?type=cms.WinnerStoryPage&region_code=7%007",
        "/api/v2/pages/?slug=a%00",
        "/api/v2/images/?title=%00",
        "/gallery/?region=%00",
        "/search/?q=%00",
    ],
)
def test_a_nul_character_in_the_address_is_a_russian_400(client, url):
    response = client.get(url)
    assert response.status_code == 400, response.content
    assert "недопустимый символ" in response.content.decode()
