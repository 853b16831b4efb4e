"""The platform's own API under /api/: each app's routes live in its `urls.py` and are listed here."""

urlpatterns = []
