"""What every endpoint of the public API shares: one error shape and CORS for reads.

Every error the API answers, whether DRF raised it (validation, authentication,
throttling, 404), a view returned it (the filing and search APIs) or Django itself
answered (an unknown path, a crash), has the same JSON body::

    {"status": 400, "code": "invalid", "detail": "…",
     "problems": [{"field": "page", "message": "…"}]}

``detail`` and ``problems`` are the keys the filing API answered with before this
shape existed, so its clients keep working; ``code`` is stable for machines, ``detail``
is for people, ``problems`` names each field at fault (empty when none is).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.middleware import common as django_common
from django.utils.translation import gettext as _
from rest_framework import exceptions, pagination, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

API_PREFIX = "/api/"
# Public reads that any web page may fetch. Endpoints that act for someone (filing
# tokens, regulators' sessions) are left out, so no other site can read them.
CORS_PREFIX = "/api/v1/"
CORS_EXCLUDED = ("/api/v1/filings", "/api/v1/regulator/")
CORS_METHODS = ("GET", "HEAD", "OPTIONS")
CORS_ALLOWED_HEADERS = "Accept, Accept-Language, Authorization, X-API-Key"
CORS_EXPOSED_HEADERS = "Retry-After, Server-Timing"


def error_body(
    *, status_code: int, code: str, detail: str, problems: Iterable[dict] = ()
) -> dict:
    """The one error shape of the API."""
    return {
        "status": status_code,
        "code": code,
        "detail": str(detail),
        "problems": [
            {"field": p["field"], "message": str(p["message"])} for p in problems
        ],
    }


def api_error(
    status_code: int, code: str, detail: str, problems: Iterable[dict] = ()
) -> Response:
    """An error response a view returns rather than raises (e.g. with a header)."""
    return Response(
        error_body(
            status_code=status_code, code=code, detail=detail, problems=problems
        ),
        status=status_code,
    )


class ApiPagination(pagination.PageNumberPagination):
    """Pages of 50 by default, up to 200 with ``page_size``. A ``page`` or
    ``page_size`` that is not a whole number ≥ 1 is a 400 naming it; a page beyond
    the last stays a 404, as DRF answers it."""

    page_size_query_param = "page_size"
    max_page_size = 200

    def paginate_queryset(self, queryset, request, view=None):
        problems = []
        for name in (self.page_query_param, self.page_size_query_param):
            value = request.query_params.get(name)
            if value is None or value == "last" and name == self.page_query_param:
                continue
            if not value.isascii() or not value.isdigit() or int(value) < 1:
                problems.append(
                    {
                        "field": name,
                        "message": _("%(value)r is not a whole number of 1 or more.")
                        % {"value": value[:50]},
                    }
                )
        if problems:
            raise exceptions.ValidationError(
                {p["field"]: [p["message"]] for p in problems}
            )
        return super().paginate_queryset(queryset, request, view)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"]["maximum"] = self.max_page_size
                parameter["description"] = _(
                    "Results per page (default %(default)d, at most %(max)d)."
                ) % {"default": self.page_size, "max": self.max_page_size}
        return parameters


def _problems(detail, field: str = "") -> list[dict]:
    """A ValidationError's nested detail as a flat list of (dotted field, message)."""
    if isinstance(detail, dict):
        found = []
        for key, value in detail.items():
            name = str(key) if not field else f"{field}.{key}"
            if key == "non_field_errors":
                name = field
            found.extend(_problems(value, name))
        return found
    if isinstance(detail, list):
        found = []
        for item in detail:
            found.extend(_problems(item, field))
        return found
    return [{"field": field, "message": str(detail)}]


def _first_code(codes) -> str:
    while isinstance(codes, dict | list):
        if not codes:
            return "invalid"
        codes = next(iter(codes.values())) if isinstance(codes, dict) else codes[0]
    return str(codes)


def exception_handler(exc, context) -> Response | None:
    """DRF's handler (it turns Http404 and PermissionDenied into API errors and sets
    WWW-Authenticate and Retry-After), with the body put into the one shape."""
    # DRF converts these two inside its handler; converted here first, the body
    # below is built from the API exception the caller gets.
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(*exc.args)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # not an API error: Django's handler500 answers (JSON, below)
    if isinstance(exc, exceptions.ValidationError):
        problems = _problems(exc.detail)
        body = error_body(
            status_code=response.status_code,
            code="invalid",
            detail=_("The request is invalid: see problems."),
            problems=problems,
        )
    elif isinstance(exc, exceptions.APIException):
        detail = exc.detail
        problems = []
        if isinstance(detail, dict | list):
            problems = _problems(detail)
            detail = problems[0]["message"] if problems else exc.default_detail
        body = error_body(
            status_code=response.status_code,
            code=_first_code(exc.get_codes()),
            detail=detail,
            problems=problems,
        )
    else:  # pragma: no cover (DRF answers only APIException subclasses)
        return response
    response.data = body
    return response


# The docs pages run third-party viewers (Redoc, Swagger UI). This policy keeps every
# request they make on this site: Redoc's footer, for one, asks a CDN for a logo.
# Inline styles and Swagger UI's inline start-up script are allowed; no origin is.
DOCS_CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; "
    "worker-src 'self' blob:; connect-src 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'self'"
)


def docs_view(view):
    """A docs page view with DOCS_CONTENT_SECURITY_POLICY on its responses."""

    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["Content-Security-Policy"] = DOCS_CONTENT_SECURITY_POLICY
        return response

    return wrapped


def json_error(request: HttpRequest, status_code: int, code: str, detail: str):
    return JsonResponse(
        error_body(status_code=status_code, code=code, detail=detail),
        status=status_code,
    )


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


class CommonMiddleware(django_common.CommonMiddleware):
    """Django's, except that an API path is never redirected to one with a slash:
    the CMS answers every path that ends in one, so the redirect would always be
    taken and turn an unknown API path into a 301 to an HTML 404."""

    def should_redirect_with_slash(self, request):
        if is_api(request):
            return False
        return super().should_redirect_with_slash(request)


class CorsMiddleware:
    """``Access-Control-Allow-Origin: *`` on public reads of the API, and answers to
    their preflight requests.

    No credentials are ever allowed (a ``*`` origin forbids them anyway), so another
    site's page can read what anyone may read and nothing more. A preflight is
    answered here, before the view: the view would otherwise refuse OPTIONS with an
    API key header it does not know yet.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    @staticmethod
    def applies(request: HttpRequest) -> bool:
        path = request.path
        return path.startswith(CORS_PREFIX) and not path.startswith(CORS_EXCLUDED)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not self.applies(request):
            return self.get_response(request)
        preflight = (
            request.method == "OPTIONS"
            and "Access-Control-Request-Method" in request.headers
        )
        if preflight:
            response = HttpResponse(status=status.HTTP_204_NO_CONTENT)
            response["Access-Control-Allow-Methods"] = ", ".join(CORS_METHODS)
            response["Access-Control-Allow-Headers"] = CORS_ALLOWED_HEADERS
            response["Access-Control-Max-Age"] = "86400"
        else:
            response = self.get_response(request)
            if request.method not in CORS_METHODS:
                return response
        response["Access-Control-Allow-Origin"] = "*"
        response["Access-Control-Expose-Headers"] = CORS_EXPOSED_HEADERS
        return response


ERROR_SCHEMA = {
    "type": "object",
    "description": "The one error shape of the API.",
    "properties": {
        "status": {"type": "integer", "description": "the HTTP status again"},
        "code": {
            "type": "string",
            "description": "stable, for machines: invalid, not_found, throttled, "
            "authentication_failed, invalid_api_key, not_authenticated, …",
        },
        "detail": {"type": "string", "description": "for people"},
        "problems": {
            "type": "array",
            "description": "each parameter or field at fault (empty when none is)",
            "items": {
                "type": "object",
                "properties": {
                    "field": {"type": "string"},
                    "message": {"type": "string"},
                },
                "required": ["field", "message"],
            },
        },
    },
    "required": ["status", "code", "detail", "problems"],
}
_ERROR_REF = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
_ERROR_DESCRIPTIONS = {
    "400": "A parameter or the body is invalid; `problems` names it.",
    "401": "The API key or token is unknown or revoked.",
    "404": "No such resource (or a page beyond the last).",
    "429": "Too many requests; `Retry-After` says how many seconds to wait.",
}


def schema_add_error_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook: every operation documents the errors it
    can answer, in the one shape (400 where it takes parameters or a body, 401 where
    it takes a key or token, 404 where its path names something, 429 always)."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = (
        ERROR_SCHEMA
    )
    for path, operations in result.get("paths", {}).items():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            wanted = {"429"}
            if operation.get("parameters") or operation.get("requestBody"):
                wanted.add("400")
            if "{" in path or operation.get("parameters"):
                wanted.add("404")  # an unknown id, or ?page= beyond the last
            if operation.get("security"):
                wanted.add("401")
            for code in list(responses):
                if code[0] in "45":
                    wanted.add(code)
            for code in sorted(wanted):
                entry = responses.setdefault(code, {})
                entry["content"] = _ERROR_REF
                entry.setdefault(
                    "description", _ERROR_DESCRIPTIONS.get(code, "An error.")
                )
                if not entry["description"]:
                    entry["description"] = _ERROR_DESCRIPTIONS.get(code, "An error.")
                if code == "429":
                    entry["headers"] = {
                        "Retry-After": {
                            "schema": {"type": "integer"},
                            "description": "seconds to wait",
                        }
                    }
    return result
