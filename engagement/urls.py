"""engagement API routes, mounted under /api/ by config/api_urls.py."""

from django.urls import path

from engagement import api

# The donation counter, /api/engagement/counter/, is the first route of config/urls.py.
urlpatterns = [
    path("engagement/me/", api.MyImpactView.as_view(), name="engagement-me"),
    path("engagement/transparency/", api.TransparencyView.as_view(), name="engagement-transparency"),
    path("engagement/digests/", api.DailyDigestListView.as_view(), name="engagement-digests"),
    path("vk/callback/", api.VkCallbackView.as_view(), name="vk-callback"),
]
