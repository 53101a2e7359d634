"""Public registry pages: the organization list and the organization profile."""

from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode

from credit import selectors as credit_selectors

from . import compare, profile, selectors
from .models import Filing, OrgType, Registry, Status
from .submissions.services import filing_due_on

# Past scores shown on a profile: enough to see how the grade moved.
GRADE_HISTORY_ROWS = 10


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
    language = translation.get_language()
    report = credit_selectors.organization_credit_report(organization=organization)
    credit = credit_selectors.credit_summary(report, language=language)
    credit["lists"] = credit_selectors.list_labels(credit["lists"])
    credit["past_lists"] = credit_selectors.list_labels(report.past_lists)
    return render(
        request,
        "orgs/organization_profile.html",
        {
            "organization": organization,
            "filings": filings,
            "fiscal_years": profile.fiscal_years(
                organization=organization,
                filings=filings,
                due_rule=lambda year: filing_due_on(
                    organization=organization, fiscal_year=year
                ),
                today=timezone.localdate(),
            ),
            "finances": profile.organization_finances(
                organization=organization, filings=filings, language=language
            ),
            "events": organization.events.all(),
            "credit": credit,
            "grade_history": list(
                credit_selectors.score_history(organization=organization)[
                    :GRADE_HISTORY_ROWS
                ]
            ),
            "grants": selectors.organization_grants(organization=organization),
        },
    )


def filing_document_view(request, org_id: str, pk: int):
    """A filing's attached PDF: public once the filing is accepted, before that only
    for the organization's members and its regulators (404 for everyone else)."""
    from .access import filings_visible_to

    visible = Filing.objects.published() | filings_visible_to(user=request.user)
    filing = get_object_or_404(
        visible.select_related("attachment"),
        pk=pk,
        organization__org_id=org_id,
        attachment__isnull=False,
    )
    document = filing.attachment
    return FileResponse(
        document.file.open("rb"),
        content_type="application/pdf",
        as_attachment=False,
        filename=f"{org_id}-{filing.fiscal_year}-v{filing.version}.pdf",
    )


def compare_view(request):
    """``/compare/?ids=a,b``: the organizations side by side, or a page that says
    which id is wrong and offers the comparison without it."""
    context = {"max_compared": compare.MAX_COMPARED}
    try:
        org_ids = compare.comparison_ids(request.GET.getlist("ids"))
        comparison = (
            compare.organization_comparison(
                org_ids=org_ids, language=translation.get_language()
            )
            if org_ids
            else None
        )
    except compare.InvalidComparison as error:
        context.update(error=str(error), keep_url=_compare_url(error.keep))
        status = 404 if isinstance(error, compare.UnknownOrganizations) else 400
        return render(request, "orgs/compare.html", context, status=status)
    if comparison:
        context.update(
            comparison=comparison,
            columns=[
                {
                    "compared": compared,
                    "remove_url": _compare_url(
                        [i for i in org_ids if i != compared.organization.org_id]
                    ),
                }
                for compared in comparison.organizations
            ],
        )
    return render(request, "orgs/compare.html", context)


def _compare_url(org_ids: list[str]) -> str:
    if not org_ids:
        return ""
    return reverse("compare") + "?" + urlencode({"ids": ",".join(org_ids)})
