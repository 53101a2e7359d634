"""REST API v1 for the registry (Django REST Framework, OpenAPI by drf-spectacular):
organizations, their published filings and grants, the schema and its docs page."""

from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerView,
)
from rest_framework import generics, serializers

from portal.api import docs_view

from . import selectors
from .models import Filing, Grant, Organization, OrgType, RegulatoryEvent, Status


class FilingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Filing
        fields = [
            "fiscal_year", "version", "superseded", "form", "period_start", "period_end",
            "due_on", "submitted_on", "currency",
            "income_donations", "income_government_grants", "income_services",
            "income_investment", "income_other",
            "expenses_programs", "expenses_management", "expenses_fundraising", "expenses_other",
            "total_assets", "total_liabilities", "net_assets", "employees", "volunteers",
            "audit_opinion",
        ]  # fmt: skip


class EventSerializer(serializers.ModelSerializer):
    class Meta:
        model = RegulatoryEvent
        fields = ["date", "kind", "amount", "authority", "reference", "detail"]


ORG_SUMMARY_FIELDS = [
    "org_id", "registry", "identifier", "name", "name_en", "org_type", "charity",
    "public_fundraising", "registration_level", "region", "registered_on", "status",
    "status_changed_on",
]  # fmt: skip


class OrganizationSummarySerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = Organization
        fields = [*ORG_SUMMARY_FIELDS, "url"]

    def get_url(self, obj: Organization) -> str:
        return self.context["request"].build_absolute_uri(obj.get_absolute_url())


class OrganizationDetailSerializer(serializers.ModelSerializer):
    former_names = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="name"
    )
    officers = serializers.SerializerMethodField()
    provenance = serializers.SerializerMethodField()
    filings = FilingSerializer(many=True, read_only=True)
    events = EventSerializer(many=True, read_only=True)

    class Meta:
        model = Organization
        fields = [
            *ORG_SUMMARY_FIELDS, "registering_authority", "legal_representative", "address",
            "website", "purpose", "causes", "former_names", "officers", "filings", "events",
            "provenance",
        ]  # fmt: skip

    def get_officers(self, obj: Organization) -> list[dict[str, str | None]]:
        return [
            {
                "name": o.name,
                "role": o.role,
                "compensation": None
                if o.compensation is None
                else f"{o.compensation:.2f}",
            }
            for o in obj.officers.all()
        ]

    def get_provenance(self, obj: Organization) -> dict[str, str] | None:
        """The import that last created or changed this record (null if none did)."""
        run = obj.last_import
        if run is None:
            return None
        return {
            "source": run.source,
            "file_name": run.file_name,
            "sha256": run.sha256,
            "imported_at": run.started_at.isoformat(),
        }


class OrganizationFilterSerializer(serializers.Serializer):
    """The list's query parameters, checked before any query runs: a value outside a
    closed set is a 400 naming the parameter, not an empty page the caller cannot
    tell from "none match"."""

    registry = serializers.CharField(
        required=False, allow_blank=True, max_length=32, help_text="e.g. CN-MCA"
    )
    org_type = serializers.ChoiceField(
        choices=OrgType.choices, required=False, allow_blank=True
    )
    region = serializers.RegexField(
        r"^[0-9]{2,6}$",
        required=False,
        allow_blank=True,
        help_text="GB/T 2260 code; a province or city code matches the codes under it",
    )
    status = serializers.ChoiceField(
        choices=Status.choices, required=False, allow_blank=True
    )
    q = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text="fragment of a current, English or former name, or of the code",
    )


@extend_schema(
    summary="Organizations in the register, filtered, by name",
    parameters=[OrganizationFilterSerializer],
)
class OrganizationListAPI(generics.ListAPIView):
    serializer_class = OrganizationSummarySerializer

    def get_queryset(self):
        checked = OrganizationFilterSerializer(data=self.request.query_params)
        checked.is_valid(raise_exception=True)
        params = checked.validated_data
        filters = {key: params.get(key, "") for key in selectors.ORG_FILTERS}
        return selectors.organization_list(filters=filters, query=params.get("q", ""))


@extend_schema(
    summary="One organization: registration, names, officers, published filings, "
    "events and where the record came from"
)
class OrganizationDetailAPI(generics.RetrieveAPIView):
    serializer_class = OrganizationDetailSerializer

    def get_object(self):
        return selectors.organization_profile(org_id=self.kwargs["org_id"])


class FilingFilterSerializer(serializers.Serializer):
    fiscal_year = serializers.IntegerField(
        required=False, min_value=1900, max_value=2100
    )
    current = serializers.BooleanField(
        required=False,
        default=False,
        help_text="true: only the version in force of each year (no superseded ones)",
    )


@extend_schema(
    summary="An organization's published filings, latest year first",
    parameters=[FilingFilterSerializer],
)
class OrganizationFilingsAPI(generics.ListAPIView):
    """Accepted filings only: drafts, filings in review and returned ones are never
    public. Every version is listed unless ``current`` asks for the ones in force."""

    serializer_class = FilingSerializer

    def get_queryset(self):
        organization = generics.get_object_or_404(
            Organization, org_id=self.kwargs["org_id"]
        )
        checked = FilingFilterSerializer(data=self.request.query_params)
        checked.is_valid(raise_exception=True)
        return selectors.organization_filing_list(
            organization=organization,
            fiscal_year=checked.validated_data.get("fiscal_year"),
            current=checked.validated_data["current"],
        )


class GrantSerializer(serializers.ModelSerializer):
    class Meta:
        model = Grant
        fields = [
            "identifier", "title", "description", "amount", "currency", "award_date",
            "recipient_org_id", "recipient_name", "funder_org_id", "funder_name",
            "extra",
        ]  # fmt: skip


@extend_schema(
    summary="Grants (360Giving) an organization received or made",
    parameters=[
        OpenApiParameter(
            "role",
            str,
            enum=list(selectors.GRANT_ROLES),
            description="grants the organization received (default) or made",
        )
    ],
)
class OrganizationGrantsAPI(generics.ListAPIView):
    """Grants (360Giving) received or made by one organization, latest first."""

    serializer_class = GrantSerializer

    def get_queryset(self):
        organization = generics.get_object_or_404(
            Organization, org_id=self.kwargs["org_id"]
        )
        role = self.request.query_params.get("role", "received")
        if role not in selectors.GRANT_ROLES:
            raise serializers.ValidationError(
                {"role": f"must be one of {', '.join(selectors.GRANT_ROLES)}"}
            )
        return selectors.organization_grant_list(organization=organization, role=role)


def public_endpoints_only(endpoints):
    """Keep the OpenAPI schema to the public API (Wagtail's admin API is internal)."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/api/v1/")]


urlpatterns = [
    path("orgs", OrganizationListAPI.as_view(), name="api-org-list"),
    path("orgs/<str:org_id>", OrganizationDetailAPI.as_view(), name="api-org-detail"),
    path(
        "orgs/<str:org_id>/filings",
        OrganizationFilingsAPI.as_view(),
        name="api-org-filings",
    ),
    path(
        "orgs/<str:org_id>/grants",
        OrganizationGrantsAPI.as_view(),
        name="api-org-grants",
    ),
    path("schema", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "docs",
        docs_view(
            SpectacularRedocView.as_view(
                url_name="api-schema", template_name="api/redoc.html"
            )
        ),
        name="api-docs",
    ),
    path(
        "docs/try",
        docs_view(
            SpectacularSwaggerView.as_view(
                url_name="api-schema", template_name="api/swagger_ui.html"
            )
        ),
        name="api-docs-try",
    ),
]
