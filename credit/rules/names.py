"""Look-alike names: matching unregistered names against registered ones.

The machinery behind ``NAME_IMPERSONATION`` (the rule itself is in ``cn_mca``): name
normalization, the distinctive *core* of a name, a bounded edit distance, and
``NameScreen``, which compares thousands of unregistered names with a million
registered ones. Pure: names in, findings out.
"""

from __future__ import annotations

import heapq
import re
import unicodedata
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import methodology as m
from .base import NATIONAL

# Endings that say what form an organization takes, not who it is. Stripped before
# names are compared, so 深圳市阳光助学促进会 and 深圳市阳光助学发展中心 are the same name.
ORGANIZATION_FORM_ENDINGS = (
    "促进会", "协会", "学会", "研究会", "联合会", "商会", "基金会", "慈善会", "公益会",
    "联谊会", "联盟", "总会", "分会", "委员会", "理事会", "俱乐部", "服务中心", "发展中心",
    "研究中心", "研究院", "研究所", "中心", "服务社", "工作室", "会", "社", "院",
    "association", "foundation", "society", "federation", "council", "center",
    "centre", "institute",
)  # fmt: skip
_ENDINGS_BY_LAST_CHAR: dict[str, list[str]] = {}
for _ending in sorted(ORGANIZATION_FORM_ENDINGS, key=len, reverse=True):
    _ENDINGS_BY_LAST_CHAR.setdefault(_ending[-1], []).append(_ending)
_NOT_NAME_RE = re.compile(r"[\W_]+")
# Latin words must stand alone ("national" is not in "international").
_NATIONAL_WORD_RES = [
    (word, re.compile(rf"\b{word}\b" if word.isascii() else re.escape(word)))
    for word in m.NATIONAL_WORDS
]
_ANY_NATIONAL_WORD_RE = re.compile("|".join(p.pattern for _, p in _NATIONAL_WORD_RES))


def normalize_name(name: str) -> str:
    """Compatibility-normalized, case-folded, without spaces or punctuation."""
    return _NOT_NAME_RE.sub("", unicodedata.normalize("NFKC", name).casefold())


def national_words(name: str) -> list[str]:
    """The national-level words (``NATIONAL_WORDS``) in ``name``."""
    text = unicodedata.normalize("NFKC", name).casefold()
    return [word for word, pattern in _NATIONAL_WORD_RES if pattern.search(text)]


def _without_ending(normal: str) -> str:
    for ending in _ENDINGS_BY_LAST_CHAR.get(normal[-1:], ()):
        if normal.endswith(ending):
            return normal[: -len(ending)]
    return normal


def name_core(name: str) -> str:
    """The distinctive part of a name, what look-alikes copy.

    Normalized, without national-level words (an impostor adds 中华 or 国际 to a real
    name) and without the organization-form ending (协会, 基金会, 中心...). Falls back
    to less stripping when nothing distinctive would be left.
    """
    text = unicodedata.normalize("NFKC", name).casefold()
    candidates = [_ANY_NATIONAL_WORD_RE.sub("", text), text]
    for candidate in candidates:
        core = _without_ending(_NOT_NAME_RE.sub("", candidate))
        if len(core) >= 2:
            return core
    return _NOT_NAME_RE.sub("", text)


def bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)} or {text}


def edit_distance(a: str, b: str, limit: int | None = None) -> int:
    """Levenshtein distance (insertions, deletions, substitutions).

    With ``limit``, stops as soon as the distance must exceed it and returns
    ``limit + 1``: only a band of ``2 * limit + 1`` diagonals is computed.
    """
    if len(a) > len(b):
        a, b = b, a
    n, m_ = len(a), len(b)
    k = m_ if limit is None else limit
    if m_ - n > k:
        return k + 1
    big = k + 1
    previous = list(range(m_ + 1))
    for i in range(1, n + 1):
        ca = a[i - 1]
        low, high = max(1, i - k), min(m_, i + k)
        current = [big] * (m_ + 1)
        current[0] = i if i <= k else big
        best = current[0]
        for j in range(low, high + 1):
            value = previous[j - 1] + (ca != b[j - 1])
            other = previous[j] + 1
            if other < value:
                value = other
            other = current[j - 1] + 1
            if other < value:
                value = other
            current[j] = value
            if value < best:
                best = value
        if best > k:
            return big
        previous = current
    return min(previous[m_], big)


def name_similarity(a: str, b: str) -> float:
    """1 - edit distance / length of the longer string (1.0: identical)."""
    if not a and not b:
        return 1.0
    return 1.0 - edit_distance(a, b) / max(len(a), len(b))


@dataclass(frozen=True)
class UnregisteredNameFacts:
    id: int
    name: str
    region: str = ""  # where it was seen (GB/T 2260)


@dataclass(frozen=True)
class RegisteredNameFacts:
    organization_id: int
    name: str
    region: str = ""
    registration_level: str = ""


@dataclass(frozen=True)
class NameFinding:
    """One ``NAME_IMPERSONATION`` finding on an unregistered name."""

    name_id: int
    organization_id: int | None  # the look-alike registered organization, if any
    similarity: float | None
    evidence: dict[str, Any]

    code = "NAME_IMPERSONATION"


@dataclass
class _Query:
    facts: UnregisteredNameFacts
    core: str
    grams: list[int]  # ids of its distinct bigrams
    chars: list[int]  # ids of its distinct characters
    max_distance: int
    area: str
    best: list = field(default_factory=list)  # heap of (similarity, -org id, org, name)


ANYWHERE = "*"
NATIONWIDE = "national"


def _province(region: str) -> str:
    """The province part of a GB/T 2260 code ("44" for 440300), or ANYWHERE."""
    return region[:2] if len(region) >= 2 else ANYWHERE


class _Postings:
    """Which indexed names contain each token (bigram or character), sorted by token."""

    def __init__(self):
        self.tokens = array("i")
        self.rows = array("i")

    def add(self, row: int, tokens: list[int]) -> None:
        self.tokens.extend(tokens)
        self.rows.extend([row] * len(tokens))

    def freeze(self) -> None:
        tokens = np.frombuffer(self.tokens, dtype=np.int32)
        order = np.argsort(tokens, kind="stable")
        self.sorted_tokens = tokens[order]
        self.sorted_rows = np.frombuffer(self.rows, dtype=np.int32)[order]

    def shared(self, tokens: list[int], size: int) -> np.ndarray:
        """How many of ``tokens`` each of the ``size`` names contains."""
        ids = np.array(tokens, dtype=np.int32)
        low = np.searchsorted(self.sorted_tokens, ids, side="left")
        high = np.searchsorted(self.sorted_tokens, ids, side="right")
        if not (high - low).any():
            return np.zeros(size, dtype=np.int64)
        rows = np.concatenate(
            [
                self.sorted_rows[a:b]
                for a, b in zip(low.tolist(), high.tolist(), strict=True)
            ]
        )
        return np.bincount(rows, minlength=size)


class _Area:
    """The registered names of one province (or the national level), indexed."""

    def __init__(self):
        self.org_ids = array("q")
        self.names: list[str] = []
        self.lengths = array("i")
        self.grams = _Postings()
        self.chars = _Postings()

    def freeze(self) -> None:
        self.grams.freeze()
        self.chars.freeze()
        self.length_array = np.frombuffer(self.lengths, dtype=np.int32)

    def candidates(self, query: _Query) -> np.ndarray:
        """Rows that can be within the query's edit distance k.

        k edits change the length by at most k, and remove at most k of the query's
        distinct characters and 2k of its distinct bigrams from the other name.
        """
        k, size = query.max_distance, len(self.names)
        close = np.abs(self.length_array - len(query.core)) <= k
        close &= self.chars.shared(query.chars, size) >= len(query.chars) - k
        close &= self.grams.shared(query.grams, size) >= max(
            1, len(query.grams) - 2 * k
        )
        return np.nonzero(close)[0]


class NameScreen:
    """Compare unregistered names with registered ones: one streaming pass, then NumPy.

    Similarity is ``name_similarity`` of the names' cores (``name_core``). An
    unregistered name is compared with the registered organizations of the province
    it was seen in and with every national-level organization (a name seen nowhere in
    particular, with all): impostors copy the organizations around them or the
    national ones.

    ``add`` indexes registered names by the characters and character bigrams they
    share with any unregistered name. ``findings`` then finds, per unregistered name,
    the registered names that can be within its edit distance k: k edits change the
    length by at most k and lose at most k of the distinct characters and 2k of the
    distinct bigrams (count filters, NumPy over a whole province at once); only those
    get an edit distance, computed up to k. Memory grows with the registered names
    (their names are kept), not with the pairs compared.

        screen = NameScreen(unregistered)
        screen.add(registered)          # any number of times, e.g. per chunk
        findings = screen.findings()
    """

    def __init__(self, unregistered: Iterable[UnregisteredNameFacts]):
        self.threshold = threshold = m.NAME_SIMILARITY_MIN.value
        self.vocabulary: dict[str, int] = {}  # bigrams and characters of the queries
        self.queries: list[_Query] = []
        for facts in unregistered:
            core = name_core(facts.name)
            grams = [
                self.vocabulary.setdefault(gram, len(self.vocabulary))
                for gram in sorted(bigrams(core))
            ]
            chars = [
                self.vocabulary.setdefault(char, len(self.vocabulary))
                for char in sorted(set(core))
            ]
            # the longer name may be up to len/threshold long, so this bounds the
            # distance a match may have
            distance = int((1 - threshold) / threshold * len(core) + 1e-9)
            if len(core) <= 2:
                distance = 0
            self.queries.append(
                _Query(facts, core, grams, chars, distance, _province(facts.region))
            )
        self.areas: dict[str, _Area] = {}
        self.registered = 0

    def add(self, registered: Iterable[RegisteredNameFacts]) -> None:
        vocabulary, areas = self.vocabulary, self.areas
        for org in registered:
            self.registered += 1
            core = name_core(org.name)
            grams = [vocabulary[g] for g in bigrams(core) if g in vocabulary]
            if not grams:
                continue
            key = (
                NATIONWIDE
                if org.registration_level == NATIONAL
                else _province(org.region)
            )
            area = areas.get(key)
            if area is None:
                area = areas[key] = _Area()
            row = len(area.names)
            area.org_ids.append(org.organization_id)
            area.names.append(org.name)
            area.lengths.append(len(core))
            area.grams.add(row, grams)
            area.chars.add(row, [vocabulary[c] for c in set(core) if c in vocabulary])

    def _compare(self) -> None:
        for area in self.areas.values():
            area.freeze()
        keep = m.NAME_MATCHES_PER_NAME
        for query in self.queries:
            if query.area == ANYWHERE:
                areas = list(self.areas.values())
            else:
                areas = [
                    self.areas[a] for a in (query.area, NATIONWIDE) if a in self.areas
                ]
            k = query.max_distance
            for area in areas:
                for row in area.candidates(query).tolist():
                    name = area.names[row]
                    core = name_core(name)
                    distance = edit_distance(query.core, core, k)
                    if distance > k:
                        continue
                    similarity = 1.0 - distance / max(len(query.core), len(core), 1)
                    if similarity < self.threshold:
                        continue
                    org_id = area.org_ids[row]
                    entry = (similarity, -org_id, org_id, name)
                    if len(query.best) < keep:
                        heapq.heappush(query.best, entry)
                    else:
                        heapq.heappushpop(query.best, entry)

    def findings(self) -> list[NameFinding]:
        """Every finding, ordered by name, then by closeness."""
        self._compare()
        found = []
        for query in sorted(self.queries, key=lambda q: q.facts.id):
            words = national_words(query.facts.name)
            if words:
                found.append(
                    NameFinding(
                        name_id=query.facts.id,
                        organization_id=None,
                        similarity=None,
                        evidence={
                            "kind": "national_word",
                            "name": query.facts.name,
                            "words": words,
                        },
                    )
                )
            closest = sorted(query.best, reverse=True)
            # only the closest (ties included): an exact copy of one organization's
            # name is not also "similar" to its neighbours with another brand word
            closest = [entry for entry in closest if entry[0] >= closest[0][0] - 1e-9]
            for similarity, _, org_id, org_name in closest:
                found.append(
                    NameFinding(
                        name_id=query.facts.id,
                        organization_id=org_id,
                        similarity=round(similarity, 4),
                        evidence={
                            "kind": "similar_name",
                            "name": query.facts.name,
                            "registered_name": org_name,
                            "similarity": round(similarity, 4),
                        },
                    )
                )
        return found


def screen_names(
    unregistered: Sequence[UnregisteredNameFacts],
    registered: Sequence[RegisteredNameFacts],
) -> list[NameFinding]:
    """``NAME_IMPERSONATION`` findings for names held in memory (tests, small runs)."""
    screen = NameScreen(unregistered)
    screen.add(registered)
    return screen.findings()
