"""Search API v1: ``/api/v1/search`` and ``/api/v1/search/suggest``; the
reconciliation service ``/api/reconcile``.

Thin: parse the parameters into a SearchQuery, call the selector, serialise. A bad
parameter is a 400 with a message; an engine outage a 503; never a 500.
"""

from __future__ import annotations

from dataclasses import asdict

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from orgs.models import OrgType
from portal.api import api_error

from . import reconcile, selectors
from .backends import SearchUnavailable
from .query import FACETS, MAX_PAGE_SIZE, MAX_QUERY_LENGTH, InvalidSearch, SearchQuery

_FACET = inline_serializer(
    "SearchFacetValue",
    {
        "value": serializers.CharField(),
        "label": serializers.CharField(),
        "count": serializers.IntegerField(),
    },
    many=True,
)
_RESULTS = inline_serializer(
    "SearchResults",
    {
        "count": serializers.IntegerField(),
        "results": inline_serializer(
            "SearchHit",
            {
                "org_id": serializers.CharField(),
                "name": serializers.CharField(),
                "name_en": serializers.CharField(),
                "org_type": serializers.CharField(),
                "region": serializers.CharField(),
                "status": serializers.CharField(),
                "grade": serializers.CharField(allow_null=True),
                "highlight": serializers.CharField(help_text="HTML with <mark>"),
            },
            many=True,
        ),
        "facets": inline_serializer("SearchFacets", dict.fromkeys(FACETS, _FACET)),
        "backend": serializers.ChoiceField(choices=["elasticsearch", "database"]),
        "took_ms": serializers.FloatField(),
        "next_cursor": serializers.CharField(),
    },
)
_PARAMETERS = [
    OpenApiParameter(
        "q", str, description=f"name, code or a fragment (≤ {MAX_QUERY_LENGTH})"
    ),
    *[
        OpenApiParameter(param, str, many=True, description=f"filter on {facet}")
        for facet, param in FACETS.items()
    ],
    OpenApiParameter("sort", str, enum=["relevance", "name", "income", "grade"]),
    OpenApiParameter("page", int),
    OpenApiParameter("page_size", int, description=f"at most {MAX_PAGE_SIZE}"),
    OpenApiParameter("cursor", str, description="next_cursor of the previous page"),
]


def _error(message: str, status: int, field: str = "") -> Response:
    code = {400: "invalid", 503: "unavailable"}[status]
    problems = [{"field": field, "message": message}] if field else []
    return api_error(status, code, message, problems)


class SearchAPI(APIView):
    @extend_schema(
        summary="Search organizations by name or code, with facets and sorting",
        parameters=_PARAMETERS,
        responses={200: _RESULTS},
    )
    def get(self, request: Request) -> Response:
        try:
            query = SearchQuery.from_params(request.query_params)
            results = selectors.search_organizations(query)
        except InvalidSearch as error:
            return _error(str(error), 400, error.field)
        except SearchUnavailable:
            return _error(_("Search is unavailable; please try again shortly."), 503)
        response = Response(
            {
                "count": results.count,
                "results": [asdict(hit) for hit in results.hits],
                "facets": {
                    facet: [asdict(value) for value in values]
                    for facet, values in results.facets.items()
                },
                "backend": results.backend,
                "took_ms": results.took_ms,
                "next_cursor": results.next_cursor,
            }
        )
        # The engine's own time beside the portal's, for benchmarks and browsers'
        # developer tools (Server-Timing is a standard header).
        timings = [f"search;dur={results.took_ms}"]
        if results.engine_took_ms is not None:
            timings.append(f"engine;dur={results.engine_took_ms}")
        response["Server-Timing"] = ", ".join(timings)
        return response


class SuggestAPI(APIView):
    @extend_schema(
        summary="Names that complete what is typed (autocomplete)",
        parameters=[OpenApiParameter("q", str, description="what the user has typed")],
        responses={
            200: inline_serializer(
                "SearchSuggestions",
                {
                    "results": inline_serializer(
                        "SearchSuggestion",
                        {
                            "org_id": serializers.CharField(),
                            "name": serializers.CharField(),
                            "name_en": serializers.CharField(),
                        },
                        many=True,
                    )
                },
            )
        },
    )
    def get(self, request: Request) -> Response:
        text = request.query_params.get("q", "")
        if len(text) > MAX_QUERY_LENGTH:
            return _error(
                _("The query is too long: at most %(n)d characters.")
                % {"n": MAX_QUERY_LENGTH},
                400,
            )
        try:
            suggestions = selectors.suggest(text)
        except SearchUnavailable:
            return _error(_("Search is unavailable; please try again shortly."), 503)
        return Response({"results": [asdict(s) for s in suggestions]})


# The W3C Reconciliation API (OpenRefine): a plain Django view, because its contract
# (a form field of JSON, the manifest on a bare GET, CORS for a browser app) is not
# the REST API's.

CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type",
    "Access-Control-Max-Age": "86400",
}


def _reconcile_response(body: dict | None, status: int = 200) -> HttpResponse:
    if body is None:
        response = HttpResponse(status=204)
    else:
        response = JsonResponse(
            body, status=status, json_dumps_params={"ensure_ascii": False}
        )
    for header, value in CORS_HEADERS.items():
        response[header] = value
    return response


@csrf_exempt  # read-only, no session: OpenRefine posts a form from another origin
@require_http_methods(["GET", "HEAD", "POST", "OPTIONS"])
def reconcile_view(request: HttpRequest) -> HttpResponse:
    """``/api/reconcile``: the service manifest, or candidates for ``queries``."""
    if request.method == "OPTIONS":
        return _reconcile_response(None)
    # The REST API's per-address limit: a batch of queries counts as one request.
    throttle = AnonRateThrottle()
    if not throttle.allow_request(request, None):
        response = _reconcile_response(
            {"error": _("Too many requests; please slow down.")}, 429
        )
        response["Retry-After"] = str(int(throttle.wait() or 1))
        return response
    params = request.POST if request.method == "POST" else request.GET
    raw = params.get("queries")
    if raw is None:
        base_url = request.build_absolute_uri("/").rstrip("/")
        return _reconcile_response(reconcile.reconcile_manifest(base_url=base_url))
    try:
        queries = reconcile.reconcile_queries(raw)
        answers = {}
        for query in queries:
            candidates = selectors.search_reconcile_candidates(
                text=query.text,
                limit=query.limit,
                org_type=query.org_type,
                registry=query.registry,
                region=query.region,
            )
            answers[query.key] = {
                "result": [
                    {
                        "id": candidate.org_id,
                        "name": candidate.name,
                        "score": score,
                        "match": match,
                        "type": [
                            {
                                "id": candidate.org_type,
                                "name": str(OrgType(candidate.org_type).label),
                            }
                        ],
                    }
                    for candidate, score, match in reconcile.reconcile_rank(
                        query.text, candidates, limit=query.limit
                    )
                ]
            }
    except reconcile.InvalidReconcile as error:
        return _reconcile_response({"error": str(error)}, 400)
    except SearchUnavailable:
        return _reconcile_response(
            {"error": _("Search is unavailable; please try again shortly.")}, 503
        )
    return _reconcile_response(answers)
