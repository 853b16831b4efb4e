"""Thin views: the notification centre and preferences (signed in), the unsubscribe page (no sign-in:
the signed token is the permission), and the messengers' callbacks (their own secrets)."""

import hmac
import json

from csp.decorators import csp_update
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from config.errors import ServiceError
from notifications import selectors
from notifications.models import Channel, Kind
from notifications.services import notify as notifying
from notifications.services import preferences

LOGIN_URL = "site_theme:login"


def _render(request, template, context, status=200):
    context["layout"] = settings.NOTIFICATIONS_PAGE_LAYOUT
    return render(request, template, context, status=status)


@login_required(login_url=LOGIN_URL)
def centre(request):
    page = Paginator(selectors.notifications_for(request.user), 20).get_page(request.GET.get("page"))
    return _render(
        request, "notifications/centre.html", {"page_obj": page, "unread": selectors.unread_count(request.user)}
    )


@login_required(login_url=LOGIN_URL)
@require_POST
def mark_read(request):
    if request.POST.get("all"):
        notifying.mark_all_read(request.user)
    else:
        try:
            notification_id = int(request.POST.get("id", ""))
            if not 0 < notification_id < 2**63:
                raise ValueError
            notifying.mark_read(request.user, notification_id)
        except (ValueError, ServiceError):
            messages.error(request, "Такого уведомления нет.")
    return redirect("notifications:centre")


@login_required(login_url=LOGIN_URL)
@csp_update({"script-src": ["https://vk.com"], "frame-src": ["https://vk.com"]})  # VK's allow widget
def settings_page(request):
    if request.method == "POST":
        choices = {
            (kind, channel)
            for kind in Kind.values
            for channel in Channel.values
            if request.POST.get(f"{kind}:{channel}")
        }
        preferences.set_preferences(request.user, choices, weekly_digest=bool(request.POST.get("weekly_digest")))
        messages.success(request, "Настройки уведомлений сохранены.")
        return redirect("notifications:settings")
    links = {link.channel: link for link in request.user.channel_links.all()}
    context = {
        "rows": selectors.preference_rows(request.user),
        "weekly_digest": preferences.wants_weekly_digest(request.user),
        "telegram": links.get(Channel.TELEGRAM),
        "telegram_url": preferences.telegram_start_url(request.user),
        "vk": links.get(Channel.VK),
        "vk_group_id": settings.VK_MESSAGES_GROUP_ID,
        "vk_key": preferences.vk_allow_key(request.user) if settings.VK_MESSAGES_GROUP_ID else "",
    }
    return _render(request, "notifications/settings.html", context)


@csrf_exempt  # the signed token in the URL is the permission; mail clients POST it (RFC 8058)
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    """GET shows what the link does and a button (link scanners only GET); POST unsubscribes."""
    try:
        data = preferences.read_unsubscribe_token(token)
        kind = Kind(data["k"])
        if request.method == "POST":
            preferences.unsubscribe(token)
            return _render(request, "notifications/unsubscribe.html", {"kind": kind, "done": True})
    except ServiceError as error:
        return _render(request, "notifications/unsubscribe.html", {"error": error.message}, status=error.status)
    return _render(request, "notifications/unsubscribe.html", {"kind": kind, "token": token})


def _json_body(request):
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return None
    return body if isinstance(body, dict) else None


@csrf_exempt
@require_POST
def telegram_webhook(request):
    """Telegram's updates (setWebhook with secret_token). `/start <token>` from the deep link ties the
    chat to an account; the answer to it is returned as a method in the webhook's response, so the
    request sends nothing itself. A bot blocked by the person stops that chat's messages."""
    secret = settings.TELEGRAM_WEBHOOK_SECRET
    given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
    if not secret or not hmac.compare_digest(given, secret):
        return JsonResponse({"detail": "Неверный секретный токен."}, status=403)
    update = _json_body(request)
    if update is None:
        return JsonResponse({"detail": "Ожидался JSON с обновлением Telegram."}, status=400)
    member = update.get("my_chat_member") or {}
    if (member.get("new_chat_member") or {}).get("status") == "kicked":
        preferences.telegram_chat_blocked((member.get("chat") or {}).get("id"))
        return JsonResponse({})
    message = update.get("message") or {}
    text, chat_id = (message.get("text") or "").strip(), (message.get("chat") or {}).get("id")
    if not chat_id or not text.startswith("/start"):
        return JsonResponse({})
    token = text.partition(" ")[2].strip()
    link = preferences.connect_telegram(token, chat_id) if token else None
    reply = (
        "Готово! Теперь уведомления «Поколения М» будут приходить сюда. Настроить их можно в кабинете."
        if link
        else "Откройте бота по ссылке из кабинета «Поколения М» (раздел «Настройки уведомлений»), "
        "чтобы получать уведомления."
    )
    return JsonResponse({"method": "sendMessage", "chat_id": chat_id, "text": reply})


@csrf_exempt
@require_POST
def vk_callback(request):
    """VK Callback API for the community's messages: `confirmation`, then `message_allow` (with the
    widget's key) and `message_deny`. VK expects the plain string `ok`."""
    event = _json_body(request)
    if event is None:
        return HttpResponse("Ожидался JSON события VK.", status=400, content_type="text/plain; charset=utf-8")
    if settings.VK_MESSAGES_GROUP_ID and event.get("group_id") != settings.VK_MESSAGES_GROUP_ID:
        return HttpResponse("Неизвестное сообщество.", status=403, content_type="text/plain; charset=utf-8")
    if event.get("type") == "confirmation":
        return HttpResponse(settings.VK_MESSAGES_CALLBACK_CONFIRMATION, content_type="text/plain")
    secret = settings.VK_MESSAGES_CALLBACK_SECRET
    if not secret or not hmac.compare_digest(str(event.get("secret", "")), secret):
        return HttpResponse("Неверный секретный ключ.", status=403, content_type="text/plain; charset=utf-8")
    payload = event.get("object") or {}
    user_id = payload.get("user_id")
    if event.get("type") == "message_allow" and isinstance(user_id, int):
        preferences.vk_messages_allowed(user_id, str(payload.get("key") or ""))
    elif event.get("type") == "message_deny" and isinstance(user_id, int):
        preferences.vk_messages_denied(user_id)
    return HttpResponse("ok", content_type="text/plain")
