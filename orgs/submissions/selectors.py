"""Reads for the organization dashboard."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Prefetch

from ..access import memberships_of
from ..models import Filing, MemberRole, Organization, ReviewState, Status
from .services import filing_due_on, filing_return_reasons


@dataclass
class OrganizationDue:
    organization: Organization
    role: str
    fiscal_year: int | None = None
    due_on: dt.date | None = None
    days_left: int | None = None
    filed: Filing | None = None
    filings: list[Filing] = field(default_factory=list)

    @property
    def overdue(self) -> bool:
        return self.filed is None and self.days_left is not None and self.days_left < 0

    @property
    def may_submit(self) -> bool:
        return self.role == MemberRole.APPROVER


def account_dashboard(*, user, today: dt.date) -> list[OrganizationDue]:
    """The member's organizations: the report due next (or overdue), and every
    version of every filing with its state, newest first."""
    memberships = memberships_of(user=user).prefetch_related(
        Prefetch(
            "organization__filings",
            queryset=Filing.objects.order_by("-fiscal_year", "-version"),
        )
    )
    rows = []
    for membership in memberships:
        organization = membership.organization
        filings = list(organization.filings.all())
        row = OrganizationDue(
            organization=organization, role=membership.role, filings=filings
        )
        if organization.status == Status.ACTIVE:
            # The report due next is for the last year that has ended.
            year = today.year - 1
            due = filing_due_on(organization=organization, fiscal_year=year)
            row.fiscal_year, row.due_on = year, due
            row.days_left = (due - today).days if due else None
            row.filed = next(
                (
                    f
                    for f in filings
                    if f.fiscal_year == year
                    and f.review_state
                    in (ReviewState.SUBMITTED, ReviewState.UNDER_REVIEW,
                        ReviewState.ACCEPTED)
                ),
                None,
            )  # fmt: skip
        rows.append(row)
    return rows


def filing_comments(filing: Filing) -> list[dict]:
    return filing_return_reasons(filing)
