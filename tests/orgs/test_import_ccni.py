"""The Charity Commission for Northern Ireland register importer, on the real sample.

The sample is the shared 365-row extract (Windows-1252, trailing empty column); the
figures asserted below are copied from its rows, as filed.
"""

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from orgs.importers import SourceFileError
from orgs.importers.ccni import ccni_import
from orgs.models import Filing, Organization, RegulatoryEvent

SAMPLE = (
    Path(__file__).resolve().parents[2].parent
    / "shared"
    / "data"
    / "uk-ccni-register"
    / "ccni_charitydetails_sample.csv"
)
EXTRACT_DATE = dt.date(2024, 4, 4)  # the sample's publication, from its source commit

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not SAMPLE.exists(), reason=f"{SAMPLE} is not there"),
]


def run_command(*args: str) -> str:
    out = io.StringIO()
    call_command("import_ccni", *args, stdout=out)
    return out.getvalue()


def sample_with(tmp_path: Path, edit) -> Path:
    text = SAMPLE.read_bytes().decode("cp1252")
    path = tmp_path / "edited.csv"
    path.write_bytes(edit(text).encode("cp1252"))
    return path


def test_the_sample_imports_all_365_charities():
    report, conversion = ccni_import(path=SAMPLE, as_of=EXTRACT_DATE)

    assert report.problem_count == 0
    assert report.organizations.created == 365
    assert Organization.objects.filter(registry="GB-CCNI").count() == 365
    # 56 newly registered charities have no financial period yet.
    assert Filing.objects.filter(form="ccni_annual_return").count() == 309
    assert conversion.filings == 309


def test_a_full_breakdown_is_read_into_the_filing_lines_as_filed():
    ccni_import(path=SAMPLE)

    org = Organization.objects.get(org_id="GB-NIC-100002")
    assert org.name == "Cancer Lifeline"
    assert org.status == "active"
    assert org.charity is True
    assert org.registered_on == dt.date(2013, 12, 13)
    assert org.website == "http://www.cancerlifeline.info"
    assert "The advancement of education" in org.causes
    assert "Mental health" in org.causes
    filing = org.filings.get()
    assert (filing.fiscal_year, filing.currency) == (2023, "GBP")
    assert filing.period_start == dt.date(2022, 4, 1)
    assert filing.period_end == dt.date(2023, 3, 31)
    assert filing.income_donations == Decimal("403523")
    assert filing.income_services == Decimal("0")
    assert filing.income_investment == Decimal("0")
    assert filing.income_other == Decimal("58631")
    assert filing.total_income == Decimal("462154")
    assert filing.expenses_programs == Decimal("422464")
    assert filing.expenses_fundraising == Decimal("0")
    assert filing.expenses_management == Decimal("3600")
    assert filing.expenses_other == Decimal("47016")
    assert filing.net_assets == Decimal("-18235")
    assert (filing.employees, filing.volunteers) == (11, 20)
    assert "ccni_charitydetails_sample.csv" in filing.source


def test_other_trading_and_other_income_are_added_and_totals_are_not_repaired():
    ccni_import(path=SAMPLE)

    filing = Filing.objects.get(organization__org_id="GB-NIC-100029")
    assert filing.income_other == Decimal("5880")  # 2950 trading + 2930 other
    assert filing.income_investment == Decimal("350")
    # Filed: charitable activities 149903 and governance 2100, total 149903.
    assert filing.expenses_programs == Decimal("149903")
    assert filing.expenses_management == Decimal("2100")


def test_a_return_with_only_totals_keeps_them_as_other_and_the_breakdown_unknown():
    ccni_import(path=SAMPLE)

    filing = Filing.objects.get(organization__org_id="GB-NIC-100003")
    assert filing.income_other == Decimal("63065")
    assert filing.expenses_other == Decimal("62437")
    assert filing.income_donations is None
    assert filing.expenses_programs is None


def test_removed_charities_get_status_removed():
    ccni_import(path=SAMPLE)

    removed = Organization.objects.filter(registry="GB-CCNI", status="removed")
    assert removed.count() == 36
    assert removed.filter(org_id="GB-NIC-100007", name="CLOONEY SOCCER SCHOOL").exists()


def test_a_late_return_is_dated_from_the_status():
    ccni_import(path=SAMPLE)

    filing = Filing.objects.get(organization__org_id="GB-NIC-100029")  # 55 days late
    assert filing.due_on == dt.date(2024, 1, 31)
    assert filing.submitted_on == dt.date(2024, 3, 26)
    assert filing.is_late


def test_an_overdue_return_is_an_event_on_its_due_date_given_the_extract_date():
    ccni_import(path=SAMPLE, as_of=EXTRACT_DATE)

    event = RegulatoryEvent.objects.get(organization__org_id="GB-NIC-100003")
    assert event.date == dt.date(2024, 1, 31)  # "Overdue: 64 days" on 4 April 2024
    assert event.kind == "other"


def test_a_negative_spending_is_left_unknown_and_reported():
    _report, conversion = ccni_import(path=SAMPLE)

    filing = Filing.objects.get(organization__org_id="GB-NIC-102945")
    assert filing.expenses_other is None
    assert conversion.dropped_amounts == [
        ("102945", "expenses.other -359 is negative; left unknown")
    ]


def test_reimporting_the_sample_changes_nothing():
    ccni_import(path=SAMPLE, as_of=EXTRACT_DATE)
    stamps = dict(Organization.objects.values_list("org_id", "updated_at"))

    report, _conversion = ccni_import(path=SAMPLE, as_of=EXTRACT_DATE)

    assert report.organizations.unchanged == 365
    assert (report.organizations.created, report.organizations.updated) == (0, 0)
    assert (report.filings.created, report.filings.updated) == (0, 0)
    assert (report.events.created, report.events.updated) == (0, 0)
    assert dict(Organization.objects.values_list("org_id", "updated_at")) == stamps


def test_a_file_without_a_column_is_rejected_naming_it_and_nothing_is_written(
    tmp_path,
):
    path = sample_with(
        tmp_path,
        lambda text: text.replace("Income from investments", "Investments", 1),
    )

    with pytest.raises(CommandError, match='"Income from investments"'):
        run_command(str(path))
    assert not Organization.objects.exists()


def test_a_file_that_is_not_windows_1252_is_rejected_and_nothing_is_written(
    tmp_path,
):
    path = tmp_path / "bad.csv"
    path.write_bytes(SAMPLE.read_bytes() + b"\x81")

    with pytest.raises(SourceFileError, match="0x81"):
        ccni_import(path=path)
    assert not Organization.objects.exists()


def test_a_missing_file_is_a_one_line_error(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        run_command(str(tmp_path / "absent.csv"))


def test_one_invalid_row_writes_nothing(tmp_path):
    path = sample_with(
        tmp_path, lambda text: text.replace("13/12/2013", "31/02/2013", 1)
    )

    with pytest.raises(CommandError, match="line 1: registered_on"):
        run_command(str(path))
    assert not Organization.objects.exists()


def test_dry_run_reports_the_counts_and_writes_nothing():
    output = run_command(str(SAMPLE), "--dry-run")

    assert "Dry run" in output
    assert "365" in output
    assert not Organization.objects.exists()
    assert not Filing.objects.exists()


def test_the_command_prints_the_import_report():
    output = run_command(str(SAMPLE), "--as-of", "2024-04-04")

    assert "Imported" in output
    assert "365" in output
    assert "created" in output
