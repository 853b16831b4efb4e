"""engagement API routes, mounted under /api/ by config/api_urls.py."""

urlpatterns = []
