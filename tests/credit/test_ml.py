"""Learned risk signals: features without leakage, the zombie model against the rule,
anomaly detectors on planted cases, stored models' integrity, and privacy."""

import datetime as dt
from decimal import Decimal
from io import StringIO
from pathlib import Path

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from sklearn.linear_model import LogisticRegression

from credit.ml import anomalies, selectors, services, zombie
from credit.ml.features import FEATURE_NAMES, registry_chunks
from credit.ml.phrases import factor, factors_text
from credit.ml.registry import RiskModelRefused, risk_model_load, risk_model_store
from credit.models import RiskModel, RiskSignal
from orgs.demo import DemoConfig
from orgs.models import Organization
from tests.factories import FilingFactory, OrganizationFactory, RegulatoryEventFactory

TODAY = dt.date(2026, 11, 30)
DEMO = DemoConfig(organizations=1500, years=5, seed=7, today=TODAY)
AMOUNTS = (
    "income_donations",
    "income_government_grants",
    "income_services",
    "income_investment",
    "income_other",
    "expenses_programs",
    "expenses_management",
    "expenses_fundraising",
    "expenses_other",
    "total_assets",
    "total_liabilities",
    "net_assets",
)


def features_of_all(as_of):
    frames = [chunk.features(as_of=as_of) for chunk in registry_chunks()]
    return {
        int(pk): (values, eligible)
        for frame in frames
        for pk, values, eligible in zip(
            frame.org_pk.tolist(), frame.values, frame.eligible.tolist(), strict=True
        )
    }


# --- features -----------------------------------------------------------------------


@pytest.mark.django_db
def test_features_at_a_cutoff_do_not_change_when_later_data_arrives():
    cutoff = dt.date(2022, 12, 31)
    org = OrganizationFactory(registered_on=dt.date(2016, 4, 1))
    for year in range(2017, 2022):
        FilingFactory(organization=org, fiscal_year=year)
    RegulatoryEventFactory(organization=org, date=dt.date(2021, 3, 1), kind="warning")
    other = OrganizationFactory(registered_on=dt.date(2019, 1, 1))
    FilingFactory(organization=other, fiscal_year=2020)
    before = features_of_all(cutoff)

    # Everything below happens after the cutoff.
    FilingFactory(organization=org, fiscal_year=2022, submitted_on=dt.date(2023, 4, 1))
    FilingFactory(  # an amendment of 2021 with other figures, submitted later
        organization=org,
        fiscal_year=2021,
        version=2,
        submitted_on=dt.date(2023, 2, 1),
        income_donations=Decimal("1.00"),
    )
    FilingFactory(  # a late report for 2021 arriving in 2023
        organization=other, fiscal_year=2021, submitted_on=dt.date(2023, 1, 15)
    )
    RegulatoryEventFactory(organization=org, date=dt.date(2023, 1, 2), kind="fine")
    RegulatoryEventFactory(
        organization=other, date=dt.date(2023, 6, 1), kind="mail_returned"
    )
    Organization.objects.filter(pk=other.pk).update(
        status="revoked", status_changed_on=dt.date(2024, 1, 1)
    )
    after = features_of_all(cutoff)

    assert before.keys() == after.keys() == {org.pk, other.pk}
    for pk, (values, eligible) in before.items():
        np.testing.assert_array_equal(values, after[pk][0])  # NaN == NaN here
        assert eligible and after[pk][1]
    # and the later data is visible at a later cutoff
    later = features_of_all(dt.date(2023, 12, 31))
    assert later[org.pk][0][FEATURE_NAMES.index("penalties_3y")] == 2
    assert later[other.pk][1] is True  # revoked only in 2024


@pytest.mark.django_db
def test_features_count_missed_and_late_reports_and_returned_mail():
    org = OrganizationFactory(registered_on=dt.date(2015, 1, 1))
    for year in (2017, 2018, 2019):
        FilingFactory(organization=org, fiscal_year=year)
    org.filings.filter(fiscal_year=2019).update(submitted_on=dt.date(2020, 7, 30))
    for day in (dt.date(2021, 8, 1), dt.date(2021, 9, 1)):
        RegulatoryEventFactory(organization=org, date=day, kind="mail_returned")
    (values, eligible) = features_of_all(dt.date(2021, 12, 31))[org.pk]
    named = dict(zip(FEATURE_NAMES, values.tolist(), strict=True))
    assert eligible
    # the reference year is 2020: reports for 2018, 2019 filed, 2020 missing
    assert (named["filed_3y"], named["missed_3y"], named["missed_1y"]) == (2, 1, 1)
    assert named["missed_run"] == 1
    assert named["late_3y"] == 1
    assert named["mail_returned_since_filing"] == 2
    assert named["days_late_last"] == 60
    assert named["years_since_last_filing"] == 1


# --- the zombie model ---------------------------------------------------------------


def test_training_cutoffs_leave_two_reports_of_outcome():
    cutoffs = zombie.training_cutoffs(as_of=TODAY, first_fiscal_year=2021, max_years=4)
    assert cutoffs == [
        dt.date(2022, 12, 31),
        dt.date(2023, 12, 31),
        dt.date(2024, 12, 31),
    ]
    # before 1 June the last year's reports are not all due yet
    assert zombie.training_cutoffs(
        as_of=dt.date(2026, 3, 1), first_fiscal_year=2021, max_years=4
    )[-1] == dt.date(2023, 12, 31)


def test_precision_at_k_counts_a_tie_at_its_mean():
    score = np.array([1.0, 1.0, 1.0, 1.0, 0.0])
    label = np.array([True, False, True, False, True])
    assert zombie.precision_at(score, label, 2) == 0.5
    assert zombie.precision_at(np.array([3.0, 2, 1]), np.array([1, 0, 1]), 1) == 1.0


@pytest.mark.django_db
def test_training_refuses_a_history_too_short_for_a_time_split():
    org = OrganizationFactory()
    FilingFactory(organization=org, fiscal_year=2024)
    with pytest.raises(CommandError, match="filings start in 2024"):
        call_command("train_risk_models", "--as-of", "2026-11-30", stdout=StringIO())
    with pytest.raises(CommandError, match="--as-of must be a date"):
        call_command("train_risk_models", "--as-of", "tomorrow", stdout=StringIO())


# --- anomalies ----------------------------------------------------------------------


def filing_with(org, year, amounts: dict):
    values = dict.fromkeys(AMOUNTS)
    values.update({k: Decimal(str(round(v, 2))) for k, v in amounts.items()})
    return FilingFactory(organization=org, fiscal_year=year, **values)


def benford_like(rng, count):
    return 10 ** rng.uniform(3, 7, count)


def nines_like(rng, count):
    """Amounts whose first digit is always 9."""
    return (9 + rng.random(count)) * 10.0 ** rng.integers(3, 7, count)


@pytest.mark.django_db
def test_anomalies_fire_on_planted_cases_and_not_on_clean_ones():
    rng = np.random.default_rng(11)
    as_of = dt.date(2025, 12, 1)
    years = range(2018, 2025)

    clean = OrganizationFactory(address="深圳市福田区人民路1号")
    for year in years[:-1]:
        figures = benford_like(rng, 12)
        filing_with(clean, year, dict(zip(AMOUNTS, figures, strict=True)))
    # the latest year close to the one before: no swing
    filing_with(clean, years[-1], dict(zip(AMOUNTS, figures * 1.1, strict=True)))
    no_expenses = OrganizationFactory()
    filing_with(no_expenses, 2024, {"income_donations": 500_000})
    swing = OrganizationFactory()
    filing_with(swing, 2023, {"income_donations": 2_000_000, "expenses_programs": 1e6})
    filing_with(swing, 2024, {"income_donations": 120_000, "expenses_programs": 1e5})
    nines = OrganizationFactory()
    for year in years:  # every figure starts with 9
        filing_with(
            nines,
            year,
            dict(zip(AMOUNTS, nines_like(rng, 12), strict=True)),
        )
    represented = [
        OrganizationFactory(legal_representative="张伟", region="440304")
        for _ in range(6)
    ]
    same_name_elsewhere = OrganizationFactory(
        legal_representative="张伟", region="110101"
    )
    shared = [OrganizationFactory(address="广州市越秀区中山路8号") for _ in range(5)]

    report, anomaly_model = services.risk_signals_compute(as_of=as_of)

    def fired(detector):
        return set(
            RiskSignal.objects.filter(detector=detector).values_list(
                "organization_id", flat=True
            )
        )

    assert fired("income_no_expenses") == {no_expenses.pk}
    assert fired("swing") == {swing.pk}
    assert fired("benford") == {nines.pk}
    assert fired("shared_representative") == {o.pk for o in represented}
    assert same_name_elsewhere.pk not in fired("shared_representative")
    assert fired("shared_address") == {o.pk for o in shared}
    assert clean.pk not in set(
        RiskSignal.objects.values_list("organization_id", flat=True)
    )
    assert not fired("zombie_model")  # no zombie model trained yet

    words = RiskSignal.objects.get(detector="swing").explanation("en")
    assert words == ["income fell 94% from 2023 to 2024"]
    (benford,) = RiskSignal.objects.get(detector="benford").explanation("en")
    assert "84 reported figures deviate from Benford's law" in benford
    assert "digit 9" in benford
    (rep,) = RiskSignal.objects.get(
        detector="shared_representative", organization=represented[0]
    ).explanation("en")
    assert (
        rep
        == "legal representative 张伟 also represents 5 other organizations in region 4403"
    )
    assert report.signals["shared_address"] == 5
    ranked = list(selectors.risk_signals_ranked(kind="anomaly", region_prefix="4403"))
    assert {s.organization_id for s in ranked} >= {o.pk for o in represented}
    assert [s.score for s in ranked] == sorted((s.score for s in ranked), reverse=True)
    assert not list(
        selectors.risk_signals_ranked(detector="benford", region_prefix="11")
    )
    assert anomaly_model.kind == "anomaly"
    assert set(RiskSignal.objects.values_list("model_version", flat=True)) == {
        anomaly_model.version
    }


def test_isolation_forest_flags_the_outlier_of_its_peer_group():
    rng = np.random.default_rng(3)
    inputs = anomalies.PeerInputs()
    n = 400
    values = np.column_stack(
        [
            rng.normal(5.5, 0.3, n),  # income_log
            rng.normal(5.5, 0.3, n),  # expenses_log
            rng.normal(5.8, 0.3, n),  # net_assets_log
            rng.normal(0.03, 0.2, n),  # income_change
            rng.uniform(0.7, 0.85, n),  # programme_ratio
            rng.uniform(0.05, 0.12, n),  # management_ratio
            rng.uniform(0.05, 0.3, n),  # liabilities_ratio
        ]
    )
    values[17] = [5.5, 5.5, 5.8, 0.0, 0.05, 0.9, 0.2]  # management 90% of expenses
    inputs.org_pk.append(np.arange(1000, 1000 + n))
    inputs.values.append(values)
    inputs.org_type.append(np.zeros(n))
    inputs.size_band.append(np.ones(n, dtype=int))
    found, forests = anomalies.peer_outliers(inputs, anomalies.AnomalyParameters())
    assert 1017 in found.org_pk
    assert len(found) == 2  # 0.5% of 400
    assert list(forests) == [1]
    text = factors_text(found.factors[found.org_pk.index(1017)], language="en")
    assert text[0].startswith("management share of expenses 90%")


def test_benford_needs_enough_figures():
    rng = np.random.default_rng(1)
    parameters = anomalies.AnomalyParameters()
    nines = nines_like(rng, 40)  # all 9s, but only 40 figures
    assert not len(anomalies.benford(np.ones(40, dtype=int), nines, parameters))
    conforming = 10 ** rng.uniform(0, 8, 5000)
    assert not len(anomalies.benford(np.ones(5000, dtype=int), conforming, parameters))
    assert list(anomalies.first_digits(np.array([0.5, 1, 19.9, -350, np.nan]))) == [
        0,
        1,
        1,
        3,
        0,
    ]


# --- stored models ------------------------------------------------------------------


@pytest.mark.django_db
def test_a_tampered_model_is_refused_before_it_is_unpickled():
    estimator = LogisticRegression().fit([[0.0], [1.0], [2.0], [3.0]], [0, 0, 1, 1])
    stored = risk_model_store(
        kind="zombie", as_of=TODAY, estimator=estimator, parameters={}, report={}
    )
    loaded = risk_model_load(RiskModel.objects.get(pk=stored.pk))
    assert loaded.predict([[3.0]]).tolist() == [1]

    tampered = bytearray(stored.estimator)
    tampered[-1] ^= 0xFF
    RiskModel.objects.filter(pk=stored.pk).update(estimator=bytes(tampered))
    with pytest.raises(RiskModelRefused, match="SHA-256"):
        risk_model_load(RiskModel.objects.get(pk=stored.pk))

    # a matching digest is not enough: the signature needs the portal's key
    import hashlib

    RiskModel.objects.filter(pk=stored.pk).update(
        sha256=hashlib.sha256(bytes(tampered)).hexdigest()
    )
    with pytest.raises(RiskModelRefused, match="signature"):
        risk_model_load(RiskModel.objects.get(pk=stored.pk))


# --- privacy ------------------------------------------------------------------------


def test_no_public_module_reads_the_learned_signals():
    root = Path(__file__).resolve().parents[2]
    public = [
        "credit/api.py",
        "credit/selectors.py",
        "orgs/api.py",
        "orgs/selectors.py",
        "orgs/views.py",
        "portal/urls.py",
        *(str(p.relative_to(root)) for p in (root / "search").rglob("*.py")),
    ]
    for name in public:
        text = (root / name).read_text()
        for word in ("RiskSignal", "RiskModel", "credit.ml", "risk_signals"):
            assert word not in text, f"{name} mentions {word}"


def test_factors_are_words_in_the_reader_language():
    factors = [
        factor("no_report", 0.5, years=[2024, 2025]),
        factor("penalties", count=2),
    ]
    assert factors_text(factors, language="en") == [
        "no annual report for 2024, 2025",
        "2 penalties in the last three years",
    ]
    assert factors_text(factors, language="zh-hans") == [
        "2024, 2025 年度未报送年度报告",
        "近三年受到 2 次行政处罚",
    ]
    with pytest.raises(KeyError, match="no phrase"):
        factor("made_up")


# --- regulators' decisions as labels --------------------------------------------------


def decisions(*rows):
    return zombie.RegulatorDecisions.of(list(rows))


def test_a_decision_labels_the_cutoff_whose_horizon_its_flag_was_raised_in():
    cutoff, read_at = dt.date(2022, 12, 31), dt.date(2026, 11, 30)
    org_pk = np.array([1, 2, 3, 4, 5])
    decided, confirmed = zombie.decided_labels(
        org_pk,
        cutoff=cutoff,
        label_date=read_at,
        decisions=decisions(
            (1, dt.date(2024, 7, 1), dt.date(2024, 9, 1), False),  # dismissed
            (2, dt.date(2024, 7, 1), dt.date(2024, 9, 1), True),  # confirmed
            (3, dt.date(2022, 6, 1), dt.date(2022, 9, 1), False),  # raised before C
            (4, dt.date(2025, 2, 1), dt.date(2025, 3, 1), True),  # after C + 2 years
            (5, dt.date(2024, 7, 1), dt.date(2027, 1, 1), False),  # decided after L
        ),
    )
    assert decided.tolist() == [True, True, False, False, False]
    assert confirmed.tolist() == [False, True, False, False, False]


def test_the_latest_decision_on_an_organization_wins():
    decided, confirmed = zombie.decided_labels(
        np.array([7]),
        cutoff=dt.date(2022, 12, 31),
        label_date=dt.date(2026, 11, 30),
        decisions=decisions(
            (7, dt.date(2023, 7, 1), dt.date(2024, 1, 1), True),
            (7, dt.date(2024, 7, 1), dt.date(2024, 9, 1), False),
        ),
    )
    assert (decided.tolist(), confirmed.tolist()) == ([True], [False])


def test_no_decisions_change_nothing():
    decided, confirmed = zombie.decided_labels(
        np.array([1, 2]),
        cutoff=dt.date(2022, 12, 31),
        label_date=dt.date(2026, 11, 30),
        decisions=decisions(),
    )
    assert not decided.any() and not confirmed.any()
