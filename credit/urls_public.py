from django.urls import path

from . import views

app_name = "lists"

urlpatterns = [
    path("entries/<int:pk>/appeal/", views.appeal_create, name="appeal"),
    path("<str:listing>/", views.public_list, name="list"),
]
