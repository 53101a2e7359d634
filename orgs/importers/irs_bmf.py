"""The IRS Exempt Organizations Business Master File (EO BMF), one state file at a time.

The IRS publishes every tax-exempt organization it recognizes as CSV files of 28
columns, one per state (``eo_de.csv``), per region and one for international
organizations (``eo4.csv``), refreshed every month. Each row becomes one organization
of registry ``US-IRS`` (org_id ``US-EIN-<EIN>``):

* ``NAME`` is the name; ``STREET``, ``CITY``, ``STATE`` and ``ZIP`` the address
  (a zero ZIP or ``-0000`` suffix is left out); ``STATE`` the region. ``ICO`` (in care
  of) and ``SORT_NAME`` stay in the row kept on ``IrsMasterFileEntry``.
* ``SUBSECTION`` 03, a 501(c)(3) organization, is a ``charity``: a private foundation
  when ``FOUNDATION`` is 02, 03 or 04, a public charity otherwise. Every other
  subsection (social welfare, trade associations, ...) is ``other`` and not a charity.
* ``RULING`` (YYYYMM, the exemption ruling) is ``registered_on``, the first of that
  month; ``000000`` or a month ``00`` is unknown.
* ``NTEE_CD`` gives the causes: the NTEE major group's name and the code.
* ``TAX_PERIOD``, ``ASSET_AMT``, ``INCOME_AMT``, ``REVENUE_AMT``, the filing
  requirement and the status, subsection, foundation and deductibility codes are kept
  on the organization's ``IrsMasterFileEntry``, not made into a filing: the master file
  does not say which form they come from, and the 990 importer owns the filings.

A master file is a snapshot. The first file of a scope (``eo_de``) is a full load and
records no events. Each later file of the same scope is compared with the rows the
last one left, and the differences become events dated the file's date, on each
record: an organization new to the file ``register_entry``; one whose row changed
``register_change``, its detail naming each changed column with the old and new
value (a new ``NAME`` also becomes a former name); one missing from the file
``register_exit``, status ``removed`` as of that date. It stays in the register, and
its entry keeps the date it left (``left_on``). If it comes back it is active again.
Importing the same file again finds no difference and changes nothing; a file older
than the last one imported for its scope is refused.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from orgs.exchange import ImportReport
from orgs.exchange.schema import ORGANIZATION
from orgs.identifiers import make_org_id
from orgs.models import (
    EventKind,
    ImportRun,
    ImportSource,
    IrsMasterFileEntry,
    Organization,
    OrgType,
    Status,
)

from .base import SourceFileError, records_import, source_sha256

REGISTRY = "US-IRS"
AUTHORITY = "Internal Revenue Service"
COLUMNS = (
    "EIN", "NAME", "ICO", "STREET", "CITY", "STATE", "ZIP", "GROUP", "SUBSECTION",
    "AFFILIATION", "CLASSIFICATION", "RULING", "DEDUCTIBILITY", "FOUNDATION",
    "ACTIVITY", "ORGANIZATION", "STATUS", "TAX_PERIOD", "ASSET_CD", "INCOME_CD",
    "FILING_REQ_CD", "PF_FILING_REQ_CD", "ACCT_PD", "ASSET_AMT", "INCOME_AMT",
    "REVENUE_AMT", "NTEE_CD", "SORT_NAME",
)  # fmt: skip
PRIVATE_FOUNDATION_CODES = {"02", "03", "04"}
# The NTEE major groups (National Center for Charitable Statistics).
NTEE_GROUPS = {
    "A": "Arts, Culture and Humanities",
    "B": "Education",
    "C": "Environment",
    "D": "Animal-Related",
    "E": "Health Care",
    "F": "Mental Health and Crisis Intervention",
    "G": "Diseases, Disorders and Medical Disciplines",
    "H": "Medical Research",
    "I": "Crime and Legal-Related",
    "J": "Employment",
    "K": "Food, Agriculture and Nutrition",
    "L": "Housing and Shelter",
    "M": "Public Safety, Disaster Preparedness and Relief",
    "N": "Recreation and Sports",
    "O": "Youth Development",
    "P": "Human Services",
    "Q": "International, Foreign Affairs and National Security",
    "R": "Civil Rights, Social Action and Advocacy",
    "S": "Community Improvement and Capacity Building",
    "T": "Philanthropy, Voluntarism and Grantmaking Foundations",
    "U": "Science and Technology",
    "V": "Social Science",
    "W": "Public and Societal Benefit",
    "X": "Religion-Related",
    "Y": "Mutual and Membership Benefit",
    "Z": "Unknown",
}

EIN_RE = re.compile(r"\d{9}")
YEAR_MONTH_RE = re.compile(r"\d{6}")
AMOUNT_RE = re.compile(r"-?\d{1,16}")
CODE_RE = re.compile(r"[0-9A-Z]*")
FILE_DATE_RE = re.compile(r"(\d{4}-\d{2}-\d{2})")
SCOPE_RE = re.compile(r"^(.*?)[_-]?\d{4}-\d{2}-\d{2}.*$")
MAX_REPORTED_PROBLEMS = 20
# Validity of single-column codes: (column, pattern, what it must be)
CODE_COLUMNS = (
    ("SUBSECTION", re.compile(r"\d{2}|"), gettext_lazy("two digits")),
    ("FOUNDATION", re.compile(r"\d{2}|"), gettext_lazy("two digits")),
    ("STATUS", re.compile(r"\d{2}|"), gettext_lazy("two digits")),
    ("DEDUCTIBILITY", re.compile(r"\d|"), gettext_lazy("one digit")),
    ("FILING_REQ_CD", re.compile(r"\d{2}|"), gettext_lazy("two digits")),
    ("PF_FILING_REQ_CD", re.compile(r"\d|"), gettext_lazy("one digit")),
    (
        "NTEE_CD",
        re.compile(r"[A-Z][0-9A-Z]{0,3}|"),
        gettext_lazy("an NTEE code like T20"),
    ),
)


@dataclass
class MasterFileChanges:
    """What a master file changed compared with the last file of its scope."""

    scope: str = ""
    as_of: dt.date | None = None
    rows: int = 0
    first_load: bool = False
    added: list[str] = field(default_factory=list)  # EINs
    removed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    renamed: int = 0
    # How many organizations changed in each column, for the summary.
    changed_columns: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def counts(self) -> dict:
        return {
            "master_file": {
                "scope": self.scope,
                "as_of": self.as_of.isoformat() if self.as_of else None,
                "rows": self.rows,
                "added": len(self.added),
                "removed": len(self.removed),
                "changed": len(self.changed),
            },
            "warnings": len(self.warnings),
        }


def irs_bmf_import(
    *,
    path: str | Path,
    as_of: dt.date | None = None,
    scope: str | None = None,
    dry_run: bool = False,
    progress: bool = False,
) -> tuple[ImportReport, MasterFileChanges]:
    """Import the master file at ``path``: a full load, or the month's changes.

    ``as_of`` (the file's date, for the events) defaults to a date in the file name
    (``eo_de_2026-04-13.csv``); ``scope`` (which file this is) to the name without the
    date (``eo_de``). Raises ``SourceFileError`` (nothing written) when the file is not
    the IRS's 28-column CSV or a row has an invalid value, naming the line and column.
    """
    path = Path(path)
    sha256 = source_sha256(path)
    rows = master_file_rows(path=path)
    changes = MasterFileChanges(scope=scope or file_scope(path), rows=len(rows))
    changes.as_of = as_of or file_date(path)
    if changes.as_of is None:
        changes.as_of = dt.date.today()
        changes.warnings.append(
            _(
                "the file name carries no date and no --as-of was given: "
                "changes are dated today, %(today)s"
            )
            % {"today": changes.as_of}
        )
    previous = _previous_rows(scope=changes.scope, as_of=changes.as_of, path=path)
    changes.first_load = not previous
    current = {row["EIN"]: row for row in rows}
    removed = {ein: entry for ein, entry in previous.items() if ein not in current}
    existing = _existing_organizations([*current, *removed])
    reference = path.name[:255]
    records = []
    for ein, row in current.items():
        record = _organization(row, existing.get(ein))
        before = previous.get(ein)
        if before is not None:
            differences = _differences(before["row"], row)
            if differences:
                changes.changed.append(ein)
                for column, _old, _new in differences:
                    changes.changed_columns[column] = (
                        changes.changed_columns.get(column, 0) + 1
                    )
                record["events"] = [
                    _event(
                        EventKind.REGISTER_CHANGE,
                        changes.as_of,
                        reference,
                        "; ".join(
                            f"{column}: {old or '—'} → {new or '—'}"
                            for column, old, new in differences
                        ),
                    )
                ]
                if before["row"]["NAME"] != row["NAME"]:
                    changes.renamed += 1
                    record["former_names"] = [
                        {
                            "name": before["row"]["NAME"],
                            "until": before["last_seen_on"].isoformat(),
                        }
                    ]
        elif not changes.first_load:
            changes.added.append(ein)
            record["events"] = [
                _event(
                    EventKind.REGISTER_ENTRY,
                    changes.as_of,
                    reference,
                    _("Listed in the IRS exempt organizations master file %(scope)s")
                    % {"scope": changes.scope},
                )
            ]
        if existing.get(ein, {}).get("status") != Status.ACTIVE and ein in existing:
            record["status_changed_on"] = changes.as_of.isoformat()
        records.append(record)
    for ein, entry in removed.items():
        changes.removed.append(ein)
        record = _organization(entry["row"], existing.get(ein))
        record["status"] = Status.REMOVED
        record["status_changed_on"] = changes.as_of.isoformat()
        record["events"] = [
            _event(
                EventKind.REGISTER_EXIT,
                changes.as_of,
                reference,
                _(
                    "No longer listed in the IRS exempt organizations master file "
                    "%(scope)s"
                )
                % {"scope": changes.scope},
            )
        ]
        records.append(record)

    def write_entries(run: ImportRun, _report: ImportReport) -> dict:
        _write_entries(run=run, current=current, removed=removed, changes=changes)
        return changes.counts()

    report = records_import(
        records=records,
        source_path=path,
        source=ImportSource.IRS_BMF,
        sha256=sha256,
        dry_run=dry_run,
        progress=progress,
        after_write=write_entries,
    )
    return report, changes


def file_date(path: Path) -> dt.date | None:
    """The date in a file name like ``eo_de_2026-04-13.csv``, if there is one."""
    match = FILE_DATE_RE.search(path.name)
    if not match:
        return None
    try:
        return dt.date.fromisoformat(match.group(1))
    except ValueError:
        return None


def file_scope(path: Path) -> str:
    """Which master file this is: the name without its date and extension."""
    stem = path.name.split(".", 1)[0]
    match = SCOPE_RE.match(stem)
    return (match.group(1) if match and match.group(1) else stem).lower()[:32]


def master_file_rows(*, path: Path) -> list[dict[str, str]]:
    """The rows of the file, every value checked; SourceFileError naming each bad
    line and column otherwise (line 1 is the header)."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise SourceFileError(_("%(path)s: no such file") % {"path": path}) from None
    except IsADirectoryError:
        raise SourceFileError(
            _("%(path)s is a directory, not a CSV file") % {"path": path}
        ) from None
    except UnicodeDecodeError as error:
        raise SourceFileError(
            _(
                "%(path)s is not a CSV text file (UTF-8): byte 0x%(byte)02X at "
                "offset %(offset)d cannot be decoded"
            )
            % {"path": path, "byte": error.object[error.start], "offset": error.start}
        ) from None
    reader = csv.reader(text.splitlines(keepends=True), strict=True)
    try:
        header = next(reader, None)
    except csv.Error as error:
        raise SourceFileError(
            _("%(path)s is not a CSV file: line 1: %(reason)s")
            % {"path": path, "reason": error}
        ) from None
    if header is None:
        raise SourceFileError(_("%(path)s is empty") % {"path": path})
    header = [name.strip() for name in header]
    if tuple(header) != COLUMNS:
        missing = [name for name in COLUMNS if name not in header]
        unexpected = [name for name in header if name not in COLUMNS]
        detail = []
        if missing:
            detail.append(_("missing %(columns)s") % {"columns": ", ".join(missing)})
        if unexpected:
            shown = ", ".join(f'"{name[:40]}"' for name in unexpected[:5])
            detail.append(_("unexpected %(columns)s") % {"columns": shown})
        if not detail:
            detail.append(_("the columns are in another order"))
        raise SourceFileError(
            _(
                "%(path)s, line 1: the header is not the IRS EO BMF's 28 columns "
                "(EIN, NAME, ICO, ... NTEE_CD, SORT_NAME): %(detail)s"
            )
            % {"path": path, "detail": "; ".join(detail)}
        )
    problems: list[str] = []
    problem_count = 0
    rows: list[dict[str, str]] = []
    first_line: dict[str, int] = {}

    def problem(line: int, column: str, message: str) -> None:
        nonlocal problem_count
        problem_count += 1
        if len(problems) < MAX_REPORTED_PROBLEMS:
            location = _("line %(line)d") % {"line": line}
            if column:
                location += ", " + _("column %(column)s") % {"column": column}
            problems.append(f"{location}: {message}")

    try:
        for cells in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) != len(COLUMNS):
                problem(
                    line,
                    "",
                    _("has %(count)d fields, expected %(expected)d")
                    % {"count": len(cells), "expected": len(COLUMNS)},
                )
                continue
            row = {
                name: cell.strip() for name, cell in zip(COLUMNS, cells, strict=True)
            }
            for column, message in _row_problems(row):
                problem(line, column, message)
            ein = row["EIN"]
            seen_on = first_line.setdefault(ein, line)
            if seen_on != line:
                problem(
                    line,
                    "EIN",
                    _("%(ein)s is also on line %(line)d")
                    % {"ein": ein, "line": seen_on},
                )
            rows.append(row)
    except csv.Error as error:
        problem(
            reader.line_num, "", _("is not valid CSV: %(reason)s") % {"reason": error}
        )
    if problem_count:
        lines = [
            _(
                "%(path)s: %(count)d problems, nothing was written "
                "(line 1 is the header):"
            )
            % {"path": path, "count": problem_count}
        ]
        lines.extend(f"  {text}" for text in problems)
        if problem_count > len(problems):
            lines.append(
                "  "
                + _("… and %(count)d more") % {"count": problem_count - len(problems)}
            )
        raise SourceFileError("\n".join(lines))
    return rows


def _row_problems(row: dict[str, str]) -> list[tuple[str, str]]:
    found = []
    if not EIN_RE.fullmatch(row["EIN"]):
        found.append(
            ("EIN", _('"%(value)s" is not an EIN (9 digits)') % {"value": row["EIN"]})
        )
    if not row["NAME"]:
        found.append(("NAME", _("is empty")))
    elif len(row["NAME"]) > 255:
        found.append(("NAME", _("is longer than 255 characters")))
    for column in ("RULING", "TAX_PERIOD"):
        value = row[column]
        if value and not (YEAR_MONTH_RE.fullmatch(value) and int(value[4:]) <= 12):
            found.append(
                (
                    column,
                    _('"%(value)s" is not a year and month (YYYYMM)')
                    % {"value": value},
                )
            )
    for column in ("ASSET_AMT", "INCOME_AMT", "REVENUE_AMT"):
        value = row[column]
        if value and not AMOUNT_RE.fullmatch(value):
            found.append(
                (
                    column,
                    _('"%(value)s" is not a whole-dollar amount') % {"value": value},
                )
            )
    for column, pattern, what in CODE_COLUMNS:
        if not pattern.fullmatch(row[column]):
            found.append(
                (
                    column,
                    _('"%(value)s" is not a code of %(what)s')
                    % {"value": row[column], "what": what},
                )
            )
    return found


def _previous_rows(*, scope: str, as_of: dt.date, path: Path) -> dict[str, dict]:
    """The rows the last file of this scope left, by EIN, for organizations still in
    it; refuses a file older than that one."""
    entries = IrsMasterFileEntry.objects.filter(scope=scope, left_on__isnull=True)
    previous = {
        row["EIN"]: {"row": row, "last_seen_on": last_seen_on}
        for row, last_seen_on in entries.values_list("row", "last_seen_on")
    }
    latest = max((entry["last_seen_on"] for entry in previous.values()), default=None)
    if latest is not None and as_of < latest:
        raise SourceFileError(
            _(
                "%(path)s is dated %(as_of)s, but the master file %(scope)s was last "
                "imported as of %(latest)s: import monthly files in order "
                "(or give --as-of / --scope)"
            )
            % {"path": path, "as_of": as_of, "scope": scope, "latest": latest}
        )
    return previous


# Fields of an organization the master file does not carry: an import keeps what
# another source (a 990 return, an edit) put there.
MASTER_FILE_FIELDS = {
    "org_id", "registry", "identifier", "name", "org_type", "charity",
    "registering_authority", "region", "registered_on", "status", "address", "causes",
}  # fmt: skip


def _existing_organizations(eins: list[str]) -> dict[str, dict]:
    kept = [c for c in ORGANIZATION.columns if c not in MASTER_FILE_FIELDS]
    found = {}
    org_ids = [make_org_id(REGISTRY, ein) for ein in eins]
    for start in range(0, len(org_ids), 2000):
        for values in Organization.objects.filter(
            org_id__in=org_ids[start : start + 2000]
        ).values("identifier", "status", *kept):
            found[values.pop("identifier")] = values
    return found


def _organization(row: dict[str, str], existing: dict | None) -> dict:
    ein = row["EIN"]
    record = {}
    if existing:
        record.update(
            {
                key: value.isoformat() if isinstance(value, dt.date) else value
                for key, value in existing.items()
                if key != "status"
            }
        )
    charity = row["SUBSECTION"] == "03"
    if not charity:
        org_type = OrgType.OTHER
    elif row["FOUNDATION"] in PRIVATE_FOUNDATION_CODES:
        org_type = OrgType.PRIVATE_FOUNDATION
    else:
        org_type = OrgType.PUBLIC_CHARITY
    record.update(
        {
            "org_id": make_org_id(REGISTRY, ein),
            "registry": REGISTRY,
            "identifier": ein,
            "name": row["NAME"],
            "org_type": org_type,
            "charity": charity,
            "registering_authority": AUTHORITY,
            "region": row["STATE"],
            "registered_on": _month_start(row["RULING"]),
            "status": Status.ACTIVE,
            "address": _address(row),
            "causes": _causes(row["NTEE_CD"]),
        }
    )
    return record


def _event(kind: str, date: dt.date, reference: str, detail: str) -> dict:
    return {
        "date": date.isoformat(),
        "kind": kind,
        "authority": AUTHORITY,
        "reference": reference,
        "detail": detail,
    }


def _differences(before: dict, after: dict) -> list[tuple[str, str, str]]:
    return [
        (column, before.get(column, ""), after[column])
        for column in COLUMNS
        if before.get(column, "") != after[column]
    ]


def _month_start(text: str) -> str | None:
    if not text or text[:4] == "0000" or text[4:] == "00":
        return None
    return f"{text[:4]}-{text[4:]}-01"


def _month_end(text: str) -> dt.date | None:
    if not text or text[:4] == "0000" or text[4:] == "00":
        return None
    year, month = int(text[:4]), int(text[4:])
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


def _address(row: dict[str, str]) -> str:
    zip_code = row["ZIP"].removesuffix("-0000")
    if not zip_code.strip("0-"):
        zip_code = ""
    place = " ".join(part for part in (row["STATE"], zip_code) if part)
    return ", ".join(part for part in (row["STREET"], row["CITY"], place) if part)[:500]


def _causes(ntee: str) -> list[str]:
    if not ntee:
        return []
    group = NTEE_GROUPS.get(ntee[0])
    return [group, f"NTEE {ntee}"] if group else [f"NTEE {ntee}"]


def _amount(text: str) -> Decimal | None:
    return Decimal(text) if text else None


def _entry_fields(row: dict[str, str]) -> dict:
    return {
        "row": row,
        "subsection": row["SUBSECTION"],
        "foundation": row["FOUNDATION"],
        "deductibility": row["DEDUCTIBILITY"],
        "exempt_status": row["STATUS"],
        "filing_requirement": row["FILING_REQ_CD"],
        "pf_filing_requirement": row["PF_FILING_REQ_CD"],
        "tax_period_end": _month_end(row["TAX_PERIOD"]),
        "asset_amount": _amount(row["ASSET_AMT"]),
        "income_amount": _amount(row["INCOME_AMT"]),
        "revenue_amount": _amount(row["REVENUE_AMT"]),
        "ntee_code": row["NTEE_CD"],
    }


def _write_entries(
    *,
    run: ImportRun,
    current: dict[str, dict],
    removed: dict[str, dict],
    changes: MasterFileChanges,
) -> None:
    """Keep this file's rows as the scope's snapshot, for the next month's file."""
    as_of = changes.as_of
    org_ids = {make_org_id(REGISTRY, ein): ein for ein in [*current, *removed]}
    organization_pks: dict[str, int] = {}
    stored: dict[str, IrsMasterFileEntry] = {}
    keys = list(org_ids)
    for start in range(0, len(keys), 2000):
        chunk = keys[start : start + 2000]
        for org_id, pk in Organization.objects.filter(org_id__in=chunk).values_list(
            "org_id", "id"
        ):
            organization_pks[org_ids[org_id]] = pk
        for entry in IrsMasterFileEntry.objects.filter(organization__org_id__in=chunk):
            stored[entry.row["EIN"]] = entry
    new, updated, seen_again = [], [], []
    for ein, row in current.items():
        entry = stored.get(ein)
        if entry is None:
            new.append(
                IrsMasterFileEntry(
                    organization_id=organization_pks[ein],
                    scope=changes.scope,
                    first_seen_on=as_of,
                    last_seen_on=as_of,
                    last_import=run,
                    **_entry_fields(row),
                )
            )
        elif entry.row == row and entry.scope == changes.scope and not entry.left_on:
            # Most of a month's rows: only the date they were last seen moves.
            if entry.last_seen_on != as_of:
                seen_again.append(entry.pk)
        else:
            for name, value in _entry_fields(row).items():
                setattr(entry, name, value)
            entry.scope = changes.scope
            entry.last_seen_on = as_of
            entry.left_on = None
            entry.last_import = run
            updated.append(entry)
    for ein in removed:
        entry = stored[ein]
        entry.left_on = as_of
        entry.last_import = run
        updated.append(entry)
    # Changed entries are written again whole: bulk_update's CASE expressions over a
    # dozen columns cost seconds per thousand rows.
    for start in range(0, len(updated), 2000):
        IrsMasterFileEntry.objects.filter(
            pk__in=[entry.pk for entry in updated[start : start + 2000]]
        ).delete()
    IrsMasterFileEntry.objects.bulk_create([*updated, *new], batch_size=2000)
    for start in range(0, len(seen_again), 2000):
        IrsMasterFileEntry.objects.filter(
            pk__in=seen_again[start : start + 2000]
        ).update(last_seen_on=as_of)
