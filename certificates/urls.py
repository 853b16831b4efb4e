"""certificates API routes, mounted under /api/ by config/api_urls.py (the pages: page_urls.py)."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from certificates import api

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("certificates", api.CertificateViewSet, basename="certificate")

urlpatterns = [
    path("certificates/verify/<str:code>/", api.VerifyView.as_view(), name="certificate-verify"),
    path("", include(router.urls)),
]
