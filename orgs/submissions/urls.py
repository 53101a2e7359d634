from django.urls import path

from . import views

app_name = "account"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("orgs/<str:org_id>/filings/new/", views.filing_new, name="filing-new"),
    path("orgs/<str:org_id>/tokens/", views.token_create, name="token-create"),
    path(
        "orgs/<str:org_id>/template.<str:kind>",
        views.template_download,
        name="template-download",
    ),
    path("orgs/<str:org_id>/upload/", views.template_upload, name="template-upload"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token-revoke"),
    path("filings/<int:pk>/", views.filing_detail, name="filing"),
    path("filings/<int:pk>/edit/", views.filing_edit, name="filing-edit"),
    path("filings/<int:pk>/submit/", views.filing_submit, name="filing-submit"),
    path(
        "filings/<int:pk>/attachment/",
        views.filing_attachment,
        name="filing-attachment",
    ),
]
