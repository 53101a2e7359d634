from django.urls import path

from . import views

urlpatterns = [
    path("", views.report_concern, name="report-concern"),
    path("<str:reference>/", views.concern_status, name="concern-status"),
]
