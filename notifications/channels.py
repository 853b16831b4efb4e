"""The edges: how a message leaves for each channel. Each sender takes a rendered `Message` and
either returns (the channel accepted it) or raises `ChannelError`, which says whether a later try
may succeed (`permanent=False`, optionally after `retry_after` seconds) or not.

VK: `messages.send` with the community token (https://dev.vk.com/ru/method/messages.send); the
answer is `{"response": <message id>}` or `{"error": {"error_code", "error_msg"}}`. `random_id` is
the delivery's id, so VK itself drops a repeated send of the same delivery.
Telegram: `sendMessage` (https://core.telegram.org/bots/api#sendmessage); the answer is
`{"ok": true, "result": {...}}` or `{"ok": false, "error_code", "description", "parameters"}`.
Base URLs come from settings (`VK_API_URL`, `TELEGRAM_API_URL`), so tests point at local servers.
"""

import smtplib
import threading
import time
from dataclasses import dataclass

import requests
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, mailers

VK_API_VERSION = "5.199"
# VK error codes (VK's errors.json): a later try may help with these...
VK_TRANSIENT_ERRORS = {1, 6, 9, 10}  # unknown, too many requests per second, flood control, internal
# ...never with these: auth failed, permission denied, user blocked the community / no permission.
VK_PERMANENT_ERRORS = {5, 7, 900, 901, 902}
HTTP_TIMEOUT = (3.05, 10)


class ChannelError(Exception):
    def __init__(self, message, *, permanent=False, retry_after=None):
        super().__init__(message)
        self.message = message
        self.permanent = permanent
        self.retry_after = retry_after


@dataclass
class Message:
    """What one delivery sends: the rendered notification and the address on its channel."""

    delivery_id: int
    address: str
    subject: str
    text: str
    html: str = ""
    headers: dict | None = None


_local = threading.local()


def http_session():
    """One keep-alive HTTP session per thread: a batch reuses its connection to VK or Telegram."""
    session = getattr(_local, "session", None)
    if session is None:
        session = _local.session = requests.Session()
    return session


def send_email(message, connection=None):
    letter = EmailMultiAlternatives(
        message.subject,
        message.text,
        settings.DEFAULT_FROM_EMAIL,
        [message.address],
        headers=message.headers or {},
        connection=connection,
    )
    if message.html:
        letter.attach_alternative(message.html, "text/html")
    try:
        if connection is None:
            mailers.default.send_messages([letter])
        else:
            connection.send_messages([letter])
    except smtplib.SMTPRecipientsRefused as error:  # the address itself: 5xx for good, 4xx for now
        codes = [code for code, _ in error.recipients.values()]
        raise ChannelError(f"SMTP: адрес не принят {codes}", permanent=all(500 <= c < 600 for c in codes))
    except OSError as error:  # smtplib's other errors are OSErrors too: refused, unreachable, replies
        code = getattr(error, "smtp_code", 0) or 0
        raise ChannelError(f"SMTP: {error}", permanent=500 <= code < 600)


def send_vk(message):
    token = settings.VK_MESSAGES_TOKEN
    if not token:
        raise ChannelError("VK: не задан токен сообщества (VK_MESSAGES_TOKEN).", permanent=True)
    try:
        answer = http_session().post(
            f"{settings.VK_API_URL}/method/messages.send",
            data={
                "user_id": message.address,
                "random_id": message.delivery_id,
                "message": message.text,
                "dont_parse_links": 0,
                "access_token": token,
                "v": VK_API_VERSION,
            },
            timeout=HTTP_TIMEOUT,
        )
    except requests.RequestException as error:
        raise ChannelError(f"VK: нет ответа ({error.__class__.__name__})")
    if answer.status_code >= 500:
        raise ChannelError(f"VK: HTTP {answer.status_code}")
    try:
        body = answer.json()
    except ValueError:
        raise ChannelError(f"VK: ответ не JSON (HTTP {answer.status_code})")
    if "response" in body:
        return body["response"]
    error = body.get("error") or {}
    code = error.get("error_code")
    text = f"VK {code}: {error.get('error_msg', 'неизвестная ошибка')}"
    raise ChannelError(text, permanent=code not in VK_TRANSIENT_ERRORS)


def send_telegram(message):
    token = settings.TELEGRAM_BOT_TOKEN
    if not token:
        raise ChannelError("Telegram: не задан токен бота (TELEGRAM_BOT_TOKEN).", permanent=True)
    try:
        answer = http_session().post(
            f"{settings.TELEGRAM_API_URL}/bot{token}/sendMessage",
            json={"chat_id": message.address, "text": message.text, "link_preview_options": {"is_disabled": True}},
            timeout=HTTP_TIMEOUT,
        )
    except requests.RequestException as error:
        raise ChannelError(f"Telegram: нет ответа ({error.__class__.__name__})")
    try:
        body = answer.json()
    except ValueError:
        raise ChannelError(f"Telegram: ответ не JSON (HTTP {answer.status_code})")
    if body.get("ok"):
        return body.get("result", {}).get("message_id")
    code = body.get("error_code") or answer.status_code
    text = f"Telegram {code}: {body.get('description', 'неизвестная ошибка')}"
    retry_after = (body.get("parameters") or {}).get("retry_after")
    # 429: too many requests (wait retry_after); 5xx: Telegram's side. 400/403 (chat not found, bot
    # blocked by the user) will not change by trying again.
    raise ChannelError(text, permanent=code not in (429,) and code < 500, retry_after=retry_after)


class Throttle:
    """At most `rate` sends per second (a simple pacing clock, one per channel in a worker)."""

    def __init__(self, rate):
        self.interval = 1.0 / rate if rate else 0.0
        self.next_at = 0.0

    def wait(self):
        if not self.interval:
            return
        now = time.monotonic()
        if self.next_at > now:
            time.sleep(self.next_at - now)
            now = self.next_at
        self.next_at = max(self.next_at, now) + self.interval
