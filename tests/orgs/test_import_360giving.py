"""The 360Giving grants importer, on the two real published files (JSON and XLSX).

A B Charitable Trust: 783 grants, GBP 12,785,625; Andrew Lloyd Webber Foundation: 475
grants, GBP 21,757,793.27 (``../shared/data/360giving/SOURCE.md``, counted from both
formats of each file).
"""

import datetime as dt
import io
import json
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Sum
from django.utils import translation

from orgs.identifiers import parse_org_id
from orgs.importers import SourceFileError
from orgs.importers.giving360 import giving360_import
from orgs.models import Grant, ImportRun, Organization

from ..factories import OrganizationFactory

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "360giving"
ABCT = "a001p00000zgyHZAAY"
ALWF = "a003W000001B7PzQAK"
PUBLISHED = {
    ABCT: (783, Decimal("12785625.00"), "GB-CHC-1000147"),
    ALWF: (475, Decimal("21757793.27"), "GB-CHC-1015648"),
}

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not DATA.exists(), reason=f"{DATA} is not there"),
]


def run_command(*args: str) -> str:
    out = io.StringIO()
    with translation.override("en"):
        call_command("import_360giving", *args, stdout=out)
    return out.getvalue()


def nothing_written() -> bool:
    return not (
        Grant.objects.exists()
        or Organization.objects.exists()
        or ImportRun.objects.exists()
    )


def json_file(tmp_path: Path, edit) -> Path:
    """The ABCT JSON with its first grants only, edited."""
    document = json.loads((DATA / f"{ABCT}.json").read_text(encoding="utf-8"))
    document["grants"] = document["grants"][:5]
    edit(document)
    path = tmp_path / "grants.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def xlsx_file(tmp_path: Path, rows: list[list], name="grants.xlsx") -> Path:
    from openpyxl import Workbook

    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    path = tmp_path / name
    workbook.save(path)
    return path


HEADER = [
    "Identifier", "Title", "Description", "Currency", "Amount Awarded", "Award Date",
    "Recipient Org:Identifier", "Recipient Org:Name", "Funding Org:Identifier",
    "Funding Org:Name", "My Own Column",
]  # fmt: skip


def xlsx_row(**changes) -> list:
    row = {
        "Identifier": "360G-TEST-1",
        "Title": "A grant",
        "Description": "For testing",
        "Currency": "GBP",
        "Amount Awarded": 1000,
        "Award Date": dt.datetime(2020, 5, 1),
        "Recipient Org:Identifier": "GB-CHC-1126147",
        "Recipient Org:Name": "Access to Justice Foundation",
        "Funding Org:Identifier": "GB-CHC-1000147",
        "Funding Org:Name": "A B Charitable Trust",
        "My Own Column": "kept",
    }
    row.update(changes)
    return [row[title] for title in HEADER]


@pytest.mark.parametrize("fmt", ["json", "xlsx"])
@pytest.mark.parametrize("publisher", [ABCT, ALWF])
def test_each_file_imports_every_grant_with_the_published_total(publisher, fmt):
    count, total, funder = PUBLISHED[publisher]

    report, conversion = giving360_import(path=DATA / f"{publisher}.{fmt}")

    assert report.problem_count == 0
    assert conversion.created == count
    grants = Grant.objects.filter(funder_org_id=funder)
    assert grants.count() == count
    assert grants.aggregate(total=Sum("amount"))["total"] == total
    assert conversion.total_by_currency == {"GBP": total}
    # The funder is a registered charity: an organization, linked on every grant.
    assert set(grants.values_list("funder__org_id", flat=True)) == {funder}


def test_json_grant_fields_and_unknown_keys_are_kept():
    giving360_import(path=DATA / f"{ABCT}.json")

    grant = Grant.objects.get(identifier="360G-ABCT-0065I000005BoDGQA044222")
    assert grant.title == "A grant to Access to Justice Foundation"
    assert grant.amount == Decimal("30000.00")
    assert (grant.currency, grant.award_date) == ("GBP", dt.date(2021, 1, 26))
    assert grant.recipient.org_id == "GB-CHC-1126147"
    assert grant.recipient.name == "Access to Justice Foundation"
    assert grant.recipient.registry == "GB-CCEW"
    assert grant.recipient.charity
    assert grant.extra["Award Date - website format"] == "2021-01-26T00:00:00+00:00"
    assert grant.extra["recipientOrganization"]["postalCode"] == "WC2A 1JF"
    assert grant.extra["grantProgramme"][0]["code"] == "Special Initiatives"
    assert grant.last_import.source == "360giving"


def test_spreadsheet_unknown_columns_are_kept_and_floats_rounded_to_the_cent():
    _report, conversion = giving360_import(path=DATA / f"{ALWF}.xlsx")

    grant = Grant.objects.get(identifier="360G-ALWF-1978")
    assert grant.extra["Planned Dates:Duration (months)"] == 36
    assert grant.extra["Last modified"] == "2021-02-15T00:00:00"
    assert "Planned Dates:Duration (months)" in conversion.extra_fields
    # 41133.770000000004 in the file is 41133.77.
    assert ("row 355", "41133.770000000004") in conversion.rounded_amounts
    assert Grant.objects.filter(amount=Decimal("41133.77")).exists()


def test_org_ids_link_or_create_minimal_organizations_or_keep_the_name():
    existing = OrganizationFactory(
        registry="GB-CCEW",
        identifier="1126147",
        org_id="GB-CHC-1126147",
        name="Access to Justice Foundation (registered name)",
        org_type="charity",
    )

    _report, conversion = giving360_import(path=DATA / f"{ALWF}.json")

    # EINs written with their hyphen link to US-EIN organizations.
    chorus = Organization.objects.get(org_id="US-EIN-113372980")
    assert (chorus.registry, chorus.identifier) == ("US-IRS", "113372980")
    assert Organization.objects.get(org_id="GB-SC-SC019787").registry == "GB-OSCR"
    assert Organization.objects.get(org_id="GB-COH-00203645").charity is False
    # GB-EDU and the publisher's own 360G- ids: no organization, the name is kept.
    school = Grant.objects.get(identifier="360G-ALWF-1978")
    assert (school.recipient, school.recipient_org_id) == (None, "GB-EDU-133843")
    assert school.recipient_name == "Royal Northern College of Music"
    assert not Organization.objects.filter(org_id__startswith="GB-EDU").exists()
    assert (
        conversion.recipients_name_only == Grant.objects.filter(recipient=None).count()
    )
    # A known organization is linked and never changed by a grants file.
    existing.refresh_from_db()
    assert existing.name == "Access to Justice Foundation (registered name)"


def test_importing_the_same_file_again_changes_nothing():
    giving360_import(path=DATA / f"{ABCT}.xlsx")
    organizations = Organization.objects.count()

    report, conversion = giving360_import(path=DATA / f"{ABCT}.xlsx")

    assert (conversion.created, conversion.updated, conversion.unchanged) == (
        0,
        0,
        783,
    )
    assert report.organizations.created == 0
    assert Organization.objects.count() == organizations
    assert ImportRun.objects.order_by("-id").first().outcome == "unchanged"


def test_dry_run_counts_and_writes_nothing():
    out = run_command(str(DATA / f"{ALWF}.json"), "--dry-run")

    assert "Dry run" in out
    assert "grants: 475 created" in out
    assert "total awarded: 21,757,793.27 GBP in 475 grants" in out
    assert nothing_written()


def test_both_profiles_show_the_grant(client):
    giving360_import(path=DATA / f"{ABCT}.json")

    funder = client.get("/orgs/GB-CHC-1000147/").content.decode()
    recipient = client.get("/orgs/GB-CHC-1126147/").content.decode()

    assert "Grants made" in funder or "资助" in funder
    assert "783" in funder
    assert "12,785,625" in funder or "12785625" in funder
    assert "A grant to Access to Justice Foundation" in recipient
    assert "/orgs/GB-CHC-1000147/" in recipient  # the funder, linked


def test_the_grants_api_lists_grants_received_and_made(api_client):
    giving360_import(path=DATA / f"{ABCT}.json")

    made = api_client.get("/api/v1/orgs/GB-CHC-1000147/grants?role=made").json()
    received = api_client.get("/api/v1/orgs/GB-CHC-1126147/grants").json()
    bad = api_client.get("/api/v1/orgs/GB-CHC-1000147/grants?role=given")

    assert made["count"] == 783
    assert made["results"][0]["award_date"] == "2021-01-26"
    assert received["results"][0]["funder_org_id"] == "GB-CHC-1000147"
    assert bad.status_code == 400


def test_malformed_json_is_refused_with_its_position(tmp_path):
    path = tmp_path / "grants.json"
    path.write_text('{"grants": [{"id": "x",}]}', encoding="utf-8")

    with pytest.raises(CommandError, match=r"not valid JSON: .* line 1, column 24"):
        run_command(str(path))

    assert nothing_written()


def test_json_without_a_grants_array_is_refused(tmp_path):
    path = tmp_path / "grants.json"
    path.write_text('{"data": []}', encoding="utf-8")

    with pytest.raises(SourceFileError, match='"grants" array'):
        giving360_import(path=path)


def test_a_grant_missing_a_required_field_is_refused_naming_it(tmp_path):
    def damage(document):
        del document["grants"][2]["amountAwarded"]
        document["grants"][3]["awardDate"] = "26/01/2021"
        document["grants"][4]["fundingOrganization"] = [{"name": "No id"}]

    with pytest.raises(SourceFileError) as error:
        giving360_import(path=json_file(tmp_path, damage))

    message = str(error.value)
    assert "3 problems, nothing was written" in message
    assert "grants[2]" in message
    assert "amountAwarded: is required" in message
    assert 'awardDate: "26/01/2021" is not a date' in message
    assert "grants[4]" in message
    assert "fundingOrganization[0].id: is required" in message
    assert nothing_written()


def test_the_same_grant_twice_is_refused(tmp_path):
    def twice(document):
        document["grants"].append(document["grants"][0])

    with pytest.raises(SourceFileError, match="is also grants\\[0\\]"):
        giving360_import(path=json_file(tmp_path, twice))


def test_a_spreadsheet_missing_a_required_column_is_refused(tmp_path):
    header = [title for title in HEADER if title != "Amount Awarded"]
    row = xlsx_row()
    del row[HEADER.index("Amount Awarded")]
    path = xlsx_file(tmp_path, [header, row])

    with pytest.raises(
        CommandError, match='missing the required column\\(s\\) "Amount'
    ):
        run_command(str(path))

    assert nothing_written()


def test_a_spreadsheet_row_with_a_bad_value_is_refused_naming_row_and_column(
    tmp_path,
):
    path = xlsx_file(
        tmp_path,
        [
            HEADER,
            xlsx_row(),
            xlsx_row(**{"Identifier": "360G-TEST-2", "Amount Awarded": "lots"}),
            xlsx_row(**{"Identifier": "360G-TEST-3", "Currency": "pounds"}),
        ],
    )

    with pytest.raises(SourceFileError) as error:
        giving360_import(path=path)

    assert 'row 3, column "Amount Awarded": "lots" is not an amount' in str(error.value)
    assert 'row 4, column "Currency": "pounds" is not an ISO 4217 code' in str(
        error.value
    )
    assert nothing_written()


def test_a_small_spreadsheet_imports_and_keeps_its_own_column(tmp_path):
    path = xlsx_file(tmp_path, [HEADER, xlsx_row(), [None] * len(HEADER)])

    out = run_command(str(path))

    grant = Grant.objects.get()
    assert grant.extra == {"My Own Column": "kept"}
    assert grant.award_date == dt.date(2020, 5, 1)
    assert "kept as published, no field for them: My Own Column" in out


@pytest.mark.parametrize(
    "content",
    [b"PK\x03\x04 not really a zip", b"\x00\x01\x02 binary", b"Identifier,Title\n"],
    ids=["broken-zip", "binary", "csv"],
)
def test_a_file_that_is_not_json_or_xlsx_is_refused(tmp_path, content):
    path = tmp_path / "grants.xlsx"
    path.write_bytes(content)

    with pytest.raises(SourceFileError, match="grants.xlsx"):
        giving360_import(path=path)

    assert nothing_written()


def test_a_zip_that_is_not_a_workbook_is_refused(tmp_path):
    path = tmp_path / "grants.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")

    with pytest.raises(SourceFileError, match="not a readable spreadsheet"):
        giving360_import(path=path)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("GB-CHC-1126147", ("GB-CCEW", "1126147")),
        ("US-EIN-13-3458820", ("US-IRS", "133458820")),
        ("gb-sc-SC019787", ("GB-OSCR", "SC019787")),
        ("GB-COH-00203645", ("GB-COH", "00203645")),
        ("GB-NIC-100002", ("GB-CCNI", "100002")),
        ("GB-CHC-1126147-1", None),
        ("US-EIN-12345", None),
        ("GB-EDU-133843", None),
        ("360G-ABCT-1", None),
        ("", None),
    ],
)
def test_org_ids_parse_only_in_schemes_with_a_register(text, expected):
    assert parse_org_id(text) == expected


@pytest.mark.parametrize(
    "sheet_xml",
    [
        b'<worksheet><sheetData><row><c t="s"><v>0</v></c',
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&e;</t></is></c></row>'
        b"</sheetData></worksheet>",
    ],
    ids=["broken-sheet-xml", "external-entity"],
)
def test_a_workbook_with_bad_or_hostile_xml_is_refused(tmp_path, sheet_xml):
    good = xlsx_file(tmp_path, [HEADER, xlsx_row()], name="good.xlsx")
    path = tmp_path / "grants.xlsx"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(path, "w") as target:
        for name in source.namelist():
            content = source.read(name)
            if name == "xl/worksheets/sheet1.xml":
                content = sheet_xml
            target.writestr(name, content)

    with pytest.raises(SourceFileError, match="not a readable spreadsheet"):
        giving360_import(path=path)

    assert nothing_written()
