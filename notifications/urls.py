"""notifications API routes, mounted under /api/ by config/api_urls.py (the pages: page_urls.py)."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from notifications import api

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("notifications", api.NotificationViewSet, basename="notification")

urlpatterns = [path("", include(router.urls))]
