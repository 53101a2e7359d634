"""The zombie model: will an organization miss its next two annual reports?

**Examples.** At each cutoff C (31 December of a year), every organization active and
registered by C is a row with its features at C (``features.py``). Its reference year
R is the latest fiscal year whose report had fallen due by C; the label is whether the
reports for R+1 and R+2 were both never filed (as known at the training date), unless
the organization wound up voluntarily (注销) before the second was due: that is the
proper way to stop. Revoked organizations that stopped filing count as zombies.

**Regulators' decisions.** A zombie flag a regulator confirmed or dismissed is a
label too, and it overrules the one read from filings: a dismissal says the
organization is not a zombie (it filed on paper, merged, was verified active), a
confirmation that it is. A decision counts for the example at cutoff C read at label
date L when it was taken by L and the flag was raised after C and by the end of
C + 2 years, the span of the two reports the label is about (``decided_labels``).

**Split.** By time (``services.Split``): the latest cutoff whose label is known is
the test set. The backtest model trains on the earlier cutoffs whose labels were
already known at the test cutoff, read as they were known then, so neither features
nor labels of the training set hold anything from after the test cutoff
(``tests/credit/test_ml.py`` checks that later data does not move the features). The
stored model is then refitted on every cutoff with labels known at the training date.

**Model.** Gradient-boosted trees (``HistGradientBoostingClassifier``, missing values
and categories native) calibrated with isotonic regression over three folds
(``CalibratedClassifierCV``), so the output reads as a probability.

**Against the rule.** ``ZOMBIE_NO_FILING_2Y`` (``credit/rules/cn_mca.py``) run at the
same cutoff is the baseline: same metrics, and how many future zombies the model puts
within the regulator's review budget one or two years before the rule fires.

**Explanations.** For each organization, each group of features (reports, lateness,
income trend, contact, ...) is replaced by the values of a typical organization that
kept filing; the drop in probability is that group's contribution, and the largest
are put in words (``phrases.py``) with the organization's own years and amounts.
"""

from __future__ import annotations

import datetime as dt
import warnings
from dataclasses import asdict, dataclass, field

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.inspection import permutation_importance
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score
from sklearn.model_selection import StratifiedKFold

from credit.rules import RULES
from credit.rules.base import DEREGISTERED
from credit.rules.facts import FactsFrame

from .features import CATEGORICAL, FEATURE_INDEX, FEATURE_NAMES, FEATURES, FeatureFrame
from .phrases import factor

RULE_CODE = "ZOMBIE_NO_FILING_2Y"
EXPLAINED_GROUPS = (
    "reports",
    "contact",
    "income_trend",
    "lateness",
    "penalties",
    "ratios",
    "size",
    "age",
)
MIN_CONTRIBUTION = 0.01  # probability points before a group is worth a phrase
MAX_FACTORS = 3


@dataclass(frozen=True)
class ZombieParameters:
    """Everything that decides the model; stored with it."""

    seed: int = 1
    max_iter: int = 150
    learning_rate: float = 0.08
    max_leaf_nodes: int = 31
    l2_regularization: float = 1.0
    calibration: str = "isotonic"
    folds: int = 3
    max_training_years: int = 4
    budget_share: float = 0.01  # the regulator reviews the top 1% ...
    budget_count: int = 500  # ... or the top 500
    importance_rows: int = 10_000


def cutoff_of(year: int) -> dt.date:
    return dt.date(year, 12, 31)


def training_cutoffs(
    *, as_of: dt.date, first_fiscal_year: int, max_years: int
) -> list[dt.date]:
    """Cutoffs whose labels can be known at ``as_of``, oldest first.

    At 31 December of year Y the reference year is Y-1 and the label needs the
    reports for Y and Y+1; the second is due in Y+2 (31 May in China), so the latest
    usable Y is two years before the last whole year before ``as_of``. Features
    need one report due: Y-1 >= the first fiscal year in the registry.
    """
    last_due_year = (
        as_of.year - 1 if as_of >= dt.date(as_of.year, 6, 1) else as_of.year - 2
    )
    latest = last_due_year - 1  # Y such that report Y+1 is due by as_of
    earliest = max(first_fiscal_year + 1, latest - max_years + 1)
    return [cutoff_of(year) for year in range(earliest, latest + 1)]


def labels(features: FeatureFrame, later: FactsFrame) -> tuple[np.ndarray, np.ndarray]:
    """Which rows have a known label at ``later.as_of``, and which are zombies.

    ``later`` is the same organizations' frame at the training date.
    """
    n = len(features)
    rows = np.arange(n)
    reference = features.reference_year
    first = reference + 1 - later.years[0]
    second = reference + 2 - later.years[0]
    inside = (reference > 0) & (first >= 0) & (second < len(later.years))
    c1 = np.clip(first, 0, len(later.years) - 1)
    c2 = np.clip(second, 0, len(later.years) - 1)
    known = inside & later.past_due[rows, c2] & (later.registered_year <= reference)
    stopped = ~later.filed[rows, c1] & ~later.filed[rows, c2]
    with np.errstate(invalid="ignore"):
        wound_up = (later.status == DEREGISTERED) & (
            later.status_changed_on <= later.due_on[rows, c2]
        )
    return known & features.eligible, stopped & ~wound_up


def rule_fires(frame: FactsFrame) -> np.ndarray:
    """Where ``ZOMBIE_NO_FILING_2Y`` fires in ``frame`` (the rule itself, run)."""
    rule = RULES[RULE_CODE]
    fired = np.zeros(len(frame), dtype=bool)
    fired[rule.check(frame).org] = True
    return fired & np.isin(frame.registry, rule.registries)


def estimator_for(parameters: ZombieParameters) -> CalibratedClassifierCV:
    trees = HistGradientBoostingClassifier(
        max_iter=parameters.max_iter,
        learning_rate=parameters.learning_rate,
        max_leaf_nodes=parameters.max_leaf_nodes,
        l2_regularization=parameters.l2_regularization,
        categorical_features=CATEGORICAL,
        early_stopping=False,
        random_state=parameters.seed,
    )
    return CalibratedClassifierCV(
        trees,
        method=parameters.calibration,
        cv=StratifiedKFold(
            parameters.folds, shuffle=True, random_state=parameters.seed
        ),
    )


@dataclass
class ZombieModel:
    """What is stored: the calibrated estimator and the explanation's reference."""

    estimator: CalibratedClassifierCV
    reference: np.ndarray  # per feature: median of training rows that kept filing
    feature_names: tuple[str, ...] = FEATURE_NAMES

    def probability(self, values: np.ndarray) -> np.ndarray:
        if values.shape[1] != len(self.feature_names):
            raise ValueError(
                f"the model expects {len(self.feature_names)} features, "
                f"got {values.shape[1]}"
            )
        if not len(values):
            return np.zeros(0)
        return self.estimator.predict_proba(values)[:, 1]


@dataclass(frozen=True)
class RegulatorDecisions:
    """Decided zombie flags as columns: whose, when raised, when decided, and
    whether confirmed (True) or dismissed (False)."""

    org_pk: np.ndarray
    raised_on: np.ndarray  # datetime64[D]
    decided_on: np.ndarray  # datetime64[D]
    confirmed: np.ndarray

    @classmethod
    def of(cls, rows: list[tuple[int, dt.date, dt.date, bool]]) -> RegulatorDecisions:
        """From (organization pk, raised on, decided on, confirmed) tuples."""
        columns = list(zip(*rows, strict=True)) if rows else [[], [], [], []]
        return cls(
            org_pk=np.array(columns[0], dtype=np.int64),
            raised_on=np.array(columns[1], dtype="datetime64[D]"),
            decided_on=np.array(columns[2], dtype="datetime64[D]"),
            confirmed=np.array(columns[3], dtype=bool),
        )

    def __len__(self) -> int:
        return len(self.org_pk)


def decided_labels(
    org_pk: np.ndarray,
    *,
    cutoff: dt.date,
    label_date: dt.date,
    decisions: RegulatorDecisions,
) -> tuple[np.ndarray, np.ndarray]:
    """For each organization of ``org_pk``: whether a regulator decided about the
    label of the example at ``cutoff`` read at ``label_date``, and if so whether
    they confirmed a zombie. The latest decision wins."""
    org_pk = np.asarray(org_pk, dtype=np.int64)
    horizon_end = np.datetime64(dt.date(cutoff.year + 2, 12, 31), "D")
    applies = (
        (decisions.decided_on <= np.datetime64(label_date, "D"))
        & (decisions.raised_on > np.datetime64(cutoff, "D"))
        & (decisions.raised_on <= horizon_end)
        & np.isin(decisions.org_pk, org_pk)
    )
    if not applies.any():
        nothing = np.zeros(len(org_pk), dtype=bool)
        return nothing, nothing.copy()
    pks = decisions.org_pk[applies]
    order = np.lexsort((decisions.decided_on[applies], pks))
    pks, outcome = pks[order], decisions.confirmed[applies][order]
    last = np.r_[pks[1:] != pks[:-1], True]  # the latest decision of each org
    decided_pks, outcome = pks[last], outcome[last]  # sorted by pk
    at = np.minimum(np.searchsorted(decided_pks, org_pk), len(decided_pks) - 1)
    decided = decided_pks[at] == org_pk
    return decided, decided & outcome[at]


@dataclass
class Examples:
    """Rows of one cutoff: features, label, and the rule at that cutoff and later."""

    cutoff: dt.date
    org_pk: list[np.ndarray] = field(default_factory=list)
    values: list[np.ndarray] = field(default_factory=list)
    label: list[np.ndarray] = field(default_factory=list)
    rule_now: list[np.ndarray] = field(default_factory=list)
    rule_later: list[np.ndarray] = field(default_factory=list)  # (n, 2): +1y, +2y
    decided: list[np.ndarray] = field(default_factory=list)  # label from a regulator
    changed: list[np.ndarray] = field(default_factory=list)  # ... unlike the filings'

    def add(
        self,
        features: FeatureFrame,
        *,
        later: FactsFrame,
        rule_later: list[FactsFrame] | None = None,
        decisions: RegulatorDecisions | None = None,
    ) -> None:
        known, positive = labels(features, later)
        decided = changed = np.zeros(len(known), dtype=bool)
        if decisions is not None and len(decisions):
            decided, confirmed = decided_labels(
                features.org_pk,
                cutoff=self.cutoff,
                label_date=later.as_of,
                decisions=decisions,
            )
            decided &= features.eligible
            changed = decided & (~known | (positive != confirmed))
            known = known | decided
            positive = np.where(decided, confirmed, positive)
        self.decided.append(decided[known])
        self.changed.append(changed[known])
        self.org_pk.append(features.org_pk[known])
        self.values.append(features.values[known])
        self.label.append(positive[known])
        self.rule_now.append(rule_fires(features.frame)[known])
        if rule_later is not None:
            self.rule_later.append(
                np.column_stack([rule_fires(f)[known] for f in rule_later])
            )

    def arrays(self) -> dict[str, np.ndarray]:
        out = {
            "org_pk": np.concatenate(self.org_pk) if self.org_pk else np.zeros(0, int),
            "values": (
                np.concatenate(self.values)
                if self.values
                else np.zeros((0, len(FEATURE_NAMES)))
            ),
            "label": np.concatenate(self.label) if self.label else np.zeros(0, bool),
            "rule_now": (
                np.concatenate(self.rule_now) if self.rule_now else np.zeros(0, bool)
            ),
        }
        if self.rule_later:
            out["rule_later"] = np.concatenate(self.rule_later)
        for name in ("decided", "changed"):
            rows = getattr(self, name)
            out[name] = np.concatenate(rows) if rows else np.zeros(0, bool)
        return out


class TrainingError(Exception):
    """Training refused: the message says why."""


def fit(train: dict[str, np.ndarray], parameters: ZombieParameters) -> ZombieModel:
    y = train["label"]
    if y.sum() < parameters.folds or (~y).sum() < parameters.folds:
        raise TrainingError(
            f"the training years hold {int(y.sum())} zombies and {int((~y).sum())} "
            f"other organizations; at least {parameters.folds} of each are needed"
        )
    values = train["values"]
    # A feature with no value in any training row (the change in income when only
    # one year of reports precedes the cutoffs) cannot be binned; as a constant it
    # is never split on, so the model simply does not use it.
    empty = np.isnan(values).all(axis=0)
    if empty.any():
        values = values.copy()
        values[:, empty] = 0.0
    estimator = estimator_for(parameters)
    estimator.fit(values, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns: NaN
        reference = np.nanmedian(train["values"][~y], axis=0)
    return ZombieModel(estimator=estimator, reference=reference)


def precision_at(score: np.ndarray, label: np.ndarray, k: int) -> float | None:
    """Precision of the top ``k`` by score; a tie at the boundary counts at its
    group's mean (a binary rule is not credited with a lucky order)."""
    if k <= 0 or not len(score):
        return None
    k = min(k, len(score))
    order = np.argsort(-score, kind="stable")
    threshold = score[order[k - 1]]
    above = score > threshold
    tied = score == threshold
    taken = int(above.sum())
    hits = float(label[above].sum())
    if taken < k:
        hits += (k - taken) * float(label[tied].mean())
    return hits / k


def _metrics(score: np.ndarray, label: np.ndarray, budget: dict[str, int]) -> dict:
    both = 0 < label.sum() < len(label)
    return {
        "roc_auc": float(roc_auc_score(label, score)) if both else None,
        "average_precision": (
            float(average_precision_score(label, score)) if both else None
        ),
        **{
            f"precision_at_{name}": precision_at(score, label, k)
            for name, k in budget.items()
        },
    }


def evaluate(
    model: ZombieModel,
    test: dict[str, np.ndarray],
    parameters: ZombieParameters,
    *,
    cutoff: dt.date,
) -> dict:
    """The evaluation report on the test cutoff, model against rule."""
    label, rule_now = test["label"], test["rule_now"]
    n = len(label)
    probability = model.probability(test["values"])
    budget = {
        "top_1_percent": max(1, int(round(n * parameters.budget_share))),
        "top_500": parameters.budget_count,
    }
    # The rule as a score: fired or not, longer runs of missing reports first.
    run = test["values"][:, FEATURE_INDEX["missed_run"]]
    rule_score = np.where(rule_now, 1.0 + np.nan_to_num(run), 0.0)
    report = {
        "test_cutoff": cutoff.isoformat(),
        "test_rows": int(n),
        "test_zombies": int(label.sum()),
        "test_zombie_rate": float(label.mean()) if n else None,
        "budget": budget,
        "model": {
            **_metrics(probability, label, budget),
            "brier": float(brier_score_loss(label, probability)) if n else None,
            "calibration": _calibration_table(probability, label),
        },
        "rule": _metrics(rule_score, label, budget),
        "rule_flags": int(rule_now.sum()),
    }
    report["earlier_than_rule"] = _earliness(
        probability, test, budget, org_pk=test["org_pk"]
    )
    report["top_features"] = _importance(model, test, parameters)
    return report


def _calibration_table(probability: np.ndarray, label: np.ndarray) -> list[dict]:
    """Predicted against observed, by band of predicted probability."""
    edges = np.array([0.0, 0.01, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0000001])
    band = np.searchsorted(edges, probability, side="right") - 1
    table = []
    for b in range(len(edges) - 1):
        inside = band == b
        if inside.any():
            table.append(
                {
                    "band": f"{edges[b]:.2f}-{min(edges[b + 1], 1):.2f}",
                    "rows": int(inside.sum()),
                    "predicted": round(float(probability[inside].mean()), 4),
                    "observed": round(float(label[inside].mean()), 4),
                }
            )
    return table


def _earliness(
    probability: np.ndarray, test: dict, budget: dict[str, int], *, org_pk
) -> dict:
    """Future zombies the model puts within budget before the rule fires.

    A future zombie is a test-year zombie the rule has not flagged at the cutoff. The
    rule is run again one and two years later: the lead is the number of years
    between the model flagging it (now) and the rule first firing.
    """
    label, rule_now = test["label"], test["rule_now"]
    later = test.get("rule_later")
    future = label & ~rule_now
    if later is None:
        later = np.zeros((len(label), 2), dtype=bool)
    first_fire = np.where(
        later[:, 0], 1, np.where(later[:, 1], 2, 0)
    )  # years after the cutoff; 0: not within two years
    order = np.lexsort((org_pk, -probability))
    # The same budgets spent only on organizations the rule has not flagged (the
    # regulator sees the rule's flags anyway), and a probability threshold.
    unflagged = order[~rule_now[order]]
    selections = {}
    for name, k in budget.items():
        selections[name] = order[: min(k, len(label))]
        selections[f"{name}_beyond_the_rule"] = unflagged[: min(k, len(unflagged))]
    selections["probability_at_least_0.5"] = np.nonzero(probability >= 0.5)[0]
    out = {
        "future_zombies": int(future.sum()),
        "rule_fires_one_year_later": int((future & (first_fire == 1)).sum()),
        "rule_fires_two_years_later": int((future & (first_fire == 2)).sum()),
        "by_budget": {},
    }
    for name, chosen in selections.items():
        flagged = np.zeros(len(label), dtype=bool)
        flagged[chosen] = True
        caught = future & flagged
        lead = first_fire[caught & (first_fire > 0)]
        out["by_budget"][name] = {
            "flagged": int(flagged.sum()),
            "already_flagged_by_rule": int((flagged & rule_now).sum()),
            "future_zombies_flagged": int(caught.sum()),
            "share_of_future_zombies": _share(caught, future),
            "flagged_one_year_before_rule": int((caught & (first_fire == 1)).sum()),
            "share_one_year_before_rule": _share(
                caught & (first_fire == 1), future & (first_fire == 1)
            ),
            "flagged_two_years_before_rule": int((caught & (first_fire == 2)).sum()),
            "share_two_years_before_rule": _share(
                caught & (first_fire == 2), future & (first_fire == 2)
            ),
            "mean_lead_years": float(lead.mean()) if len(lead) else None,
            "false_alarms": int((flagged & ~label).sum()),
        }
    return out


def _share(part: np.ndarray, whole: np.ndarray) -> float | None:
    return float(part.sum() / whole.sum()) if whole.any() else None


def _importance(
    model: ZombieModel, test: dict, parameters: ZombieParameters
) -> list[dict]:
    """Permutation importance (drop in average precision) on a sample of the test."""
    label = test["label"]
    if not (0 < label.sum() < len(label)):
        return []
    rng = np.random.default_rng(parameters.seed)
    n = len(label)
    rows = (
        np.sort(rng.choice(n, parameters.importance_rows, replace=False))
        if n > parameters.importance_rows
        else np.arange(n)
    )
    if not (0 < label[rows].sum() < len(rows)):
        return []
    result = permutation_importance(
        model.estimator,
        test["values"][rows],
        label[rows],
        scoring="average_precision",
        n_repeats=2,
        random_state=parameters.seed,
    )
    order = np.argsort(-result.importances_mean)
    return [
        {
            "feature": FEATURE_NAMES[i],
            "importance": round(float(result.importances_mean[i]), 4),
        }
        for i in order[:10].tolist()
    ]


def explain(
    model: ZombieModel,
    features: FeatureFrame,
    rows: np.ndarray,
    probability: np.ndarray,
) -> list[list[dict]]:
    """The top contributing factors, in phrase form, of each organization in rows."""
    values = features.values[rows]
    contribution = np.zeros((len(rows), len(EXPLAINED_GROUPS)))
    for g, group in enumerate(EXPLAINED_GROUPS):
        columns = [i for i, f in enumerate(FEATURES) if f.group == group]
        replaced = values.copy()
        replaced[:, columns] = model.reference[columns]
        contribution[:, g] = probability - model.probability(replaced)
    explained = []
    order = np.argsort(-contribution, axis=1, kind="stable")
    for i, row in enumerate(rows.tolist()):
        factors = []
        for g in order[i].tolist():
            weight = contribution[i, g]
            if weight < MIN_CONTRIBUTION or len(factors) >= MAX_FACTORS:
                break
            phrase = group_factor(EXPLAINED_GROUPS[g], features, row, model, weight)
            if phrase:
                factors.append(phrase)
        explained.append(factors)
    return explained


def group_factor(
    group: str, features: FeatureFrame, row: int, model: ZombieModel, weight: float
) -> dict | None:
    """A group of features in words for one organization, or None when the
    organization's own facts in that group are nothing to worry about."""

    def value(name: str) -> float:
        return float(features.values[row, FEATURE_INDEX[name]])

    def reference(name: str) -> float:
        return float(model.reference[FEATURE_INDEX[name]])

    latest_year = int(features.latest_year[row])
    if group == "reports":
        run = features.missing_run_years[row]
        if run:
            return factor("no_report", weight, years=run)
        if value("missed_3y") > 0:
            return factor(
                "reports_missed",
                weight,
                missed=int(value("missed_3y")),
                due=int(value("reports_due_3y")),
            )
        if not latest_year:
            return factor("never_filed", weight)
        return factor("last_report", weight, year=latest_year)
    if group == "lateness":
        if value("days_late_last") > 0:
            return factor("days_late", weight, days=int(value("days_late_last")))
        if value("late_3y") > 0:
            return factor("late_reports", weight, count=int(value("late_3y")))
        return None
    if group == "contact":
        count = int(value("mail_returned_since_filing"))
        return factor("mail_returned", weight, count=count) if count else None
    if group == "penalties":
        if value("list_entries_3y") > 0:
            return factor("listed", weight)
        count = int(value("penalties_3y"))
        return factor("penalties", weight, count=count) if count else None
    if group == "income_trend":
        if value("no_income") == 1:
            return factor("no_income", weight, year=latest_year)
        change = value("income_change")
        if change == change and features.previous_year[row]:
            code = "income_fell" if change < 0 else "income_rose"
            return factor(
                code,
                weight,
                percent=int(round(abs(change) * 100)),
                from_year=int(features.previous_year[row]),
                year=latest_year,
            )
        return None
    if group == "size":
        income = float(features.latest_income[row])
        if latest_year and income == income:
            return factor(
                "income_level", weight, amount=f"{income:,.0f}", year=latest_year
            )
        return None
    if group == "ratios":
        for name, worse in (
            ("programme_ratio", -1),
            ("management_ratio", 1),
            ("liabilities_ratio", 1),
        ):
            own, typical = value(name), reference(name)
            if own == own and typical == typical and (own - typical) * worse > 0:
                return factor(
                    name, weight, percent=int(round(own * 100)), year=latest_year
                )
        return None
    if group == "age":
        years = value("years_registered")
        if years == years and years < reference("years_registered"):
            return factor("registered_recently", weight, years=round(years, 1))
        return None
    return None


def parameters_dict(parameters: ZombieParameters) -> dict:
    return {**asdict(parameters), "features": list(FEATURE_NAMES), "rule": RULE_CODE}
