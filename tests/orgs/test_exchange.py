"""The JSON Lines exchange format: import_registry and export_registry.

Every bad-input case must name the line, the field path and the reason, and leave the
database untouched, whichever line is bad.
"""

import copy
import datetime as dt
import io
import json
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError
from django.utils import translation

from orgs.exchange import importer, registry_export, registry_import
from orgs.exchange.schema import parse_line, read_organization
from orgs.identifiers import uscc_check_character
from orgs.models import Filing, FormerName, Officer, Organization, RegulatoryEvent

FIXTURE = (
    Path(__file__).resolve().parent.parent / "fixtures" / "exchange" / "registry.jsonl"
)
MODELS = (Organization, Filing, RegulatoryEvent, FormerName, Officer)


def uscc(first17: str) -> str:
    return first17 + uscc_check_character(first17)


SOCIAL_GROUP_CODE = uscc("51440100MJ0000001")  # type digit 1: a social group


def fixture_lines() -> list[str]:
    return FIXTURE.read_text(encoding="utf-8").splitlines()


def organization(**changes) -> dict:
    """A valid line's object: a social group with one filing and one event."""
    obj = {
        "org_id": f"CN-USCC-{SOCIAL_GROUP_CODE}",
        "registry": "CN-MCA",
        "identifier": SOCIAL_GROUP_CODE,
        "name": "广州市示例志愿者协会",
        "org_type": "social_group",
        "filings": [
            {
                "fiscal_year": 2023,
                "form": "annual_report",
                "currency": "CNY",
                "income": {"donations": "1000.00", "investment": "-20.00"},
                "expenses": {"programs": 800},
                "net_assets": "-5.50",
            }
        ],
        "events": [{"date": "2024-03-01", "kind": "warning"}],
    }
    obj.update(changes)
    return obj


def write(tmp_path: Path, *lines, name: str = "registry.jsonl") -> Path:
    path = tmp_path / name
    path.write_text(
        "".join(
            (line if isinstance(line, str) else json.dumps(line, ensure_ascii=False))
            + "\n"
            for line in lines
        ),
        encoding="utf-8",
    )
    return path


def import_file(path, *args) -> str:
    out = io.StringIO()
    with translation.override("en"):
        call_command("import_registry", str(path), *args, stdout=out)
    return out.getvalue()


def table_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


EMPTY = {model.__name__: 0 for model in MODELS}


@pytest.mark.django_db
def test_good_file_imports_everything_with_counts():
    report = registry_import(path=FIXTURE)

    assert report.problem_count == 0
    assert (report.organizations.created, report.filings.created) == (3, 4)
    assert report.events.created == 4
    assert table_counts() == {
        "Organization": 3,
        "Filing": 4,
        "RegulatoryEvent": 4,
        "FormerName": 2,
        "Officer": 4,
    }
    foundation = Organization.objects.get(org_id="CN-USCC-53100000500021676K")
    assert foundation.causes == ["education", "youth"]
    assert foundation.registered_on == dt.date(1989, 3, 10)
    assert [o.name for o in foundation.officers.order_by("id")] == [
        "张三",
        "李四",
        "王五",
    ]
    amended = foundation.filings.get(fiscal_year=2022, version=2)
    assert amended.total_assets == Decimal("5400001.00")
    assert amended.income_investment == Decimal("-15000.50")
    assert amended.income_other is None
    assert amended.source_document.name == "filings/2023/cydf-2022-v2.pdf"
    us_filing = Filing.objects.get(organization__org_id="US-EIN-131624100")
    assert us_filing.income_donations == Decimal("123456789012.34")
    assert us_filing.net_assets == Decimal("-2500.00")


@pytest.mark.django_db
def test_command_reports_created_counts():
    output = import_file(FIXTURE)

    assert "Imported" in output
    assert "organizations          3          0          0" in output
    assert "filings                4          0          0" in output


@pytest.mark.django_db
def test_reimporting_the_same_file_changes_nothing():
    registry_import(path=FIXTURE)
    stamps = dict(Organization.objects.values_list("org_id", "updated_at"))
    ids = sorted(Filing.objects.values_list("id", flat=True))

    report = registry_import(path=FIXTURE)

    assert report.organizations.unchanged == 3
    assert report.filings.unchanged == 4
    assert report.events.unchanged == 4
    assert report.organizations.created == report.organizations.updated == 0
    assert report.filings.created == report.filings.updated == 0
    assert report.events.created == report.events.updated == 0
    assert dict(Organization.objects.values_list("org_id", "updated_at")) == stamps
    assert sorted(Filing.objects.values_list("id", flat=True)) == ids
    assert table_counts()["Officer"] == 4


@pytest.mark.django_db
def test_a_changed_line_updates_only_what_changed(tmp_path):
    registry_import(path=FIXTURE)
    before = dict(Organization.objects.values_list("org_id", "updated_at"))
    lines = fixture_lines()
    foundation = json.loads(lines[0])
    foundation["name"] = "中国青少年发展基金会（新）"
    foundation["filings"][2]["income"]["donations"] = "1.00"
    foundation["filings"].append(
        {**foundation["filings"][2], "fiscal_year": 2024, "superseded": False}
    )
    foundation["events"][0]["detail"] = "年检材料逾期（更正）"
    foundation["events"].append({"date": "2024-01-01", "kind": "list_entry"})
    foundation["officers"] = [{"name": "赵六", "role": "理事长"}]
    foundation["former_names"][1]["until"] = "2000-01-01"
    path = write(tmp_path, json.dumps(foundation, ensure_ascii=False), *lines[1:])

    report = registry_import(path=path)

    assert (report.organizations.updated, report.organizations.unchanged) == (1, 2)
    assert (report.filings.created, report.filings.updated) == (1, 1)
    assert report.filings.unchanged == 3
    assert (report.events.created, report.events.updated) == (1, 1)
    assert report.events.unchanged == 3
    changed = Organization.objects.get(org_id=foundation["org_id"])
    assert changed.name == "中国青少年发展基金会（新）"
    assert changed.updated_at > before[foundation["org_id"]]
    assert list(changed.officers.values_list("name", flat=True)) == ["赵六"]
    assert changed.former_names.get(name="希望工程基金会").until == dt.date(2000, 1, 1)
    assert changed.filings.get(fiscal_year=2023).income_donations == Decimal("1.00")
    assert changed.events.filter(detail="年检材料逾期（更正）").count() == 1
    unchanged = Organization.objects.get(org_id="US-EIN-131624100")
    assert unchanged.updated_at == before["US-EIN-131624100"]


@pytest.mark.django_db
def test_import_never_deletes_what_a_line_leaves_out(tmp_path):
    registry_import(path=FIXTURE)
    foundation = json.loads(fixture_lines()[0])
    foundation["filings"] = []
    foundation["events"] = []

    registry_import(path=write(tmp_path, foundation))

    assert Filing.objects.filter(organization__org_id=foundation["org_id"]).count() == 3
    assert (
        RegulatoryEvent.objects.filter(
            organization__org_id=foundation["org_id"]
        ).count()
        == 2
    )


@pytest.mark.django_db
def test_dry_run_counts_but_writes_nothing():
    output = import_file(FIXTURE, "--dry-run")

    assert "Dry run" in output
    assert "nothing was written" in output
    assert "organizations          3" in output
    assert table_counts() == EMPTY


@pytest.mark.django_db
def test_export_then_import_into_an_empty_database_then_export_is_byte_identical(
    tmp_path,
):
    registry_import(path=FIXTURE)
    first = tmp_path / "first.jsonl"
    call_command("export_registry", str(first), stdout=io.StringIO())
    # The fixture is written in export's own order, so the first export equals it.
    assert first.read_bytes() == FIXTURE.read_bytes()

    for model in MODELS:
        model.objects.all().delete()
    registry_import(path=first)
    second = tmp_path / "second.jsonl"
    registry_export(path=second)

    assert second.read_bytes() == first.read_bytes()


@pytest.mark.django_db
def test_export_order_does_not_depend_on_insertion_order(tmp_path):
    for number in (3, 1, 2):
        org = Organization.objects.create(
            registry="GB-CCEW",
            identifier=f"20000{number}",
            org_id=f"GB-CHC-20000{number}",
            name=f"Charity {number}",
            org_type="charity",
        )
        for year in (2021, 2019, 2020):
            Filing.objects.create(
                organization=org,
                fiscal_year=year,
                form="ccni_annual_return",
                currency="GBP",
                income_donations=Decimal("10.5"),
            )
        for kind in ("warning", "fine"):
            RegulatoryEvent.objects.create(
                organization=org, date=dt.date(2020, 1, number), kind=kind
            )
    first = tmp_path / "first.jsonl"
    registry_export(path=first)
    lines = first.read_text(encoding="utf-8").splitlines()

    assert [json.loads(line)["org_id"] for line in lines] == [
        "GB-CHC-200001",
        "GB-CHC-200002",
        "GB-CHC-200003",
    ]
    line = json.loads(lines[0])
    assert [f["fiscal_year"] for f in line["filings"]] == [2019, 2020, 2021]
    assert [e["kind"] for e in line["events"]] == ["fine", "warning"]
    assert line["filings"][0]["income"]["donations"] == "10.50"

    for model in MODELS:
        model.objects.all().delete()
    registry_import(path=first)
    second = tmp_path / "second.jsonl"
    registry_export(path=second)
    assert second.read_bytes() == first.read_bytes()


@pytest.mark.django_db
def test_minimal_line_takes_defaults_and_numbers_as_amounts(tmp_path):
    registry_import(path=write(tmp_path, organization()))

    org = Organization.objects.get()
    assert (org.status, org.charity, org.name_en, org.causes) == (
        "active",
        False,
        "",
        [],
    )
    filing = org.filings.get()
    assert filing.version == 1 and filing.superseded is False
    assert filing.expenses_programs == Decimal("800.00")
    assert filing.income_investment == Decimal("-20.00")
    assert filing.net_assets == Decimal("-5.50")
    assert filing.income_services is None


def filing_with(**changes):
    """The valid filing of ``organization()``, with some keys changed."""
    filing = copy.deepcopy(organization()["filings"][0])
    filing.update(changes)
    return filing


BAD_LINES = [
    pytest.param(
        '{"org_id": "CN-USCC-1", "name": ',
        "line 2: is not valid JSON: Expecting value (column 33)",
        id="not-json",
    ),
    pytest.param(
        "[1, 2, 3]",
        "line 2: expected a JSON object (one organization), got an array",
        id="not-an-object",
    ),
    pytest.param(
        organization(registry="CN-XYZ"),
        'line 2: registry: "CN-XYZ" is not one of the allowed values: "CN-MCA", '
        '"US-IRS", "GB-CCNI", "GB-CCEW"',
        id="unknown-registry",
    ),
    pytest.param(
        organization(org_id="CN-USCC-X"),
        f'line 2: org_id: "CN-USCC-X" does not match registry and identifier '
        f'(expected "CN-USCC-{SOCIAL_GROUP_CODE}")',
        id="org-id-mismatch",
    ),
    pytest.param(
        organization(
            identifier="91350100M000100Y44", org_id="CN-USCC-91350100M000100Y44"
        ),
        'line 2: identifier: "91350100M000100Y44" is not a valid CN-MCA identifier: '
        "check character is 4, expected 3",
        id="uscc-check-character",
    ),
    pytest.param(
        organization(
            identifier="91350100M000100YI3", org_id="CN-USCC-91350100M000100YI3"
        ),
        "outside the GB 32100-2015 charset: I",
        id="uscc-charset",
    ),
    pytest.param(
        organization(
            registry="US-IRS",
            identifier="12345678",
            org_id="US-EIN-12345678",
            org_type="public_charity",
        ),
        'line 2: identifier: "12345678" is not a valid US-IRS identifier: '
        "must be exactly 9 digits",
        id="ein-not-9-digits",
    ),
    pytest.param(
        organization(org_type="foundation"),
        'line 2: org_type: "foundation" disagrees with the identifier: civil-affairs '
        f'code "{SOCIAL_GROUP_CODE}" declares type digit 1, a "social_group"',
        id="civil-affairs-type-digit",
    ),
    pytest.param(
        organization(filings=[filing_with(), filing_with(version=2), filing_with()]),
        "line 2: filings[2]: fiscal_year 2023 version 1 appears twice (also filings[0])",
        id="duplicate-filing-version",
    ),
    pytest.param(
        {k: v for k, v in organization().items() if k != "name"},
        "line 2: name: is required",
        id="missing-required-key",
    ),
    pytest.param(
        organization(filings=[{k: v for k, v in filing_with().items() if k != "form"}]),
        "line 2: filings[0].form: is required",
        id="missing-required-nested-key",
    ),
    pytest.param(
        organization(charity="yes"),
        'line 2: charity: expected true or false, got a string "yes"',
        id="wrong-type-bool",
    ),
    pytest.param(
        organization(name=42),
        "line 2: name: expected a string, got a number 42",
        id="wrong-type-string",
    ),
    pytest.param(
        organization(filings={"fiscal_year": 2023}),
        "line 2: filings: expected an array, got an object",
        id="wrong-type-array",
    ),
    pytest.param(
        organization(filings=[filing_with(fiscal_year="2023")]),
        'line 2: filings[0].fiscal_year: expected a whole number, got a string "2023"',
        id="wrong-type-int",
    ),
    pytest.param(
        organization(org_type="fundation"),
        'line 2: org_type: "fundation" is not one of the allowed values: '
        '"social_group", "foundation", "social_service_agency", "public_charity", '
        '"private_foundation", "charity", "other"',
        id="bad-org-type",
    ),
    pytest.param(
        organization(status="dead"),
        'line 2: status: "dead" is not one of the allowed values: "active", '
        '"deregistered", "revoked", "cancelled", "removed", "suspended"',
        id="bad-status",
    ),
    pytest.param(
        organization(registration_level="city"),
        'line 2: registration_level: "city" is not one of the allowed values: '
        '"national", "provincial", "municipal", "county", ""',
        id="bad-registration-level",
    ),
    pytest.param(
        organization(filings=[filing_with(form="990-T")]),
        'line 2: filings[0].form: "990-T" is not one of the allowed values: '
        '"annual_report", "990", "990EZ", "990PF", "ccni_annual_return"',
        id="bad-form",
    ),
    pytest.param(
        organization(filings=[filing_with(audit_opinion="clean")]),
        'line 2: filings[0].audit_opinion: "clean" is not one of the allowed values: '
        '"unqualified", "qualified", "adverse", "disclaimer", "none", ""',
        id="bad-audit-opinion",
    ),
    pytest.param(
        organization(events=[{"date": "2024-03-01", "kind": "scolding"}]),
        'line 2: events[0].kind: "scolding" is not one of the allowed values: '
        '"warning", "fine"',
        id="bad-event-kind",
    ),
    pytest.param(
        organization(
            filings=[filing_with(), filing_with(version=2, due_on="2023-02-30")]
        ),
        'line 2: filings[1].due_on: "2023-02-30" is not a valid date (YYYY-MM-DD)',
        id="bad-date",
    ),
    pytest.param(
        organization(registered_on="2023/01/05"),
        'line 2: registered_on: "2023/01/05" is not a valid date (YYYY-MM-DD)',
        id="bad-date-format",
    ),
    pytest.param(
        organization(filings=[filing_with(income={"donations": "-1.00"})]),
        'line 2: filings[0].income.donations: "-1.00" must not be negative',
        id="negative-donations",
    ),
    pytest.param(
        organization(filings=[filing_with(total_assets=-3)]),
        "line 2: filings[0].total_assets: -3 must not be negative",
        id="negative-assets",
    ),
    pytest.param(
        organization(events=[{"date": "2024-03-01", "kind": "fine", "amount": "-5"}]),
        'line 2: events[0].amount: "-5" must not be negative',
        id="negative-fine",
    ),
    pytest.param(
        organization(filings=[filing_with(income={"donations": "12.345"})]),
        'line 2: filings[0].income.donations: "12.345" has more than 2 decimal places',
        id="amount-too-precise",
    ),
    pytest.param(
        organization(filings=[filing_with(income={"donations": "1,234.50"})]),
        'line 2: filings[0].income.donations: "1,234.50" is not a decimal amount',
        id="amount-with-comma",
    ),
    pytest.param(
        organization(filings=[filing_with(fiscal_year=1899)]),
        "line 2: filings[0].fiscal_year: 1899 is out of range (1900 to 2100)",
        id="fiscal-year-out-of-range",
    ),
    pytest.param(
        organization(nmae="typo"),
        'line 2: nmae: unknown key "nmae" (did you mean "name"?)',
        id="unknown-top-level-key",
    ),
    pytest.param(
        organization(filings=[filing_with(income={"donation": "1.00"})]),
        'line 2: filings[0].income.donation: unknown key "donation" '
        '(did you mean "donations"?)',
        id="unknown-nested-key",
    ),
    pytest.param(
        organization(
            former_names=[{"name": "旧名"}, {"name": "旧名", "until": "2001-01-01"}]
        ),
        'line 2: former_names[1]: name "旧名" appears twice (also former_names[0])',
        id="duplicate-former-name",
    ),
    pytest.param(
        organization(name="x" * 256),
        "line 2: name: is 256 characters long, at most 255 allowed",
        id="too-long",
    ),
    pytest.param(
        organization(website="not a url"),
        'line 2: website: "not a url" is not a valid http(s) URL',
        id="bad-website",
    ),
    pytest.param(
        organization(filings=[filing_with(currency="rmb")]),
        'line 2: filings[0].currency: "rmb" is not an ISO 4217 currency code',
        id="bad-currency",
    ),
    pytest.param(
        '{"org_id": NaN}',
        "line 2: is not valid JSON: NaN is not allowed",
        id="json-nan",
    ),
    pytest.param(
        organization(
            filings=[
                {
                    "fiscal_year": 2023,
                    "form": "annual_report",
                    "currency": "CNY",
                    "governance": {"whistleblower_policy": "yes"},
                }
            ]
        ),
        "line 2: filings[0].governance: whistleblower_policy: expected true, false, "
        'a whole number or null, got "yes"',
        id="governance-answer-not-a-boolean",
    ),
    pytest.param(
        organization(
            filings=[
                {
                    "fiscal_year": 2023,
                    "form": "annual_report",
                    "currency": "CNY",
                    "figures": {"fmv_assets_eoy": 12.5},
                }
            ]
        ),
        "line 2: filings[0].figures: fmv_assets_eoy: expected a decimal string "
        'like "1234", got a number "12.5"',
        id="figure-not-a-string",
    ),
    pytest.param(
        organization(officers=[{"name": "王芳", "compensation": "-1"}]),
        'line 2: officers[0].compensation: "-1" must not be negative',
        id="negative-pay",
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("bad_line", "message"), BAD_LINES)
def test_a_bad_line_is_reported_and_nothing_is_written(tmp_path, bad_line, message):
    good = fixture_lines()
    path = write(tmp_path, good[0], bad_line, good[2])

    with pytest.raises(CommandError) as raised:
        import_file(path)

    assert message in str(raised.value)
    assert "nothing was written" in str(raised.value)
    assert table_counts() == EMPTY


@pytest.mark.django_db
def test_only_the_last_line_bad_still_writes_nothing(tmp_path):
    lines = [*fixture_lines(), json.dumps(organization(status="dead"))]
    path = write(tmp_path, *lines)

    with pytest.raises(CommandError, match=r"line 4: status: "):
        import_file(path)

    assert table_counts() == EMPTY


@pytest.mark.django_db
def test_a_duplicate_org_id_names_both_lines(tmp_path):
    lines = fixture_lines()
    path = write(tmp_path, *lines, lines[1])

    with pytest.raises(CommandError) as raised:
        import_file(path)

    assert 'line 4: org_id: "GB-NIC-100001" is also on line 2' in str(raised.value)
    assert table_counts() == EMPTY


@pytest.mark.django_db
def test_every_problem_of_every_line_is_counted_but_only_the_first_are_printed(
    tmp_path,
):
    bad = [
        organization(
            registry="US-IRS",
            identifier=f"{number:09d}",
            org_id=f"US-EIN-{number:09d}",
            org_type="public_charity",
            status="dead",
            charity="no",
        )
        for number in range(1, 61)
    ]
    path = write(tmp_path, *bad)

    with pytest.raises(CommandError) as raised:
        import_file(path)

    message = str(raised.value)
    assert "60 of 60 lines are invalid (120 problems)" in message
    assert "line 50: charity:" in message
    assert "line 51:" not in message
    assert "… and 20 more" in message


@pytest.mark.django_db
def test_negative_investment_income_and_net_assets_are_accepted(tmp_path):
    path = write(
        tmp_path,
        organization(
            filings=[filing_with(income={"investment": "-9.99", "other": -1})]
        ),
    )

    registry_import(path=path)

    filing = Filing.objects.get()
    assert (filing.income_investment, filing.income_other) == (
        Decimal("-9.99"),
        Decimal("-1.00"),
    )


@pytest.mark.django_db
def test_totals_that_do_not_add_up_are_kept_as_filed(tmp_path):
    filing = filing_with(
        total_assets="100.00", total_liabilities="10.00", net_assets="7.00"
    )

    registry_import(path=write(tmp_path, organization(filings=[filing])))

    assert Filing.objects.get().net_assets == Decimal("7.00")


@pytest.mark.django_db
def test_a_line_that_is_not_utf8_is_named(tmp_path):
    path = tmp_path / "latin1.jsonl"
    good = fixture_lines()
    path.write_bytes(
        (good[0] + "\n").encode()
        + json.dumps(organization(name="Café"))
        .replace("\\u00e9", "é")
        .encode("latin-1")
        + b"\n"
    )

    with pytest.raises(CommandError) as raised:
        import_file(path)

    assert "line 2: is not UTF-8 text (byte 0xe9 at column" in str(raised.value)
    assert table_counts() == EMPTY


@pytest.mark.django_db
def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        import_file(tmp_path / "nowhere.jsonl")


@pytest.mark.django_db
def test_a_directory_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="is a directory"):
        import_file(tmp_path)


@pytest.mark.django_db
def test_an_empty_file_has_nothing_to_import(tmp_path):
    path = tmp_path / "empty.jsonl"
    path.write_text("\n\n", encoding="utf-8")

    output = import_file(path)

    assert "Nothing to import" in output
    assert table_counts() == EMPTY


@pytest.mark.django_db
def test_import_reads_standard_input(monkeypatch):
    stdin = io.TextIOWrapper(io.BytesIO(FIXTURE.read_bytes()), encoding="utf-8")
    monkeypatch.setattr(sys, "stdin", stdin)

    report = registry_import(path="-")

    assert report.organizations.created == 3


@pytest.mark.django_db
def test_export_writes_standard_output(capsysbinary):
    registry_import(path=FIXTURE)

    call_command("export_registry", "-", verbosity=0)

    assert capsysbinary.readouterr().out == FIXTURE.read_bytes()


@pytest.mark.django_db
def test_events_with_the_same_natural_key_pair_up_as_a_multiset(tmp_path):
    org = organization(
        events=[
            {"date": "2024-03-01", "kind": "warning", "detail": "a"},
            {"date": "2024-03-01", "kind": "warning", "detail": "b"},
        ]
    )
    registry_import(path=write(tmp_path, org))
    org["events"][1]["detail"] = "c"
    org["events"].append({"date": "2024-03-01", "kind": "warning", "detail": "a"})

    report = registry_import(path=write(tmp_path, org))

    assert (report.events.unchanged, report.events.updated, report.events.created) == (
        1,
        1,
        1,
    )
    assert sorted(RegulatoryEvent.objects.values_list("detail", flat=True)) == [
        "a",
        "a",
        "c",
    ]


@pytest.mark.django_db
def test_same_officers_are_left_alone_and_changed_ones_replaced(tmp_path):
    org = organization(officers=[{"name": "甲", "role": "会长"}, {"name": "乙"}])
    registry_import(path=write(tmp_path, org))
    ids = list(Officer.objects.values_list("id", flat=True))

    assert registry_import(path=write(tmp_path, org)).organizations.unchanged == 1
    assert list(Officer.objects.values_list("id", flat=True)) == ids

    org["officers"].reverse()
    assert registry_import(path=write(tmp_path, org)).organizations.updated == 1
    assert list(Officer.objects.order_by("id").values_list("name", flat=True)) == [
        "乙",
        "甲",
    ]


def test_reading_a_line_needs_no_database():
    record, problems = read_organization(parse_line(fixture_lines()[0]), line=1)

    assert problems == []
    assert record.org_id == "CN-USCC-53100000500021676K"
    assert len(record.filings) == 3


def test_one_line_reports_all_its_problems_at_once():
    obj = organization(status="dead", charity=1, filings=[filing_with(due_on="x")])

    _record, problems = read_organization(obj, line=7)

    assert [str(p) for p in problems] == [
        "line 7: charity: expected true or false, got a number 1",
        'line 7: status: "dead" is not one of the allowed values: "active", '
        '"deregistered", "revoked", "cancelled", "removed", "suspended"',
        'line 7: filings[0].due_on: "x" is not a valid date (YYYY-MM-DD)',
    ]


@pytest.mark.django_db
def test_parallel_checking_finds_the_same_problems(tmp_path, monkeypatch):
    monkeypatch.setattr(importer, "CHECK_BATCH_SIZE", 2)
    lines = fixture_lines()
    path = write(tmp_path, *lines, json.dumps(organization(status="dead")), lines[0])

    report = registry_import(path=path, workers=2)

    assert [str(problem) for problem in report.problems] == [
        'line 4: status: "dead" is not one of the allowed values: "active", '
        '"deregistered", "revoked", "cancelled", "removed", "suspended"',
        'line 5: org_id: "CN-USCC-53100000500021676K" is also on line 1; '
        "give each organization one line",
    ]
    assert table_counts() == EMPTY
    assert registry_import(path=FIXTURE, workers=2).organizations.created == 3


@pytest.mark.django_db
def test_a_failure_while_writing_leaves_nothing_behind(monkeypatch):
    monkeypatch.setattr(importer, "CHUNK_SIZE", 1)
    monkeypatch.setattr(importer, "CHECK_BATCH_SIZE", 1)
    create = importer.RowWriter.create
    calls = []

    def fail_on_the_third_organization(self, batch):
        calls.append(batch)
        if len(calls) == 3:
            raise DatabaseError("could not extend file: No space left on device")
        create(self, batch)

    monkeypatch.setattr(importer.RowWriter, "create", fail_on_the_third_organization)

    with pytest.raises(CommandError) as raised:
        import_file(FIXTURE)

    assert "the database refused the import, nothing was written" in str(raised.value)
    assert "No space left on device" in str(raised.value)
    assert table_counts() == EMPTY


@pytest.mark.django_db
def test_progress_bars_do_not_change_the_result(tmp_path):
    report = registry_import(path=FIXTURE, progress=True)
    registry_export(path=tmp_path / "out.jsonl", progress=True)

    assert report.organizations.created == 3
    assert (tmp_path / "out.jsonl").read_bytes() == FIXTURE.read_bytes()


@pytest.mark.django_db
def test_the_documented_example_line_imports_and_exports_unchanged(tmp_path):
    doc = (Path(__file__).resolve().parents[2] / "docs" / "data-format.md").read_text(
        encoding="utf-8"
    )
    example = doc.split("```jsonl\n", 1)[1].split("\n```", 1)[0]
    path = write(tmp_path, example)

    report = registry_import(path=path)
    registry_export(path=tmp_path / "out.jsonl")

    assert report.problem_count == 0
    assert (tmp_path / "out.jsonl").read_text(encoding="utf-8") == example + "\n"


@pytest.mark.django_db
def test_nulls_mean_empty_text_and_unknown_values(tmp_path):
    filing = filing_with(
        audit_opinion=None,
        source=None,
        income=None,
        expenses={"programs": None},
        employees=None,
        period_end=None,
    )
    org = organization(
        name_en=None,
        registration_level=None,
        website=None,
        causes=None,
        former_names=None,
        officers=[{"name": "甲", "role": None}],
        filings=[filing],
        events=[
            {"date": "2024-03-01", "kind": "fine", "amount": 150.5, "detail": None}
        ],
    )
    path = write(tmp_path, org)

    registry_import(path=path)
    again = registry_import(path=path)

    stored = Organization.objects.get()
    assert (stored.name_en, stored.registration_level, stored.website) == ("", "", "")
    assert stored.causes == []
    assert stored.officers.get().role == ""
    filing = stored.filings.get()
    assert (filing.audit_opinion, filing.source) == ("", "")
    assert filing.income_donations is None and filing.expenses_programs is None
    assert filing.employees is None and filing.period_end is None
    event = stored.events.get()
    assert (event.amount, event.detail) == (Decimal("150.50"), "")
    assert again.organizations.unchanged == again.filings.unchanged == 1
    assert again.events.unchanged == 1


@pytest.mark.django_db
def test_new_organizations_join_a_registry_that_is_not_empty(tmp_path):
    registry_import(path=write(tmp_path, fixture_lines()[0]))

    report = registry_import(path=FIXTURE)

    assert (report.organizations.created, report.organizations.unchanged) == (2, 1)
    assert (report.filings.created, report.filings.unchanged) == (1, 3)
    assert table_counts()["RegulatoryEvent"] == 4


@pytest.mark.django_db
def test_a_file_that_changes_between_the_passes_writes_nothing(monkeypatch):
    sizes = iter([(100, 1), (101, 2)])
    monkeypatch.setattr(importer, "_identity", lambda stream: next(sizes))

    with pytest.raises(CommandError, match="changed while it was being imported"):
        import_file(FIXTURE)

    assert table_counts() == EMPTY


def outbox_org_ids() -> set[str]:
    from search.models import OutboxEntry

    ids = OutboxEntry.objects.values_list("organization_id", flat=True)
    return set(Organization.objects.filter(id__in=ids).values_list("org_id", flat=True))


@pytest.mark.django_db
def test_import_queues_created_and_changed_organizations_for_the_search_index(
    tmp_path,
):
    from search.models import OutboxEntry

    registry_import(path=FIXTURE)
    assert outbox_org_ids() == set(
        Organization.objects.values_list("org_id", flat=True)
    )

    OutboxEntry.objects.all().delete()  # as search_sync would after indexing
    registry_import(path=FIXTURE)
    assert outbox_org_ids() == set()

    lines = fixture_lines()
    first = json.loads(lines[0])
    first["filings"][0]["income"]["donations"] = "7.00"  # only a filing changes
    registry_import(path=write(tmp_path, json.dumps(first), *lines[1:]))
    assert first["org_id"] in outbox_org_ids()
    assert len(outbox_org_ids()) == 1
