"""The IRS Exempt Organizations Business Master File importer, on the real files.

Delaware's files of March and April 2026 differ by 163 organizations added, 56 removed
and 673 changed (counted from the files, ``../shared/data/irs-eo-bmf/SOURCE.md``); the
international file has 4,921 rows. Figures asserted below are copied from the rows.
"""

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from orgs.importers import SourceFileError
from orgs.importers.irs_bmf import file_scope, irs_bmf_import
from orgs.models import (
    FormerName,
    ImportRun,
    IrsMasterFileEntry,
    Organization,
    RegulatoryEvent,
)

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "irs-eo-bmf"
MARCH = DATA / "eo_de_2026-03-09.csv"
APRIL = DATA / "eo_de_2026-04-13.csv"
INTERNATIONAL = DATA / "eo4_international_2026-04-13.csv"

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not APRIL.exists(), reason=f"{DATA} is not there"),
]


def run_command(*args: str) -> str:
    out = io.StringIO()
    with translation.override("en"):
        call_command("import_irs_bmf", *args, stdout=out)
    return out.getvalue()


def april_slice(tmp_path: Path, rows: int = 40, *, name="eo_de_2026-04-13.csv") -> Path:
    """The header and the first ``rows`` organizations of the April file."""
    lines = APRIL.read_text(encoding="utf-8").splitlines(keepends=True)
    path = tmp_path / name
    path.write_text("".join(lines[: rows + 1]), encoding="utf-8")
    return path


def edited(tmp_path: Path, edit, name="eo_de_2026-04-13.csv") -> Path:
    path = tmp_path / name
    path.write_text(edit(april_slice(tmp_path).read_text(encoding="utf-8")))
    return path


def nothing_written() -> bool:
    return not (
        Organization.objects.exists()
        or IrsMasterFileEntry.objects.exists()
        or ImportRun.objects.exists()
    )


def test_delaware_march_to_april_records_each_addition_removal_and_change():
    _report, first = irs_bmf_import(path=MARCH)
    assert first.first_load
    assert Organization.objects.filter(registry="US-IRS").count() == 10_124
    assert not RegulatoryEvent.objects.exists()  # a full load records no events

    report, changes = irs_bmf_import(path=APRIL)

    assert (len(changes.added), len(changes.removed), len(changes.changed)) == (
        163,
        56,
        673,
    )
    assert changes.changed_columns["TAX_PERIOD"] == 609
    assert changes.changed_columns["ASSET_AMT"] == 248
    assert changes.changed_columns["REVENUE_AMT"] == 217
    events = RegulatoryEvent.objects.filter(date=dt.date(2026, 4, 13))
    assert events.filter(kind="register_entry").count() == 163
    assert events.filter(kind="register_exit").count() == 56
    assert events.filter(kind="register_change").count() == 673
    assert report.organizations.created == 163
    # Organizations that left stay, marked with the date they left.
    assert Organization.objects.filter(registry="US-IRS").count() == 10_124 + 163
    left = Organization.objects.filter(status="removed")
    assert left.count() == 56
    assert set(left.values_list("status_changed_on", flat=True)) == {
        dt.date(2026, 4, 13)
    }
    assert set(
        IrsMasterFileEntry.objects.exclude(left_on=None).values_list(
            "organization__status", flat=True
        )
    ) == {"removed"}
    assert IrsMasterFileEntry.objects.filter(left_on=dt.date(2026, 4, 13)).count() == 56
    # A new name keeps the old one as a former name, used until the last file.
    renamed = Organization.objects.get(org_id="US-EIN-510394939")
    assert renamed.name == "DELAWARE CULTURED SEAFOOD INC"
    assert renamed.former_names.get().name == "PHOENIX EDUCATIONAL FOUNDATION INC"
    assert renamed.former_names.get().until == dt.date(2026, 3, 9)
    assert FormerName.objects.count() == 5
    change = renamed.events.get(kind="register_change")
    assert (
        "NAME: PHOENIX EDUCATIONAL FOUNDATION INC → DELAWARE CULTURED SEAFOOD INC"
        in change.detail
    )
    assert change.reference == "eo_de_2026-04-13.csv"

    # The same file again: nothing to record, nothing changed.
    again, unchanged = irs_bmf_import(path=APRIL)
    assert (unchanged.added, unchanged.removed, unchanged.changed) == ([], [], [])
    assert again.organizations.unchanged == 10_231
    assert (again.organizations.created, again.organizations.updated) == (0, 0)
    assert RegulatoryEvent.objects.count() == 892
    assert ImportRun.objects.order_by("-id").first().outcome == "unchanged"


def test_an_april_row_is_read_into_the_organization_and_its_entry():
    irs_bmf_import(path=APRIL)

    org = Organization.objects.get(org_id="US-EIN-470825376")
    assert org.name == "APACHE SOFTWARE FOUNDATION"
    assert (org.org_type, org.charity) == ("public_charity", True)
    assert org.registered_on == dt.date(2001, 1, 1)  # RULING 200101
    assert org.address == "1000 N WEST ST, WILMINGTON, DE 19801-1047"
    assert org.region == "DE"
    assert org.causes == ["Science and Technology", "NTEE U41"]
    entry = org.irs_master_file
    assert entry.tax_period_end == dt.date(2025, 4, 30)  # TAX_PERIOD 202504
    assert entry.asset_amount == Decimal("5460335")
    assert entry.income_amount == Decimal("2220257")
    assert entry.revenue_amount == Decimal("2220257")
    assert (entry.filing_requirement, entry.subsection_label) == ("01", "501(c)(3)")
    foundation = Organization.objects.get(org_id="US-EIN-010548657")  # FOUNDATION 04
    assert foundation.org_type == "private_foundation"
    assert foundation.address.endswith("WILMINGTON, DE 19809")  # -0000 left out
    not_charity = IrsMasterFileEntry.objects.exclude(subsection="03").first()
    assert not_charity.organization.org_type == "other"
    assert not not_charity.organization.charity
    assert Organization.objects.filter(charity=True).count() == (
        IrsMasterFileEntry.objects.filter(subsection="03").count()
    )


def test_the_international_file_loads_all_4921_organizations():
    report, changes = irs_bmf_import(path=INTERNATIONAL)

    assert report.problem_count == 0
    assert changes.scope == "eo4_international"
    assert report.organizations.created == 4_921
    japan = Organization.objects.get(org_id="US-EIN-010674736")
    assert japan.address == "KAWASAKI KANAGAWA 216-0033, JAPAN"  # no state, no ZIP
    assert japan.region == ""
    assert Organization.objects.filter(region="PR").count() == 2_501


def test_an_organization_that_comes_back_is_active_again(tmp_path):
    irs_bmf_import(path=april_slice(tmp_path, 10, name="eo_de_2026-04-13.csv"))
    shorter = april_slice(tmp_path, 9, name="eo_de_2026-05-11.csv")
    irs_bmf_import(path=shorter)
    left = Organization.objects.get(status="removed")
    assert left.status_changed_on == dt.date(2026, 5, 11)

    irs_bmf_import(path=april_slice(tmp_path, 10, name="eo_de_2026-06-08.csv"))

    left.refresh_from_db()
    assert left.status == "active"
    assert left.status_changed_on == dt.date(2026, 6, 8)
    assert left.irs_master_file.left_on is None
    assert list(left.events.values_list("kind", flat=True)) == [
        "register_exit",
        "register_entry",
    ]


def test_fields_the_master_file_does_not_carry_are_kept(tmp_path):
    path = april_slice(tmp_path, 5)
    irs_bmf_import(path=path)
    Organization.objects.filter(org_id="US-EIN-010548657").update(
        website="https://example.org", purpose="Grants"
    )

    irs_bmf_import(path=path, as_of=dt.date(2026, 5, 1))

    org = Organization.objects.get(org_id="US-EIN-010548657")
    assert (org.website, org.purpose) == ("https://example.org", "Grants")


def test_an_older_file_than_the_last_one_is_refused():
    irs_bmf_import(path=APRIL)

    with pytest.raises(SourceFileError, match="last imported as of 2026-04-13"):
        irs_bmf_import(path=MARCH)


def test_a_wrong_header_is_refused_naming_the_columns(tmp_path):
    path = edited(tmp_path, lambda text: text.replace("SUBSECTION", "SUBSECT", 1))

    with pytest.raises(SourceFileError) as error:
        irs_bmf_import(path=path)

    assert "line 1" in str(error.value)
    assert "missing SUBSECTION" in str(error.value)
    assert 'unexpected "SUBSECT"' in str(error.value)
    assert nothing_written()


def test_a_bad_ein_is_refused_naming_its_line_and_column(tmp_path):
    def bad_ein(text):
        lines = text.splitlines(keepends=True)
        lines[4] = "12-345678" + lines[4][9:]
        return "".join(lines)

    with pytest.raises(CommandError) as error:
        run_command(str(edited(tmp_path, bad_ein)))

    assert 'line 5, column EIN: "12-345678" is not an EIN (9 digits)' in str(
        error.value
    )
    assert nothing_written()


def test_bad_values_and_short_rows_are_all_reported(tmp_path):
    def damage(text):
        lines = text.splitlines(keepends=True)
        lines[2] = lines[2].replace(",200412,", ",2004XX,", 1)
        lines[3] = lines[3].rsplit(",", 3)[0] + "\n"
        lines[6] = lines[1]  # the EIN of line 2 again
        return "".join(lines)

    with pytest.raises(SourceFileError) as error:
        irs_bmf_import(path=edited(tmp_path, damage))

    message = str(error.value)
    assert 'line 3, column RULING: "2004XX" is not a year and month' in message
    assert "line 4: has 25 fields, expected 28" in message
    assert "line 7, column EIN: 010548657 is also on line 2" in message
    assert nothing_written()


@pytest.mark.parametrize(
    "content",
    [
        b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\xff\xfe binary",
        b'{"EIN": "010548657", "NAME": "not a csv"}\n',
        b"",
    ],
    ids=["xlsx-bytes", "json", "empty"],
)
def test_a_file_that_is_not_the_master_file_csv_is_refused(tmp_path, content):
    path = tmp_path / "eo_de.csv"
    path.write_bytes(content)

    with pytest.raises(SourceFileError, match="eo_de.csv"):
        irs_bmf_import(path=path)

    assert nothing_written()


def test_a_missing_file_is_refused(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        run_command(str(tmp_path / "eo_xx.csv"))


def test_dry_run_reports_the_changes_and_writes_nothing(tmp_path):
    out = run_command(str(april_slice(tmp_path)), "--dry-run")

    assert "Dry run" in out
    assert "40 organizations in master file eo_de as of 2026-04-13" in out
    assert nothing_written()


def test_the_command_summarises_a_monthly_update(tmp_path):
    run_command(str(april_slice(tmp_path, 30)), "--as-of", "2026-04-13")
    update = april_slice(tmp_path, 31, name="next.csv")
    update.write_text(
        update.read_text().replace("CATALYSIS CLUB", "CATALYSIS SOCIETY"),
        encoding="utf-8",
    )

    out = run_command(str(update), "--as-of", "2026-05-11", "--scope", "eo_de")

    assert "1 added, 0 removed (marked as left the register), 1 changed" in out
    assert "(1 renamed)" in out
    assert "NAME 1" in out


def test_scope_is_the_file_name_without_its_date():
    assert file_scope(Path("eo_de_2026-04-13.csv")) == "eo_de"
    assert file_scope(Path("eo4.csv")) == "eo4"
    assert file_scope(Path("EO_PA-2026-01-05.csv")) == "eo_pa"


def test_the_profile_shows_the_master_file_entry_and_its_source(client, tmp_path):
    irs_bmf_import(path=april_slice(tmp_path, 5))

    page = client.get("/orgs/US-EIN-010548657/").content.decode()

    assert "KUEHNER BROTHERS FOUNDATION INC" in page
    assert "501(c)(3)" in page
    assert "1,777,610" in page or "1777610" in page  # ASSET_AMT
    assert "eo_de_2026-04-13.csv" in page  # provenance
