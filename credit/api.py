"""REST API v1 for credit results: ``GET /api/v1/orgs/<org_id>/credit``.

The contract (issue 4): ``org_id``, ``score``, ``grade``, ``methodology_version``,
``as_of``, ``reasons`` (``code``, ``title``, ``points``, ``source``, ``evidence``,
``advice``) and ``lists``. Titles, sources and advice come from the rule table in the
request's language: Chinese by default, English when the request asks for ``en``
(``Accept-Language``, the language cookie). An organization not scored yet has
``score``, ``grade`` and ``as_of`` null. No learned signals and no suspected findings
are ever part of it.
"""

import datetime as dt

from django.urls import path
from django.utils import translation
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from orgs.access import may_use_review_pages

from . import selectors
from .lists import PublicList
from .models import Flag, Grade, ListEntry
from .rules import RULES


class CreditReasonSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=list(RULES), help_text="stable rule code")
    title = serializers.CharField()
    points = serializers.IntegerField(help_text="points deducted from 100")
    source = serializers.CharField(help_text="law and article, or methodology")
    evidence = serializers.JSONField(
        help_text="what the reason rests on: filing, fiscal year, event, figures"
    )
    advice = serializers.CharField(help_text="how to put it right")


class CreditListEntrySerializer(serializers.Serializer):
    list = serializers.ChoiceField(choices=["abnormal", "serious-dishonest", "illegal"])
    entered_on = serializers.DateField()
    reason = serializers.CharField()


class CreditSerializer(serializers.Serializer):
    org_id = serializers.CharField()
    score = serializers.IntegerField(
        allow_null=True, help_text="0-100; null when not rated or not scored yet"
    )
    grade = serializers.ChoiceField(
        choices=Grade.values, allow_null=True, help_text="null when not scored yet"
    )
    methodology_version = serializers.CharField()
    as_of = serializers.DateField(allow_null=True)
    reasons = CreditReasonSerializer(many=True)
    lists = CreditListEntrySerializer(many=True)


class OrganizationCreditAPI(APIView):
    @extend_schema(
        summary="An organization's credit score, grade and the reasons for it",
        parameters=[
            OpenApiParameter(
                "Accept-Language",
                str,
                location=OpenApiParameter.HEADER,
                required=False,
                description="en for English titles and advice; Chinese otherwise",
            )
        ],
        responses={200: CreditSerializer},
    )
    def get(self, request: Request, org_id: str) -> Response:
        report = selectors.organization_credit(org_id=org_id)
        payload = selectors.credit_summary(report, language=translation.get_language())
        return Response(CreditSerializer(payload).data)


def _is_clean_text(value: str, max_length: int = 16) -> bool:
    """A filter value the database can compare: short and free of control
    characters (PostgreSQL refuses a NUL in any text; found by the fuzz run)."""
    return len(value) <= max_length and all(ord(c) >= 32 for c in value)


class ListEntrySerializer(serializers.ModelSerializer):
    org_id = serializers.SerializerMethodField()
    name = serializers.CharField(source="subject_name")
    region = serializers.SerializerMethodField()
    list = serializers.CharField()

    class Meta:
        model = ListEntry
        fields = ["list", "org_id", "name", "region", "entered_on", "reason",
                  "legal_basis", "exit_conditions"]  # fmt: skip

    def get_org_id(self, entry: ListEntry) -> str | None:
        return entry.organization.org_id if entry.organization else None

    def get_region(self, entry: ListEntry) -> str:
        return (entry.organization or entry.unregistered_name).region


@extend_schema(
    summary="Organizations on a public list (abnormal, serious-dishonest, illegal)",
    parameters=[
        OpenApiParameter("listing", str, OpenApiParameter.PATH, enum=PublicList.values),
        OpenApiParameter("region", str, description="GB/T 2260 code (prefix)"),
        OpenApiParameter("since", str, description="entered on or after YYYY-MM-DD"),
        OpenApiParameter("until", str, description="entered on or before YYYY-MM-DD"),
    ],
)
class PublicListAPI(generics.ListAPIView):
    serializer_class = ListEntrySerializer

    def get_queryset(self):
        listing = self.kwargs["listing"]
        if listing not in PublicList.values:
            raise NotFound(
                f"unknown list {listing!r}; lists: {', '.join(PublicList.values)}"
            )
        params = self.request.query_params
        dates = {}
        for name in ("since", "until"):
            if params.get(name):
                try:
                    dates[name] = dt.date.fromisoformat(params[name])
                except ValueError:
                    raise ValidationError(
                        {name: f"{params[name]!r} is not a date (YYYY-MM-DD)"}
                    ) from None
        region = params.get("region", "")
        if not _is_clean_text(region):
            raise ValidationError(
                {"region": "must be a region code, at most 16 characters"}
            )
        return selectors.public_list(listing=listing, region=region, **dates)


class FlagSerializer(serializers.ModelSerializer):
    org_id = serializers.CharField(source="organization.org_id")
    name = serializers.CharField(source="organization.name")
    region = serializers.CharField(source="organization.region")

    class Meta:
        model = Flag
        fields = ["id", "org_id", "name", "region", "kind", "status", "risk",
                  "evidence", "source", "raised_on", "decided_at", "decision_note"]  # fmt: skip


@extend_schema(
    summary="Flags in the signed-in regulator's jurisdiction (regulators only)"
)
class RegulatorFlagsAPI(generics.ListAPIView):
    """Flags in the signed-in regulator's jurisdiction; 404 for everyone else."""

    serializer_class = FlagSerializer
    authentication_classes = [SessionAuthentication]

    def get_queryset(self):
        user = self.request.user
        if not may_use_review_pages(user):
            raise NotFound()
        filters = {
            key: self.request.query_params.get(key, "")
            for key in ("status", "kind", "org_type", "region")
        }
        bad = [key for key, value in filters.items() if not _is_clean_text(value)]
        if bad:
            raise ValidationError(dict.fromkeys(bad, "not a valid value"))
        return selectors.flag_queue(
            user=user,
            filters=filters,
            sort=self.request.query_params.get("sort", "risk"),
        )


urlpatterns = [
    path(
        "orgs/<str:org_id>/credit",
        OrganizationCreditAPI.as_view(),
        name="api-org-credit",
    ),
    path("lists/<str:listing>", PublicListAPI.as_view(), name="api-list"),
    path("regulator/flags", RegulatorFlagsAPI.as_view(), name="api-regulator-flags"),
]
