"""The project's URLs plus one view that fails, to see what a visitor gets on a server error."""

from django.urls import path

from config.urls import urlpatterns as project_urlpatterns


def broken_view(request):
    raise RuntimeError("a bug the visitor must not see")


urlpatterns = [path("broken/", broken_view), *project_urlpatterns]
