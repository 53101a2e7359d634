"""The compare page's read: up to four organizations side by side.

A donor choosing between a few organizations wants the same facts for each in one
table: status, grade and its reasons, list memberships, and the money of the last
three fiscal years with two ratios. One call, six queries whatever the number of
organizations, filings or reasons (tested).

The ratios are shares of the year's total expenses, the base the 2016 rules use for
the management-cost cap (``credit.rules.cn_mca``). The legal minimum of programme
spending is measured against the previous year's income or net assets instead; the
profile and the credit reasons say whether that minimum was met, this page only
compares how each organization spent its money.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from credit import selectors as credit_selectors

from .models import Filing, Organization

MAX_COMPARED = 4
YEARS_COMPARED = 3
MAX_ID_LENGTH = 100

# Measure -> label, in the order the finance table shows them.
MEASURES = {
    "income": gettext_lazy("Income"),
    "expenses": gettext_lazy("Expenses"),
    "programme_spending": gettext_lazy("Programme spending"),
    "management_cost": gettext_lazy("Management cost"),
    "net_assets": gettext_lazy("Net assets"),
    "programme_ratio": gettext_lazy("Programme-spending ratio"),
    "management_ratio": gettext_lazy("Management-cost ratio"),
}
RATIOS = ("programme_ratio", "management_ratio")


class InvalidComparison(ValueError):
    """A comparison that cannot be shown; the message names the ids at fault and
    ``keep`` the ids a comparison could go on with."""

    def __init__(self, message: str, *, keep: list[str]) -> None:
        super().__init__(message)
        self.keep = keep


class UnknownOrganizations(InvalidComparison):
    """Ids no organization has."""


@dataclass(frozen=True)
class YearFinances:
    """One organization's figures for one fiscal year, from its current filing."""

    fiscal_year: int
    currency: str
    income: Decimal | None
    expenses: Decimal | None
    programme_spending: Decimal | None
    management_cost: Decimal | None
    net_assets: Decimal | None
    programme_ratio: Decimal | None
    management_ratio: Decimal | None


@dataclass(frozen=True)
class ComparedOrganization:
    organization: Organization
    credit: dict  # credit_summary, reasons with their fiscal year, lists with labels
    finances: dict[int, YearFinances]  # by fiscal year; a year without filing absent


@dataclass(frozen=True)
class Comparison:
    organizations: list[ComparedOrganization]
    fiscal_years: list[int]  # latest first

    def finance_rows(self) -> list[dict]:
        """Per fiscal year, one row per measure with a cell per organization (None
        where it has no filing for the year): what the table shows."""
        return [
            {
                "fiscal_year": year,
                "rows": [
                    {
                        "measure": measure,
                        "label": label,
                        "is_ratio": measure in RATIOS,
                        "cells": [
                            _cell(compared.finances.get(year), measure)
                            for compared in self.organizations
                        ],
                    }
                    for measure, label in MEASURES.items()
                ],
            }
            for year in self.fiscal_years
        ]


def _cell(finances: YearFinances | None, measure: str) -> dict | None:
    if finances is None:
        return None
    return {"value": getattr(finances, measure), "currency": finances.currency}


def spending_ratio(part: Decimal | None, total: Decimal | None) -> Decimal | None:
    """``part`` as a share of ``total`` expenses, in percent with one decimal; None
    when either is missing or there were no expenses to share."""
    if part is None or total is None or total <= 0:
        return None
    return (Decimal(100) * part / total).quantize(Decimal("0.1"))


def year_finances(filing: Filing) -> YearFinances:
    expenses = filing.total_expenses
    return YearFinances(
        fiscal_year=filing.fiscal_year,
        currency=filing.currency,
        income=filing.total_income,
        expenses=expenses,
        programme_spending=filing.expenses_programs,
        management_cost=filing.expenses_management,
        net_assets=filing.net_assets,
        programme_ratio=spending_ratio(filing.expenses_programs, expenses),
        management_ratio=spending_ratio(filing.expenses_management, expenses),
    )


def comparison_ids(values: list[str]) -> list[str]:
    """The org_ids of a request's ``ids`` parameters (``ids=a,b`` or ``ids=a&ids=b``,
    as the search page's checkboxes send them), in order, without repeats.

    Raises ``InvalidComparison`` for more than ``MAX_COMPARED`` ids or an id longer
    than any org_id can be.
    """
    ids = list(
        dict.fromkeys(
            part.strip()
            for value in values
            for part in value.split(",")
            if part.strip()
        )
    )
    too_long = [org_id for org_id in ids if len(org_id) > MAX_ID_LENGTH]
    if too_long:
        raise InvalidComparison(
            _("“%(id)s…” is not an organization id: ids are at most %(n)d characters.")
            % {"id": too_long[0][:40], "n": MAX_ID_LENGTH},
            keep=[org_id for org_id in ids if org_id not in too_long][:MAX_COMPARED],
        )
    if len(ids) > MAX_COMPARED:
        extra = ids[MAX_COMPARED:]
        raise InvalidComparison(
            ngettext(
                "At most %(max)d organizations can be compared at once; %(count)d "
                "were chosen. Leave out one, for example %(ids)s.",
                "At most %(max)d organizations can be compared at once; %(count)d "
                "were chosen. Leave out %(extra)d, for example %(ids)s.",
                len(extra),
            )
            % {
                "max": MAX_COMPARED,
                "count": len(ids),
                "extra": len(extra),
                "ids": ", ".join(extra),
            },
            keep=ids[:MAX_COMPARED],
        )
    return ids


def organization_comparison(*, org_ids: list[str], language: str) -> Comparison:
    """The organizations ``org_ids`` (in that order) side by side, texts in
    ``language``. Six queries.

    Raises ``UnknownOrganizations`` naming the ids no organization has.
    """
    found = {
        organization.org_id: organization
        for organization in Organization.objects.filter(org_id__in=org_ids)
    }
    unknown = [org_id for org_id in org_ids if org_id not in found]
    if unknown:
        raise UnknownOrganizations(
            ngettext(
                "No organization has the id %(ids)s.",
                "No organization has these ids: %(ids)s.",
                len(unknown),
            )
            % {"ids": ", ".join(unknown)},
            keep=[org_id for org_id in org_ids if org_id in found],
        )
    organizations = [found[org_id] for org_id in org_ids]
    reports = credit_selectors.organizations_credit_reports(organizations=organizations)
    finances: dict[int, dict[int, YearFinances]] = {o.pk: {} for o in organizations}
    # Ordered by version, so the highest version of a year is the one kept even if
    # an older one was never marked superseded.
    for filing in (
        Filing.objects.current()
        .filter(organization__in=organizations)
        .order_by("organization_id", "fiscal_year", "version")
    ):
        finances[filing.organization_id][filing.fiscal_year] = year_finances(filing)
    years = sorted({year for by_year in finances.values() for year in by_year})
    compared = []
    for organization in organizations:
        report = reports[organization.pk]
        credit = credit_selectors.credit_summary(report, language=language)
        # A rule can fire for several years ("annual report missing" three times):
        # the year tells the findings apart.
        for summary, reason in zip(credit["reasons"], report.reasons, strict=True):
            summary["fiscal_year"] = reason.fiscal_year
        credit["lists"] = credit_selectors.list_labels(credit["lists"])
        compared.append(
            ComparedOrganization(
                organization=organization,
                credit=credit,
                finances=finances[organization.pk],
            )
        )
    return Comparison(organizations=compared, fiscal_years=years[::-1][:YEARS_COMPARED])
