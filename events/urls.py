"""events API routes, mounted under /api/ by config/api_urls.py (the pages: page_urls.py)."""

from django.urls import path

from events import api

urlpatterns = [
    path("events/<int:event_id>/check-ins/", api.CheckInSyncView.as_view(), name="events-check-ins"),
]
