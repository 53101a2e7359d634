"""The one validation every way of filing goes through.

The web form, the template upload and the API each turn their input into the same
flat mapping of field name → raw value (strings or JSON numbers), and this module
answers with the typed values and every problem, each naming its field. Type checks
reuse the exchange format's readers, so a filing is read the same way whether it
comes from an import file or from an organization.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from ..exchange.schema import FILING, Group, Invalid, Key
from ..models import (
    EXPENSE_FIELDS,
    INCOME_FIELDS,
    Filing,
    FilingForm,
    Organization,
    ReviewState,
)

# What an organization fills in, in the order the form and the templates show it.
# The exchange format's other keys (version, superseded, due and submission dates,
# source) are the portal's to set, not the filer's.
SUBMITTED_KEYS = (
    "fiscal_year",
    "form",
    "period_start",
    "period_end",
    "currency",
    *(f"income_{k}" for k in INCOME_FIELDS),
    "income_total",
    *(f"expenses_{k}" for k in EXPENSE_FIELDS),
    "expenses_total",
    "total_assets",
    "total_liabilities",
    "net_assets",
    "employees",
    "volunteers",
    "audit_opinion",
)
REQUIRED_KEYS = (
    "fiscal_year",
    "currency",
    "income_total",
    "expenses_total",
    "total_assets",
    "total_liabilities",
    "net_assets",
)
FIGURE_KEYS = tuple(k for k in SUBMITTED_KEYS if k.startswith(("income_", "expenses_")))
WHOLE_NUMBER_KEYS = ("fiscal_year", "employees", "volunteers")
BALANCE_TOLERANCE = Decimal("1")
PDF_MAX_BYTES = 20 * 1024 * 1024


def _readers() -> dict[str, object]:
    readers = {}
    for member in FILING.members:
        if isinstance(member, Group):
            prefix = "income_" if member.name == "income" else "expenses_"
            for key in member.shape.members:
                readers[prefix + key.name] = key.read
        elif isinstance(member, Key):
            readers[member.name] = member.read
    # Declared totals are checked against their parts; read them like the parts.
    readers["income_total"] = readers["income_other"]
    readers["expenses_total"] = readers["expenses_other"]
    return readers


READERS = _readers()


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a submission; ``field`` is the key it concerns (empty
    for the filing as a whole)."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


@dataclass
class Checked:
    values: dict[str, object]
    problems: list[Problem]

    @property
    def ok(self) -> bool:
        return not self.problems


def _blank(raw: object) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def validate_filing(
    raw: dict[str, object],
    *,
    organization: Organization,
    today: dt.date,
    filing: Filing | None = None,
) -> Checked:
    """Check one submitted filing for ``organization``.

    ``filing`` is the draft being edited, if any (it does not count as a second
    filing for its own year). Unknown keys are problems: a misspelt column must not
    be silently dropped.
    """
    problems: list[Problem] = []
    values: dict[str, object] = {}
    for key in sorted(set(raw) - set(SUBMITTED_KEYS)):
        problems.append(Problem(key, _("unknown field")))
    for key in SUBMITTED_KEYS:
        value = raw.get(key)
        if isinstance(value, str):
            value = value.strip()
        if _blank(value):
            if key in REQUIRED_KEYS:
                problems.append(Problem(key, _("is required")))
            values[key] = None
            continue
        if key in WHOLE_NUMBER_KEYS and isinstance(value, str) and value.isdigit():
            value = int(value)  # the form and the templates send text
        try:
            values[key] = READERS[key](value)
        except Invalid as invalid:
            problems.append(Problem(key, str(invalid)))
            values[key] = None
    if not values.get("form"):
        values["form"] = FilingForm.ANNUAL_REPORT
    if not values.get("audit_opinion"):
        values["audit_opinion"] = ""
    problems += _total_problems(values, "income", INCOME_FIELDS)
    problems += _total_problems(values, "expenses", EXPENSE_FIELDS)
    problems += _balance_problems(values)
    problems += _period_problems(values, organization=organization, today=today)
    if values.get("fiscal_year") is not None:
        problems += _one_live_filing_problems(
            organization, values["fiscal_year"], filing
        )
    return Checked(values=values, problems=problems)


def _total_problems(values: dict, group: str, parts: tuple[str, ...]) -> list[Problem]:
    declared = values.get(f"{group}_total")
    present = [
        values[f"{group}_{p}"] for p in parts if values[f"{group}_{p}"] is not None
    ]
    if declared is None or not present:
        return []
    added = sum(present, Decimal(0))
    if added != declared:
        return [
            Problem(
                f"{group}_total",
                _("the total %(total)s is not the sum of its parts %(sum)s")
                % {"total": f"{declared:,.2f}", "sum": f"{added:,.2f}"},
            )
        ]
    return []


def _balance_problems(values: dict) -> list[Problem]:
    assets, liabilities, net = (
        values.get("total_assets"),
        values.get("total_liabilities"),
        values.get("net_assets"),
    )
    if assets is None or liabilities is None or net is None:
        return []
    if abs(assets - liabilities - net) > BALANCE_TOLERANCE:
        return [
            Problem(
                "net_assets",
                _(
                    "net assets %(net)s should equal total assets %(assets)s minus "
                    "total liabilities %(liabilities)s = %(expected)s"
                )
                % {
                    "net": f"{net:,.2f}",
                    "assets": f"{assets:,.2f}",
                    "liabilities": f"{liabilities:,.2f}",
                    "expected": f"{assets - liabilities:,.2f}",
                },
            )
        ]
    return []


def _period_problems(
    values: dict, *, organization: Organization, today: dt.date
) -> list[Problem]:
    problems = []
    year = values.get("fiscal_year")
    start, end = values.get("period_start"), values.get("period_end")
    if year is not None:
        ended = end if end is not None else dt.date(year, 12, 31)
        if ended >= today:
            problems.append(
                Problem(
                    "fiscal_year",
                    _("fiscal year %(year)s has not ended yet") % {"year": year},
                )
            )
        registered = organization.registered_on
        if registered is not None and year < registered.year:
            problems.append(
                Problem(
                    "fiscal_year",
                    _(
                        "fiscal year %(year)s is before the organization was "
                        "registered (%(date)s)"
                    )
                    % {"year": year, "date": registered.isoformat()},
                )
            )
    if start is not None and end is not None and start > end:
        problems.append(Problem("period_end", _("the period ends before it starts")))
    return problems


def _one_live_filing_problems(
    organization: Organization, year: int, filing: Filing | None
) -> list[Problem]:
    """One filing in progress per organization and year: a second one while the
    first is still a draft or in review would fork the record. (After acceptance a
    new submission is an amendment, which is allowed.)"""
    open_filings = Filing.objects.filter(
        organization=organization,
        fiscal_year=year,
        review_state__in=(
            ReviewState.DRAFT,
            ReviewState.SUBMITTED,
            ReviewState.UNDER_REVIEW,
            ReviewState.RETURNED,
        ),
    )
    if filing is not None and filing.pk:
        open_filings = open_filings.exclude(pk=filing.pk)
    other = open_filings.first()
    if other is None:
        return []
    return [
        Problem(
            "fiscal_year",
            _(
                "a filing for %(year)s is already in progress (%(state)s, version "
                "%(version)s); continue that one"
            )
            % {
                "year": year,
                "state": other.get_review_state_display(),
                "version": other.version,
            },
        )
    ]


def attachment_problems(upload) -> list[Problem]:
    """An attachment must be a PDF (by its content, not its name) of at most 20 MB."""
    if upload.size > PDF_MAX_BYTES:
        return [
            Problem(
                "attachment",
                _("the file is %(size)s MB; attachments may be at most 20 MB")
                % {"size": f"{upload.size / 1024 / 1024:.1f}"},
            )
        ]
    upload.seek(0)
    head = upload.read(1024)
    upload.seek(0)
    if b"%PDF-" not in head:
        return [
            Problem(
                "attachment",
                _("%(name)s is not a PDF document (its content is not PDF)")
                % {"name": upload.name},
            )
        ]
    return []
