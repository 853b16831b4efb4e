"""engagement API routes, mounted under /api/ by config/api_urls.py."""

from django.urls import path

from engagement import api, ledger_api

# The donation counter, /api/engagement/counter/, and the VK callback, /api/vk/callback/, are the
# first routes of config/urls.py.
urlpatterns = [
    path("engagement/me/", api.MyImpactView.as_view(), name="engagement-me"),
    path("engagement/transparency/", api.TransparencyView.as_view(), name="engagement-transparency"),
    path("engagement/digests/", api.DailyDigestListView.as_view(), name="engagement-digests"),
    path("engagement/ledger/", ledger_api.LedgerSummaryView.as_view(), name="engagement-ledger"),
    path("engagement/receipts/<str:code>/", ledger_api.ReceiptView.as_view(), name="engagement-receipt"),
    path("engagement/days/<str:day>.jsonl", ledger_api.DayFileView.as_view(), name="engagement-day-file"),
]
