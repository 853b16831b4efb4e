"""Admin: editors' announcements (with the preview-and-send screen and progress) and the delivery
log staff read (every try on every channel, read-only)."""

from django.contrib.admin.utils import unquote
from django.shortcuts import redirect
from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin import messages
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.admin.ui.menus import MenuItem as ListingMenuItem
from wagtail.admin.ui.tables import Column
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import DeleteView, EditView, IndexView, SnippetViewSet, SnippetViewSetGroup

from notifications import admin_views
from notifications.models import Announcement, DeliveryAttempt


@hooks.register("register_admin_urls")
def notifications_admin_urls():
    return [
        path("notifications/announcements/<int:pk>/send/", admin_views.send, name="notifications_announcement_send"),
        path(
            "notifications/announcements/<int:pk>/progress/",
            admin_views.progress,
            name="notifications_announcement_progress",
        ),
    ]


class LogOnlyPolicy(ModelPermissionPolicy):
    """The delivery log is written by the worker: nobody adds, edits or deletes a try."""

    def user_has_permission(self, user, action):
        if action in ("add", "change", "delete"):
            return False
        return super().user_has_permission(user, action)


register_permission_policy(DeliveryAttempt, LogOnlyPolicy(DeliveryAttempt), exact_class=True)


class DeliveryAttemptViewSet(SnippetViewSet):
    model = DeliveryAttempt
    icon = "list-ul"
    menu_label = "Журнал доставки"
    list_display = [
        "created_at",
        Column("notification", label="уведомление", accessor="delivery.notification"),
        "channel",
        "number",
        "status",
        "error",
        "next_try_at",
    ]
    list_filter = ["channel", "status"]
    ordering = ["-created_at"]
    inspect_view_enabled = True

    def get_queryset(self, request):
        return DeliveryAttempt.objects.select_related("delivery__notification")


class DraftsOnlyMixin:
    """An announcement can be edited or deleted while it is a draft; once queued it is a record:
    the admin goes to its progress screen instead."""

    def dispatch(self, request, *args, **kwargs):
        announcement = Announcement.objects.filter(pk=unquote(str(kwargs.get("pk", "")))).first()
        if announcement is not None and announcement.status != Announcement.Status.DRAFT:
            messages.error(request, "Отправленное объявление изменить или удалить нельзя.")
            return redirect("notifications_announcement_send", pk=announcement.pk)
        return super().dispatch(request, *args, **kwargs)


class AnnouncementEditView(DraftsOnlyMixin, EditView):
    pass


class AnnouncementDeleteView(DraftsOnlyMixin, DeleteView):
    pass


class AnnouncementIndexView(IndexView):
    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        label = "Проверить и отправить" if instance.status == Announcement.Status.DRAFT else "Ход рассылки"
        buttons.append(
            ListingMenuItem(
                label, reverse("notifications_announcement_send", args=[instance.pk]), icon_name="mail", priority=5
            )
        )
        return buttons


class AnnouncementViewSet(SnippetViewSet):
    model = Announcement
    icon = "mail"
    menu_label = "Объявления"
    index_view_class = AnnouncementIndexView
    edit_view_class = AnnouncementEditView
    delete_view_class = AnnouncementDeleteView
    list_display = ["title", "audience", "status", "total", "done", "created_at"]
    list_filter = ["status", "audience"]
    panels = [
        FieldPanel("title"),
        FieldPanel("body"),
        FieldPanel("url"),
        MultiFieldPanel(
            [FieldPanel("audience"), FieldPanel("direction"), FieldPanel("season"), FieldPanel("region")],
            heading="Кому",
        ),
    ]


class NotificationsViewSetGroup(SnippetViewSetGroup):
    menu_label = "Уведомления"
    menu_icon = "mail"
    menu_order = 270
    items = (AnnouncementViewSet, DeliveryAttemptViewSet)


register_snippet(NotificationsViewSetGroup)
