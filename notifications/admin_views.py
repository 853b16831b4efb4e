"""The announcement's preview-and-send screen: the message as people will read it, how many it
reaches, a send button; afterwards the worker's progress."""

from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from wagtail.admin import messages

from config.errors import ServiceError
from config.text import quoted
from notifications.models import Announcement
from notifications.services import announcements

SEND_PERMISSION = "notifications.change_announcement"


def send(request, pk):
    if not request.user.has_perm(SEND_PERMISSION):
        raise PermissionDenied
    announcement = get_object_or_404(Announcement.objects.select_related("direction", "season", "region"), pk=pk)
    if request.method == "POST":
        try:
            announcements.start(announcement)
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"Объявление {quoted(announcement.title)} поставлено в очередь на рассылку.")
        return redirect("notifications_announcement_send", pk=announcement.pk)
    count = (
        announcements.recipient_count(announcement)
        if announcement.status == Announcement.Status.DRAFT
        else announcement.total
    )
    return TemplateResponse(
        request,
        "notifications/admin/announcement_send.html",
        {"announcement": announcement, "count": count, "header_title": "Объявление: проверка и отправка"},
    )


def progress(request, pk):
    if not request.user.has_perm("notifications.view_announcement"):
        raise PermissionDenied
    a = get_object_or_404(Announcement, pk=pk)
    return JsonResponse({"status": a.status, "total": a.total, "done": a.done, "percent": a.percent})
