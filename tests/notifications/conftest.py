"""Notifications tests: the world's edges are real local servers (tests/notifications/edges.py);
people and content are built through the project's own services."""

import functools

import pytest

from tests import factories
from tests.notifications.edges import SMTPServer, TelegramServer, VKServer

PASSWORD = "Уведомления-2026"


@pytest.fixture(scope="session")
def edge_servers():
    servers = {"vk": VKServer().start(), "telegram": TelegramServer().start(), "smtp": SMTPServer().start()}
    yield servers
    for server in servers.values():
        server.stop()


@pytest.fixture(autouse=True)
def edges(edge_servers, settings, fresh_cache, fast_password_hashing):
    """Every test talks to fresh recordings of the local VK, Telegram and SMTP servers."""
    for server in edge_servers.values():
        server.reset()
    settings.SITE_URL = "http://testserver"
    settings.VK_API_URL = edge_servers["vk"].url
    settings.VK_MESSAGES_TOKEN = edge_servers["vk"].token
    settings.VK_MESSAGES_GROUP_ID = 4242
    settings.VK_MESSAGES_CALLBACK_SECRET = "vk-callback-secret"
    settings.VK_MESSAGES_CALLBACK_CONFIRMATION = "c0nf1rm"
    settings.TELEGRAM_API_URL = edge_servers["telegram"].url
    settings.TELEGRAM_BOT_TOKEN = edge_servers["telegram"].token
    settings.TELEGRAM_WEBHOOK_SECRET = "tg-webhook-secret"
    settings.MAILERS = {"default": edge_servers["smtp"].mailer()}
    settings.NOTIFICATIONS_RATES = {}
    # Quiet hours would make a test's outcome depend on the hour it runs; the tests of quiet hours
    # set them back to 22–8.
    settings.NOTIFICATIONS_QUIET_HOURS = (0, 0)
    return edge_servers


@pytest.fixture
def vk(edges):
    return edges["vk"]


@pytest.fixture
def telegram(edges):
    return edges["telegram"]


@pytest.fixture
def smtp(edges):
    return edges["smtp"]


@pytest.fixture
def make_user(db):
    return functools.partial(factories.make_user, password=PASSWORD)


@pytest.fixture
def make_child(db):
    from tests.factories import make_child

    return functools.partial(make_child, password=PASSWORD)


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    """Run the code as a request would, then let its transaction commit (the queued sends run)."""

    def run(action, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return action(*args, **kwargs)

    return run
