from django.urls import path

from . import views

app_name = "regulator"

urlpatterns = [
    path("flags/", views.flag_queue, name="flags"),
    path("flags/bulk/", views.flag_bulk, name="flags-bulk"),
    path("flags/<int:pk>/", views.flag_detail, name="flag"),
    path("appeals/", views.appeals, name="appeals"),
    path("concerns/", views.concern_queue, name="concerns"),
    path("concerns/<str:reference>/", views.concern_detail, name="concern"),
    path("entries/<int:pk>/remove/", views.entry_remove, name="entry-remove"),
]
