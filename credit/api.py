"""REST API v1 for credit results: ``GET /api/v1/orgs/<org_id>/credit``.

The contract (issue 4): ``org_id``, ``score``, ``grade``, ``methodology_version``,
``as_of``, ``reasons`` (``code``, ``title``, ``points``, ``source``, ``evidence``,
``advice``) and ``lists``. Titles, sources and advice come from the rule table in the
request's language: Chinese by default, English when the request asks for ``en``
(``Accept-Language``, the language cookie). An organization not scored yet has
``score``, ``grade`` and ``as_of`` null. No learned signals and no suspected findings
are ever part of it.
"""

from django.urls import path
from django.utils import translation
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from . import selectors
from .models import Grade
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


class NotFoundSerializer(serializers.Serializer):
    detail = serializers.CharField()


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
        responses={
            200: CreditSerializer,
            404: OpenApiResponse(NotFoundSerializer, description="unknown org_id"),
        },
    )
    def get(self, request: Request, org_id: str) -> Response:
        report = selectors.organization_credit(org_id=org_id)
        payload = selectors.credit_summary(report, language=translation.get_language())
        return Response(CreditSerializer(payload).data)


urlpatterns = [
    path(
        "orgs/<str:org_id>/credit",
        OrganizationCreditAPI.as_view(),
        name="api-org-credit",
    ),
]
