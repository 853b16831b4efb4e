"""The platform's own API under /api/: each app's routes live in its `urls.py`."""

from django.urls import include, path

urlpatterns = [
    path("", include("learning.urls")),
    path("", include("media_pipeline.urls")),
    path("", include("engagement.urls")),
]
