"""Filing API for organizations' accounting software.

``POST /api/v1/filings`` with ``Authorization: Bearer <token>`` (a per-organization
token made on the account page) and an ``Idempotency-Key`` header; the body is one
filing in the exchange format's shape (docs/data-format.md) with declared totals
``income.total`` and ``expenses.total``. ``GET /api/v1/filings/<id>`` shows its state
to the token's organization, its members and the regulators whose jurisdiction
covers it; to anyone else it does not exist (404).
"""

from __future__ import annotations

import json

from django.shortcuts import get_object_or_404
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import authentication, exceptions, status, throttling
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.api import api_error

from ..access import filings_visible_to
from ..models import Filing, FilingToken
from . import services
from .validation import SUBMITTED_KEYS

MAX_BODY_BYTES = 256 * 1024
NESTED = ("income", "expenses")


class FilingTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer sfk_…``: the request acts for the token's organization."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode(
            "latin-1", "replace"
        )
        if not header.startswith(self.keyword + " "):
            return None
        token = services.filing_token_find(header[len(self.keyword) + 1 :].strip())
        if token is None:
            raise exceptions.AuthenticationFailed("invalid or revoked token")
        from django.contrib.auth.models import AnonymousUser

        return AnonymousUser(), token

    def authenticate_header(self, request):
        return self.keyword


class FilingTokenScheme(OpenApiAuthenticationExtension):
    """Documents the filing token in the OpenAPI schema."""

    target_class = FilingTokenAuthentication
    name = "filingToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A filing token made by an approver on /account/.",
        }


def flatten(body: object) -> tuple[dict, list[dict]]:
    """The exchange shape (``income: {donations: …}``) as the validation's flat keys."""
    if not isinstance(body, dict):
        return {}, [{"field": "", "message": "the body must be a JSON object"}]
    flat, problems = {}, []
    for key, value in body.items():
        if key == "submit":
            continue
        if key in NESTED:
            if not isinstance(value, dict):
                problems.append({"field": key, "message": "must be an object"})
                continue
            for part, amount in value.items():
                flat[f"{key}_{part}"] = amount
        else:
            flat[key] = value
    return flat, problems


def _problems(checked) -> list[dict]:
    return [
        {"field": _dotted(p.field), "message": str(p.message)} for p in checked.problems
    ]


def _dotted(field: str) -> str:
    for group in NESTED:
        if field.startswith(group + "_") and field in SUBMITTED_KEYS:
            return f"{group}.{field[len(group) + 1 :]}"
    return field


def filing_state(filing: Filing, request) -> dict:
    return {
        "id": filing.pk,
        "org_id": filing.organization.org_id,
        "fiscal_year": filing.fiscal_year,
        "version": filing.version,
        "state": filing.review_state,
        "published": filing.live,
        "superseded": filing.superseded,
        "due_on": filing.due_on,
        "submitted_on": filing.submitted_on,
        "late": filing.is_late,
        "review_comments": [
            {"status": c["status"], "comment": c["comment"]}
            for c in services.filing_return_reasons(filing)
        ],
        "url": request.build_absolute_uri(f"/api/v1/filings/{filing.pk}"),
    }


class FilingTokenThrottle(throttling.SimpleRateThrottle):
    """Per token, not per address: an organization's software may share an address
    with many others (an accountant's office)."""

    scope = "filing"

    def get_cache_key(self, request, view):
        if isinstance(request.auth, FilingToken):
            return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}
        return self.cache_format % {
            "scope": self.scope,
            "ident": self.get_ident(request),
        }


class FilingCreateAPI(APIView):
    authentication_classes = [FilingTokenAuthentication]
    throttle_classes = [FilingTokenThrottle]

    @extend_schema(
        summary="File an annual report (organizations' accounting software)",
        description="One filing in the exchange format's shape, with declared totals "
        "`income.total` and `expenses.total`; `submit: false` keeps it a draft. A "
        "retry with the same Idempotency-Key and body answers the first response "
        "again (200, `Idempotent-Replayed: true`); the same key with another body is "
        "a 409. Every problem of the filing is listed at once in `problems`.",
        auth=[{"filingToken": []}],
        parameters=[
            OpenApiParameter(
                "Idempotency-Key", str, OpenApiParameter.HEADER, required=True
            )
        ],
        request={"application/json": {"type": "object"}},
        responses={201: dict, 200: dict, 400: dict, 409: dict},
    )
    def post(self, request):
        token = request.auth
        if not isinstance(token, FilingToken):
            raise exceptions.NotAuthenticated("a filing token is required")
        key = request.headers.get("Idempotency-Key", "").strip()
        if not key or len(key) > 255:
            return api_error(
                400,
                "idempotency_key_required",
                "an Idempotency-Key header (1-255 characters) is required",
                [{"field": "Idempotency-Key", "message": "1-255 characters"}],
            )
        if any(ord(c) < 32 or ord(c) == 127 for c in key):
            # HTTP forbids them in a header; PostgreSQL refuses a NUL in the key.
            return api_error(
                400,
                "invalid",
                "the Idempotency-Key contains a control character",
                [{"field": "Idempotency-Key", "message": "no control characters"}],
            )
        body = request.body
        if len(body) > MAX_BODY_BYTES:
            return api_error(
                413, "too_large", f"the body is over {MAX_BODY_BYTES // 1024} KB"
            )
        try:
            parsed = json.loads(body)
        except (ValueError, UnicodeDecodeError) as error:
            return api_error(400, "parse_error", f"the body is not valid JSON: {error}")
        raw, shape_problems = flatten(parsed)
        if shape_problems:
            return api_error(400, "invalid", "invalid filing", shape_problems)
        submit = parsed.get("submit", True)
        if not isinstance(submit, bool):
            return api_error(
                400,
                "invalid",
                "invalid filing",
                [{"field": "submit", "message": "must be true or false"}],
            )
        try:
            filing, checked, replayed = services.api_filing_submit(
                token=token, idempotency_key=key, body=body, raw=raw, submit=submit
            )
        except services.IdempotencyConflict:
            return api_error(
                409,
                "idempotency_conflict",
                "this Idempotency-Key was used with a different body",
            )
        if filing is None:
            return api_error(400, "invalid", "invalid filing", _problems(checked))
        response = Response(
            filing_state(filing, request),
            status=status.HTTP_200_OK if replayed else status.HTTP_201_CREATED,
        )
        if replayed:
            response["Idempotent-Replayed"] = "true"
        return response


class FilingStateAPI(APIView):
    authentication_classes = [
        FilingTokenAuthentication,
        authentication.SessionAuthentication,
    ]

    @extend_schema(
        summary="A filing's review state",
        description="For the token's organization, its members and the regulators "
        "whose jurisdiction covers it; a 404 to everyone else.",
        responses={200: dict, 404: dict},
    )
    def get(self, request, pk: int):
        if isinstance(request.auth, FilingToken):
            filings = Filing.objects.filter(organization=request.auth.organization)
        else:
            filings = filings_visible_to(user=request.user)
        filing = get_object_or_404(filings.select_related("organization"), pk=pk)
        return Response(filing_state(filing, request))
