"""Train the risk models and compute the risk signals of every organization.

``risk_models_train`` reads the registry once in chunks, builds the zombie model's
examples at each training cutoff, trains, evaluates against the rule, stores the model
(unless a dry run) and then calls ``risk_signals_compute``, which reads the registry
again at the scoring date and writes a zombie probability for every active
organization plus the anomaly findings, replacing the previous signals in one
transaction. Nothing here touches scores, grades or anything public.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field

import numpy as np
from django.db import transaction
from django.db.models import Count, FloatField, Min, Q
from django.db.models.functions import Cast, Substr
from django.utils import timezone
from threadpoolctl import threadpool_limits
from tqdm import tqdm

from credit import engine
from credit.models import RiskDetector, RiskKind, RiskModel, RiskSignal
from credit.rules.base import ENDED_STATUSES
from orgs.models import EXPENSE_FIELDS, INCOME_FIELDS, Filing, Organization

from . import anomalies, zombie
from .features import FeatureFrame, registry_chunks
from .phrases import factor
from .registry import next_version, risk_model_load, risk_model_store
from .selectors import zombie_flag_decisions
from .zombie import TrainingError, ZombieModel, ZombieParameters

WRITE_BATCH = 2_000
BENFORD_FIELDS = (
    *(f"income_{name}" for name in INCOME_FIELDS),
    *(f"expenses_{name}" for name in EXPENSE_FIELDS),
    "total_assets",
    "total_liabilities",
    "net_assets",
)

__all__ = ["TrainingError", "risk_models_train", "risk_signals_compute"]


@dataclass
class SignalsReport:
    as_of: dt.date
    organizations: int = 0
    signals: Counter = field(default_factory=Counter)
    zombie_over_half: int = 0
    seconds: float = 0.0


@dataclass
class TrainingReport:
    as_of: dt.date
    dry_run: bool
    zombie: dict = field(default_factory=dict)
    zombie_version: str = ""
    anomaly_version: str = ""
    signals: SignalsReport | None = None
    seconds: Counter = field(default_factory=Counter)


@contextmanager
def _timed(seconds: Counter, phase: str) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        seconds[phase] += time.perf_counter() - start


def _bar(progress: bool, desc: str):
    return tqdm(
        total=Organization.objects.count(),
        unit="org",
        disable=not progress,
        leave=False,
        desc=desc,
    )


def risk_models_train(
    *,
    as_of: dt.date,
    dry_run: bool = False,
    parameters: ZombieParameters | None = None,
    anomaly_parameters: anomalies.AnomalyParameters | None = None,
    chunk_size: int = engine.CHUNK_SIZE,
    progress: bool = False,
    threads: int | None = 1,
) -> TrainingReport:
    """Train and evaluate the zombie model on data known at ``as_of``, store it with
    its report, then compute every organization's signals as of ``as_of``.

    With ``dry_run`` the model is trained and evaluated, signals are counted, and
    nothing is written. Raises ``TrainingError`` when the registry's history is too
    short for a time-based split. ``threads`` caps the threads of the estimators
    (None: one per core); one is the default because OpenMP threads on a busy
    machine wait for each other far longer than they save.
    """
    with threadpool_limits(limits=threads):
        return _train(
            as_of=as_of,
            dry_run=dry_run,
            parameters=parameters,
            anomaly_parameters=anomaly_parameters,
            chunk_size=chunk_size,
            progress=progress,
        )


def _train(
    *, as_of, dry_run, parameters, anomaly_parameters, chunk_size, progress
) -> TrainingReport:
    parameters = parameters or ZombieParameters()
    report = TrainingReport(as_of=as_of, dry_run=dry_run)
    first_year = Filing.objects.aggregate(first=Min("fiscal_year"))["first"]
    if first_year is None:
        raise TrainingError("the registry holds no filings: nothing to learn from")
    split = Split.of(
        as_of=as_of,
        first_fiscal_year=first_year,
        max_years=parameters.max_training_years,
    )
    arrays = zombie_examples(split=split, chunk_size=chunk_size, progress=progress)
    report.seconds["features"] = arrays.pop("seconds")
    regulator_decisions = arrays.pop("regulator_decisions")
    backtest_pairs = [(c, split.test) for c in split.backtest]
    production_pairs = [(c, as_of) for c in split.production]
    backtest = _stack(arrays, backtest_pairs)
    with _timed(report.seconds, "train"):
        model = zombie.fit(backtest, parameters)
    with _timed(report.seconds, "evaluate"):
        evaluation = zombie.evaluate(
            model, arrays[(split.test, as_of)], parameters, cutoff=split.test
        )
    production = _stack(arrays, production_pairs)
    with _timed(report.seconds, "train"):
        model = zombie.fit(production, parameters)

    def counts(pairs):
        return {
            cutoff.isoformat(): {
                "rows": int(len(arrays[(cutoff, label_date)]["label"])),
                "zombies": int(arrays[(cutoff, label_date)]["label"].sum()),
                "labels_known_at": label_date.isoformat(),
                "labels_from_regulators": int(
                    arrays[(cutoff, label_date)]["decided"].sum()
                ),
                "labels_changed_by_regulators": int(
                    arrays[(cutoff, label_date)]["changed"].sum()
                ),
            }
            for cutoff, label_date in pairs
        }

    evaluation["training"] = {
        "as_of": as_of.isoformat(),
        "train_cutoffs": [c.isoformat() for c in split.backtest],
        "train_rows": int(len(backtest["label"])),
        "train_zombies": int(backtest["label"].sum()),
        "backtest": counts(backtest_pairs),
        "production": counts(production_pairs),
        "regulator_decisions": regulator_decisions,
        "note": (
            "metrics are those of the backtest model (trained on labels known at the "
            "test year-end); the stored model is refitted on every production "
            "year-end with labels known at as_of"
        ),
    }
    report.zombie = evaluation
    zombie_row = None
    if not dry_run:
        zombie_row = risk_model_store(
            kind=RiskKind.ZOMBIE,
            as_of=as_of,
            estimator=model,
            parameters=zombie.parameters_dict(parameters),
            report=evaluation,
        )
        report.zombie_version = zombie_row.version
    with _timed(report.seconds, "signals"):
        report.signals, anomaly_row = risk_signals_compute(
            as_of=as_of,
            model=model,
            model_row=zombie_row,
            anomaly_parameters=anomaly_parameters,
            dry_run=dry_run,
            chunk_size=chunk_size,
            progress=progress,
        )
    if anomaly_row:
        report.anomaly_version = anomaly_row.version
    return report


@dataclass(frozen=True)
class Split:
    """The cutoffs of a training run.

    The backtest trains only on what a regulator could have known at the test
    cutoff (labels resolved by then) and is evaluated on the test cutoff with labels
    known at ``as_of``. The production model is then refitted on every cutoff with
    labels known at ``as_of``, the test cutoff included, and is the one stored.
    """

    as_of: dt.date
    backtest: list[dt.date]
    test: dt.date
    production: list[dt.date]

    @classmethod
    def of(cls, *, as_of: dt.date, first_fiscal_year: int, max_years: int) -> Split:
        production = zombie.training_cutoffs(
            as_of=as_of, first_fiscal_year=first_fiscal_year, max_years=max_years
        )
        test = production[-1] if production else None
        backtest = (
            zombie.training_cutoffs(
                as_of=test, first_fiscal_year=first_fiscal_year, max_years=max_years
            )
            if test
            else []
        )
        if not backtest:
            raise TrainingError(
                f"filings start in {first_fiscal_year}: a time-based split as of "
                f"{as_of} needs a year-end whose next two reports have fallen due "
                "(the test) and an earlier one whose next two had fallen due by the "
                "test's year-end (the training): five fiscal years of reports"
            )
        return cls(as_of=as_of, backtest=backtest, test=test, production=production)

    def pairs(self) -> list[tuple[dt.date, dt.date]]:
        """(cutoff, date its label is read at) for every example set needed."""
        return sorted(
            {(c, self.test) for c in self.backtest}
            | {(c, self.as_of) for c in self.production}
        )


def zombie_examples(
    *, split: Split, chunk_size: int = engine.CHUNK_SIZE, progress: bool = False
) -> dict:
    """The zombie model's examples (``zombie.Examples.arrays``) for every
    (cutoff, label date) pair of ``split``; the test cutoff also gets the rule run one
    and two years later. Key ``"seconds"``: the time it took."""
    started = time.perf_counter()
    pairs = split.pairs()
    rule_later = [
        min(zombie.cutoff_of(split.test.year + k), split.as_of) for k in (1, 2)
    ]
    examples = {pair: zombie.Examples(pair[0]) for pair in pairs}
    decisions = zombie_flag_decisions()
    with _bar(progress, "features") as bar:
        for chunk in registry_chunks(chunk_size=chunk_size):
            frames: dict[dt.date, object] = {}
            features: dict[dt.date, FeatureFrame] = {}
            for cutoff, label_date in pairs:
                if label_date not in frames:
                    frames[label_date] = chunk.rows.frame(as_of=label_date)
                if cutoff not in features:
                    features[cutoff] = chunk.features(as_of=cutoff)
                testing = (cutoff, label_date) == (split.test, split.as_of)
                examples[(cutoff, label_date)].add(
                    features[cutoff],
                    later=frames[label_date],
                    rule_later=(
                        [chunk.rows.frame(as_of=d) for d in rule_later]
                        if testing
                        else None
                    ),
                    decisions=decisions,
                )
            bar.update(len(chunk.region))
    arrays: dict = {pair: examples[pair].arrays() for pair in pairs}
    arrays["seconds"] = time.perf_counter() - started
    arrays["regulator_decisions"] = len(decisions)
    return arrays


def _stack(arrays: dict, pairs: list[tuple[dt.date, dt.date]]) -> dict:
    return {
        key: np.concatenate([arrays[pair][key] for pair in pairs])
        for key in ("values", "label")
    }


def _benford_amounts(features: FeatureFrame, as_of: dt.date):
    """Every figure of the current filings of the chunk submitted by ``as_of``."""
    pks = features.org_pk
    if not len(pks):
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    rows = list(
        Filing.objects.current()
        .filter(
            organization_id__gte=int(pks.min()),
            organization_id__lte=int(pks.max()),
            submitted_on__lte=as_of,
        )
        .order_by()
        .values_list(
            "organization_id", *(Cast(f, FloatField()) for f in BENFORD_FIELDS)
        )
    )
    if not rows:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    table = np.array(rows, dtype=np.float64)
    eligible = np.isin(table[:, 0], pks[features.eligible])
    table = table[eligible]
    owners = np.repeat(table[:, 0].astype(np.int64), len(BENFORD_FIELDS))
    return owners, table[:, 1:].reshape(-1)


def _shared(
    as_of: dt.date, parameters: anomalies.AnomalyParameters
) -> list[anomalies.Findings]:
    """Addresses and legal representatives (within a region) of many organizations.

    Counted by the database (a GROUP BY over active organizations), so only the
    organizations in a large group come back.
    """
    ended = Q(status__in=ENDED_STATUSES) & (
        Q(status_changed_on__lte=as_of) | Q(status_changed_on__isnull=True)
    )
    active = Organization.objects.exclude(ended).filter(
        Q(registered_on__lte=as_of) | Q(registered_on__isnull=True)
    )
    minimum = parameters.shared_min_orgs
    findings = []

    addresses = set(
        active.exclude(address="")
        .values("address")
        .annotate(n=Count("id"))
        .filter(n__gte=minimum)
        .values_list("address", flat=True)
    )
    found = anomalies.Findings(RiskDetector.SHARED_ADDRESS.value)
    if addresses:
        members = list(
            active.filter(address__in=addresses).values_list("id", "address")
        )
        counts = Counter(address for _, address in members)
        for pk, address in sorted(members):
            others = counts[address] - 1
            found.add(
                pk,
                min(1.0, counts[address] / 20),
                [factor("shared_address", 1.0, count=others)],
            )
    findings.append(found)

    groups = {
        (row["legal_representative"], row["area"])
        for row in active.exclude(legal_representative="")
        .annotate(area=Substr("region", 1, 4))
        .values("legal_representative", "area")
        .annotate(n=Count("id"))
        .filter(n__gte=minimum)
    }
    found = anomalies.Findings(RiskDetector.SHARED_REPRESENTATIVE.value)
    if groups:
        names = {name for name, _ in groups}
        members = [
            (pk, name, region)
            for pk, name, region in active.filter(
                legal_representative__in=names
            ).values_list("id", "legal_representative", "region")
            if (name, region[:4]) in groups
        ]
        counts = Counter((name, region[:4]) for _, name, region in members)
        for pk, name, region in sorted(members):
            total = counts[(name, region[:4])]
            found.add(
                pk,
                min(1.0, total / 20),
                [
                    factor(
                        "shared_representative",
                        1.0,
                        name=name,
                        count=total - 1,
                        region=region[:4],
                    )
                ],
            )
    findings.append(found)
    return findings


def risk_signals_compute(
    *,
    as_of: dt.date,
    model: ZombieModel | None = None,
    model_row: RiskModel | None = None,
    anomaly_parameters: anomalies.AnomalyParameters | None = None,
    dry_run: bool = False,
    chunk_size: int = engine.CHUNK_SIZE,
    progress: bool = False,
) -> tuple[SignalsReport, RiskModel | None]:
    """Every organization's risk signals as of ``as_of``, replacing the old ones.

    ``model`` is the zombie model; without it, the latest stored one is loaded
    (after its integrity check); without either, only anomalies are computed.
    Returns the counts and the stored anomaly model (None on a dry run).
    """
    started = time.perf_counter()
    parameters = anomaly_parameters or anomalies.AnomalyParameters()
    if model is None and model_row is None:
        model_row = RiskModel.objects.filter(kind=RiskKind.ZOMBIE).first()
    if model is None and model_row is not None:
        model = risk_model_load(model_row)
    version = model_row.version if model_row else "unsaved"
    report = SignalsReport(as_of=as_of)
    peers = anomalies.PeerInputs()
    now = timezone.now()

    def write(kind: str, findings: anomalies.Findings, *, model_version: str) -> None:
        report.signals[findings.detector] += len(findings)
        if dry_run or not len(findings):
            return
        RiskSignal.objects.bulk_create(
            [
                RiskSignal(
                    organization_id=pk,
                    kind=kind,
                    detector=findings.detector,
                    score=score,
                    model=model_row if kind == RiskKind.ZOMBIE else None,
                    model_version=model_version,
                    as_of=as_of,
                    factors=factors,
                    computed_at=now,
                )
                for pk, score, factors in zip(
                    findings.org_pk, findings.score, findings.factors, strict=True
                )
            ],
            batch_size=WRITE_BATCH,
        )

    anomaly_version = (
        "anomaly-unsaved"
        if dry_run
        else next_version(kind=RiskKind.ANOMALY, as_of=as_of)
    )
    with transaction.atomic():
        if not dry_run:
            RiskSignal.objects.all().delete()
        with _bar(progress, "signals") as bar:
            for chunk in registry_chunks(chunk_size=chunk_size):
                features = chunk.features(as_of=as_of)
                rows = np.nonzero(features.eligible)[0]
                report.organizations += len(rows)
                if model is not None and len(rows):
                    probability = model.probability(features.values[rows])
                    report.zombie_over_half += int((probability >= 0.5).sum())
                    words = zombie.explain(model, features, rows, probability)
                    found = anomalies.Findings(RiskDetector.ZOMBIE_MODEL.value)
                    found.org_pk = features.org_pk[rows].tolist()
                    found.score = probability.tolist()
                    found.factors = words
                    write(RiskKind.ZOMBIE, found, model_version=version)
                for detector in (
                    anomalies.income_without_expenses,
                    anomalies.income_swings,
                ):
                    write(
                        RiskKind.ANOMALY,
                        detector(features, parameters),
                        model_version=anomaly_version,
                    )
                owners, amounts = _benford_amounts(features, as_of)
                write(
                    RiskKind.ANOMALY,
                    anomalies.benford(owners, amounts, parameters),
                    model_version=anomaly_version,
                )
                peers.add(features)
                bar.update(len(chunk.region))
        outliers, forests = anomalies.peer_outliers(peers, parameters)
        anomaly_row = None
        if not dry_run:
            anomaly_row = risk_model_store(
                kind=RiskKind.ANOMALY,
                as_of=as_of,
                estimator=forests,
                parameters=asdict(parameters),
                report={},
                version=anomaly_version,
            )
        write(RiskKind.ANOMALY, outliers, model_version=anomaly_version)
        for found in _shared(as_of, parameters):
            write(RiskKind.ANOMALY, found, model_version=anomaly_version)
        if anomaly_row:
            anomaly_row.report = {
                "peer_groups": len(forests),
                "signals": dict(report.signals),
            }
            anomaly_row.save(update_fields=["report"])
    report.seconds = time.perf_counter() - started
    return report, anomaly_row
