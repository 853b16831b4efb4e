"""The project's URLs plus a view that fails and one that refuses, to see what a visitor gets."""

from django.core.exceptions import PermissionDenied
from django.urls import path

from config.urls import urlpatterns as project_urlpatterns


def broken_view(request):
    raise RuntimeError("a bug the visitor must not see")


def forbidden_view(request):
    raise PermissionDenied("an internal reason the visitor must not see")


urlpatterns = [path("broken/", broken_view), path("forbidden/", forbidden_view), *project_urlpatterns]
