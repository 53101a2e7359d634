from django.urls import path

from . import api, views

urlpatterns = [
    path("api/v1/search", api.SearchAPI.as_view(), name="api-search"),
    path("api/v1/search/suggest", api.SuggestAPI.as_view(), name="api-search-suggest"),
    path("search/", views.search_view, name="search"),
    path("api/reconcile", api.reconcile_view, name="api-reconcile"),
]
