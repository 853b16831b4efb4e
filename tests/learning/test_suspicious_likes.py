"""The «Подозрительная активность» screen: clusters of likes on one work from one network or from
accounts created together, voided in one step through engagement's void_account."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from engagement import services as engagement
from engagement.models import LedgerEntry
from learning import selectors, services
from learning.models import Like, LikeClusterVoid
from tests.factories import image_upload

pytestmark = pytest.mark.django_db
SCREEN = "/admin/learning/suspicious/"
VOID = "/admin/learning/suspicious/void/"


@pytest.fixture
def published(student, assignment, moderator, campaign):
    work = services.submit_work(student, assignment, title="Песня о лете", files=[image_upload()])
    return services.approve_submission(work, moderator)


@pytest.fixture
def twenty_from_one_subnet(settings, published, make_user, make_student):
    """Twenty accounts made one after another (two of them children) like one work from 203.0.113.0/24,
    still in their first day; the day passes and their roubles are recorded."""
    settings.ENGAGEMENT_LIKE_WARMUP_HOURS = 24
    accounts = [make_user(f"bot{n}") for n in range(18)]
    accounts += [
        make_student(email=f"kid{n}@example.org", first_name="Петя", surname="Секретов").user for n in range(2)
    ]
    for n, account in enumerate(accounts):
        services.set_like(account, published, True, ip=f"203.0.113.{n + 1}")
    assert not LedgerEntry.objects.filter(kind="like").exists()  # still in their first day
    assert engagement.count_warmed_up_likes(now=timezone.now() + timedelta(hours=25)) == 20
    return accounts


@pytest.fixture
def honest_fan(make_user, django_user_model, published):
    fan = make_user("honest")
    django_user_model.objects.filter(pk=fan.pk).update(date_joined=timezone.now() - timedelta(days=60))
    fan.refresh_from_db()
    services.set_like(fan, published, True, ip="192.0.2.5")
    return fan


def test_twenty_new_accounts_from_one_subnet_are_one_cluster_and_voiding_it_compensates_every_entry(
    client, moderator, published, twenty_from_one_subnet, honest_fan, campaign
):
    clusters = selectors.suspicious_clusters()
    assert len(clusters) == 1
    cluster = clusters[0]
    assert sorted(cluster.account_ids) == sorted(account.pk for account in twenty_from_one_subnet)
    assert (cluster.likes, cluster.addresses, cluster.submission_id) == (20, 20, published.pk)
    assert cluster.reasons[0] == "из одной сети 203.0.113.0/24"
    assert cluster.reasons[1].startswith("аккаунты созданы друг за другом: 20 за")
    assert services.raised_by(honest_fan) == campaign.rate_like

    client.force_login(moderator)
    page = client.get(SCREEN).content.decode()
    assert "203.0.113.0/24" in page and "Петя С. (ученик)" in page and "Секретов" not in page
    response = client.post(VOID, {"cluster": cluster.id, "reason": "ботофермa из одной подсети"})
    assert response.status_code == 302

    compensations = LedgerEntry.objects.filter(reverses__isnull=False)
    assert compensations.count() == 20
    assert set(compensations.values_list("actor_user_id", flat=True)) == {a.pk for a in twenty_from_one_subnet}
    assert all(entry.reason == "аннулировано: группа лайков: ботофермa из одной подсети" for entry in compensations)
    # What stands: the approved work and the honest like.
    assert engagement.counter(campaign)["raised_kopecks"] == campaign.rate_work_approved + campaign.rate_like
    assert all(balance.balanced for balance in engagement.reconcile())
    call_command("reconcile_ledger")  # exits non-zero on any imbalance
    published.refresh_from_db()
    assert published.like_count == 1 and list(Like.objects.values_list("user_id", flat=True)) == [honest_fan.pk]
    record = LikeClusterVoid.objects.get()
    assert (record.moderator, record.reason, record.compensations) == (moderator, "ботофермa из одной подсети", 20)
    assert record.accounts.count() == 20 and record.description.startswith(f"работа №{published.pk}")
    assert selectors.suspicious_clusters() == []
    assert "ботофермa из одной подсети" in client.get(SCREEN).content.decode()


def test_a_few_likes_from_one_network_are_no_cluster(published, make_user):
    for n in range(5):
        services.set_like(make_user(f"neighbour{n}"), published, True, ip=f"198.51.100.{n + 1}")
    assert selectors.suspicious_clusters() == []


def test_ipv6_likes_group_by_their_64_network(settings, published, make_user):
    settings.ENGAGEMENT_CLUSTER_MIN_LIKES = 3
    settings.ENGAGEMENT_CLUSTER_JOIN_MINUTES = 0
    for n in range(3):
        services.set_like(make_user(f"six{n}"), published, True, ip=f"2001:db8:1:2::{n + 1}")
    [cluster] = selectors.suspicious_clusters()
    assert cluster.reasons == ["из одной сети 2001:db8:1:2::/64"]


def test_only_those_who_may_void_see_the_screen_and_a_void_needs_a_post_and_a_reason(
    client, moderator, editor, published, twenty_from_one_subnet
):
    [cluster] = selectors.suspicious_clusters()
    client.force_login(editor)  # in the admin, but may not void accounts: Wagtail turns a refusal into a redirect
    for refused in (client.get(SCREEN), client.post(VOID, {"cluster": cluster.id, "reason": "боты"})):
        assert (refused.status_code, refused.url) == (302, "/admin/")
    assert "Подозрительная активность" not in client.get("/admin/").content.decode()

    client.force_login(moderator)
    assert client.get(VOID + f"?cluster={cluster.id}&reason=боты").status_code == 405
    refused = client.post(VOID, {"cluster": cluster.id, "reason": "  "})
    assert refused.status_code == 400
    assert "Укажите причину аннулирования" in refused.content.decode()
    missing = client.post(VOID, {"cluster": "1-nonsense", "reason": "боты"})
    assert missing.status_code == 404
    assert "Такой группы больше нет" in missing.content.decode()
    assert not LedgerEntry.objects.filter(reverses__isnull=False).exists()
    assert not LikeClusterVoid.objects.exists()


def test_addresses_are_forgotten_after_the_retention_period(settings, published, make_user):
    services.set_like(make_user("fan"), published, True, ip="203.0.113.9")
    like = Like.objects.get()
    assert (like.ip, like.network) == ("203.0.113.9", "203.0.113.0/24")
    assert services.forget_like_addresses(now=timezone.now() + timedelta(days=29)) == 0
    assert services.forget_like_addresses(now=timezone.now() + timedelta(days=31)) == 1
    like.refresh_from_db()
    assert (like.ip, like.network) == (None, "")


def test_addresses_are_never_public(client, published, make_user):
    services.set_like(make_user("fan"), published, True, ip="203.0.113.9")
    assert "203.0.113" not in client.get(f"/api/gallery/{published.pk}/").content.decode()
    assert "203.0.113" not in client.get(f"/gallery/{published.pk}/").content.decode()


def test_a_new_accounts_like_button_says_its_rouble_comes_after_the_first_day(settings, client, published, make_user):
    settings.ENGAGEMENT_LIKE_WARMUP_HOURS = 24
    client.force_login(make_user("grandma"))
    page = client.get(f"/gallery/{published.pk}/").content.decode()
    assert "Ваш аккаунт новый: лайк виден сразу, а его рубль зачислится после первых суток" in page
    answer = client.post(f"/gallery/{published.pk}/like/", {"action": "like"}, HTTP_ACCEPT="application/json")
    assert answer.status_code == 200
    assert answer.json()["likes"] == 1
    assert answer.json()["message"].startswith("Спасибо! Лайк засчитан. Ваш аккаунт новый: рубль за него зачислится")


def test_too_many_likes_from_one_address_get_a_russian_429(settings, client_for, published, make_user):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "like_ip": "1/min"},
    }
    assert client_for(make_user("one")).post(f"/api/gallery/{published.pk}/like/").status_code == 200
    refused = client_for(make_user("two")).post(f"/api/gallery/{published.pk}/like/")
    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited"
    assert "с вашего интернет-адреса" in refused.json()["detail"]
