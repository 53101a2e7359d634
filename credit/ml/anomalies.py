"""Financial anomaly detectors: pure functions over arrays.

Each detector returns ``Findings``: the organizations it fires on, a score in [0, 1]
(higher is stranger) and the factors in phrase form. The thresholds are in
``AnomalyParameters``; every one is a guess, marked so in ``docs/risk-models.md``.

* **Peer outliers.** ``IsolationForest`` within each peer group (organization type x
  income band), on the latest report's size, ratios and change in income. The top
  ``peer_share`` of each group fires, explained by the features furthest from the
  group's median.
* **Benford.** The first digits of all the figures an organization reported (income
  and expense lines, assets, liabilities, net assets, every year), when there are at
  least ``benford_min_figures``; fires when a chi-square test rejects Benford's
  distribution at ``benford_p``. Small samples deviate by chance, hence the test
  rather than Nigrini's MAD thresholds (made for thousands of figures).
* **Swings.** Income more than tripled, or fell by more than two thirds, between the two
  latest reports, when the larger of the two is material.
* **Income with no expenses.** The latest report shows income and zero expenses.
* **Shared address / legal representative.** One registered address, or one legal
  representative within one region, across many active organizations (a name alone
  is too common in China to mean one person; a real register would use ID numbers).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.stats import chi2
from sklearn.ensemble import IsolationForest

from .features import FEATURE_INDEX, ORG_TYPES, FeatureFrame
from .phrases import factor

BENFORD = np.log10(1 + 1 / np.arange(1, 10))
PEER_FEATURES = (
    "income_log",
    "expenses_log",
    "net_assets_log",
    "income_change",
    "programme_ratio",
    "management_ratio",
    "liabilities_ratio",
)
LOG_FEATURES = ("income_log", "expenses_log", "net_assets_log")
RATIO_FEATURES = ("programme_ratio", "management_ratio", "liabilities_ratio")


@dataclass(frozen=True)
class AnomalyParameters:
    seed: int = 1
    peer_share: float = 0.005  # flagged per peer group (GUESS)
    peer_min_size: int = 50  # smaller groups are not modelled
    peer_trees: int = 100
    benford_min_figures: int = 50  # GUESS, after the research note
    benford_p: float = 1e-4
    swing_rise: float = 3.0  # income more than tripled ...
    swing_fall: float = 1 / 3  # ... or fell by more than two thirds
    swing_floor: float = 100_000.0  # CNY; the larger of the two years
    income_floor: float = 10_000.0  # CNY; income with no expenses
    shared_min_orgs: int = 5  # organizations at one address / with one representative


@dataclass
class Findings:
    detector: str
    org_pk: list[int] = field(default_factory=list)
    score: list[float] = field(default_factory=list)
    factors: list[list[dict]] = field(default_factory=list)

    def add(self, org_pk: int, score: float, factors: list[dict]) -> None:
        self.org_pk.append(int(org_pk))
        self.score.append(float(np.clip(score, 0.0, 1.0)))
        self.factors.append(factors)

    def __len__(self) -> int:
        return len(self.org_pk)

    def extend(self, other: Findings) -> None:
        self.org_pk += other.org_pk
        self.score += other.score
        self.factors += other.factors


def income_without_expenses(
    features: FeatureFrame, parameters: AnomalyParameters
) -> Findings:
    """Latest report: income above the floor and expenses of zero."""
    found = Findings("income_no_expenses")
    income, expenses = features.latest_income, features.latest_expenses
    with np.errstate(invalid="ignore"):
        hit = (
            features.eligible
            & (income >= parameters.income_floor)
            & ((expenses == 0) | np.isnan(expenses))
        )
    for row in np.nonzero(hit)[0].tolist():
        found.add(
            features.org_pk[row],
            np.log10(1 + income[row]) / 7,
            [
                factor(
                    "income_no_expenses",
                    1.0,
                    amount=f"{income[row]:,.0f}",
                    year=int(features.latest_year[row]),
                )
            ],
        )
    return found


def income_swings(features: FeatureFrame, parameters: AnomalyParameters) -> Findings:
    """Income between the two latest reports rose or fell abruptly."""
    found = Findings("swing")
    now, before = features.latest_income, features.previous_income
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(before > 0, np.maximum(now, 0) / before, np.nan)
        material = np.fmax(now, before) >= parameters.swing_floor
        hit = (
            features.eligible
            & material
            & ((ratio > parameters.swing_rise) | (ratio < parameters.swing_fall))
        )
    for row in np.nonzero(hit)[0].tolist():
        change = ratio[row] - 1
        strength = abs(np.log10(max(ratio[row], 1e-3)))  # tenfold: 1
        found.add(
            features.org_pk[row],
            strength,
            [
                factor(
                    "income_fell" if change < 0 else "income_rose",
                    1.0,
                    percent=int(round(abs(change) * 100)),
                    from_year=int(features.previous_year[row]),
                    year=int(features.latest_year[row]),
                )
            ],
        )
    return found


def first_digits(amounts: np.ndarray) -> np.ndarray:
    """First significant digit (1-9) of each amount of at least 1; 0 for the rest."""
    magnitude = np.abs(np.asarray(amounts, dtype=np.float64))
    usable = np.isfinite(magnitude) & (magnitude >= 1)
    digits = np.zeros(len(magnitude), dtype=np.int64)
    m = magnitude[usable]
    digits[usable] = (m / 10 ** np.floor(np.log10(m))).astype(np.int64)
    return np.clip(digits, 0, 9)


def benford(
    org_pk: np.ndarray, amounts: np.ndarray, parameters: AnomalyParameters
) -> Findings:
    """Benford's first-digit test per organization; ``org_pk`` labels each amount."""
    found = Findings("benford")
    digits = first_digits(amounts)
    keep = digits > 0
    org_pk, digits = np.asarray(org_pk)[keep], digits[keep]
    if not len(org_pk):
        return found
    orgs, row = np.unique(org_pk, return_inverse=True)
    counts = np.zeros((len(orgs), 10), dtype=np.int64)
    np.add.at(counts, (row, digits), 1)
    counts = counts[:, 1:]
    total = counts.sum(axis=1)
    expected = total[:, None] * BENFORD[None, :]
    statistic = ((counts - expected) ** 2 / expected).sum(axis=1)
    p_value = chi2.sf(statistic, df=8)
    hit = (total >= parameters.benford_min_figures) & (p_value < parameters.benford_p)
    for i in np.nonzero(hit)[0].tolist():
        share = counts[i] / total[i]
        worst = int(np.argmax(np.abs(share - BENFORD)))
        found.add(
            orgs[i],
            -np.log10(max(p_value[i], 1e-300)) / 20,
            [
                factor(
                    "benford",
                    1.0,
                    count=int(total[i]),
                    digit=worst + 1,
                    share=round(float(share[worst]) * 100, 1),
                    expected=round(float(BENFORD[worst]) * 100, 1),
                    p=f"{p_value[i]:.1e}",
                )
            ],
        )
    return found


@dataclass
class PeerInputs:
    """The peer detector's inputs, gathered over the chunks of a run."""

    org_pk: list[np.ndarray] = field(default_factory=list)
    values: list[np.ndarray] = field(default_factory=list)
    org_type: list[np.ndarray] = field(default_factory=list)
    size_band: list[np.ndarray] = field(default_factory=list)

    def add(self, features: FeatureFrame) -> None:
        rows = features.eligible & (features.latest_year > 0)
        columns = [FEATURE_INDEX[name] for name in PEER_FEATURES]
        self.org_pk.append(features.org_pk[rows])
        self.values.append(features.values[rows][:, columns].astype(np.float32))
        self.org_type.append(features.column("org_type")[rows])
        self.size_band.append(features.size_band[rows])


def peer_outliers(
    inputs: PeerInputs, parameters: AnomalyParameters
) -> tuple[Findings, dict[int, IsolationForest]]:
    """IsolationForest within each peer group (type x income band); the findings
    and the fitted forest of each group (key: type code x 10 + band)."""
    found = Findings("isolation_forest")
    forests: dict[int, IsolationForest] = {}
    if not inputs.org_pk:
        return found, forests
    org_pk = np.concatenate(inputs.org_pk)
    values = np.concatenate(inputs.values).astype(np.float64)
    group = np.nan_to_num(
        np.concatenate(inputs.org_type), nan=-1
    ) * 10 + np.concatenate(inputs.size_band)
    for key in np.unique(group).tolist():
        rows = np.nonzero(group == key)[0]
        if len(rows) < parameters.peer_min_size:
            continue
        x = values[rows]
        median = np.nanmedian(x, axis=0)
        filled = np.where(np.isnan(x), median[None, :], x)
        filled = np.nan_to_num(filled, nan=0.0)
        forest = IsolationForest(
            n_estimators=parameters.peer_trees, random_state=parameters.seed
        ).fit(filled)
        forests[int(key)] = forest
        strangeness = -forest.score_samples(filled)
        count = max(1, int(round(len(rows) * parameters.peer_share)))
        top = np.lexsort((org_pk[rows], -strangeness))[:count]
        q1, q3 = np.nanpercentile(filled, [25, 75], axis=0)
        spread = np.maximum(q3 - q1, 1e-6)
        type_code = int(key // 10)
        peers = ORG_TYPES[type_code] if 0 <= type_code < len(ORG_TYPES) else "other"
        for i in top.tolist():
            distance = np.abs(filled[i] - median) / spread
            column = int(np.argmax(distance))
            name = PEER_FEATURES[column]
            found.add(
                org_pk[rows[i]],
                strangeness[i],
                [
                    factor(
                        "unusual",
                        1.0,
                        feature={"feature": name},
                        value=_shown(name, filled[i, column]),
                        median=_shown(name, median[column]),
                        peers=len(rows),
                        group=peers,
                    )
                ],
            )
    return found, forests


def _shown(name: str, value: float) -> str:
    if name in LOG_FEATURES:
        amount = np.sign(value) * (10 ** abs(value) - 1)
        return f"CNY {amount:,.0f}"
    if name in RATIO_FEATURES or name == "income_change":
        return f"{value * 100:.0f}%"
    return f"{value:.2f}"


def shared_key_counts(keys: list[str]) -> np.ndarray:
    """How many of the given rows share each row's key (blank keys: 0)."""
    text = np.array([k or "" for k in keys], dtype=object)
    if not len(text):
        return np.zeros(0, dtype=np.int64)
    _, inverse, counts = np.unique(text, return_inverse=True, return_counts=True)
    return np.where(text == "", 0, counts[inverse])
