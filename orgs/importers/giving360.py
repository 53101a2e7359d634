"""360Giving grants files: the JSON of the Data Standard and the published spreadsheet.

UK funders publish their grants in the 360Giving Data Standard, as JSON
(``{"grants": [...]}``) or as a spreadsheet whose column titles name the fields
(``Identifier``, ``Amount Awarded``, ``Recipient Org:Identifier``). Both read into the
same grant: identifier, title, description, amount, currency, award date, the
recipient's and the funder's org-id and name. Everything else the file carries (grant
programme, beneficiary location, a publisher's own columns such as "Award Date -
website format") is kept in the grant's ``extra``, as published, and listed in the
summary; an unknown column is never an error.

Recipients and funders are linked to organizations by org-id. An org-id in a scheme
the portal keeps a register for (``GB-CHC``, ``GB-SC``, ``GB-NIC``, ``GB-COH``,
``US-EIN``; ``orgs.identifiers.parse_org_id``) links to that organization, and one the
register does not have yet is created as a minimal record (registry, identifier, the
name from the grant, a charity for the three charity registers), through the exchange
importer like any other organization, so it is searchable and the register's own
import fills it later. An org-id in another scheme (``GB-EDU``, ``GB-REV``, the
publisher's own ``360G-...``) or none at all keeps the name and org-id on the grant
only. Existing organizations are never changed by a grants file.

Matched on the grant identifier, the import is idempotent. A file that is not JSON or
XLSX, lacks a required field or column, or has an invalid value in any grant writes
nothing; the message names the grant (JSON: its position and id; spreadsheet: its row)
and the field.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from xml.etree.ElementTree import ParseError

from django.utils.translation import gettext as _

from orgs.exchange import ImportReport
from orgs.identifiers import make_org_id, parse_org_id
from orgs.models import Grant, ImportRun, ImportSource, Organization

from .base import SourceFileError, records_import, source_sha256

CENT = Decimal("0.01")
# Spreadsheets store amounts as binary floats, and some publishers' amounts carry the
# float's noise (41133.770000000004 for 41133.77). Within this of a whole cent, the
# amount is the cent, and the summary says so; anything finer is refused.
FLOAT_NOISE = Decimal("0.000001")
CURRENCY_RE = re.compile(r"[A-Z]{3}")
MAX_REPORTED_PROBLEMS = 20
CHARITY_REGISTRIES = {"GB-CCEW", "GB-OSCR", "GB-CCNI"}
GRANT_FIELDS = (
    "title", "description", "amount", "currency", "award_date", "recipient_org_id",
    "recipient_name", "recipient_id", "funder_org_id", "funder_name", "funder_id",
    "extra",
)  # fmt: skip

# Spreadsheet column titles (compared without case and spaces) -> grant fields.
COLUMNS = {
    "identifier": "identifier",
    "title": "title",
    "description": "description",
    "amountawarded": "amount",
    "currency": "currency",
    "awarddate": "award_date",
    "recipientorg:identifier": "recipient_org_id",
    "recipientorg:name": "recipient_name",
    "fundingorg:identifier": "funder_org_id",
    "fundingorg:name": "funder_name",
}
REQUIRED = {
    "identifier": "Identifier",
    "title": "Title",
    "amount": "Amount Awarded",
    "currency": "Currency",
    "award_date": "Award Date",
    "recipient_name": "Recipient Org:Name",
    "funder_org_id": "Funding Org:Identifier",
    "funder_name": "Funding Org:Name",
}
SPREADSHEET_TITLES = {
    **REQUIRED,
    "description": "Description",
    "recipient_org_id": "Recipient Org:Identifier",
}
# JSON keys of a grant -> grant fields (the organizations are nested, read apart).
JSON_KEYS = {
    "id": "identifier",
    "title": "title",
    "description": "description",
    "amountAwarded": "amount",
    "currency": "currency",
    "awardDate": "award_date",
}
JSON_NAMES = {
    "identifier": "id",
    "title": "title",
    "amount": "amountAwarded",
    "currency": "currency",
    "award_date": "awardDate",
    "recipient_name": "recipientOrganization[0].name",
    "recipient_org_id": "recipientOrganization[0].id",
    "funder_org_id": "fundingOrganization[0].id",
    "funder_name": "fundingOrganization[0].name",
    "description": "description",
}


@dataclass
class GrantsConversion:
    """What reading a grants file found, for the summary."""

    grants: int = 0
    total_by_currency: dict[str, Decimal] = field(default_factory=dict)
    extra_fields: list[str] = field(default_factory=list)  # kept as published
    # (where, the amount as published) of amounts rounded to the cent
    rounded_amounts: list[tuple[str, str]] = field(default_factory=list)
    organizations_created: list[str] = field(default_factory=list)  # org_ids
    recipients_linked: int = 0
    recipients_name_only: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def counts(self) -> dict:
        return {
            "grants": {
                "created": self.created,
                "updated": self.updated,
                "unchanged": self.unchanged,
            },
            "totals": {k: str(v) for k, v in self.total_by_currency.items()},
            "extra_fields": self.extra_fields,
            "warnings": len(self.rounded_amounts),
        }


class Problems:
    """Problems of a file, collected so that one message lists them all."""

    def __init__(self, path: Path):
        self.path = path
        self.count = 0
        self.shown: list[str] = []

    def add(self, where: str, message: str) -> None:
        self.count += 1
        if len(self.shown) < MAX_REPORTED_PROBLEMS:
            self.shown.append(f"{where}: {message}")

    def raise_if_any(self) -> None:
        if not self.count:
            return
        lines = [
            _("%(path)s: %(count)d problems, nothing was written:")
            % {"path": self.path, "count": self.count}
        ]
        lines.extend(f"  {text}" for text in self.shown)
        if self.count > len(self.shown):
            lines.append(
                "  "
                + _("… and %(count)d more") % {"count": self.count - len(self.shown)}
            )
        raise SourceFileError("\n".join(lines))


def giving360_import(
    *, path: str | Path, dry_run: bool = False, progress: bool = False
) -> tuple[ImportReport, GrantsConversion]:
    """Import the 360Giving file at ``path`` (``.json`` or ``.xlsx``).

    Raises ``SourceFileError`` (nothing written) when the file cannot be read or any
    grant is invalid; the report's counts are the organizations created for unknown
    org-ids, the conversion's the grants.
    """
    path = Path(path)
    sha256 = source_sha256(path)
    conversion = GrantsConversion()
    grants = grants_read(path=path, conversion=conversion)
    referenced: dict[str, tuple[str, str, str]] = {}  # org_id -> registry, id, name
    for grant in grants:
        for org_id_key, name_key, pk_key in (
            ("recipient_org_id", "recipient_name", "recipient_id"),
            ("funder_org_id", "funder_name", "funder_id"),
        ):
            parsed = parse_org_id(grant[org_id_key]) if grant[org_id_key] else None
            grant[pk_key] = make_org_id(*parsed) if parsed else None
            if parsed:
                referenced.setdefault(grant[pk_key], (*parsed, grant[name_key]))
    known = set(
        Organization.objects.filter(org_id__in=list(referenced)).values_list(
            "org_id", flat=True
        )
    )
    records = [
        _minimal_organization(org_id, registry, identifier, name)
        for org_id, (registry, identifier, name) in referenced.items()
        if org_id not in known
    ]
    conversion.organizations_created = [record["org_id"] for record in records]

    def write_grants(run: ImportRun, _report: ImportReport) -> dict:
        _write_grants(run=run, grants=grants, conversion=conversion)
        return conversion.counts()

    report = records_import(
        records=records,
        source_path=path,
        source=ImportSource.GIVING360,
        sha256=sha256,
        dry_run=dry_run,
        progress=progress,
        after_write=write_grants,
    )
    return report, conversion


def grants_read(*, path: Path, conversion: GrantsConversion) -> list[dict]:
    """Every grant of the file as grant fields; SourceFileError listing the problems."""
    try:
        head = path.open("rb").read(4)
    except FileNotFoundError:
        raise SourceFileError(_("%(path)s: no such file") % {"path": path}) from None
    except IsADirectoryError:
        raise SourceFileError(
            _("%(path)s is a directory, not a file") % {"path": path}
        ) from None
    problems = Problems(path)
    if head.startswith(b"PK") or path.suffix.lower() == ".xlsx":
        items = _spreadsheet_grants(path, problems)
    elif path.suffix.lower() == ".json" or head.lstrip()[:1] in (b"{", b"["):
        items = _json_grants(path, problems)
    else:
        raise SourceFileError(
            _(
                "%(path)s is neither 360Giving JSON nor a spreadsheet (.xlsx): "
                "give a .json or .xlsx file"
            )
            % {"path": path}
        )
    grants = []
    first: dict[str, str] = {}
    extra_fields: dict[str, None] = {}
    for where, values, extra in items:
        grant = _checked(values, where, problems)
        if grant is None:
            continue
        published = _decimal(values.get("amount"))
        if published is not None and published != grant["amount"]:
            conversion.rounded_amounts.append((where, str(published)))
        seen = first.setdefault(grant["identifier"], where)
        if seen != where:
            problems.add(
                where,
                _('grant "%(id)s" is also %(first)s')
                % {"id": grant["identifier"], "first": seen},
            )
            continue
        grant["extra"] = extra
        extra_fields.update(dict.fromkeys(extra))
        grants.append(grant)
    problems.raise_if_any()
    if not grants:
        raise SourceFileError(_("%(path)s has no grants") % {"path": path})
    conversion.grants = len(grants)
    conversion.extra_fields = list(extra_fields)
    for grant in grants:
        totals = conversion.total_by_currency
        totals[grant["currency"]] = totals.get(grant["currency"], 0) + grant["amount"]
    return grants


def _json_grants(path: Path, problems: Problems) -> Iterator[tuple[str, dict, dict]]:
    try:
        document = json.loads(
            path.read_bytes().decode("utf-8-sig"), parse_float=Decimal
        )
    except UnicodeDecodeError as error:
        raise SourceFileError(
            _("%(path)s is not UTF-8 JSON: byte 0x%(byte)02X at offset %(offset)d")
            % {"path": path, "byte": error.object[error.start], "offset": error.start}
        ) from None
    except json.JSONDecodeError as error:
        raise SourceFileError(
            _(
                "%(path)s is not valid JSON: %(reason)s at line %(line)d, column %(column)d"
            )
            % {
                "path": path,
                "reason": error.msg,
                "line": error.lineno,
                "column": error.colno,
            }
        ) from None
    except RecursionError:
        raise SourceFileError(
            _("%(path)s is nested too deeply") % {"path": path}
        ) from None
    if not isinstance(document, dict) or not isinstance(document.get("grants"), list):
        raise SourceFileError(
            _(
                "%(path)s is not a 360Giving grants file: expected an object with a "
                '"grants" array'
            )
            % {"path": path}
        )
    for index, item in enumerate(document["grants"]):
        where = f"grants[{index}]"
        if not isinstance(item, dict):
            problems.add(where, _("is not an object"))
            continue
        if isinstance(item.get("id"), str):
            where += f' ("{item["id"]}")'
        values, extra = {}, {}
        for key, value in item.items():
            if key in JSON_KEYS:
                values[JSON_KEYS[key]] = value
            elif key in ("recipientOrganization", "fundingOrganization"):
                prefix = "recipient" if key.startswith("recipient") else "funder"
                organization, rest = _json_organization(value)
                if organization is None:
                    problems.add(
                        f"{where}, {key}", _("expected an array of organizations")
                    )
                    continue
                values[f"{prefix}_org_id"] = organization.get("id")
                values[f"{prefix}_name"] = organization.get("name")
                if rest:
                    extra[key] = _plain(rest)
            else:
                extra[key] = _plain(value)
        yield where, values, extra


def _json_organization(value) -> tuple[dict | None, list | dict]:
    """The first organization of a ``recipientOrganization`` array and the rest of
    what the array says (other keys of the first, further organizations)."""
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list) or not value or not isinstance(value[0], dict):
        return None, []
    first = value[0]
    rest = {k: v for k, v in first.items() if k not in ("id", "name")}
    if len(value) > 1:
        return first, [rest, *value[1:]]
    return first, rest


def _plain(value):
    """A parsed JSON value with Decimals made numbers again, for a JSON field."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return value


def _spreadsheet_grants(
    path: Path, problems: Problems
) -> Iterator[tuple[str, dict, dict]]:
    from openpyxl import load_workbook  # only for spreadsheets: heavy to import
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        # read_only streams the sheet; data_only reads the values a formula last
        # computed, never evaluates one. defusedxml guards the XML parser.
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (
        zipfile.BadZipFile,
        InvalidFileException,
        KeyError,
        OSError,
        ParseError,
        ValueError,  # also defusedxml's refusal of entities and external references
    ) as error:
        raise SourceFileError(
            _("%(path)s is not a readable spreadsheet (.xlsx): %(reason)s")
            % {"path": path, "reason": error or type(error).__name__}
        ) from None
    try:
        sheet, header = _grants_sheet(workbook, path)
        columns = [_normal(title) for title in header]
        present = set(columns)
        missing = [
            title
            for name, title in REQUIRED.items()
            if not any(COLUMNS.get(c) == name for c in present)
        ]
        if missing:
            raise SourceFileError(
                _(
                    "%(path)s, sheet %(sheet)s: missing the required column(s) %(columns)s"
                )
                % {
                    "path": path,
                    "sheet": f'"{sheet.title}"',
                    "columns": ", ".join(f'"{title}"' for title in missing),
                }
            )
        for number, cells in enumerate(
            sheet.iter_rows(min_row=2, values_only=True), start=2
        ):
            if all(cell is None or cell == "" for cell in cells):
                continue
            values, extra = {}, {}
            for title, column, cell in zip(header, columns, cells, strict=False):
                if column in COLUMNS:
                    values[COLUMNS[column]] = cell
                elif title is not None and cell is not None and cell != "":
                    extra[str(title)] = _plain(cell)
            yield _("row %(row)d") % {"row": number}, values, extra
    except (zipfile.BadZipFile, KeyError, ValueError, ParseError) as error:
        raise SourceFileError(
            _("%(path)s is not a readable spreadsheet (.xlsx): %(reason)s")
            % {"path": path, "reason": error}
        ) from None
    finally:
        workbook.close()


def _grants_sheet(workbook, path: Path):
    """The first sheet whose header has an ``Identifier`` column, and that header."""
    for sheet in workbook.worksheets:
        header = next(sheet.iter_rows(max_row=1, values_only=True), ())
        if any(_normal(title) == "identifier" for title in header):
            return sheet, list(header)
    raise SourceFileError(
        _('%(path)s has no sheet with an "Identifier" column in its first row')
        % {"path": path}
    )


def _normal(title) -> str:
    return re.sub(r"\s+", "", str(title)).lower() if title is not None else ""


def _checked(values: dict, where: str, problems: Problems) -> dict | None:
    """The grant's fields, or None after adding its problems."""
    found = []
    grant = {}
    names = (
        JSON_NAMES
        if where.startswith("grants[")
        else {name: f'column "{title}"' for name, title in SPREADSHEET_TITLES.items()}
    )
    for name in REQUIRED:
        value = values.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            found.append((names.get(name, name), _("is required")))
    for name in ("identifier", "title", "description", "recipient_name",
                 "recipient_org_id", "funder_org_id", "funder_name"):  # fmt: skip
        value = values.get(name)
        if value is None:
            grant[name] = ""
        elif isinstance(value, str | int) and not isinstance(value, bool):
            grant[name] = str(value).strip()
        else:
            found.append((names.get(name, name), _("expected text")))
    for name, limit in (("identifier", 255), ("recipient_org_id", 255),
                        ("funder_org_id", 255), ("recipient_name", 500),
                        ("funder_name", 500)):  # fmt: skip
        if len(grant.get(name, "")) > limit:
            found.append(
                (
                    names.get(name, name),
                    _("is longer than %(n)d characters") % {"n": limit},
                )
            )
    currency = values.get("currency")
    if currency is not None and not (
        isinstance(currency, str) and CURRENCY_RE.fullmatch(currency.strip())
    ):
        found.append(
            (
                names["currency"],
                _('"%(value)s" is not an ISO 4217 code') % {"value": currency},
            )
        )
    else:
        grant["currency"] = (currency or "").strip()
    amount = _amount(values.get("amount"))
    if values.get("amount") is not None and amount is None:
        found.append(
            (
                names["amount"],
                _('"%(value)s" is not an amount (at most 2 decimal places)')
                % {"value": values.get("amount")},
            )
        )
    grant["amount"] = amount
    award_date = _date(values.get("award_date"))
    if values.get("award_date") not in (None, "") and award_date is None:
        found.append(
            (
                names["award_date"],
                _('"%(value)s" is not a date') % {"value": values.get("award_date")},
            )
        )
    grant["award_date"] = award_date
    for name, message in found:
        problems.add(f"{where}, {name}", message)
    return None if found else grant


def _decimal(value) -> Decimal | None:
    """The number as published: a spreadsheet's float by its shortest repr, which is
    the number typed in."""
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    except (InvalidOperation, ValueError, TypeError):
        return None


def _amount(value) -> Decimal | None:
    amount = _decimal(value)
    if amount is None or not amount.is_finite() or abs(amount) >= Decimal(10) ** 16:
        return None
    cents = amount.quantize(CENT)
    if abs(amount - cents) > FLOAT_NOISE:
        return None
    return cents


def _date(value) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            return dt.date.fromisoformat(text[:10])
        except ValueError:
            return None
    return None


def _minimal_organization(
    org_id: str, registry: str, identifier: str, name: str
) -> dict:
    """An organization known only from a grant, for the register to fill later."""
    charity = registry in CHARITY_REGISTRIES
    return {
        "org_id": org_id,
        "registry": registry,
        "identifier": identifier,
        "name": name[:255],
        "org_type": "charity" if charity else "other",
        "charity": charity,
    }


def _write_grants(
    *, run: ImportRun, grants: list[dict], conversion: GrantsConversion
) -> None:
    org_ids = {
        org_id
        for grant in grants
        for org_id in (grant["recipient_id"], grant["funder_id"])
        if org_id
    }
    pks = dict(
        Organization.objects.filter(org_id__in=list(org_ids)).values_list(
            "org_id", "id"
        )
    )
    stored = {
        row[0]: row[1:]
        for row in Grant.objects.filter(
            identifier__in=[grant["identifier"] for grant in grants]
        ).values_list("identifier", "id", *GRANT_FIELDS)
    }
    new, changed = [], []
    for grant in grants:
        grant["recipient_id"] = pks.get(grant["recipient_id"])
        grant["funder_id"] = pks.get(grant["funder_id"])
        if grant["recipient_id"]:
            conversion.recipients_linked += 1
        else:
            conversion.recipients_name_only += 1
        values = {name: grant[name] for name in GRANT_FIELDS}
        row = stored.get(grant["identifier"])
        if row is None:
            new.append(Grant(identifier=grant["identifier"], last_import=run, **values))
        elif tuple(values.values()) != row[1:]:
            changed.append(
                Grant(
                    pk=row[0], identifier=grant["identifier"], last_import=run, **values
                )
            )
        else:
            conversion.unchanged += 1
    # Changed grants are written again whole (bulk_update is slow over 12 columns);
    # nothing refers to a grant.
    Grant.objects.filter(pk__in=[grant.pk for grant in changed]).delete()
    Grant.objects.bulk_create([*changed, *new], batch_size=1000)
    conversion.created = len(new)
    conversion.updated = len(changed)
