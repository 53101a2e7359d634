from django.urls import path

from . import follow_views

app_name = "follows"

urlpatterns = [
    path("", follow_views.following, name="list"),
    path("<str:org_id>/follow/", follow_views.follow, name="follow"),
    path("<str:org_id>/unfollow/", follow_views.unfollow, name="unfollow"),
    path("stop/<str:token>/", follow_views.unfollow_link, name="unfollow-link"),
]
