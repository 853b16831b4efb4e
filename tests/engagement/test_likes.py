"""A like is worth its rouble while it stands; likes are rate-limited."""

import pytest

from config.errors import ServiceError
from engagement import services
from engagement.models import LedgerEntry


def test_like_unlike_like_keeps_one_rouble_and_a_full_history(campaign, make_user, make_work):
    visitor, work = make_user(), make_work()
    first = services.set_like(visitor, work, True)
    assert services.set_like(visitor, work, True).pk == first.pk  # liking twice changes nothing
    services.set_like(visitor, work, False)
    services.set_like(visitor, work, False)  # unliking twice changes nothing
    assert services.raised_by(visitor) == 0
    assert not services.like_stands(visitor, work)
    second = services.set_like(visitor, work, True)
    assert second.key.endswith(":2") and first.key.endswith(":1")
    assert services.raised_by(visitor) == 100
    assert services.like_stands(visitor, work)
    assert list(LedgerEntry.objects.order_by("pk").values_list("amount", flat=True)) == [100, -100, 100]
    assert services.counter(campaign)["raised_kopecks"] == 100


def test_anonymous_visitors_cannot_like(campaign, make_work):
    with pytest.raises(ServiceError, match="вошедший") as refusal:
        services.set_like(None, make_work(), True)
    assert refusal.value.code == "login_required"


def test_likes_are_rate_limited_per_account(campaign, make_user, make_work, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "like": "3/min"},
    }
    visitor = make_user()
    for _ in range(3):
        services.set_like(visitor, make_work(), True)
    with pytest.raises(services.RateLimited, match="Слишком много лайков") as refusal:
        services.set_like(visitor, make_work(), True)
    assert (refusal.value.code, refusal.value.status) == ("rate_limited", 429)
    services.set_like(make_user(), make_work(), True)  # another account is not affected


def test_likes_are_rate_limited_per_ip(campaign, make_user, make_work, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "like_ip": "2/min"},
    }
    work = make_work()
    services.set_like(make_user(), work, True, ip="10.0.0.1")
    services.set_like(make_user(), work, True, ip="10.0.0.1")
    with pytest.raises(services.RateLimited):
        services.set_like(make_user(), work, True, ip="10.0.0.1")
    services.set_like(make_user(), work, True, ip="10.0.0.2")
