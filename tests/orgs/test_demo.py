"""The demo registry generator (orgs/demo.py) and the seed_demo command."""

import datetime as dt
from collections import Counter
from decimal import Decimal

import numpy as np
import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, F, Max, Q

from orgs.demo import (
    RATES,
    REGISTRY_MODELS,
    DemoConfig,
    Money,
    _cascade_from,
    demo_registry_generate,
)
from orgs.identifiers import civil_affairs_type, uscc_check_character, uscc_problem
from orgs.models import (
    NON_NEGATIVE_AMOUNTS,
    Filing,
    FormerName,
    Officer,
    Organization,
    RegulatoryEvent,
    UnregisteredName,
)
from tests.factories import OrganizationFactory

TODAY = dt.date(2026, 11, 29)
SEED_ARGS = ["--today", TODAY.isoformat(), "--seed", "7"]


def generated(organizations: int, **config) -> dict[str, dict[str, list]]:
    """Every generated table as plain column lists (amounts in fen)."""
    config.setdefault("today", TODAY)
    tables: dict[str, dict[str, list]] = {}
    for block in demo_registry_generate(
        config=DemoConfig(organizations=organizations, **config)
    ):
        for model, columns in block.tables():
            table = tables.setdefault(model.__name__, {})
            for name, values in columns.items():
                if isinstance(values, Money):
                    values = (
                        np.where(values.missing, -1, values.fen)
                        if (values.missing is not None)
                        else values.fen
                    )
                if isinstance(values, np.ndarray):
                    values = values.tolist()
                table.setdefault(name, []).extend(values)
    return tables


def rows(table: dict[str, list]) -> list[dict]:
    return [
        dict(zip(table, values, strict=True))
        for values in zip(*table.values(), strict=True)
    ]


@pytest.fixture(scope="module")
def registry():
    return generated(20_000)


def test_the_same_seed_generates_identical_rows():
    assert generated(1500, seed=3) == generated(1500, seed=3)


def test_another_seed_generates_other_rows():
    first = generated(200, seed=3)["Organization"]["identifier"]
    assert first != generated(200, seed=4)["Organization"]["identifier"]


def test_generated_tables_cover_every_column_of_their_model():
    # The generated registry is not imported from a file: it has no import run.
    automatic = {"id", "created_at", "updated_at", "last_import_id"}
    tables = generated(300)
    for model in (
        Organization,
        Officer,
        FormerName,
        Filing,
        RegulatoryEvent,
        UnregisteredName,
    ):
        fields = {f.attname for f in model._meta.concrete_fields} - automatic
        assert set(tables[model.__name__]) - {"id"} == fields, model


def test_codes_are_valid_unique_and_declare_type_and_region(registry):
    orgs = registry["Organization"]
    codes = orgs["identifier"]
    assert len(set(codes)) == len(codes)
    for code, org_type, region, org_id in zip(
        codes, orgs["org_type"], orgs["region"], orgs["org_id"], strict=True
    ):
        assert uscc_problem(code) is None
        assert code[17] == uscc_check_character(code[:17])
        assert civil_affairs_type(code) == org_type
        assert code[2:8] == region
        assert org_id == f"CN-USCC-{code}"


def test_types_and_levels_come_in_realistic_proportions(registry):
    orgs = registry["Organization"]
    n = len(orgs["org_type"])
    types = Counter(orgs["org_type"])
    assert types["social_group"] / n == pytest.approx(0.41, abs=0.02)
    assert types["social_service_agency"] / n == pytest.approx(0.58, abs=0.02)
    assert types["foundation"] / n == pytest.approx(0.01, abs=0.004)
    levels = Counter(orgs["registration_level"])
    assert 0.001 < levels["national"] / n < 0.006
    assert levels["county"] > levels["municipal"] > levels["provincial"]
    charities = sum(orgs["charity"]) / n
    assert 0.05 < charities < 0.10
    assert 0 < sum(orgs["public_fundraising"]) < sum(orgs["charity"])


def test_each_organization_is_registered_by_the_bureau_of_its_region(registry):
    orgs = rows(registry["Organization"])
    for org in orgs:
        if org["registration_level"] == "national":
            assert (org["region"], org["registering_authority"]) == ("100000", "民政部")
            assert org["name"].startswith("中国")
        else:
            assert org["region"][:2] in {str(p) for p in range(11, 66)}
            assert org["registering_authority"].endswith(("民政厅", "民政局"))
    by_region = {o["region"]: o["registering_authority"] for o in orgs}
    assert by_region["440000"] == "广东省民政厅"
    assert by_region["440300"] == "深圳市民政局"
    assert by_region["110000"] == "北京市民政局"


def test_annual_reports_are_due_on_31_may_after_the_fiscal_year(registry):
    filings = registry["Filing"]
    assert set(filings["fiscal_year"]) == set(range(2021, 2026))
    for year, due in zip(filings["fiscal_year"], filings["due_on"], strict=True):
        assert due == dt.date(year + 1, 5, 31)
    assert set(filings["form"]) == {"annual_report"}
    assert set(filings["currency"]) == {"CNY"}
    assert all(s <= TODAY for s in filings["submitted_on"])


def test_amounts_a_form_forbids_below_zero_never_are(registry):
    filings = registry["Filing"]
    for field in NON_NEGATIVE_AMOUNTS:
        assert min(filings[field]) >= 0, field


def test_misbehaviour_is_planted_at_its_documented_rate(registry):
    orgs = registry["Organization"]
    filings = rows(registry["Filing"])
    charity = dict(zip(orgs["id"], orgs["charity"], strict=True))
    org_type = dict(zip(orgs["id"], orgs["org_type"], strict=True))

    late = sum(f["submitted_on"] > f["due_on"] for f in filings) / len(filings)
    assert late == pytest.approx(RATES.late_filing, abs=0.01)
    inconsistent = [
        f
        for f in filings
        if f["total_assets"] - f["total_liabilities"] != f["net_assets"]
    ]
    assert len(inconsistent) / len(filings) == pytest.approx(
        RATES.inconsistent_accounts, abs=0.004
    )

    def expenses(f):
        return sum(f[k] for k in f if k.startswith("expenses_"))

    charity_filings = [f for f in filings if charity[f["organization_id"]]]
    over_cap = [
        f
        for f in charity_filings
        if f["expenses_management"]
        > expenses(f)
        * (0.10 if org_type[f["organization_id"]] == "foundation" else 0.13)
    ]
    assert len(over_cap) / len(charity_filings) == pytest.approx(
        RATES.management_over_cap, abs=0.015
    )

    unregistered = registry["UnregisteredName"]["name"]
    assert len(unregistered) / len(orgs["id"]) == pytest.approx(
        RATES.unregistered_name, abs=0.002
    )
    assert not set(unregistered) & set(orgs["name"])
    assert any(
        name.startswith(("中国", "中华", "全国", "国际")) for name in unregistered
    )

    events = registry["RegulatoryEvent"]
    fines = [
        a for k, a in zip(events["kind"], events["amount"], strict=True) if k == "fine"
    ]
    assert any(fen >= 50_000 * 100 for fen in fines)


# --- writing to the database ---------------------------------------------------------


def seed(*args: str) -> None:
    call_command("seed_demo", *SEED_ARGS, *args, verbosity=0)


def snapshot() -> dict[str, list]:
    """Everything the seed wrote, without database ids and timestamps."""
    return {
        "organizations": list(
            Organization.objects.order_by("org_id").values_list(
                *[
                    f.attname
                    for f in Organization._meta.concrete_fields
                    if f.attname not in {"id", "created_at", "updated_at"}
                ]
            )
        ),
        "filings": list(
            Filing.objects.order_by("organization__org_id", "fiscal_year").values_list(
                "organization__org_id",
                *[
                    f.attname
                    for f in Filing._meta.concrete_fields
                    if f.attname not in {"id", "organization_id"}
                ],
            )
        ),
        "officers": list(
            Officer.objects.order_by("organization__org_id", "id").values_list(
                "organization__org_id", "name", "role"
            )
        ),
        "events": list(
            RegulatoryEvent.objects.order_by(
                "organization__org_id", "date", "kind", "reference"
            ).values_list(
                "organization__org_id",
                "date",
                "kind",
                "amount",
                "authority",
                "reference",
                "detail",
            )
        ),
        "former_names": list(
            FormerName.objects.order_by("name").values_list(
                "organization__org_id", "name", "until"
            )
        ),
        "unregistered_names": list(
            UnregisteredName.objects.order_by("name", "reference").values_list(
                "name", "seen_where", "seen_on", "region", "source", "reference"
            )
        ),
    }


@pytest.mark.django_db
def test_seeding_twice_with_the_same_seed_writes_identical_rows():
    seed("--orgs", "400")
    first = snapshot()
    seed("--orgs", "400", "--flush")
    assert snapshot() == first
    assert len(first["filings"]) > 1000


@pytest.mark.django_db
def test_seeded_registry_holds_every_planted_behaviour():
    seed("--orgs", "2000")
    assert Organization.objects.count() == 2000
    filings = Filing.objects.all()
    assert filings.filter(submitted_on__gt=F("due_on")).exists()
    assert not filings.exclude(due_on__month=5, due_on__day=31).exists()

    # Zombies: active, filed once, nothing for the last two years, letters returned.
    zombies = (
        Organization.objects.filter(status="active")
        .annotate(
            reports=Count("filings", distinct=True),
            last_year=Max("filings__fiscal_year"),
            letters=Count(
                "events", filter=Q(events__kind="mail_returned"), distinct=True
            ),
        )
        .filter(reports__gt=0, last_year__lte=2023)
    )
    assert 0.02 < zombies.count() / 2000 < 0.08
    assert zombies.filter(letters=2).exists()

    revoked_but_filing = Organization.objects.filter(
        status="revoked",
        filings__submitted_on__gt=F("status_changed_on"),
        events__kind="revocation",
    )
    assert revoked_but_filing.exists()
    assert filings.exclude(
        net_assets=F("total_assets") - F("total_liabilities")
    ).exists()
    assert RegulatoryEvent.objects.filter(kind="fine", amount__gte=50_000).exists()
    assert RegulatoryEvent.objects.filter(
        reference__regex=r"民罚〔\d{4}〕\d+号"
    ).exists()
    assert FormerName.objects.exists()
    unregistered = UnregisteredName.objects.values_list("name", flat=True)
    assert unregistered.exists()
    assert not Organization.objects.filter(name__in=list(unregistered)).exists()
    assert Organization.objects.filter(registered_on__year=2025).exists()


@pytest.mark.django_db
def test_refuses_to_seed_over_a_non_empty_registry_without_flush():
    OrganizationFactory()
    with pytest.raises(CommandError, match="--flush"):
        seed("--orgs", "50")
    assert Organization.objects.count() == 1
    seed("--orgs", "50", "--flush")
    assert Organization.objects.count() == 50


def test_flush_reaches_every_table_that_refers_to_the_registry():
    flushed = set(_cascade_from(REGISTRY_MODELS))
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.concrete_fields:
            if field.is_relation and field.related_model in flushed:
                assert model in flushed, f"{model._meta.label}.{field.name}"


@pytest.mark.django_db
def test_if_empty_keeps_an_existing_registry():
    OrganizationFactory()
    seed("--orgs", "50", "--if-empty")
    assert Organization.objects.count() == 1


@pytest.mark.django_db
def test_dry_run_writes_nothing():
    seed("--orgs", "50", "--dry-run")
    assert not Organization.objects.exists()


@pytest.mark.django_db
def test_organizations_added_after_seeding_get_fresh_ids():
    seed("--orgs", "50")
    added = OrganizationFactory()
    assert added.pk > max(
        Organization.objects.exclude(pk=added.pk).values_list("pk", flat=True)
    )


@pytest.mark.django_db
def test_amounts_are_written_to_the_cent():
    seed("--orgs", "50")
    amounts = Filing.objects.values_list("income_donations", flat=True)
    assert all(
        isinstance(a, Decimal) and a == a.quantize(Decimal("0.01")) for a in amounts
    )
    assert any(a != a.to_integral_value() for a in amounts)


@pytest.mark.parametrize("args", [["--orgs", "0"], ["--years", "0"], ["--seed", "-1"]])
def test_impossible_arguments_are_refused(args):
    with pytest.raises(CommandError):
        call_command("seed_demo", *args, "--dry-run", verbosity=0)
