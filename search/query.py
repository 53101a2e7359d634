"""What a search asks and what it answers: the contract every backend serves.

``SearchQuery.from_params`` turns request parameters into a validated query, raising
``InvalidSearch`` with a message the API returns as a 400.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from orgs.models import OrgType, Registry, Status
from orgs.regions import region_label

from .text import strip_control

MAX_QUERY_LENGTH = 200
MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20
# Elasticsearch's index.max_result_window: deeper pages go on with a cursor.
MAX_WINDOW = 10_000

GRADE_LABELS = {
    "A": "A",
    "B": "B",
    "C": "C",
    "D": "D",
    "not_rated": gettext_lazy("not rated"),
}
SORTS = ("relevance", "name", "income", "grade")
# Facet name -> request parameter, in the order pages show them.
FACETS = {
    "registry": "registry",
    "org_type": "type",
    "region": "region",
    "status": "status",
    "grade": "grade",
    "income_band": "income_band",
    "lists": "list",
}
# The public lists an organization can be on (search.documents.organization_lists).
LISTS = {
    "abnormal": gettext_lazy("Abnormal activity list"),
    "serious-dishonest": gettext_lazy("Serious illegal and dishonest list"),
    "illegal": gettext_lazy("Illegal organizations list"),
}
# Income bands: lower bounds per currency of the latest filing, so a band means the
# same size of organization within one register (docs/search.md says why these). A
# band's value names its currency ("CNY-1m-10m"): amounts in two currencies are
# never counted together.
INCOME_BOUNDS = {
    # Chinese social organizations: most report under CNY 1M a year; foundations
    # run to tens of millions, the largest beyond CNY 100M.
    "CNY": (100_000, 1_000_000, 10_000_000, 100_000_000),
    # IRS thresholds: 990-N up to $50,000 gross receipts, 990-EZ under $200,000.
    "USD": (50_000, 200_000, 1_000_000, 10_000_000),
    # UK charity law: £10,000 (lighter returns), £1M (audit required).
    "GBP": (10_000, 100_000, 1_000_000, 10_000_000),
}
NO_INCOME = "none"
OTHER_CURRENCY = "other-currency"
_REGION = re.compile(r"^[0-9A-Z]{2,16}$")


def _short(amount: int) -> str:
    for divisor, suffix in ((1_000_000, "m"), (1_000, "k")):
        if amount >= divisor and amount % divisor == 0:
            return f"{amount // divisor}{suffix}"
    return str(amount)


def _bands(currency: str) -> list[tuple[str, int | None, int | None]]:
    """(value, lower, upper) of each band of ``currency``, smallest first."""
    bounds = INCOME_BOUNDS[currency]
    bands = [(f"{currency}-under-{_short(bounds[0])}", None, bounds[0])]
    bands += [
        (f"{currency}-{_short(low)}-{_short(high)}", low, high)
        for low, high in zip(bounds, bounds[1:], strict=False)
    ]
    bands.append((f"{currency}-{_short(bounds[-1])}-plus", bounds[-1], None))
    return bands


INCOME_BANDS = {
    value: (currency, low, high)
    for currency in INCOME_BOUNDS
    for value, low, high in _bands(currency)
}


def income_band(amount, currency: str) -> str:
    """The band of a latest income (a number or None) reported in ``currency``."""
    if amount is None:
        return NO_INCOME
    if currency not in INCOME_BOUNDS:
        return OTHER_CURRENCY
    for value, _low, high in _bands(currency):
        if high is None or amount < high:
            return value
    raise AssertionError("the last band has no upper bound")


def _income_band_label(value: str) -> str:
    if value == NO_INCOME:
        return _("no income reported")
    if value == OTHER_CURRENCY:
        return _("income in another currency")
    currency, low, high = INCOME_BANDS[value]
    if low is None:
        return _("%(currency)s under %(high)s") % {
            "currency": currency,
            "high": f"{high:,}",
        }
    if high is None:
        return _("%(currency)s %(low)s and over") % {
            "currency": currency,
            "low": f"{low:,}",
        }
    return f"{currency} {low:,}–{high:,}"


class InvalidSearch(ValueError):
    """A search request that cannot be answered; the message says why and
    ``field`` names the parameter at fault."""

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.field = field


def facet_label(facet: str, value: str) -> str:
    """The human name of a facet value (the value itself where there is none)."""
    choices = {
        "registry": Registry,
        "org_type": OrgType,
        "status": Status,
    }.get(facet)
    if choices is not None:
        try:
            return str(choices(value).label)
        except ValueError:
            return value
    if facet == "grade":
        return str(GRADE_LABELS.get(value, value))
    if facet == "region":
        return region_label(value)
    if facet == "income_band" and value in _allowed("income_band"):
        return _income_band_label(value)
    if facet == "lists" and value in LISTS:
        return str(LISTS[value])
    return value


def _allowed(facet: str) -> set[str] | None:
    return {
        "registry": set(Registry.values),
        "org_type": set(OrgType.values),
        "status": set(Status.values),
        "grade": set(GRADE_LABELS),
        "income_band": {*INCOME_BANDS, NO_INCOME, OTHER_CURRENCY},
        "lists": set(LISTS),
    }.get(facet)


@dataclass(frozen=True)
class SearchQuery:
    """One search: text, filters (any of several values per facet), sort and page.

    ``cursor`` continues after the last result of a previous page (deep pagination);
    it is opaque to callers and only meaningful to the backend that issued it.
    """

    text: str = ""
    registry: tuple[str, ...] = ()
    org_type: tuple[str, ...] = ()
    region: tuple[str, ...] = ()
    status: tuple[str, ...] = ()
    grade: tuple[str, ...] = ()
    income_band: tuple[str, ...] = ()
    lists: tuple[str, ...] = ()
    sort: str = "relevance"
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE
    cursor: str = ""

    @property
    def filters(self) -> dict[str, tuple[str, ...]]:
        return {facet: getattr(self, facet) for facet in FACETS if getattr(self, facet)}

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size

    def without(self, facet: str) -> SearchQuery:
        return replace(self, **{facet: ()})

    @classmethod
    def from_params(cls, params: Mapping[str, object]) -> SearchQuery:
        """A query from request parameters (a QueryDict or a dict of str or lists)."""

        def values(name: str) -> list[str]:
            if hasattr(params, "getlist"):
                raw = params.getlist(name)
            else:
                raw = params.get(name, [])
                raw = [raw] if isinstance(raw, str) else list(raw)
            return [
                part.strip()
                for item in raw
                for part in str(item).split(",")
                if part.strip()
            ]

        def one(name: str, default: str = "") -> str:
            found = values(name)
            return found[-1] if found else default

        text = strip_control(str(params.get("q", "") or "")).strip()
        if len(text) > MAX_QUERY_LENGTH:
            raise InvalidSearch(
                _("The query is too long: at most %(n)d characters.")
                % {"n": MAX_QUERY_LENGTH},
                field="q",
            )
        filters: dict[str, tuple[str, ...]] = {}
        for facet, param in FACETS.items():
            chosen = tuple(dict.fromkeys(values(param)))
            allowed = _allowed(facet)
            for value in chosen:
                if allowed is not None and value not in allowed:
                    raise InvalidSearch(
                        _("Unknown %(param)s: %(value)s.")
                        % {"param": param, "value": value[:50]},
                        field=param,
                    )
                if facet == "region" and not _REGION.match(value):
                    raise InvalidSearch(
                        _("Unknown region: %(value)s.") % {"value": value[:50]},
                        field=param,
                    )
            filters[facet] = chosen
        sort = one("sort", "relevance")
        if sort not in SORTS:
            raise InvalidSearch(
                _("Unknown sort %(sort)s: use one of %(sorts)s.")
                % {"sort": sort[:50], "sorts": ", ".join(SORTS)},
                field="sort",
            )
        page = _positive_int(one("page", "1"), "page")
        page_size = _positive_int(one("page_size", str(DEFAULT_PAGE_SIZE)), "page_size")
        if page_size > MAX_PAGE_SIZE:
            raise InvalidSearch(
                _("page_size is at most %(n)d.") % {"n": MAX_PAGE_SIZE},
                field="page_size",
            )
        cursor = one("cursor")
        if len(cursor) > 1000:
            raise InvalidSearch(_("Invalid cursor."), field="cursor")
        if not cursor and page * page_size > MAX_WINDOW:
            raise InvalidSearch(
                _(
                    "Pages beyond the first %(n)d results are reached with the cursor "
                    "of the previous page."
                )
                % {"n": MAX_WINDOW},
                field="page",
            )
        return cls(
            text=text,
            sort=sort,
            page=page,
            page_size=page_size,
            cursor=cursor,
            **filters,
        )


def _positive_int(raw: str, name: str) -> int:
    if not raw.isdigit() or int(raw) < 1 or len(raw) > 9:
        raise InvalidSearch(
            _("%(name)s must be a positive whole number.") % {"name": name},
            field=name,
        )
    return int(raw)


@dataclass(frozen=True)
class SearchHit:
    org_id: str
    name: str
    name_en: str
    org_type: str
    region: str
    status: str
    grade: str | None
    highlight: str  # HTML: escaped text with <mark> around the matching parts


@dataclass(frozen=True)
class FacetValue:
    value: str
    label: str
    count: int


@dataclass(frozen=True)
class SearchResults:
    count: int
    hits: list[SearchHit]
    facets: dict[str, list[FacetValue]]
    backend: str
    took_ms: float
    next_cursor: str = ""
    engine_took_ms: float | None = None  # the engine's own figure, where it gives one
    query: SearchQuery = field(default_factory=SearchQuery)


@dataclass(frozen=True)
class Suggestion:
    org_id: str
    name: str
    name_en: str
