"""The W3C Reconciliation API (what OpenRefine calls): pure parts.

``reconcile_queries`` checks a batch of queries as sent (``{"q0": {"query": ...}}``)
and says exactly which key is wrong; ``reconcile_score`` rates one candidate against a
query (0-100) after normalising both; ``reconcile_rank`` orders the candidates and
decides ``match``. Candidates come from ``selectors.search_reconcile_candidates``, so
both search backends serve the endpoint. No database and no engine here: tables of
cases test it (tests/search/test_reconcile.py).
"""

from __future__ import annotations

import difflib
import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from django.utils.translation import gettext as _

from orgs.models import OrgType, Registry

from .query import _REGION, MAX_QUERY_LENGTH
from .text import code_in_query, org_id_in_query, strip_control

MAX_QUERIES = 50
MAX_LIMIT = 25
DEFAULT_LIMIT = 5
# A candidate is the match when it scores at least this and leads the next one by
# MATCH_MARGIN: OpenRefine then links it without asking a person.
MATCH_THRESHOLD = 90
MATCH_MARGIN = 10
PROPERTIES = ("registry", "region")

# Words that say what legal form an organization has, not which organization it is:
# "Oxfam Ltd" and "OXFAM LIMITED" are one name. Type words (association, foundation,
# 协会, 基金会) stay: they tell organizations apart.
LEGAL_FORM_WORDS = frozenset(
    {
        "the", "inc", "incorporated", "ltd", "limited", "llc", "plc", "corp",
        "corporation", "co", "company", "cic", "cio", "scio", "lp", "llp", "pbc",
    }
)  # fmt: skip
LEGAL_FORM_SUFFIXES = ("股份有限公司", "有限责任公司", "有限公司")
_SEPARATORS = re.compile(r"[\W_]+", re.UNICODE)


class InvalidReconcile(ValueError):
    """A batch of queries the endpoint refuses; the message names the bad key."""


@dataclass(frozen=True)
class ReconcileQuery:
    key: str
    text: str
    limit: int
    org_type: tuple[str, ...]
    registry: tuple[str, ...]
    region: tuple[str, ...]


@dataclass(frozen=True)
class Candidate:
    """What the search found for a query: the organization's public names."""

    org_id: str
    name: str
    name_en: str
    org_type: str


def normalise_name(text: str) -> str:
    """A name as compared: half-width (NFKC), case folded, punctuation as spaces,
    legal-form words and suffixes dropped, single-spaced."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    for suffix in LEGAL_FORM_SUFFIXES:
        folded = folded.removesuffix(suffix)
    words = [
        word
        for word in _SEPARATORS.sub(" ", folded).split()
        if word not in LEGAL_FORM_WORDS
    ]
    return " ".join(words)


def _similarity(left: str, right: str) -> float:
    if not left or not right:
        return 0.0
    if left == right:
        return 1.0
    direct = difflib.SequenceMatcher(None, left, right, autojunk=False).ratio()
    # Word order does not change a name ("Red Cross Society of X", "X Red Cross
    # Society"): compare the sorted words too, and take the better.
    ordered = difflib.SequenceMatcher(
        None,
        " ".join(sorted(left.split())),
        " ".join(sorted(right.split())),
        autojunk=False,
    ).ratio()
    return max(direct, ordered)


def identifier_of(org_id: str) -> str:
    """The registry's identifier inside an org-id (``CN-USCC-5311…`` → ``5311…``)."""
    parts = org_id.split("-", 2)
    return parts[2] if len(parts) == 3 else org_id


def reconcile_score(query: str, candidate: Candidate) -> int:
    """How well ``candidate`` answers ``query``, 0-100: 100 when the query is its
    org-id or identifier, else the best similarity of the normalised names."""
    if org_id_in_query(query) == candidate.org_id.upper():
        return 100
    code = code_in_query(query)
    if code and code == identifier_of(candidate.org_id).upper():
        return 100
    wanted = normalise_name(query)
    best = max(
        _similarity(wanted, normalise_name(name))
        for name in (candidate.name, candidate.name_en)
    )
    return round(best * 100)


def reconcile_rank(
    query: str,
    candidates: list[Candidate],
    *,
    limit: int,
    threshold: int = MATCH_THRESHOLD,
    margin: int = MATCH_MARGIN,
) -> list[tuple[Candidate, int, bool]]:
    """(candidate, score, match) best first, at most ``limit``. At most one is the
    match: the first, when it reaches ``threshold`` and leads the second by
    ``margin`` (an identifier, scored 100, leads any name)."""
    scored = sorted(
        ((candidate, reconcile_score(query, candidate)) for candidate in candidates),
        key=lambda pair: (-pair[1], pair[0].org_id),
    )[:limit]
    ranked = []
    for position, (candidate, score) in enumerate(scored):
        runner_up = scored[1][1] if len(scored) > 1 else 0
        match = (
            position == 0
            and score >= threshold
            and (score - runner_up >= margin or (score == 100 and runner_up < 100))
        )
        ranked.append((candidate, score, match))
    return ranked


def _as_values(raw: object, path: str) -> tuple[str, ...]:
    """A type or property value: a string, an object with "id", or a list of them."""
    items = raw if isinstance(raw, list) else [raw]
    values = []
    for item in items:
        value = item.get("id") if isinstance(item, dict) else item
        if not isinstance(value, str) or not value:
            raise InvalidReconcile(
                _("%(path)s must be a string or a list of strings.") % {"path": path}
            )
        values.append(value)
    return tuple(dict.fromkeys(values))


def _check_allowed(values: tuple[str, ...], allowed: list[str], path: str) -> None:
    for value in values:
        if value not in allowed:
            raise InvalidReconcile(
                _("%(path)s: unknown value %(value)s; use one of %(allowed)s.")
                % {
                    "path": path,
                    "value": json.dumps(value[:50]),
                    "allowed": ", ".join(allowed),
                }
            )


def reconcile_queries(raw: str) -> list[ReconcileQuery]:
    """The batch ``raw`` (the ``queries`` parameter's JSON) as checked queries."""
    try:
        batch = json.loads(raw)
    except ValueError as error:
        raise InvalidReconcile(
            _("queries is not valid JSON: %(error)s") % {"error": error}
        ) from None
    if not isinstance(batch, dict) or not batch:
        raise InvalidReconcile(
            _(
                'queries must be a JSON object of queries, like {"q0": {"query": "..."}}.'
            )
        )
    if len(batch) > MAX_QUERIES:
        raise InvalidReconcile(
            _("queries holds %(n)d queries; at most %(max)d are allowed per request.")
            % {"n": len(batch), "max": MAX_QUERIES}
        )
    return [_read_query(str(key), query) for key, query in batch.items()]


def _read_query(key: str, query: object) -> ReconcileQuery:
    where = f"queries.{key[:40]}"
    if not isinstance(query, Mapping):
        raise InvalidReconcile(_("%(path)s must be an object.") % {"path": where})
    text = query.get("query")
    if not isinstance(text, str):
        raise InvalidReconcile(
            _("%(path)s.query is required and must be a string.") % {"path": where}
        )
    limit = query.get("limit", DEFAULT_LIMIT)
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise InvalidReconcile(
            _("%(path)s.limit must be a positive whole number.") % {"path": where}
        )
    org_type: tuple[str, ...] = ()
    if query.get("type") is not None:
        org_type = _as_values(query["type"], f"{where}.type")
        _check_allowed(org_type, OrgType.values, f"{where}.type")
    restrictions: dict[str, tuple[str, ...]] = {"registry": (), "region": ()}
    properties = query.get("properties") or []
    if not isinstance(properties, list):
        raise InvalidReconcile(
            _("%(path)s.properties must be a list.") % {"path": where}
        )
    for index, prop in enumerate(properties):
        path = f"{where}.properties[{index}]"
        pid = prop.get("pid") if isinstance(prop, Mapping) else None
        if pid not in PROPERTIES:
            raise InvalidReconcile(
                _("%(path)s.pid must be one of %(allowed)s.")
                % {"path": path, "allowed": ", ".join(PROPERTIES)}
            )
        values = _as_values(prop.get("v"), f"{path}.v")
        if pid == "registry":
            _check_allowed(values, Registry.values, f"{path}.v")
        elif not all(_REGION.match(value) for value in values):
            raise InvalidReconcile(
                _("%(path)s.v: a region is a code of 2 to 16 digits or capital "
                  "letters.") % {"path": path}
            )  # fmt: skip
        restrictions[pid] += values
    return ReconcileQuery(
        key=key,
        text=strip_control(text).strip()[:MAX_QUERY_LENGTH],
        limit=min(limit, MAX_LIMIT),
        org_type=org_type,
        registry=restrictions["registry"],
        region=restrictions["region"],
    )


def reconcile_manifest(*, base_url: str) -> dict:
    """The service manifest (W3C Reconciliation API 0.2) of this portal."""
    return {
        "versions": ["0.1", "0.2"],
        "name": _("Sunshine register of social organizations"),
        "identifierSpace": f"{base_url}/orgs/",
        "schemaSpace": f"{base_url}/data/#dictionary",
        "defaultTypes": [
            {"id": value, "name": str(label)} for value, label in OrgType.choices
        ],
        "view": {"url": f"{base_url}/orgs/{{{{id}}}}/"},
        "batchSize": MAX_QUERIES,
    }
