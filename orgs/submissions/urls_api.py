from django.urls import path

from .api import FilingCreateAPI, FilingStateAPI

urlpatterns = [
    path("filings", FilingCreateAPI.as_view(), name="api-filing-create"),
    path("filings/<int:pk>", FilingStateAPI.as_view(), name="api-filing-state"),
]
