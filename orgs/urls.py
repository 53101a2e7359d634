from django.urls import path

from . import views
from .opendata import views as open_data_views

app_name = "orgs"

urlpatterns = [
    path("", views.organization_list_view, name="list"),
    path("<str:org_id>/", views.organization_profile_view, name="profile"),
    path("<str:org_id>/badge.svg", open_data_views.badge_view, name="badge"),
    path(
        "<str:org_id>/filings/<int:pk>/document",
        views.filing_document_view,
        name="filing-document",
    ),
]
