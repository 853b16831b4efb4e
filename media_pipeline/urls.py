"""media_pipeline API routes, mounted under /api/ by config/api_urls.py."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from media_pipeline import api

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("media/videos", api.VideoViewSet, basename="video")
router.register("media/uploads", api.UploadViewSet, basename="video-upload")

urlpatterns = [path("", include(router.urls))]
