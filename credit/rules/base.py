"""What a credit rule is, what it returns, and the table of all rules.

A rule is a function over a ``FactsFrame`` (plain NumPy columns for a batch of
organizations, ``credit/rules/facts.py``) that returns ``Hits``: which organizations
it fires on, for which fiscal year, with which evidence. It never touches the ORM, so
it runs the same on one organization (tests, rescoring after a filing changes) and on a
million (``score_orgs``). Its metadata (code, titles, legal source per registry,
advice) lives in ``RULES``; stored reasons keep only the code and look the text up
here, so a wording fix reaches every stored reason at once.

The points a rule deducts are not here but in ``credit/methodology.py``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from .facts import FactsFrame

# Values shared with orgs.models (tests/credit/test_rules.py checks they agree). Rules
# keep their own copies so that they import neither Django nor the registry models.
CN_MCA = "CN-MCA"
US_IRS = "US-IRS"
SOCIAL_GROUP = "social_group"
FOUNDATION = "foundation"
SOCIAL_SERVICE_AGENCY = "social_service_agency"
NATIONAL = "national"
ACTIVE = "active"
REVOKED = "revoked"
CANCELLED = "cancelled"
DEREGISTERED = "deregistered"
REMOVED = "removed"
ENDED_STATUSES = (REVOKED, CANCELLED, DEREGISTERED, REMOVED)
WARNING = "warning"
FINE = "fine"
SUSPENSION = "suspension"
BAN = "ban"
MAIL_RETURNED = "mail_returned"
NO_AUDIT = ("", "none")


@dataclass(frozen=True)
class Text:
    """The same text in Chinese and English."""

    zh: str
    en: str

    def get(self, language: str | None) -> str:
        """English for an English language code, Chinese otherwise (the default)."""
        return self.en if (language or "").lower().startswith("en") else self.zh


@dataclass
class Hits:
    """Where a rule fired in a frame: one entry per reason.

    ``org`` is the row of the organization in the frame; ``fiscal_year`` is 0 for a
    reason about no single year; ``evidence`` maps a key to one JSON-ready value per
    hit; ``not_rated`` marks hits that stop the organization from being rated (the
    IRS automatic revocation); ``order`` breaks ties between an organization's reasons
    for the same year (an event id, say).
    """

    org: np.ndarray
    fiscal_year: np.ndarray | None = None
    evidence: dict[str, Sequence[Any]] = field(default_factory=dict)
    not_rated: np.ndarray | None = None
    order: np.ndarray | None = None

    def __post_init__(self):
        self.org = np.asarray(self.org, dtype=np.int64)
        n = len(self.org)
        if self.fiscal_year is None:
            self.fiscal_year = np.zeros(n, dtype=np.int64)
        if self.order is None:
            self.order = np.zeros(n, dtype=np.int64)
        if self.not_rated is None:
            self.not_rated = np.zeros(n, dtype=bool)
        for key, values in self.evidence.items():
            if len(values) != n:
                raise ValueError(f"evidence {key!r} has {len(values)} values for {n}")

    def __len__(self) -> int:
        return len(self.org)

    def evidence_rows(self) -> list[dict[str, Any]]:
        """One evidence dict per hit, with plain Python values."""
        columns = {key: _plain(values) for key, values in self.evidence.items()}
        keys = list(columns)
        return [
            dict(zip(keys, row, strict=True))
            for row in zip(*(columns[k] for k in keys), strict=True)
        ] or [{} for _ in range(len(self))]

    def select(self, keep: np.ndarray) -> Hits:
        """The hits where ``keep`` (a boolean per hit) is true."""
        index = np.nonzero(keep)[0]
        return Hits(
            org=self.org[index],
            fiscal_year=self.fiscal_year[index],
            evidence={k: _take(v, index) for k, v in self.evidence.items()},
            not_rated=self.not_rated[index],
            order=self.order[index],
        )


def _take(values: Sequence[Any], index: np.ndarray) -> Sequence[Any]:
    if isinstance(values, np.ndarray):
        return values[index]
    return [values[i] for i in index.tolist()]


def _plain(values: Sequence[Any]) -> list[Any]:
    return values.tolist() if isinstance(values, np.ndarray) else list(values)


@dataclass(frozen=True)
class Reason:
    """One finding about one organization, as stored and shown."""

    code: str
    points: int
    fiscal_year: int | None
    evidence: Mapping[str, Any]

    @property
    def rule(self) -> Rule:
        return RULES[self.code]


Check = Callable[["FactsFrame"], Hits]


@dataclass(frozen=True)
class Rule:
    """One rule of the methodology: what it checks, why, and how to put it right."""

    code: str
    title: Text
    registries: tuple[str, ...]
    sources: Mapping[str, Text]  # registry -> law and article, or methodology
    evidence: str  # what each reason cites, for the methodology page
    advice: Text
    check: Check | None = None  # None: not run on organizations (NAME_IMPERSONATION)
    doc: str = ""

    def source(self, registry: str | None = None) -> Text:
        """The source for ``registry``, or all sources joined when it is not given."""
        if registry in self.sources:
            return self.sources[registry]
        return Text(
            "；".join(t.zh for t in self.sources.values()),
            "; ".join(t.en for t in self.sources.values()),
        )


RULES: dict[str, Rule] = {}
CODE_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")


def register(rule: Rule) -> Rule:
    """Add ``rule`` to the table; codes are unique and never reused."""
    if rule.code in RULES:
        raise ValueError(f"rule {rule.code} is registered twice")
    if not rule.code or set(rule.code) - CODE_CHARS:
        raise ValueError(f"rule code {rule.code!r} must be UPPER_SNAKE_CASE")
    if set(rule.sources) != set(rule.registries):
        raise ValueError(f"rule {rule.code} needs one source per registry")
    RULES[rule.code] = rule
    return rule


def rule(
    code: str,
    *,
    title: Text,
    registries: tuple[str, ...],
    sources: Mapping[str, Text],
    evidence: str,
    advice: Text,
) -> Callable[[Check], Check]:
    """Register the decorated check function as the rule ``code``."""

    def decorate(check: Check) -> Check:
        register(
            Rule(
                code=code,
                title=title,
                registries=registries,
                sources=sources,
                evidence=evidence,
                advice=advice,
                check=check,
                doc=_first_paragraph(check.__doc__ or ""),
            )
        )
        return check

    return decorate


def _first_paragraph(text: str) -> str:
    return " ".join(text.strip().split("\n\n")[0].split())


# How each registry sets the due date of the annual report for a fiscal year: one
# function per registry, registered by its regime module.
DueDateRule = Callable[[int, "dt.date | None"], dt.date]
DUE_DATE_RULES: dict[str, DueDateRule] = {}


def due_date_rule(registry: str) -> Callable[[DueDateRule], DueDateRule]:
    def decorate(function: DueDateRule) -> DueDateRule:
        DUE_DATE_RULES[registry] = function
        return function

    return decorate


# Where the last day a report is on time (``DUE_DATE_RULES``, which the rules judge
# by) is later than the date the law first sets, because an extension is granted on
# request (the IRS's Form 8868), the earlier date: reminders point at it, so an
# organization files or asks for the extension in time.
STATUTORY_DUE_DATE_RULES: dict[str, DueDateRule] = {}


def statutory_due_date_rule(registry: str) -> Callable[[DueDateRule], DueDateRule]:
    def decorate(function: DueDateRule) -> DueDateRule:
        STATUTORY_DUE_DATE_RULES[registry] = function
        return function

    return decorate


def reminder_due_date(registry: str, fiscal_year: int) -> dt.date | None:
    """The date reminders of the report for ``fiscal_year`` count down to."""
    rule = STATUTORY_DUE_DATE_RULES.get(registry) or DUE_DATE_RULES.get(registry)
    return rule(fiscal_year, None) if rule else None


# Evidence helpers: turn columns of hits into JSON-ready values.


def amounts(values: np.ndarray) -> list[str | None]:
    """Amounts as strings with two decimals, as the registry API shows them."""
    return [None if v != v else f"{v:.2f}" for v in np.asarray(values, float).tolist()]


def shares(values: np.ndarray) -> list[float | None]:
    """Ratios rounded to four decimals."""
    return [None if v != v else round(v, 4) for v in np.asarray(values, float).tolist()]


def iso_dates(values: np.ndarray) -> list[str | None]:
    values = np.asarray(values, dtype="datetime64[D]")
    text = np.datetime_as_string(values)
    return [None if t == "NaT" else t for t in text.tolist()]


def ids(values: np.ndarray) -> list[int | None]:
    """Database ids, None where there is none (0: facts built by hand)."""
    return [v or None for v in np.asarray(values, dtype=np.int64).tolist()]
