"""The development mailbox: with DEBUG on, the site's emails are saved as .eml files in
VAR_DIR/mail/ and read at /dev/mail/ as plain text with clickable links (a guardian's consent link,
an approval notice...). The console gets one short line per email. With DEBUG off (or another
email backend) the pages answer 404 and nothing is saved here."""

import datetime
import itertools
import logging
import re
from email import policy
from email.parser import BytesParser
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.http import Http404
from django.shortcuts import render
from django.urls import path

logger = logging.getLogger("config.mail")
NAME = re.compile(r"^[0-9]{8}-[0-9]{6}-[0-9]{6}-[0-9]+\.eml$")
_counter = itertools.count(1)


def mailbox_dir():
    return Path(settings.VAR_DIR) / "mail"


def enabled():
    return bool(settings.DEBUG) and settings.EMAIL_BACKEND_NAME == "mailbox"


class MailboxBackend(BaseEmailBackend):
    """Writes each message to its own .eml file (what a mail client opens) and logs one line."""

    def send_messages(self, email_messages):
        folder = mailbox_dir()
        folder.mkdir(parents=True, exist_ok=True)
        sent = 0
        for message in email_messages:
            if not message.recipients():
                continue
            now = datetime.datetime.now()
            name = f"{now:%Y%m%d-%H%M%S-%f}-{next(_counter)}.eml"
            (folder / name).write_bytes(message.message().as_bytes())
            logger.info("Письмо для %s: «%s» — %s/dev/mail/%s", ", ".join(message.to), message.subject,
                        settings.SITE_URL, name)  # fmt: skip
            sent += 1
        return sent


def _read(file):
    message = BytesParser(policy=policy.default).parsebytes(file.read_bytes())
    body = message.get_body(preferencelist=("plain", "html"))
    return {
        "name": file.name,
        "subject": message["subject"] or "(без темы)",
        "to": message["to"] or "",
        "from": message["from"] or "",
        "date": message["date"] or "",
        "text": body.get_content() if body else "",
    }


def inbox(request):
    if not enabled():
        raise Http404
    folder = mailbox_dir()
    files = sorted(folder.glob("*.eml"), reverse=True) if folder.is_dir() else []
    return render(request, "site_theme/dev_mailbox.html", {"letters": [_read(f) for f in files[:200]]})


def letter(request, name):
    file = mailbox_dir() / name
    if not enabled() or not NAME.match(name) or not file.is_file():
        raise Http404
    return render(request, "site_theme/dev_letter.html", {"letter": _read(file)})


urlpatterns = [
    path("dev/mail/", inbox, name="dev-mailbox"),
    path("dev/mail/<str:name>", letter, name="dev-letter"),
]


def context(request):
    """Template context: whether to show the development banner with the mailbox link."""
    return {"dev_mailbox": enabled()}
