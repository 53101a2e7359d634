"""The organization as search sees it: a plain record read from the database in chunks
(``organization_records``), and its Elasticsearch document with the analysis that makes
Chinese and English names findable (``OrganizationDocument``).

Analysis, field by field:
- names: the built-in ``cjk`` analyzer (bigrams over Han characters, full-width folded)
  as the main field, ``english`` (stemming) as ``.english``, a normalised keyword as
  ``.exact`` (exact name first) and whole-name edge n-grams as ``.prefix`` (what people
  type from the start of a name, for autocomplete).
- identifiers: keywords, normalised (full-width folded, case-insensitive), with the
  reversed code beside them so a code's last characters find it as well as its first.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from functools import reduce

from django.apps import apps
from django.db.models import (
    Case,
    DecimalField,
    F,
    Q,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from elasticsearch.dsl import (
    Boolean,
    Document,
    Double,
    Integer,
    Keyword,
    Text,
    analyzer,
    char_filter,
    normalizer,
    token_filter,
)

from orgs.models import (
    EXPENSE_FIELDS,
    INCOME_FIELDS,
    EventKind,
    Filing,
    FormerName,
    Organization,
    RegulatoryEvent,
)

from .query import income_band
from .text import normalize, province_of, regions_of

# Full-width ASCII (U+FF01..U+FF5E) to half-width, and the ideographic full stop and
# comma, so "ＡＢＣ基金会" and "ABC基金会" are the same name. NFKC does this on the
# Python side; this does it inside the engine for everything it analyses.
FULLWIDTH = char_filter(
    "sunshine_fullwidth",
    type="mapping",
    mappings=[f"{chr(code)}=>{chr(code - 0xFEE0)}" for code in range(0xFF01, 0xFF5F)]
    + ["。=>.", "、=>,"],
)
EXACT = normalizer("sunshine_exact", char_filter=[FULLWIDTH], filter=["lowercase"])
PREFIX = analyzer(
    "sunshine_prefix",
    tokenizer="keyword",
    char_filter=[FULLWIDTH],
    filter=[
        "lowercase",
        token_filter("sunshine_edge", type="edge_ngram", min_gram=1, max_gram=20),
    ],
)
PREFIX_SEARCH = analyzer(
    "sunshine_prefix_search",
    tokenizer="keyword",
    char_filter=[FULLWIDTH],
    filter=["lowercase"],
)


def name_field(*, prefix: bool = True) -> Text:
    fields = {
        "english": Text(analyzer="english"),
        "exact": Keyword(normalizer=EXACT),
    }
    if prefix:
        fields["prefix"] = Text(analyzer=PREFIX, search_analyzer=PREFIX_SEARCH)
        fields["sort"] = Keyword()
    return Text(analyzer="cjk", fields=fields)


class OrganizationDocument(Document):
    org_id = Keyword(normalizer=EXACT)
    identifier = Keyword(normalizer=EXACT)
    identifier_reversed = Keyword(normalizer=EXACT)
    registry = Keyword()
    name = name_field()
    name_en = name_field()
    former_names = name_field(prefix=False)
    org_type = Keyword()
    region = Keyword()
    province = Keyword()
    regions = Keyword()
    status = Keyword()
    active = Boolean()
    charity = Boolean()
    public_fundraising = Boolean()
    grade = Keyword()
    lists = Keyword()
    income_band = Keyword()
    latest_income = Double()
    latest_expenses = Double()
    latest_fiscal_year = Integer()
    causes = Keyword()
    purpose = Text(analyzer="cjk")

    class Meta:
        dynamic = "strict"


@dataclass
class OrganizationRecord:
    """Everything search needs of one organization, read in bulk from the database."""

    id: int
    org_id: str
    identifier: str
    registry: str
    name: str
    name_en: str
    org_type: str
    region: str
    status: str
    charity: bool
    public_fundraising: bool
    purpose: str
    causes: list[str]
    former_names: list[str] = field(default_factory=list)
    grade: str | None = None
    lists: list[str] = field(default_factory=list)
    latest_income: Decimal | None = None
    latest_expenses: Decimal | None = None
    latest_fiscal_year: int | None = None
    latest_currency: str = ""

    @property
    def province(self) -> str:
        return province_of(self.registry, self.region)

    @property
    def income_band(self) -> str:
        return income_band(self.latest_income, self.latest_currency)

    def as_document(self) -> dict:
        """The Elasticsearch source of this organization (its ``_id`` is ``id``)."""
        # Built by hand: dataclasses.asdict deep-copies and was half the indexing time.
        return {
            "org_id": self.org_id,
            "identifier": self.identifier,
            "identifier_reversed": self.identifier[::-1],
            "registry": self.registry,
            "name": self.name,
            "name_en": self.name_en,
            "former_names": self.former_names,
            "org_type": self.org_type,
            "region": self.region,
            "province": self.province,
            "regions": regions_of(self.registry, self.region),
            "status": self.status,
            "active": self.status == "active",
            "charity": self.charity,
            "public_fundraising": self.public_fundraising,
            "grade": self.grade,
            "lists": self.lists,
            "income_band": self.income_band,
            "latest_income": _number(self.latest_income),
            "latest_expenses": _number(self.latest_expenses),
            "latest_fiscal_year": self.latest_fiscal_year,
            "causes": self.causes,
            "purpose": self.purpose,
        }

    def search_text(self) -> dict[str, str]:
        """The embedded backend's normalised columns (``SearchEntry``)."""
        names = [self.name, self.name_en, *self.former_names]
        normalised = [normalize(n) for n in names if n]
        purpose = normalize(" ".join([*self.causes, self.purpose]))
        codes = f"{self.identifier} {self.org_id}".upper()
        return {
            "name": normalize(self.name),
            "names": "\n" + "\n".join(normalised) + "\n",
            "codes": codes,
            "purpose": purpose,
            "document": "\n".join([*normalised, codes.lower(), purpose]),
            "grade": self.grade or "",
            "income_band": self.income_band,
            # Framed by spaces, so a filter matches a whole slug with LIKE.
            "lists": f" {' '.join(sorted(self.lists))} " if self.lists else "",
            "latest_income": self.latest_income,
        }


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


_ORG_FIELDS = (
    "id", "org_id", "identifier", "registry", "name", "name_en", "org_type", "region",
    "status", "charity", "public_fundraising", "purpose", "causes",
)  # fmt: skip


def organization_records(
    ids: Iterable[int] | None = None, *, chunk_size: int = 2000
) -> Iterator[list[OrganizationRecord]]:
    """Organizations as records, a chunk at a time: every organization (in id order,
    read by key ranges so memory stays bounded whatever the registry's size) or only
    ``ids``. Ids with no organization are simply absent (deleted)."""
    if ids is not None:
        wanted = sorted(set(ids))
        for start in range(0, len(wanted), chunk_size):
            chunk = wanted[start : start + chunk_size]
            rows = Organization.objects.filter(id__in=chunk).values(*_ORG_FIELDS)
            yield _records(list(rows), Q(organization_id__in=chunk))
        return
    last_id = 0
    while True:
        rows = list(
            Organization.objects.filter(id__gt=last_id)
            .order_by("id")
            .values(*_ORG_FIELDS)[:chunk_size]
        )
        if not rows:
            return
        # Related rows by a key range, not a list of 2,000 ids: cheaper to build and
        # to plan.
        in_chunk = Q(organization_id__gt=last_id, organization_id__lte=rows[-1]["id"])
        last_id = rows[-1]["id"]
        yield _records(rows, in_chunk)


def _records(rows: list[dict], in_chunk: Q) -> list[OrganizationRecord]:
    records = {row["id"]: OrganizationRecord(**row) for row in rows}
    former = FormerName.objects.filter(in_chunk).values_list("organization_id", "name")
    for org_id, name in former:
        records[org_id].former_names.append(name)
    _add_latest_filing(records, in_chunk)
    for org_id, grade in _current_grades(in_chunk):
        records[org_id].grade = grade
    for org_id, lists in organization_lists(in_chunk).items():
        records[org_id].lists = sorted(lists)
    return list(records.values())


def _add_latest_filing(records: dict[int, OrganizationRecord], in_chunk: Q) -> None:
    """Income and expenses of each organization's latest current filing, summed by
    the database (nulls skipped; null when every part is null)."""
    income = _sum_of([f"income_{f}" for f in INCOME_FIELDS])
    expenses = _sum_of([f"expenses_{f}" for f in EXPENSE_FIELDS])
    filings = (
        Filing.objects.current()
        .filter(in_chunk)
        .order_by("organization_id", "-fiscal_year", "-version")
        .values_list("organization_id", "fiscal_year", "currency")
        .annotate(income=income, expenses=expenses)
    )
    seen: set[int] = set()
    for org_id, year, currency, income_total, expenses_total in filings:
        if org_id in seen:
            continue
        seen.add(org_id)
        record = records[org_id]
        record.latest_fiscal_year = year
        record.latest_currency = currency
        record.latest_income = income_total
        record.latest_expenses = expenses_total


def _sum_of(fields: list[str]) -> Case:
    """The sum of nullable amount columns: nulls skipped, null when all are null."""
    total = reduce(operator.add, (Coalesce(F(f), Value(Decimal(0))) for f in fields))
    all_null = reduce(operator.and_, (Q(**{f"{f}__isnull": True}) for f in fields))
    return Case(
        When(all_null, then=Value(None)),
        default=total,
        output_field=DecimalField(max_digits=20, decimal_places=2),
    )


def _current_grades(in_chunk: Q) -> Iterable[tuple[int, str]]:
    """Current grades from the credit module, when it is installed."""
    if not apps.is_installed("credit"):
        return []
    score = apps.get_model("credit", "Score")
    return score.objects.filter(in_chunk, is_current=True).values_list(
        "organization_id", "grade"
    )


# Words that name each list in a list_entry / list_exit event (its detail or
# reference), as MCA notices and the exchange format word them.
_LIST_WORDS = {
    "serious-dishonest": ("严重违法失信", "serious illegal", "dishonest"),
    "abnormal": ("活动异常", "异常名录", "abnormal"),
    "illegal": ("非法社会组织", "illegal organization"),
}


def _list_named(text: str) -> str | None:
    folded = text.casefold()
    for slug, words in _LIST_WORDS.items():
        if any(word in folded for word in words):
            return slug
    return None


def organization_lists(in_chunk: Q) -> dict[int, set[str]]:
    """The public lists each organization is on now, for the organizations in
    ``in_chunk`` (a filter on ``organization_id``); absent when on none.

    The one place list membership is read for search. Two sources: the lists kept by
    the portal (``credit.ListEntry``, what regulators confirm here and what scoring
    caps grades by) and the decisions an imported register states as ``list_entry``
    / ``list_exit`` events, replayed in date order. Which list an event concerns is
    read from its detail and reference ("列入活动异常名录", "严重违法失信名单"); an
    event that names no known list is left out rather than guessed.
    """
    from credit.models import ListEntry

    events = (
        RegulatoryEvent.objects.filter(
            in_chunk, kind__in=[EventKind.LIST_ENTRY, EventKind.LIST_EXIT]
        )
        .order_by("organization_id", "date", "id")
        .values_list("organization_id", "kind", "detail", "reference")
    )
    memberships: dict[int, set[str]] = {}
    for org_id, kind, detail, reference in events:
        slug = _list_named(f"{detail} {reference}")
        if slug is None:
            continue
        lists = memberships.setdefault(org_id, set())
        if kind == EventKind.LIST_ENTRY:
            lists.add(slug)
        else:
            lists.discard(slug)
    for org_id, listing in (
        ListEntry.objects.listed()
        .filter(in_chunk, organization__isnull=False)
        .values_list("organization_id", "list")
    ):
        memberships.setdefault(org_id, set()).add(listing)
    return {org_id: lists for org_id, lists in memberships.items() if lists}
