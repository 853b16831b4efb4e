from django.urls import path

from reports.api import SettlementSearchView

urlpatterns = [
    path("settlements/", SettlementSearchView.as_view(), name="settlements-search"),
]
