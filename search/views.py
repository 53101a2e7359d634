"""The public search page: results, facets as checkboxes, active filters as chips."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from . import selectors
from .backends import SearchUnavailable
from .query import FACETS, InvalidSearch, SearchQuery, facet_label


def search_view(request: HttpRequest) -> HttpResponse:
    context: dict = {"q": request.GET.get("q", "")}
    status = 200
    try:
        query = SearchQuery.from_params(request.GET)
        results = selectors.search_organizations(query)
    except InvalidSearch as error:
        context["error"] = str(error)
        status = 400
    except SearchUnavailable:
        context["error"] = "unavailable"
        status = 503
    else:
        context.update(
            results=results,
            facets=_facets(request, query, results),
            chips=_chips(request, query),
            next_url=_with(request, page=str(query.page + 1))
            if query.page * query.page_size < results.count
            else "",
            previous_url=_with(request, page=str(query.page - 1))
            if query.page > 1
            else "",
        )
    return render(request, "search/search.html", context, status=status)


def _with(request: HttpRequest, **changes: str) -> str:
    params = request.GET.copy()
    for key, value in changes.items():
        params[key] = value
    return "?" + params.urlencode()


def _toggled(request: HttpRequest, param: str, value: str) -> str:
    """The URL with ``value`` added to or removed from filter ``param`` (page reset)."""
    params = request.GET.copy()
    params.pop("page", None)
    chosen = [v for item in params.getlist(param) for v in item.split(",") if v]
    if value in chosen:
        chosen.remove(value)
    else:
        chosen.append(value)
    params.setlist(param, chosen)
    return "?" + params.urlencode()


def _facets(request, query: SearchQuery, results) -> list[dict]:
    return [
        {
            "name": facet,
            "values": [
                {
                    "value": v.value,
                    "label": v.label,
                    "count": v.count,
                    "checked": v.value in getattr(query, facet),
                    "url": _toggled(request, param, v.value),
                }
                for v in results.facets.get(facet, [])
            ],
        }
        for facet, param in FACETS.items()
    ]


def _chips(request, query: SearchQuery) -> list[dict]:
    return [
        {"label": facet_label(facet, value), "url": _toggled(request, param, value)}
        for facet, param in FACETS.items()
        for value in getattr(query, facet)
    ]
