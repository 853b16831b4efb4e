"""The platform's own API under /api/: each app's routes live in its `urls.py`."""

from django.urls import include, path

urlpatterns = [
    # First: the donation counter is the hottest public endpoint, and every include tried before
    # it costs each request (bench/bench_ledger.py measures it against the framework floor).
    path("", include("engagement.urls")),
    path("", include("learning.urls")),
    path("", include("certificates.urls")),
    path("", include("events.urls")),
    path("", include("notifications.urls")),
    path("", include("media_pipeline.urls")),
    path("", include("reports.urls")),
]
