from django.urls import path

from . import views

app_name = "open_data"

urlpatterns = [
    path("", views.open_data_page, name="index"),
    path("<str:name>", views.open_data_file_view, name="file"),
]
