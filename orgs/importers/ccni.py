"""The Charity Commission for Northern Ireland register extract (CSV).

The Commission publishes its register as one CSV file in Windows-1252 (not UTF-8),
one charity per row, with a trailing comma that adds an empty last column. Each row
becomes one organization of registry ``GB-CCNI`` (org_id ``GB-NIC-<number>``) with at
most one filing, its latest annual return:

* ``Status``: "Removed" is status ``removed``; every other value ("Registered",
  "Received: on time", "Received: 12 days late", "Overdue: 64 days") is ``active``.
  The status also says how the return went in. The return is due ten months after
  the end of the financial year, which is the filing's ``due_on``; "Received: N days
  late" gives ``submitted_on`` = ``due_on`` + N days, so the credit rules see a late
  return. "Overdue: N days" is counted from the extract's date, which the file does
  not carry: given it (``as_of``), the overdue return becomes an event of kind
  ``other`` dated ``as_of`` - N days, the day that return was due (the same day
  in every later extract, so re-importing stays idempotent). Without it overdue
  statuses are only counted in ``CcniConversion.overdue_unrecorded``.
* Finances: a return with a financial period (``Financial period start``) becomes a
  ``ccni_annual_return`` filing in GBP for the year of the period's end. Charities
  filing full accounts give the SORP breakdown, mapped to the filing's lines (see
  ``INCOME_LINES`` and ``EXPENSE_LINES``). Smaller charities give only ``Total
  income`` and ``Total spending`` and zeros in every breakdown column; their totals
  go into ``other`` income and ``other`` expenses and the breakdown lines stay
  unknown (null), so the filing's totals are what was filed and no programme ratio is
  made up from zeros. Figures are taken as filed, never repaired.
* Purposes: ``Charitable purposes`` (the governing document's objects) is the
  ``purpose``; ``What the charity does`` (the statutory purposes) and ``Who the
  charity helps`` (beneficiaries) are the ``causes``. Their items are joined by a
  comma without a space; a comma followed by a space is inside an item.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _

from orgs.exchange import ImportReport
from orgs.identifiers import make_org_id
from orgs.models import ImportSource

from .base import SourceFileError, records_import

REGISTRY = "GB-CCNI"
ENCODING = "cp1252"
AUTHORITY = "Charity Commission for Northern Ireland"
RETURN_DUE_MONTHS = 10  # CCNI: annual return due within ten months of year end

NUMBER = "Reg charity number"
NAME = "Charity name"
REGISTERED = "Date registered"
STATUS = "Status"
ADDRESS = "Public address"
WEBSITE = "Website"
ACTIVITIES = "What the charity does"
BENEFICIARIES = "Who the charity helps"
PURPOSES = "Charitable purposes"
PERIOD_START = "Financial period start"
PERIOD_END = "Financial period end"
TOTAL_INCOME = "Total income"
TOTAL_SPENDING = "Total spending"
EMPLOYEES = "Employed staff"
VOLUNTEERS = "UK and Ireland volunteers"
NET_ASSETS = "Total net assets and liabilities"

# Exchange-format line -> the register's columns added together.
INCOME_LINES = {
    "donations": ("Income from donations and legacies",),
    "services": ("Income from charitable activities",),
    "investment": ("Income from investments",),
    "other": ("Income from other trading activities", "Income from other"),
}
EXPENSE_LINES = {
    "programs": ("Expenditure on Charitable activities",),
    "fundraising": ("Expenditure on Raising funds",),
    "management": ("Expenditure on Governance",),
    "other": ("Expenditure on Other",),
}

# Lines the filing model keeps at zero or more (NON_NEGATIVE_AMOUNTS in orgs/models).
NON_NEGATIVE_INCOME = ("donations", "government_grants", "services")

REQUIRED_COLUMNS = (
    NUMBER,
    NAME,
    REGISTERED,
    STATUS,
    ADDRESS,
    WEBSITE,
    ACTIVITIES,
    BENEFICIARIES,
    PURPOSES,
    PERIOD_START,
    PERIOD_END,
    TOTAL_INCOME,
    TOTAL_SPENDING,
    EMPLOYEES,
    VOLUNTEERS,
    NET_ASSETS,
    *(column for columns in INCOME_LINES.values() for column in columns),
    *(column for columns in EXPENSE_LINES.values() for column in columns),
)

STATUS_LATE_RE = re.compile(r"Received:\s*(\d+)\s+days?\s+late", re.IGNORECASE)
STATUS_OVERDUE_RE = re.compile(r"Overdue:\s*(\d+)\s+days?", re.IGNORECASE)
LIST_SEPARATOR_RE = re.compile(r",(?! )")
WEBSITE_MAX_LENGTH = 500
SOURCE_MAX_LENGTH = 255

_validate_url = URLValidator(schemes=["http", "https"])


@dataclass
class CcniConversion:
    """What converting the file found besides the records themselves."""

    rows: int = 0
    filings: int = 0
    overdue_recorded: int = 0
    overdue_unrecorded: int = 0
    dropped_websites: list[tuple[str, str]] = field(default_factory=list)
    # (charity number, what was left out and why)
    dropped_amounts: list[tuple[str, str]] = field(default_factory=list)


def ccni_import(
    *,
    path: str | Path,
    as_of: dt.date | None = None,
    dry_run: bool = False,
    progress: bool = False,
) -> tuple[ImportReport, CcniConversion]:
    """Import the CCNI register extract at ``path`` through the exchange importer.

    ``as_of`` is the date the extract was published, needed to date overdue returns.
    Raises ``SourceFileError`` (nothing written) when the file is missing, is not
    Windows-1252 or lacks a column; invalid values come back as the report's problems,
    numbered by charity row.
    """
    conversion = CcniConversion()
    records = list(ccni_records(path=path, as_of=as_of, conversion=conversion))
    report = records_import(
        records=records,
        source_path=path,
        source=ImportSource.CCNI,
        dry_run=dry_run,
        progress=progress,
        after_write=lambda _run, _report: {
            "warnings": len(conversion.dropped_websites)
            + len(conversion.dropped_amounts)
            + conversion.overdue_unrecorded
        },
    )
    return report, conversion


def ccni_records(
    *,
    path: str | Path,
    as_of: dt.date | None = None,
    conversion: CcniConversion | None = None,
) -> Iterator[dict]:
    """The organizations of the extract at ``path``, in the exchange format."""
    conversion = conversion if conversion is not None else CcniConversion()
    path = Path(path)
    try:
        text = path.read_bytes().decode(ENCODING)
    except FileNotFoundError:
        raise SourceFileError(_("%(path)s: no such file") % {"path": path}) from None
    except IsADirectoryError:
        raise SourceFileError(
            _("%(path)s is a directory, not a CSV file") % {"path": path}
        ) from None
    except OSError as error:
        raise SourceFileError(
            _("%(path)s cannot be read: %(reason)s")
            % {"path": path, "reason": error.strerror}
        ) from None
    except UnicodeDecodeError as error:
        raise SourceFileError(
            _(
                "%(path)s is not Windows-1252 text as the Commission publishes it: "
                "byte 0x%(byte)02X at offset %(offset)d cannot be decoded"
            )
            % {"path": path, "byte": error.object[error.start], "offset": error.start}
        ) from None
    rows = csv.reader(text.removeprefix("\ufeff").splitlines(keepends=True))
    header = next(rows, None)
    if header is None:
        raise SourceFileError(_("%(path)s is empty") % {"path": path})
    columns = {name.strip(): index for index, name in enumerate(header)}
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise SourceFileError(
            _("%(path)s is missing the column(s): %(columns)s")
            % {"path": path, "columns": ", ".join(f'"{name}"' for name in missing)}
        )
    for row in rows:
        if not any(cell.strip() for cell in row):
            continue
        conversion.rows += 1
        values = {name: _cell(row, index) for name, index in columns.items()}
        yield _organization(
            values,
            source=_source(path, rows.line_num),
            as_of=as_of,
            conversion=conversion,
        )


def _cell(row: list[str], index: int) -> str:
    return row[index].strip() if index < len(row) else ""


def _source(path: Path, line: int) -> str:
    suffix = f", line {line}"
    name = f"CCNI register extract {path.name}"
    return name[: SOURCE_MAX_LENGTH - len(suffix)] + suffix


def _organization(
    values: dict[str, str],
    *,
    source: str,
    as_of: dt.date | None,
    conversion: CcniConversion,
) -> dict:
    number = values[NUMBER]
    status_text = values[STATUS]
    filing = _filing(
        values, source=source, status_text=status_text, conversion=conversion
    )
    if filing:
        conversion.filings += 1
    events = []
    overdue = STATUS_OVERDUE_RE.fullmatch(status_text)
    if overdue and as_of is None:
        conversion.overdue_unrecorded += 1
    elif overdue:
        conversion.overdue_recorded += 1
        due = as_of - dt.timedelta(days=int(overdue.group(1)))
        events.append(
            {
                "date": due.isoformat(),
                "kind": "other",
                "authority": AUTHORITY,
                "detail": _(
                    "Annual return due on this date not received "
                    '(register status "Overdue")'
                ),
            }
        )
    return {
        "org_id": make_org_id(REGISTRY, number),
        "registry": REGISTRY,
        "identifier": number,
        "name": values[NAME],
        "org_type": "charity",
        "charity": True,
        "registered_on": _iso(_date(values[REGISTERED], "%d/%m/%Y")),
        "status": "removed" if status_text.lower() == "removed" else "active",
        "address": values[ADDRESS],
        "website": _website(values[WEBSITE], number=number, conversion=conversion),
        "purpose": values[PURPOSES],
        "causes": _causes(values[ACTIVITIES], values[BENEFICIARIES]),
        "filings": [filing] if filing else [],
        "events": events,
    }


def _filing(
    values: dict[str, str],
    *,
    source: str,
    status_text: str,
    conversion: CcniConversion,
) -> dict | None:
    # A charity that has not yet filed a return has no financial period, only the
    # end of the first one to come, and zeros everywhere.
    if not values[PERIOD_START]:
        return None
    period_end = _date(values[PERIOD_END], "%d %B %Y")
    fiscal_year = period_end.year if isinstance(period_end, dt.date) else None
    due_on = (
        _add_months(period_end, RETURN_DUE_MONTHS)
        if isinstance(period_end, dt.date)
        else None
    )
    late = STATUS_LATE_RE.fullmatch(status_text)
    submitted_on = due_on + dt.timedelta(days=int(late.group(1))) if late else None
    return {
        "fiscal_year": fiscal_year,
        "form": "ccni_annual_return",
        "period_start": _iso(_date(values[PERIOD_START], "%d %B %Y")),
        "period_end": _iso(period_end),
        "due_on": _iso(due_on),
        "submitted_on": _iso(submitted_on),
        "currency": "GBP",
        "income": _storable(
            _lines(values, INCOME_LINES, total=values[TOTAL_INCOME]),
            NON_NEGATIVE_INCOME,
            kind="income",
            number=values[NUMBER],
            conversion=conversion,
        ),
        "expenses": _storable(
            _lines(values, EXPENSE_LINES, total=values[TOTAL_SPENDING]),
            EXPENSE_LINES,
            kind="expenses",
            number=values[NUMBER],
            conversion=conversion,
        ),
        "net_assets": _amount(values[NET_ASSETS]),
        "employees": _count(values[EMPLOYEES]),
        "volunteers": _count(values[VOLUNTEERS]),
        "source": source,
    }


def _lines(
    values: dict[str, str], lines: dict[str, tuple[str, ...]], *, total: str
) -> dict:
    breakdown = {
        line: _sum([_amount(values[column]) for column in columns])
        for line, columns in lines.items()
    }
    total_amount = _amount(total)
    filed_only_total = all(_is_zero(amount) for amount in breakdown.values()) and (
        total_amount is not None
        and _is_decimal(total_amount)
        and not _is_zero(total_amount)
    )
    if filed_only_total:
        return {line: (total_amount if line == "other" else None) for line in lines}
    return breakdown


def _storable(
    lines: dict[str, str | None],
    non_negative: Collection[str],
    *,
    kind: str,
    number: str,
    conversion: CcniConversion,
) -> dict[str, str | None]:
    """``lines`` without the negative amounts the filing model cannot hold.

    The register has a few (a "Total spending" of -359): they are left unknown rather
    than made positive, and reported, so the figures stored are still the ones filed.
    """
    storable = dict(lines)
    for line in non_negative:
        amount = lines.get(line)
        if amount is not None and _is_decimal(amount) and Decimal(amount) < 0:
            storable[line] = None
            conversion.dropped_amounts.append(
                (number, f"{kind}.{line} {amount} is negative; left unknown")
            )
    return storable


def _sum(amounts: list[str | None]) -> str | None:
    """Columns added together; a value that is not a number is passed on as it is,
    for the exchange importer to refuse with its row number."""
    if len(amounts) == 1:
        return amounts[0]
    try:
        present = [Decimal(amount) for amount in amounts if amount is not None]
    except InvalidOperation:
        return next(a for a in amounts if a is not None and not _is_decimal(a))
    return str(sum(present)) if present else None


def _is_zero(text: str | None) -> bool:
    return text is not None and _is_decimal(text) and Decimal(text) == 0


def _is_decimal(text: str) -> bool:
    try:
        Decimal(text)
    except InvalidOperation:
        return False
    return True


def _amount(text: str) -> str | None:
    return text or None


def _count(text: str) -> int | str | None:
    if not text:
        return None
    return int(text) if text.isdigit() else text


def _date(text: str, format: str) -> dt.date | str | None:
    """The date, or the text itself for the exchange importer to refuse."""
    if not text:
        return None
    try:
        return dt.datetime.strptime(text, format).date()  # noqa: DTZ007 - a date
    except ValueError:
        return text


def _iso(value: dt.date | str | None) -> str | None:
    return value.isoformat() if isinstance(value, dt.date) else value


def _add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later, or the last day of that month if it is shorter."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _website(text: str, *, number: str, conversion: CcniConversion) -> str:
    if not text:
        return ""
    url = text if re.match(r"^[a-z][a-z0-9+.-]*://", text, re.IGNORECASE) else ""
    url = url or f"http://{text}"
    try:
        _validate_url(url)
    except ValidationError:
        conversion.dropped_websites.append((number, text))
        return ""
    if len(url) > WEBSITE_MAX_LENGTH:
        conversion.dropped_websites.append((number, text))
        return ""
    return url


def _causes(*lists: str) -> list[str]:
    causes: list[str] = []
    for text in lists:
        for item in LIST_SEPARATOR_RE.split(text):
            item = item.strip()
            if item and item not in causes:
                causes.append(item)
    return causes
