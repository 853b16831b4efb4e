"""Pages of events, mounted at the site root by config/urls.py (before Wagtail's page serving)."""

from django.urls import path

from events import views

app_name = "events"

urlpatterns = [
    path("event-registration/<int:event_id>/", views.register, name="register"),
    path("tickets/<int:pk>/qr.png", views.ticket_qr, name="ticket_qr"),
    path("tickets/<int:pk>/ticket.pdf", views.ticket_pdf, name="ticket_pdf"),
    path("tickets/<int:pk>/event.ics", views.ticket_ics, name="ticket_ics"),
    path("tickets/<int:pk>/cancel/", views.cancel, name="cancel"),
    path("volunteer/shifts/<int:pk>/", views.shift_sign_up, name="shift_sign_up"),
    path("volunteer/name/", views.volunteer_name, name="volunteer_name"),
    path("volunteer/signups/<int:pk>/cancel/", views.shift_cancel, name="shift_cancel"),
    path("check-in/<int:event_id>/", views.check_in_page, name="check_in"),
]
