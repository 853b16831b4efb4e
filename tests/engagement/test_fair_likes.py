"""Fair likes (README «Честные лайки»): limits shared by every process, the daily cap, and the
warm-up of new accounts, whose likes earn their rouble after the first day."""

import os
import subprocess
import sys
import textwrap
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from engagement import services
from engagement.models import LedgerEntry, WarmingLike

WARMUP = 24


@pytest.fixture
def warmup(settings):
    settings.ENGAGEMENT_LIKE_WARMUP_HOURS = WARMUP


@pytest.fixture
def redis_cache(settings, redis_url):
    """The production cache: Redis, one counter for every process."""
    settings.CACHES = {"default": {"BACKEND": "config.cache.RedisCacheWithLocalFallback", "LOCATION": redis_url}}
    cache.clear()
    yield redis_url
    cache.clear()


def with_rates(settings, **rates):
    throttle = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], **rates}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": throttle}


def like_entries():
    return list(LedgerEntry.objects.filter(kind="like").order_by("pk").values_list("key", "amount"))


# --- the warm-up -------------------------------------------------------------------------------


def test_a_new_accounts_like_shows_at_once_and_earns_once_after_the_first_day(warmup, campaign, make_user, make_work):
    newcomer, work = make_user(), make_work()
    pending = services.set_like(newcomer, work, True)
    assert isinstance(pending, WarmingLike)
    assert services.set_like(newcomer, work, True).pk == pending.pk  # liking twice changes nothing
    assert like_entries() == []
    assert services.like_worth(newcomer, work).state == "warming"
    assert services.count_warmed_up_likes() == 0  # still its first day
    assert like_entries() == []

    later = timezone.now() + timedelta(hours=WARMUP + 1)
    assert services.count_warmed_up_likes(now=later) == 1
    assert like_entries() == [(pending.key, campaign.rate_like)]
    assert services.count_warmed_up_likes(now=later) == 0  # a second run records nothing more
    assert like_entries() == [(pending.key, campaign.rate_like)]
    assert not WarmingLike.objects.exists()
    assert services.like_stands(newcomer, work) and services.like_worth(newcomer, work).state == "rouble"
    assert services.counter(campaign)["raised_kopecks"] == campaign.rate_like
    assert all(balance.balanced for balance in services.reconcile())


def test_a_like_withdrawn_during_the_warm_up_earns_nothing(warmup, campaign, make_user, make_work):
    newcomer, work = make_user(), make_work()
    services.set_like(newcomer, work, True)
    services.set_like(newcomer, work, False)
    assert not WarmingLike.objects.exists()
    assert services.count_warmed_up_likes(now=timezone.now() + timedelta(hours=WARMUP + 1)) == 0
    assert like_entries() == []
    assert services.raised_by(newcomer) == 0


def test_an_account_past_its_first_day_earns_at_once(warmup, campaign, make_user, make_work, django_user_model):
    regular = make_user()
    django_user_model.objects.filter(pk=regular.pk).update(date_joined=timezone.now() - timedelta(hours=WARMUP + 1))
    regular.refresh_from_db()
    entry = services.set_like(regular, make_work(), True)
    assert isinstance(entry, LedgerEntry) and entry.amount == campaign.rate_like


def test_a_counted_like_unliked_and_liked_again_keeps_one_rouble(warmup, campaign, make_user, make_work):
    newcomer, work = make_user(), make_work()
    services.set_like(newcomer, work, True)
    services.count_warmed_up_likes(now=timezone.now() + timedelta(hours=WARMUP + 1))
    services.set_like(newcomer, work, False)
    services.set_like(newcomer, work, True)  # still in its first day: waits again, under the next key
    services.count_warmed_up_likes(now=timezone.now() + timedelta(hours=WARMUP + 1))
    assert [amount for _, amount in like_entries()] == [100, -100, 100]
    keys = [key for key, _ in like_entries()]
    assert keys[0].endswith(":1") and keys[1] == f"reversal:{keys[0]}" and keys[2].endswith(":2")
    assert services.raised_by(newcomer) == 100


def test_voiding_an_account_drops_its_likes_still_in_warm_up(warmup, campaign, make_user, make_work):
    cheat = make_user()
    services.set_like(cheat, make_work(), True)
    services.void_account(cheat, "накрутка")
    assert not WarmingLike.objects.exists()
    assert services.count_warmed_up_likes(now=timezone.now() + timedelta(hours=WARMUP + 1)) == 0
    assert services.raised_by(cheat) == 0


# --- the daily cap -----------------------------------------------------------------------------


def test_a_like_past_the_daily_cap_stands_but_earns_nothing(settings, campaign, make_user, make_work):
    settings.ENGAGEMENT_DAILY_ACTION_CAP = 2
    fan, works = make_user(), [make_work() for _ in range(3)]
    for work in works:
        services.set_like(fan, work, True)
    assert [amount for _, amount in like_entries()] == [100, 100, 0]
    assert all(services.like_stands(fan, work) for work in works)
    assert [services.like_worth(fan, work).state for work in works] == ["rouble", "rouble", "over_cap"]
    assert services.raised_by(fan) == 200


# --- limits shared by every worker -------------------------------------------------------------

OTHER_PROCESS = textwrap.dedent(
    """
    import django
    django.setup()
    from engagement.services.likes import RateLimited, check_rate
    for _ in range(3):
        check_rate("like-ip", "198.51.100.7", "3/min")
    try:
        check_rate("like-ip", "198.51.100.7", "3/min")
    except RateLimited as refusal:
        print(refusal.status, refusal.message)
    """
)


def test_the_ip_limit_is_one_counter_for_every_process(redis_cache, settings, campaign, make_user, make_work):
    with_rates(settings, like_ip="3/min")
    env = {"DJANGO_SETTINGS_MODULE": "config.settings", "CACHE_BACKEND": "redis", "REDIS_URL": redis_cache}
    other = subprocess.run(
        [sys.executable, "-c", OTHER_PROCESS], env={**os.environ, **env}, capture_output=True, text=True
    )
    assert other.returncode == 0, other.stderr
    assert other.stdout.startswith("429 Слишком много лайков подряд с вашего интернет-адреса: не больше 3 за минуту")
    # This process shares the counter the other one used up.
    with pytest.raises(services.RateLimited, match="интернет-адреса") as refusal:
        services.set_like(make_user(), make_work(), True, ip="198.51.100.7")
    assert refusal.value.status == 429
    assert services.set_like(make_user(), make_work(), True, ip="198.51.100.8") is not None


def test_the_account_limit_counts_in_redis(redis_cache, settings, campaign, make_user, make_work):
    with_rates(settings, like="2/min")
    fan = make_user()
    services.set_like(fan, make_work(), True)
    services.set_like(fan, make_work(), True)
    with pytest.raises(services.RateLimited, match="с вашего аккаунта: не больше 2 за минуту"):
        services.set_like(fan, make_work(), True)
    # The counter is in Redis, where every worker reads it, not in this process's memory.
    assert cache._cache.get_client().keys("*engagement:rate:like-account:*")
