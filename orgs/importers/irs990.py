"""IRS Form 990, 990-EZ and 990-PF e-file returns (XML), every schema version.

The IRS publishes each e-filed return as one XML file (``<object id>_public.xml``).
Each accepted return becomes one filing of an organization of registry ``US-IRS``
(org_id ``US-EIN-<EIN>``), through the exchange importer like every other register,
so checking, idempotency and the search outbox are shared.

Reading. Files are parsed with ``defusedxml`` and any document type declaration is
refused (IRS returns have none; it is where external entities and entity expansion
live), so nothing is ever expanded or fetched. Figures are read through the
version-aware map of ``irs990_fields``. A return is rejected, with the file and the
reason, when it is not well-formed, has a document type, is not an e-file ``Return``,
has no ``Filer`` block, no valid EIN or no tax year, or would not be accepted by the
registry (a negative amount the form forbids); nothing is written for it and the
other returns are imported. A schema version outside 2009-2025 is read with the known
names and a warning naming the version and the fields not found.

How figures land on the filing (as filed, never repaired):

* income: ``donations`` = contributions and grants less government grants (990 Part
  VIII line 1e, when given); ``government_grants``; ``services`` = program service
  revenue; ``investment`` (990-PF: interest, dividends and net gains); ``other`` =
  total revenue less those, so the filing's total income is the total filed.
* expenses: ``programs``, ``management``, ``fundraising`` from Part IX (990-EZ:
  programs only; 990-PF: none, it has no functional split); ``other`` = total
  expenses less those, so the total is the total filed.
* ``figures``: total revenue and total expenses as filed, and the 990-PF amounts
  with no column (contributions paid, charitable disbursements, fair market value of
  assets, qualifying distributions, distributable amount). ``governance``: Part VI answers. Officers with their titles and pay.
* Form 990-T (unrelated business income) records the filer only, with a warning.

Versions. Returns of one organization and tax year are versions of one filing: a
return already imported (same SHA-256, kept in ``source``) keeps its version, new
ones are numbered after it. The current version is the latest amended return, else
the latest original (by the IRS's timestamp); every other is ``superseded``. The
original XML is stored in the media storage, named by its SHA-256, and linked as the
filing's ``source_document``; nothing is stored on a dry run or when the import fails.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import multiprocessing
import os
import re
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError

from defusedxml import (
    DefusedXmlException,
    DTDForbidden,
    EntitiesForbidden,
)
from defusedxml.ElementTree import fromstring
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.validators import URLValidator
from django.utils.translation import gettext as _
from tqdm import tqdm

from orgs.exchange import ImportReport
from orgs.exchange.schema import (
    FILING,
    OFFICER,
    ORGANIZATION,
    read_organization,
    render_object,
)
from orgs.identifiers import ein_problem, make_org_id
from orgs.models import Filing, ImportSource, Officer, Organization

from . import irs990_fields as fields
from .base import records_import

REGISTRY = "US-IRS"
CURRENCY = "USD"
DOCUMENT_FOLDER = "filings/irs990"
SOURCE_MAX_LENGTH = 255
AMOUNT_RE = re.compile(r"-?\d{1,16}(?:\.\d{1,2})?")
COUNT_RE = re.compile(r"\d{1,9}")
TRUE_TEXTS = frozenset({"x", "true", "1", "yes"})
FALSE_TEXTS = frozenset({"false", "0", "no"})
STORED_CHUNK = 2000  # organizations read back per query
PARALLEL_MIN_FILES = 64  # fewer files are parsed in-process: forking costs more

_validate_url = URLValidator(schemes=["http", "https"])


class ReturnRejected(Exception):
    """A return that cannot be imported; the message names the file and the reason."""


@dataclass
class ReturnOfficer:
    """An officer, director, trustee or key employee as the return lists them."""

    name: str
    title: str
    compensation: Decimal | None


@dataclass
class ParsedReturn:
    """What one return says, read through the field map (no database)."""

    file_name: str
    sha256: str
    version: str
    return_type: str
    ein: str
    name: str
    name_line1: str
    address: str
    region: str
    tax_year: int
    period_start: dt.date | None
    period_end: dt.date | None
    submitted_at: str  # the IRS timestamp, for ordering versions
    amended: bool
    charity_501c3: bool
    website: str
    mission: str
    amounts: dict[str, Decimal] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    indicators: dict[str, bool] = field(default_factory=dict)
    officers: list[ReturnOfficer] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def org_id(self) -> str:
        return make_org_id(REGISTRY, self.ein)

    @property
    def source(self) -> str:
        suffix = f" sha256:{self.sha256}"
        return self.file_name[: SOURCE_MAX_LENGTH - len(suffix)] + suffix

    @property
    def document_name(self) -> str:
        return f"{DOCUMENT_FOLDER}/{self.sha256[:2]}/{self.sha256}.xml"

    @property
    def has_filing(self) -> bool:
        return self.return_type != "990T"


# Reading one file.


@cache
def _qualified(path: str, namespace: str) -> str:
    if not namespace:
        return path
    return "/".join(f"{{{namespace}}}{step}" for step in path.split("/"))


class _Reader:
    """Finds the first present path of a field under one element."""

    def __init__(self, element: Element, namespace: str):
        self.element = element
        self.namespace = namespace

    def element_at(self, paths: Sequence[str]) -> Element | None:
        for path in paths:
            found = self.element.find(_qualified(path, self.namespace))
            if found is not None:
                return found
        return None

    def text(self, paths: Sequence[str]) -> str | None:
        found = self.element_at(paths)
        if found is None or found.text is None:
            return None
        return found.text.strip()

    def all(self, paths: Sequence[str]) -> list[Element]:
        for path in paths:
            found = self.element.findall(_qualified(path, self.namespace))
            if found:
                return found
        return []


def _local(tag: str) -> tuple[str, str]:
    """(namespace, local name) of an ElementTree tag."""
    if tag.startswith("{"):
        namespace, _brace, local = tag[1:].partition("}")
        return namespace, local
    return "", tag


def _date(text: str | None) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        return None


def _rejected(name: str, reason: str) -> ReturnRejected:
    return ReturnRejected(
        _("%(file)s: rejected: %(reason)s") % {"file": name, "reason": reason}
    )


def _parse_xml(content: bytes, name: str) -> Element:
    """The document's root; no document type, entity or external reference allowed.

    IRS returns never carry a document type declaration, and it is where external
    entities (XXE) and entity expansion ("billion laughs") live: any is refused.
    Parsing again with the declaration allowed but entities forbidden only serves to
    say which attack it was; nothing is expanded or fetched either time.
    """
    try:
        return fromstring(content, forbid_dtd=True)
    except DTDForbidden:
        pass
    except ParseError as error:
        raise _not_well_formed(name, error) from None
    try:
        fromstring(content, forbid_dtd=False, forbid_entities=True)
    except EntitiesForbidden as error:
        if error.sysid or error.pubid:
            reason = _(
                "it declares the external entity %(entity)r (%(target)r): "
                "external entities are refused, nothing was fetched"
            ) % {"entity": error.name, "target": error.sysid or error.pubid}
        else:
            reason = _(
                "it declares the entity %(entity)r: entity declarations are refused "
                "(entity expansion), nothing was expanded"
            ) % {"entity": error.name}
        raise _rejected(name, reason) from None
    except (DefusedXmlException, ParseError):
        pass
    raise _rejected(
        name,
        _(
            "it has a document type declaration (<!DOCTYPE>); IRS returns have none, "
            "and it is refused unread"
        ),
    )


def _not_well_formed(name: str, error: ParseError) -> ReturnRejected:
    line, column = error.position
    reason = str(error).split(":", 1)[0]  # the message repeats the position
    return _rejected(
        name,
        _("not well-formed XML (line %(line)d, column %(column)d): %(reason)s")
        % {"line": line, "column": column + 1, "reason": reason},
    )


def return_parse(*, content: bytes, name: str) -> ParsedReturn:
    """Read one return's XML; ``ReturnRejected`` says why it cannot be imported."""
    root = _parse_xml(content, name)
    namespace, local = _local(root.tag)
    if local != "Return":
        raise _rejected(
            name,
            _("the root element is <%(tag)s>, not an IRS e-file <Return>")
            % {"tag": local},
        )
    version = (root.get("returnVersion") or "").strip()
    document = _Reader(root, namespace)
    header_element = document.element_at(("ReturnHeader",))
    if header_element is None:
        raise _rejected(name, _("it has no ReturnHeader"))
    header = _Reader(header_element, namespace)
    if header.element_at(("Filer",)) is None:
        raise _rejected(name, _("it has no Filer block in its ReturnHeader"))
    ein = header.text(fields.HEADER["ein"])
    if not ein:
        raise _rejected(name, _("its Filer block has no EIN"))
    problem = ein_problem(ein)
    if problem:
        raise _rejected(
            name,
            _("its EIN %(ein)r is invalid: %(problem)s")
            % {"ein": ein, "problem": problem},
        )
    name_line1 = header.text(fields.HEADER["name"]) or ""
    filer_name = " ".join(
        part for part in (name_line1, header.text(fields.HEADER["name_line2"])) if part
    )
    if not filer_name:
        raise _rejected(name, _("its Filer block has no name"))

    return_type = (header.text(fields.HEADER["return_type"]) or "").upper()
    data = document.element_at(("ReturnData",))
    form_element = None
    if data is not None:
        for code, element_name in fields.FORM_ELEMENTS.items():
            found = data.find(_qualified(element_name, namespace))
            if found is not None and (not return_type or return_type == code):
                return_type, form_element = code, found
                break
    if return_type not in fields.FORMS:
        raise _rejected(
            name,
            _("return type %(type)r is not one of %(known)s")
            % {"type": return_type, "known": ", ".join(fields.FORMS)},
        )
    if form_element is None and return_type != "990T":
        raise _rejected(
            name,
            _("it has no %(element)s form in its ReturnData")
            % {"element": fields.FORM_ELEMENTS[return_type]},
        )

    period_start = _date(header.text(fields.HEADER["period_start"]))
    period_end = _date(header.text(fields.HEADER["period_end"]))
    tax_year_text = header.text(fields.HEADER["tax_year"])
    if tax_year_text and tax_year_text.isdigit():
        tax_year = int(tax_year_text)
    elif period_start:
        tax_year = period_start.year  # the IRS's tax year is the year it begins
    else:
        raise _rejected(name, _("it has neither a tax year nor a tax period"))

    street = ", ".join(
        part
        for part in (
            header.text(fields.HEADER["street"]),
            header.text(fields.HEADER["street2"]),
        )
        if part
    )
    state = header.text(fields.HEADER["state"]) or ""
    place = " ".join(
        part
        for part in (
            header.text(fields.HEADER["city"]),
            state,
            header.text(fields.HEADER["zip"]),
        )
        if part
    )
    country = header.text(fields.HEADER["country"]) or ""
    address = ", ".join(part for part in (street, place, country) if part)

    parsed = ParsedReturn(
        file_name=name,
        sha256=hashlib.sha256(content).hexdigest(),
        version=version,
        return_type=return_type,
        ein=ein,
        name=filer_name,
        name_line1=name_line1,
        address=address,
        region=(country or state)[:16],
        tax_year=tax_year,
        period_start=period_start,
        period_end=period_end,
        submitted_at=header.text(fields.HEADER["timestamp"]) or "",
        amended=False,
        charity_501c3=False,
        website="",
        mission="",
    )
    if form_element is not None:
        _read_form(parsed, _Reader(form_element, namespace))
        _check_expenses(parsed)
    if not fields.KNOWN_VERSION_RE.fullmatch(version):
        _warn_unknown_version(parsed, form_element, namespace)
    return parsed


def _read_form(parsed: ParsedReturn, form: _Reader) -> None:
    paths = fields.FORMS[parsed.return_type]
    for name in fields.AMOUNTS:
        if name not in paths:
            continue
        text = form.text(paths[name])
        if text is None:
            continue
        if AMOUNT_RE.fullmatch(text):
            parsed.amounts[name] = Decimal(text)
        else:
            parsed.warnings.append(
                _("%(field)s %(value)r is not an amount; left out")
                % {"field": name, "value": text[:40]}
            )
    for name in fields.COUNTS:
        if name not in paths:
            continue
        text = form.text(paths[name])
        if text is None:
            continue
        if COUNT_RE.fullmatch(text):
            parsed.counts[name] = int(text)
        else:
            parsed.warnings.append(
                _("%(field)s %(value)r is not a count; left out")
                % {"field": name, "value": text[:40]}
            )
    for name in fields.INDICATORS:
        if name not in paths:
            continue
        text = form.text(paths[name])
        if text is None:
            continue
        if text.lower() in TRUE_TEXTS:
            parsed.indicators[name] = True
        elif text.lower() in FALSE_TEXTS:
            parsed.indicators[name] = False
    parsed.amended = parsed.indicators.get("amended", False)
    parsed.charity_501c3 = parsed.indicators.get("organization_501c3", False) or (
        parsed.return_type == "990PF"
    )
    website = form.text(paths.get("website", ())) or ""
    if website and "://" not in website:
        website = f"http://{website}"
    try:
        _validate_url(website)
        parsed.website = website if len(website) <= 500 else ""
    except ValidationError:
        parsed.website = ""
    parsed.mission = form.text(paths.get("mission", ())) or ""
    for group in form.all(paths.get("officers", ())):
        person = _Reader(group, form.namespace)
        person_name = person.text(fields.OFFICER["name"])
        if not person_name:
            continue
        pay = person.text(fields.OFFICER["compensation"])
        compensation = (
            Decimal(pay) if pay and AMOUNT_RE.fullmatch(pay) and pay[0] != "-" else None
        )
        parsed.officers.append(
            ReturnOfficer(
                name=person_name[:255],
                title=(person.text(fields.OFFICER["title"]) or "")[:128],
                compensation=compensation,
            )
        )


def _check_expenses(parsed: ParsedReturn) -> None:
    a = parsed.amounts
    total = a.get("total_expenses")
    columns = [
        a[name]
        for name in (
            "program_service_expenses",
            "management_general_expenses",
            "fundraising_expenses",
        )
        if name in a
    ]
    if total is not None and sum(columns, Decimal(0)) > total:
        parsed.warnings.append(
            _(
                "the expense columns add up to more than the total expenses filed "
                "(%(total)s); the filing keeps the columns, and the total as filed "
                "among its figures"
            )
            % {"total": total}
        )


def _warn_unknown_version(
    parsed: ParsedReturn, form_element: Element | None, namespace: str
) -> None:
    paths = fields.FORMS[parsed.return_type]
    found = set(parsed.amounts) | set(parsed.counts) | set(parsed.indicators)
    missing = [
        f"{name} ({' | '.join(paths[name])})"
        for name in (*fields.AMOUNTS, *fields.COUNTS, *fields.INDICATORS)
        if name in paths and name not in found
    ]
    parsed.warnings.append(
        _(
            "schema version %(version)r is not one the field map knows (2009-2025); "
            "read with the known element names. Not found, left empty: %(missing)s"
        )
        % {
            "version": parsed.version or _("(none)"),
            "missing": "; ".join(missing) if missing else _("nothing"),
        }
    )


def return_read(path: str | Path) -> ParsedReturn | ReturnRejected:
    """Parse the file at ``path``; the rejection is returned, not raised, so worker
    processes can hand it back."""
    name = Path(path).name
    try:
        content = Path(path).read_bytes()
    except OSError as error:
        return _rejected(
            name, _("cannot be read: %(reason)s") % {"reason": error.strerror}
        )
    try:
        return return_parse(content=content, name=name)
    except ReturnRejected as rejected:
        return rejected
    except RecursionError:
        return _rejected(name, _("nested too deeply"))


# From returns to exchange records.


def _text_amount(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _difference(
    total: Decimal | None, parts: Iterable[Decimal | None]
) -> Decimal | None:
    if total is None:
        return None
    return total - sum((part for part in parts if part is not None), Decimal(0))


def filing_record(parsed: ParsedReturn, *, version: int, superseded: bool) -> dict:
    """The exchange-format filing of one return."""
    a = parsed.amounts
    contributions = a.get("contributions_grants")
    government = a.get("government_grants")
    if (
        contributions is not None
        and government is not None
        and government <= contributions
    ):
        donations = contributions - government
    else:
        donations, government = contributions, None
    services = a.get("program_service_revenue")
    if parsed.return_type == "990PF":
        parts = [
            a.get(k) for k in ("interest_income", "dividends", "net_gain_sale_assets")
        ]
        present = [p for p in parts if p is not None]
        investment = sum(present, Decimal(0)) if present else None
    else:
        investment = a.get("investment_income")
    other_income = _difference(
        a.get("total_revenue"), (donations, government, services, investment)
    )
    programs = a.get("program_service_expenses")
    management = a.get("management_general_expenses")
    fundraising = a.get("fundraising_expenses")
    other_expenses = _difference(
        a.get("total_expenses"), (programs, management, fundraising)
    )
    if other_expenses is not None and other_expenses < 0:
        other_expenses = None  # warned about by return_parse
    governance = {
        name: parsed.counts.get(name, parsed.indicators.get(name))
        for name in fields.GOVERNANCE
        if name in parsed.counts or name in parsed.indicators
    }
    figures = {name: str(a[name]) for name in fields.FIGURES if name in a}
    return {
        "fiscal_year": parsed.tax_year,
        "version": version,
        "superseded": superseded,
        "amended": parsed.amended,
        "form": parsed.return_type,
        "period_start": parsed.period_start and parsed.period_start.isoformat(),
        "period_end": parsed.period_end and parsed.period_end.isoformat(),
        "due_on": None,
        "submitted_on": parsed.submitted_at[:10]
        if _date(parsed.submitted_at)
        else None,
        "currency": CURRENCY,
        "income": {
            "donations": _text_amount(donations),
            "government_grants": _text_amount(government),
            "services": _text_amount(services),
            "investment": _text_amount(investment),
            "other": _text_amount(other_income),
        },
        "expenses": {
            "programs": _text_amount(programs),
            "management": _text_amount(management),
            "fundraising": _text_amount(fundraising),
            "other": _text_amount(other_expenses),
        },
        "total_assets": _text_amount(a.get("total_assets_eoy")),
        "total_liabilities": _text_amount(a.get("total_liabilities_eoy")),
        "net_assets": _text_amount(a.get("net_assets_eoy")),
        "employees": parsed.counts.get("employees"),
        "volunteers": parsed.counts.get("volunteers"),
        "audit_opinion": "",
        "governance": governance or None,
        "figures": figures or None,
        "source": parsed.source,
        "source_document": parsed.document_name,
    }


def _officer_records(parsed: ParsedReturn) -> list[dict]:
    return [
        {
            "name": officer.name,
            "role": officer.title,
            "compensation": _text_amount(officer.compensation),
        }
        for officer in parsed.officers
    ]


def _organization_fields(parsed: ParsedReturn) -> dict:
    """The organization's fields a return states (the latest return wins)."""
    if parsed.return_type == "990PF":
        org_type = "private_foundation"
    elif parsed.charity_501c3:
        org_type = "public_charity"
    else:
        org_type = "other"
    return {
        "name": parsed.name[:255],
        "org_type": org_type,
        "charity": parsed.charity_501c3,
        "address": parsed.address[:500],
        "region": parsed.region,
        **({"website": parsed.website} if parsed.website else {}),
        **({"purpose": parsed.mission} if parsed.mission else {}),
    }


def _new_organization(parsed: ParsedReturn) -> dict:
    return {
        "org_id": parsed.org_id,
        "registry": REGISTRY,
        "identifier": parsed.ein,
        "name": parsed.name[:255],
        "org_type": "other",
        "registering_authority": "Internal Revenue Service",
    }


def return_problem(parsed: ParsedReturn) -> str | None:
    """Why the registry would refuse this return's record, or None."""
    record = {
        **_new_organization(parsed),
        **_organization_fields(parsed),
        "officers": _officer_records(parsed),
        "filings": [filing_record(parsed, version=1, superseded=False)]
        if parsed.has_filing
        else [],
    }
    _record, problems = read_organization(record, line=1)
    if problems:
        return "; ".join(
            f"{problem.path}: {problem.message}" if problem.path else problem.message
            for problem in problems
        )
    return None


@dataclass
class _Stored:
    """What the registry already holds of one organization."""

    organization: dict
    officers: list[dict]
    filings: list[dict]


def _stored(org_ids: Sequence[str]) -> dict[str, _Stored]:
    stored: dict[str, _Stored] = {}
    for start in range(0, len(org_ids), STORED_CHUNK):
        stored.update(_stored_chunk(org_ids[start : start + STORED_CHUNK]))
    return stored


def _stored_chunk(org_ids: Sequence[str]) -> dict[str, _Stored]:
    stored: dict[str, _Stored] = {}
    pks: dict[int, str] = {}
    for pk, *row in Organization.objects.filter(org_id__in=org_ids).values_list(
        "id", *ORGANIZATION.columns
    ):
        organization = render_object(row, ORGANIZATION)
        stored[organization["org_id"]] = _Stored(organization, [], [])
        pks[pk] = organization["org_id"]
    for pk, *row in (
        Officer.objects.filter(organization_id__in=pks)
        .order_by("id")
        .values_list("organization_id", *OFFICER.columns)
    ):
        stored[pks[pk]].officers.append(render_object(row, OFFICER))
    for pk, *row in (
        Filing.objects.filter(organization_id__in=pks)
        .order_by("fiscal_year", "version")
        .values_list("organization_id", *FILING.columns)
    ):
        stored[pks[pk]].filings.append(render_object(row, FILING))
    return stored


def _sha_of(source: str) -> str | None:
    match = re.search(r"sha256:([0-9a-f]{64})$", source or "")
    return match.group(1) if match else None


def _current_key(filing: dict, submitted_at: str) -> tuple:
    # The latest amended return, else the latest original; ties by version.
    return (bool(filing.get("amended")), submitted_at, filing["version"])


def organization_record(
    org_id: str, returns: list[ParsedReturn], stored: _Stored | None
) -> dict:
    """One organization's exchange record: what is stored, with these returns merged."""
    returns = sorted(
        returns, key=lambda r: (r.tax_year, r.amended, r.submitted_at, r.file_name)
    )
    # A 990-T says who the filer is, not what kind of organization: the latest
    # information return speaks for the organization when there is one.
    newest = ([r for r in returns if r.has_filing] or returns)[-1]
    stored_filings = list(stored.filings) if stored else []
    newest_stored_year = max((f["fiscal_year"] for f in stored_filings), default=0)
    stated = _organization_fields(newest)
    if stored:
        organization = dict(stored.organization)
        if newest.tax_year >= newest_stored_year:
            if not newest.has_filing:
                stated = {k: stated[k] for k in ("name", "address", "region")}
            organization.update(stated)
    else:
        organization = {**_new_organization(newest), **stated}

    by_year: dict[int, list[tuple[dict, str, bool]]] = defaultdict(list)
    for filing in stored_filings:
        # stored filings: (filing, timestamp for ordering, changed by this import)
        by_year[filing["fiscal_year"]].append(
            (filing, filing.get("submitted_on") or "", False)
        )
    known = {_sha_of(f["source"]): f for f in stored_filings if _sha_of(f["source"])}
    for parsed in returns:
        if not parsed.has_filing:
            continue
        same = known.get(parsed.sha256)
        year = by_year[parsed.tax_year]
        if same is not None and same["fiscal_year"] == parsed.tax_year:
            filing = filing_record(
                parsed, version=same["version"], superseded=same["superseded"]
            )
            year[:] = [entry for entry in year if entry[0] is not same]
        else:
            version = max((entry[0]["version"] for entry in year), default=0) + 1
            filing = filing_record(parsed, version=version, superseded=False)
        year.append((filing, parsed.submitted_at, True))
        known[parsed.sha256] = filing

    filings = []
    current_filings = []
    for entries in by_year.values():
        current = max(entries, key=lambda entry: _current_key(entry[0], entry[1]))[0]
        current_filings.append(current)
        for filing, _stamp, changed in entries:
            superseded = filing is not current
            if changed or filing["superseded"] != superseded:
                filings.append({**filing, "superseded": superseded})

    # The officers are those of the latest return, unless an amendment of it (or a
    # later year) is already in the registry.
    newest_is_current = not newest.has_filing or any(
        filing is known.get(newest.sha256) for filing in current_filings
    )
    if (
        newest.tax_year >= newest_stored_year
        and newest_is_current
        and (newest.officers or not stored)
    ):
        officers = _officer_records(newest)
    else:
        officers = stored.officers if stored else []
    return {**organization, "officers": officers, "filings": filings}


# The import.


@dataclass
class Irs990Report:
    """What an IRS 990 import read, refused and did."""

    files: int = 0
    returns: int = 0
    rejected: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    documents_stored: int = 0
    registry: ImportReport | None = None
    # the files behind each organization record: line N of registry problems is the
    # Nth record
    record_files: list[list[str]] = field(default_factory=list)

    @property
    def dry_run(self) -> bool:
        return bool(self.registry and self.registry.dry_run)


def xml_paths(paths: Iterable[str | Path]) -> Iterator[Path]:
    """The files named, and the ``*.xml`` files under the folders named, in order."""
    for path in paths:
        path = Path(path)
        if path.is_dir():
            yield from sorted(
                p for p in path.rglob("*") if p.suffix.lower() == ".xml" and p.is_file()
            )
        else:
            yield path


def returns_read(
    paths: Sequence[Path], *, workers: int = 1, progress: bool = False
) -> Iterator[ParsedReturn | ReturnRejected]:
    """``return_read`` of each path, in order, on ``workers`` processes."""
    with tqdm(
        total=len(paths),
        desc=_("parsing"),
        unit="file",
        disable=not progress,
        leave=False,
    ) as bar:
        if workers > 1 and len(paths) >= PARALLEL_MIN_FILES:
            context = multiprocessing.get_context("fork")
            with context.Pool(workers) as pool:
                for result in pool.imap(return_read, paths, chunksize=8):
                    bar.update(1)
                    yield result
        else:
            for path in paths:
                result = return_read(path)
                bar.update(1)
                yield result


@dataclass
class ParseBenchmark:
    """Returns parsed per second with a number of worker processes."""

    workers: int
    returns: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.returns / self.seconds if self.seconds else 0.0


def returns_benchmark(
    *, paths: Sequence[str | Path], repeat: int, workers: int
) -> ParseBenchmark:
    """Parse the returns at ``paths``, ``repeat`` times over, on ``workers``
    processes, and convert each to its filing record: the importer's work before the
    database. Rejected files count too (they are parsed as far as their fault)."""
    files = list(xml_paths(paths)) * repeat
    started = time.perf_counter()
    count = 0
    for parsed in returns_read(files, workers=workers):
        if isinstance(parsed, ParsedReturn) and parsed.has_filing:
            filing_record(parsed, version=1, superseded=False)
        count += 1
    return ParseBenchmark(
        workers=workers, returns=count, seconds=time.perf_counter() - started
    )


def irs990_import(
    *,
    paths: Sequence[str | Path],
    dry_run: bool = False,
    progress: bool = False,
    workers: int | None = None,
) -> Irs990Report:
    """Import the returns at ``paths`` (files, or folders searched for ``*.xml``).

    A rejected return is reported and skipped; the others are imported together in
    one transaction by the exchange importer (``report.registry``). With
    ``dry_run`` everything is checked and counted, then rolled back, and no document
    is stored.
    """
    files = list(xml_paths(paths))
    report = Irs990Report(files=len(files))
    if workers is None:
        workers = os.cpu_count() or 1
    accepted: dict[str, list[ParsedReturn]] = defaultdict(list)
    contents: dict[str, Path] = {}
    seen: set[str] = set()
    for path, result in zip(
        files, returns_read(files, workers=workers, progress=progress), strict=True
    ):
        if isinstance(result, ReturnRejected):
            report.rejected.append(str(result))
            continue
        if result.sha256 in seen:
            report.warnings.append(
                _("%(file)s: the same return as another file; read once")
                % {"file": result.file_name}
            )
            continue
        problem = return_problem(result)
        if problem:
            report.rejected.append(
                _("%(file)s: rejected: the registry refuses it: %(problem)s")
                % {"file": result.file_name, "problem": problem}
            )
            continue
        seen.add(result.sha256)
        if not result.has_filing:
            result.warnings.append(
                _(
                    "Form 990-T reports unrelated business income only: the filer is recorded, no filing"
                )
            )
        report.returns += 1
        report.warnings.extend(
            f"{result.file_name}: {warning}" for warning in result.warnings
        )
        accepted[result.org_id].append(result)
        contents[result.sha256] = path
    if not accepted:
        return report
    stored = _stored(sorted(accepted))
    records = [
        organization_record(org_id, returns, stored.get(org_id))
        for org_id, returns in sorted(accepted.items())
    ]
    report.record_files = [
        [parsed.file_name for parsed in returns]
        for _org_id, returns in sorted(accepted.items())
    ]
    report.registry = records_import(
        records=records,
        source_path=", ".join(str(p) for p in paths),
        source=ImportSource.IRS_990,
        # One run over many returns: its checksum is that of the returns' checksums.
        sha256=hashlib.sha256(" ".join(sorted(contents)).encode()).hexdigest(),
        dry_run=dry_run,
        progress=progress,
    )
    if not dry_run and not report.registry.problem_count:
        report.documents_stored = _documents_store(
            {
                parsed.document_name: contents[parsed.sha256]
                for returns in accepted.values()
                for parsed in returns
                if parsed.has_filing
            }
        )
    return report


def _documents_store(documents: dict[str, Path]) -> int:
    """Store each return's XML under its content-addressed name, once."""
    stored = 0
    for name, path in documents.items():
        if default_storage.exists(name):
            continue
        saved = default_storage.save(name, ContentFile(path.read_bytes()))
        if saved != name:  # another process stored the same document meanwhile
            default_storage.delete(saved)
        stored += 1
    return stored
