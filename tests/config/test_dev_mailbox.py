"""Development emails are readable: with DEBUG on they land as .eml files in VAR_DIR/mail/, read at
/dev/mail/ as text with clickable links, linked from the banner; with DEBUG off there is nothing.
The task worker's console log has one short line per task."""

import io
import logging
import logging.config

import pytest
from django.core import mail

from config.dev_mailbox import MailboxBackend

pytestmark = pytest.mark.django_db
LINK = "http://127.0.0.1:8102/api/guardian/consent/abc/"


@pytest.fixture
def mailbox(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.DEBUG = True
    settings.EMAIL_BACKEND_NAME = "mailbox"
    return tmp_path / "mail"


def send(subject="Подтвердите участие ребёнка"):
    with MailboxBackend() as backend:
        message = mail.EmailMessage(
            subject, f"Здравствуйте!\n\nЧтобы подтвердить, откройте ссылку:\n{LINK}\n", to=["parent@example.com"]
        )
        return backend.send_messages([message])


def test_an_email_is_saved_as_eml_and_read_with_a_clickable_link(mailbox, client):
    console = io.StringIO()
    handler = logging.StreamHandler(console)
    logger = logging.getLogger("config.mail")
    logger.addHandler(handler)
    try:
        assert send() == 1
    finally:
        logger.removeHandler(handler)
    files = list(mailbox.glob("*.eml"))
    assert len(files) == 1 and b"Subject:" in files[0].read_bytes()
    printed = console.getvalue().splitlines()
    assert len(printed) == 1 and "parent@example.com" in printed[0] and f"/dev/mail/{files[0].name}" in printed[0]

    home = client.get("/gallery/").content.decode()
    assert 'href="/dev/mail/"' in home  # the development banner
    answer = client.get("/dev/mail/")
    assert "public" not in answer["Cache-Control"]  # guardians' links: never in a shared page cache
    inbox = answer.content.decode()
    assert "Подтвердите участие ребёнка" in inbox and "parent@example.com" in inbox
    letter = client.get(f"/dev/mail/{files[0].name}").content.decode()
    assert f'<a href="{LINK}"' in letter and "Здравствуйте!" in letter  # decoded, not base64


def test_the_mailbox_is_not_there_without_debug(mailbox, client, settings, fresh_cache):
    send()
    name = next(mailbox.glob("*.eml")).name
    settings.DEBUG = False
    assert client.get("/dev/mail/").status_code == 404
    assert client.get(f"/dev/mail/{name}").status_code == 404
    assert 'href="/dev/mail/"' not in client.get("/gallery/").content.decode()


def test_no_file_outside_the_mailbox_is_read(mailbox, client):
    send()
    assert client.get("/dev/mail/..%2Fsecret_key").status_code == 404
    assert client.get("/dev/mail/secret_key").status_code == 404


def test_debug_defaults_to_the_mailbox_and_production_to_smtp():
    import os
    import subprocess
    import sys

    code = "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings'; django.setup();" \
        "from django.conf import settings as s; print(s.EMAIL_BACKEND_NAME)"  # fmt: skip
    env = {k: v for k, v in os.environ.items() if k != "EMAIL_BACKEND"}
    for debug, expected in [("1", "mailbox"), ("0", "smtp")]:
        extra = {"DEBUG": debug, "SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "example.com"}
        run = subprocess.run([sys.executable, "-c", code], env={**env, **extra}, capture_output=True, text=True)
        assert run.stdout.strip() == expected, run.stderr[-500:]


def test_the_worker_logs_one_short_line_per_task(settings):
    """Django's django.tasks and the backport both log each task as it starts and as it ends, and
    Django's own console handler printed them again: the console now shows one line per task."""
    import copy

    import django_tasks.signals as backport
    from django.utils.log import DEFAULT_LOGGING

    from config.tasks import heartbeat

    buffer = io.StringIO()
    logging.config.dictConfig(DEFAULT_LOGGING)  # what Django configures first, then settings.LOGGING
    logging.config.dictConfig(copy.deepcopy(settings.LOGGING))
    settings.DEBUG = True
    for handler in logging.getLogger().handlers + logging.getLogger("django").handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(buffer)
    from cms.models import Season

    try:
        result = heartbeat.enqueue()
        backport.log_task_started(sender=None, task_result=result)
        backport.log_task_finished(sender=None, task_result=result)
        # A task run at once while an exception is handled (a save in get_or_create after
        # DoesNotExist, as the benchmarks' demo loading does) printed that exception's traceback.
        try:
            Season.objects.get(name="нет такого")
        except Season.DoesNotExist:
            inside = heartbeat.enqueue()
    finally:
        logging.config.dictConfig(copy.deepcopy(settings.LOGGING))
    lines = [line for line in buffer.getvalue().splitlines() if str(result.id) in line or result.id[:8] in line]
    assert lines == [f"задача config.tasks.heartbeat: SUCCESSFUL ({result.id[:8]})"], buffer.getvalue()
    assert f"SUCCESSFUL ({inside.id[:8]})" in buffer.getvalue()
    assert "Traceback" not in buffer.getvalue() and "DoesNotExist" not in buffer.getvalue(), buffer.getvalue()
