"""The gallery shows only what moderators approved, with filters; a like counts once and is worth
a rouble on the counter."""

import pytest


@pytest.mark.django_db
def test_visitor_likes_a_work_and_the_counter_goes_up_by_a_rouble(client, public_work, visitor):
    from engagement import services as engagement

    before = engagement.counter()["raised_kopecks"]
    client.force_login(visitor)
    response = client.post(f"/gallery/{public_work.pk}/like/", {"action": "like"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 200, response.content.decode()
    assert response.json() == {"liked": True, "likes": 1}
    assert engagement.counter()["raised_kopecks"] == before + 100
