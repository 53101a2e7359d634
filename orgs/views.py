"""Public registry pages: the organization list and the organization profile."""

from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import translation

from credit import selectors as credit_selectors

from . import selectors
from .models import OrgType, Registry, Status


def organization_list_view(request):
    filters = {key: request.GET.get(key, "") for key in selectors.ORG_FILTERS}
    query = request.GET.get("q", "")
    organizations = selectors.organization_list(filters=filters, query=query)
    page = Paginator(organizations, 25).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "orgs/organization_list.html",
        {
            "page": page,
            "filters": filters,
            "query": query,
            "querystring": params.urlencode(),
            "registries": Registry.choices,
            "org_types": OrgType.choices,
            "statuses": Status.choices,
        },
    )


def organization_profile_view(request, org_id: str):
    organization = selectors.organization_profile(org_id=org_id)
    filings = list(organization.filings.all())
    credit = credit_selectors.credit_summary(
        credit_selectors.organization_credit_report(organization=organization),
        language=translation.get_language(),
    )
    return render(
        request,
        "orgs/organization_profile.html",
        {
            "organization": organization,
            "filings": filings,
            "events": organization.events.all(),
            "credit": credit,
            "grants": selectors.organization_grants(organization=organization),
        },
    )
