"""The notification centre and preferences in the cabinet, the unsubscribe link, and the VK and
Telegram callbacks; mounted at the site root by config/urls.py."""

from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("cabinet/notifications/", views.centre, name="centre"),
    path("cabinet/notifications/read/", views.mark_read, name="mark_read"),
    path("cabinet/notifications/settings/", views.settings_page, name="settings"),
    path("notifications/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("notifications/telegram/webhook/", views.telegram_webhook, name="telegram_webhook"),
    path("notifications/vk/callback/", views.vk_callback, name="vk_callback"),
]
