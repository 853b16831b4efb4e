"""The public verification page and the PDF download, mounted at /certificates/ by config/urls.py."""

from django.urls import path

from certificates import views

app_name = "certificates"

urlpatterns = [
    path("", views.lookup, name="lookup"),
    path("<str:code>/", views.verify, name="verify"),
    path("<str:code>/pdf/", views.download, name="pdf"),
]
