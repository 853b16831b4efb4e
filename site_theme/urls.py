"""Routes of the bundled site (mounted at the root, before Wagtail's page serving)."""

urlpatterns = []
