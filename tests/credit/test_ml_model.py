"""The zombie model on a small generated registry: its figures against the rule,
determinism, the command, and that nothing of it reaches the public."""

import datetime as dt
import json
from io import StringIO

import numpy as np
import pytest
from django.core.management import call_command
from django.test import Client
from threadpoolctl import threadpool_limits

from credit import engine
from credit.ml import services, zombie
from credit.models import RiskModel, RiskSignal, Score
from orgs.demo import DemoConfig, demo_registry_seed, registry_flush
from orgs.models import Organization

TODAY = dt.date(2026, 11, 30)
DEMO = DemoConfig(organizations=1500, years=7, seed=7, today=TODAY)
# Fewer trees and a smaller importance sample than the defaults: the same code, faster.
QUICK = zombie.ZombieParameters(max_iter=60, importance_rows=2_000)
ENDED = ("revoked", "deregistered", "cancelled", "removed")


@pytest.fixture(scope="module")
def demo_registry(django_db_setup, django_db_blocker):
    """A small generated registry, written once for the tests of this module."""
    with django_db_blocker.unblock():
        demo_registry_seed(config=DEMO, flush=True)
    yield
    with django_db_blocker.unblock():
        registry_flush()


@pytest.mark.django_db
def test_zombie_model_beats_the_floor_and_finds_zombies_before_the_rule(
    demo_registry,
):
    report = services.risk_models_train(as_of=TODAY, parameters=QUICK)
    z = report.zombie
    assert z["model"]["roc_auc"] > 0.75
    assert z["model"]["roc_auc"] > z["rule"]["roc_auc"]
    assert z["model"]["average_precision"] > z["rule"]["average_precision"]
    early = z["earlier_than_rule"]
    assert early["future_zombies"] > 0
    top = early["by_budget"]["top_500"]
    assert top["flagged_one_year_before_rule"] > 0
    assert top["mean_lead_years"] >= 1
    # the backtest trains on what was known at the end of 2024 ...
    assert z["training"]["train_cutoffs"] == ["2020-12-31", "2021-12-31", "2022-12-31"]
    assert z["training"]["backtest"]["2022-12-31"]["labels_known_at"] == "2024-12-31"
    # ... the stored model on every year-end with labels known today
    assert list(z["training"]["production"]) == [
        "2021-12-31",
        "2022-12-31",
        "2023-12-31",
        "2024-12-31",
    ]
    assert z["test_cutoff"] == "2024-12-31"

    stored = RiskModel.objects.get(version=report.zombie_version)
    assert stored.report["model"]["roc_auc"] == z["model"]["roc_auc"]
    assert stored.kind == "zombie" and len(stored.sha256) == 64
    zombies = RiskSignal.objects.filter(detector="zombie_model")
    assert zombies.count() == report.signals.organizations
    assert set(zombies.values_list("model_version", flat=True)) == {stored.version}
    likely = zombies.order_by("-score").first()
    assert likely.score > 0.5
    words = likely.explanation("en")
    assert words and any(
        "no annual report" in w or "registered mail" in w for w in words
    )
    # organizations that ended before the scoring date get no zombie probability
    ended = Organization.objects.filter(status__in=ENDED, status_changed_on__lte=TODAY)
    assert ended.exists()
    assert not zombies.filter(organization__in=ended).exists()


@pytest.mark.django_db
def test_same_seed_gives_the_same_model_output(demo_registry):
    split = services.Split.of(as_of=TODAY, first_fiscal_year=2019, max_years=4)
    arrays = services.zombie_examples(split=split)
    train = {
        key: np.concatenate([arrays[(c, TODAY)][key] for c in split.production[:-1]])
        for key in ("values", "label")
    }
    test = arrays[(split.test, TODAY)]["values"]
    parameters = zombie.ZombieParameters(seed=5, max_iter=40)
    with threadpool_limits(limits=1):
        first = zombie.fit(train, parameters).probability(test)
        second = zombie.fit(train, parameters).probability(test)
        other = zombie.fit(train, zombie.ZombieParameters(seed=6, max_iter=40))
        other = other.probability(test)
    np.testing.assert_array_equal(first, second)
    assert not np.array_equal(first, other)


@pytest.mark.django_db
def test_dry_run_trains_and_reports_but_stores_nothing(demo_registry):
    out = StringIO()
    call_command("train_risk_models", "--as-of", "2026-11-30", "--dry-run", stdout=out)
    text = out.getvalue()
    assert "Dry run: nothing was stored." in text
    assert "ROC-AUC" in text and "future zombies flagged" in text
    assert not RiskModel.objects.exists()
    assert not RiskSignal.objects.exists()


@pytest.mark.django_db
def test_learned_signals_reach_neither_the_public_api_nor_the_grade(demo_registry):
    org = Organization.objects.filter(status="active").order_by("id").first()
    engine.score_orgs(as_of=TODAY)
    grade_before = Score.objects.current().get(organization=org).grade
    client = Client()
    before = client.get(f"/api/v1/orgs/{org.org_id}/credit").json()
    org_before = client.get(f"/api/v1/orgs/{org.org_id}").json()

    services.risk_models_train(as_of=TODAY, parameters=QUICK)
    assert RiskSignal.objects.filter(organization=org).exists()

    after = client.get(f"/api/v1/orgs/{org.org_id}/credit").json()
    assert after == before
    assert set(after) == {
        "org_id",
        "score",
        "grade",
        "methodology_version",
        "as_of",
        "reasons",
        "lists",
    }
    assert client.get(f"/api/v1/orgs/{org.org_id}").json() == org_before
    for text in (json.dumps(after), json.dumps(org_before)):
        for word in ("zombie_model", "risk", "probability", "isolation_forest"):
            assert word not in text
    assert Score.objects.current().get(organization=org).grade == grade_before
    page = client.get(org.get_absolute_url())
    assert page.status_code == 200
    for signal in RiskSignal.objects.filter(organization=org):
        for phrase in signal.explanation("en") + signal.explanation("zh-hans"):
            assert phrase not in page.content.decode()


@pytest.mark.django_db
def test_a_dismissed_zombie_flag_becomes_a_negative_label(demo_registry):
    from credit.lists import FlagKind
    from credit.models import Flag

    split = services.Split.of(as_of=TODAY, first_fiscal_year=2019, max_years=4)
    cutoff = split.production[0]
    before = services.zombie_examples(split=split)[(cutoff, TODAY)]
    zombies = before["org_pk"][before["label"]][:3]
    assert len(zombies) == 3
    raised = dt.date(cutoff.year + 1, 7, 1)
    for pk in zombies.tolist():
        Flag.objects.create(
            organization_id=pk,
            kind=FlagKind.ZOMBIE,
            status="dismissed",
            source="rule",
            raised_on=raised,
            decided_at=dt.datetime(cutoff.year + 1, 9, 1, tzinfo=dt.UTC),
            decision_note="files on paper at the district office",
        )

    after = services.zombie_examples(split=split)[(cutoff, TODAY)]

    rows = np.isin(after["org_pk"], zombies)
    assert rows.sum() == 3
    assert not after["label"][rows].any()
    assert after["decided"][rows].all() and after["changed"][rows].all()
    assert after["changed"].sum() == 3
    assert after["label"].sum() == before["label"].sum() - 3
    report = services.risk_models_train(as_of=TODAY, parameters=QUICK, dry_run=True)
    assert report.zombie["training"]["regulator_decisions"] == 3
    production = report.zombie["training"]["production"][cutoff.isoformat()]
    assert production["labels_changed_by_regulators"] == 3
