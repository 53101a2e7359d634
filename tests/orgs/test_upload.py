"""The template upload channel: templates, the bad-input corpus and the happy paths.

Every bad input asserts the exact message and where it points (row, column, cell),
and that nothing was written: no filing and no revision.
"""

import csv
import datetime as dt
import io
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from wagtail.models import Revision

from orgs.models import Filing, MemberRole, Membership, ReviewState
from orgs.submissions.upload import (
    EXAMPLE_ROW,
    FILINGS_SHEET,
    INSTRUCTIONS_SHEET,
    UploadRejected,
    filing_template_csv,
    filing_template_xlsx,
    filing_upload_apply,
    filing_upload_read,
    neutralise_cell,
)
from orgs.submissions.validation import SUBMITTED_KEYS
from tests.factories import FilingFactory, OrganizationFactory

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent.parent / "fixtures" / "filing_uploads"
TODAY = dt.date(2025, 6, 15)
VALID = {key: str(value) for key, value in EXAMPLE_ROW.items()}


@pytest.fixture
def organization():
    return OrganizationFactory(registered_on=dt.date(2015, 3, 1))


@pytest.fixture
def preparer(organization):
    user = get_user_model().objects.create_user("preparer", "p@example.org", "x")
    Membership.objects.create(
        user=user, organization=organization, role=MemberRole.PREPARER
    )
    return user


def stored() -> tuple[int, int]:
    return Filing.objects.count(), Revision.objects.count()


def csv_file(rows, *, header=SUBMITTED_KEYS, name="filings.csv", encoding="utf-8"):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(key, "") for key in header])
    return SimpleUploadedFile(name, out.getvalue().encode(encoding))


def workbook_bytes(rows, *, header=SUBMITTED_KEYS) -> bytes:
    """A workbook written the way a spreadsheet program saves one: numbers as
    numbers, dates as dates, and text beginning with "=" as a formula."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = FILINGS_SHEET
    sheet.append(list(header))
    for row in rows:
        sheet.append([row.get(key) for key in header])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def xlsx_file(rows, *, header=SUBMITTED_KEYS, name="filings.xlsx"):
    return SimpleUploadedFile(name, workbook_bytes(rows, header=header))


def messages(result) -> list[str]:
    return [str(problem) for problem in result.problems]


def assert_refused(result, organization, user, before):
    """A refused upload cannot be applied and has written nothing."""
    assert not result.ok
    with pytest.raises(ValueError, match="only an upload without problems"):
        filing_upload_apply(result, organization=organization, user=user)
    assert stored() == before


# Templates


def test_csv_template_is_the_header_line_in_utf8_with_bom():
    content = filing_template_csv()
    assert content.startswith(b"\xef\xbb\xbf")
    lines = content.decode("utf-8-sig").split("\r\n")
    assert lines == [",".join(SUBMITTED_KEYS), ""]


def test_xlsx_template_has_the_header_and_an_instructions_sheet():
    workbook = openpyxl.load_workbook(io.BytesIO(filing_template_xlsx()))
    assert workbook.sheetnames == [FILINGS_SHEET, INSTRUCTIONS_SHEET]
    header = [cell.value for cell in workbook[FILINGS_SHEET][1]]
    assert header == list(SUBMITTED_KEYS)
    guide = list(workbook[INSTRUCTIONS_SHEET].iter_rows(values_only=True))
    assert guide[0] == ("column", "meaning", "required", "format", "example")
    assert [line[0] for line in guide[1 : 1 + len(SUBMITTED_KEYS)]] == list(
        SUBMITTED_KEYS
    )
    by_key = {line[0]: line for line in guide[1 : 1 + len(SUBMITTED_KEYS)]}
    assert by_key["fiscal_year"][2] == "yes"
    assert by_key["employees"][2] == "no"
    assert by_key["net_assets"][3] == (
        "amount; total assets minus total liabilities (within 1)"
    )


def test_empty_csv_template_uploaded_as_it_is_says_there_are_no_filings(
    organization, preparer
):
    before = stored()
    upload = SimpleUploadedFile("template.csv", filing_template_csv())
    result = filing_upload_read(upload, organization=organization, today=TODAY)
    assert result.kind == "csv"
    assert messages(result) == ["template.csv has no filings below the header"]
    assert_refused(result, organization, preparer, before)


def test_xlsx_template_filled_with_its_example_row_becomes_a_draft(
    organization, preparer
):
    """The template itself round-trips: its header, its styled empty rows and the
    example the instructions sheet shows."""
    workbook = openpyxl.load_workbook(io.BytesIO(filing_template_xlsx()))
    sheet = workbook[FILINGS_SHEET]
    for column, key in enumerate(SUBMITTED_KEYS, start=1):
        sheet.cell(row=2, column=column).value = EXAMPLE_ROW[key]
    out = io.BytesIO()
    workbook.save(out)
    upload = SimpleUploadedFile("filled.xlsx", out.getvalue())

    result = filing_upload_read(upload, organization=organization, today=TODAY)
    assert messages(result) == []
    [filing] = filing_upload_apply(result, organization=organization, user=preparer)
    assert filing.fiscal_year == 2024
    assert filing.income_services == Decimal("50000.00")
    assert filing.employees == 12


# Happy paths


def test_csv_upload_creates_a_draft_per_row_with_its_values(organization, preparer):
    filings_before, revisions_before = stored()
    with (FIXTURES / "two_years.csv").open("rb") as handle:
        upload = SimpleUploadedFile("two_years.csv", handle.read())
    result = filing_upload_read(upload, organization=organization, today=TODAY)
    assert result.kind == "csv"
    assert messages(result) == []
    assert [row.row for row in result.rows] == [2, 3]

    saved = filing_upload_apply(result, organization=organization, user=preparer)

    assert stored() == (filings_before + 2, revisions_before + 2)
    older, newer = sorted(saved, key=lambda f: f.fiscal_year)
    for filing in (older, newer):
        filing.refresh_from_db()
        assert filing.organization == organization
        assert filing.review_state == ReviewState.DRAFT
        assert filing.live is False
        assert filing.version == 1
        assert filing.prepared_by == preparer
        assert filing.due_on == dt.date(filing.fiscal_year + 1, 5, 31)
    assert older.fiscal_year == 2023
    assert older.income_donations == Decimal("600000.00")
    assert older.income_services is None
    assert older.total_assets == Decimal("1300000.50")  # within the 1-unit tolerance
    assert older.audit_opinion == ""
    assert newer.period_start == dt.date(2024, 1, 1)
    assert newer.currency == "CNY"
    assert newer.total_income == Decimal("950000.00")
    assert newer.total_expenses == Decimal("800000.00")
    assert newer.net_assets == Decimal("1300000.00")
    assert (newer.employees, newer.volunteers) == (12, 40)
    assert newer.audit_opinion == "unqualified"


def test_xlsx_upload_reads_numbers_and_dates_as_a_spreadsheet_stores_them(
    organization, preparer
):
    row = {
        **EXAMPLE_ROW,
        "fiscal_year": 2024.0,  # Excel stores every number as a float
        "period_start": dt.datetime(2024, 1, 1),
        "period_end": dt.date(2024, 12, 31),
        "income_donations": 800000.5,
        "income_government_grants": 100000,
        "income_services": None,
        "income_investment": None,
        "income_other": None,
        "income_total": 900000.5,
        "employees": 12,
    }
    result = filing_upload_read(
        xlsx_file([row]), organization=organization, today=TODAY
    )
    assert result.kind == "xlsx"
    assert messages(result) == []
    [filing] = filing_upload_apply(result, organization=organization, user=preparer)
    filing.refresh_from_db()
    assert filing.fiscal_year == 2024
    assert filing.period_start == dt.date(2024, 1, 1)
    assert filing.period_end == dt.date(2024, 12, 31)
    assert filing.income_donations == Decimal("800000.50")
    assert filing.income_government_grants == Decimal("100000.00")
    assert filing.total_income == Decimal("900000.50")
    assert filing.review_state == ReviewState.DRAFT


def test_columns_may_come_in_any_order_and_blank_rows_are_skipped(
    organization, preparer
):
    header = list(reversed(SUBMITTED_KEYS))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerow([""] * len(header))
    writer.writerow([VALID[key] for key in header])
    upload = SimpleUploadedFile("reordered.csv", out.getvalue().encode())
    result = filing_upload_read(upload, organization=organization, today=TODAY)
    assert messages(result) == []
    assert [row.row for row in result.rows] == [3]
    [filing] = filing_upload_apply(result, organization=organization, user=preparer)
    assert filing.expenses_fundraising == Decimal("20000.00")


# The bad-input corpus: each message exact, each located, nothing written.


def test_wrong_types_are_reported_by_row_and_cell(organization, preparer):
    before = stored()
    with (FIXTURES / "wrong_types.csv").open("rb") as handle:
        upload = SimpleUploadedFile("wrong_types.csv", handle.read())
    result = filing_upload_read(upload, organization=organization, today=TODAY)
    assert messages(result) == [
        'row 2, column fiscal_year (A2): expected a whole number, got a string "twenty-four"',
        'row 2, column period_start (C2): "2024/01/01" is not a valid date (YYYY-MM-DD)',
        'row 2, column currency (E2): "rmb" is not an ISO 4217 currency code (three capital letters)',
        'row 2, column income_donations (F2): "八十万" is not a decimal amount (write it like "1234.50")',
        'row 2, column employees (T2): expected a whole number, got a string "3.5"',
        "row 2, column volunteers (U2): -4 is out of range (0 to 2147483647)",
        'row 2, column audit_opinion (V2): "clean" is not one of the allowed values: '
        '"unqualified", "qualified", "adverse", "disclaimer", "none", ""',
    ]
    assert_refused(result, organization, preparer, before)


def test_inconsistent_totals_name_the_total_cell(organization, preparer):
    before = stored()
    with (FIXTURES / "inconsistent_totals.csv").open("rb") as handle:
        upload = SimpleUploadedFile("inconsistent_totals.csv", handle.read())
    result = filing_upload_read(upload, organization=organization, today=TODAY)
    assert messages(result) == [
        "row 2, column income_total (K2): the total 900,000.00 is not the sum of its "
        "parts 950,000.00"
    ]
    assert_refused(result, organization, preparer, before)


def test_unbalanced_balance_sheet_names_net_assets(organization, preparer):
    before = stored()
    row = {**VALID, "net_assets": "1200000.00"}
    result = filing_upload_read(csv_file([row]), organization=organization, today=TODAY)
    assert messages(result) == [
        "row 2, column net_assets (S2): net assets 1,200,000.00 should equal total "
        "assets 1,500,000.00 minus total liabilities 200,000.00 = 1,300,000.00"
    ]
    assert_refused(result, organization, preparer, before)


def test_missing_columns_are_named(organization, preparer):
    before = stored()
    header = [k for k in SUBMITTED_KEYS if k not in ("currency", "net_assets")]
    result = filing_upload_read(
        csv_file([VALID], header=header), organization=organization, today=TODAY
    )
    assert messages(result) == [
        "column currency: the column is missing from the header",
        "column net_assets: the column is missing from the header",
    ]
    assert_refused(result, organization, preparer, before)


def test_extra_and_misspelt_columns_are_named_with_their_cell(organization, preparer):
    before = stored()
    header = [
        "income_donation" if k == "income_donations" else k for k in SUBMITTED_KEYS
    ]
    header.append("notes")
    row = {**VALID, "income_donation": "800000.00", "notes": "hello"}
    result = filing_upload_read(
        csv_file([row], header=header), organization=organization, today=TODAY
    )
    assert messages(result) == [
        "column income_donation (F1): unknown column (did you mean income_donations?)",
        "column notes (W1): unknown column",
        "column income_donations: the column is missing from the header",
    ]
    assert_refused(result, organization, preparer, before)


def test_duplicated_column_is_named_with_both_cells(organization, preparer):
    before = stored()
    header = [*SUBMITTED_KEYS, "currency"]
    result = filing_upload_read(
        csv_file([VALID], header=header), organization=organization, today=TODAY
    )
    assert messages(result) == [
        "column currency (W1): the column appears twice (also E1)"
    ]
    assert_refused(result, organization, preparer, before)


def test_semicolon_separated_csv_gets_a_hint(organization, preparer):
    before = stored()
    content = ";".join(SUBMITTED_KEYS) + "\n" + ";".join(VALID.values()) + "\n"
    upload = SimpleUploadedFile("semicolons.csv", content.encode())
    result = filing_upload_read(upload, organization=organization, today=TODAY)
    assert messages(result)[0] == (
        f"column {';'.join(SUBMITTED_KEYS)} (A1): unknown column (the file seems to "
        "separate columns with semicolons; the template uses commas)"
    )
    assert len(messages(result)) == 1 + len(SUBMITTED_KEYS)
    assert_refused(result, organization, preparer, before)


def test_values_outside_the_header_are_refused(organization, preparer):
    before = stored()
    content = (
        ",".join(SUBMITTED_KEYS)
        + "\n"
        + ",".join(VALID[k] for k in SUBMITTED_KEYS)
        + ",stray\n"
    )
    upload = SimpleUploadedFile("stray.csv", content.encode())
    result = filing_upload_read(upload, organization=organization, today=TODAY)
    assert messages(result) == [
        "row 2, column W (W2): the cell is outside the template's columns"
    ]
    assert_refused(result, organization, preparer, before)


def test_future_year_is_refused(organization, preparer):
    before = stored()
    row = {
        **VALID,
        "fiscal_year": "2025",
        "period_start": "2025-01-01",
        "period_end": "2025-12-31",
    }
    result = filing_upload_read(csv_file([row]), organization=organization, today=TODAY)
    assert messages(result) == [
        "row 2, column fiscal_year (A2): fiscal year 2025 has not ended yet"
    ]
    assert_refused(result, organization, preparer, before)


def test_year_before_registration_is_refused(organization, preparer):
    before = stored()
    row = {
        **VALID,
        "fiscal_year": "2014",
        "period_start": "2014-01-01",
        "period_end": "2014-12-31",
    }
    result = filing_upload_read(csv_file([row]), organization=organization, today=TODAY)
    assert messages(result) == [
        "row 2, column fiscal_year (A2): fiscal year 2014 is before the organization "
        "was registered (2015-03-01)"
    ]
    assert_refused(result, organization, preparer, before)


def test_missing_required_values_are_reported_per_cell(organization, preparer):
    before = stored()
    row = {**VALID, "currency": "", "total_assets": " "}
    result = filing_upload_read(csv_file([row]), organization=organization, today=TODAY)
    assert messages(result) == [
        "row 2, column currency (E2): is required",
        "row 2, column total_assets (Q2): is required",
    ]
    assert_refused(result, organization, preparer, before)


def test_one_bad_row_among_good_ones_writes_nothing(organization, preparer):
    before = stored()
    rows = [
        {
            **VALID,
            "fiscal_year": str(year),
            "period_start": f"{year}-01-01",
            "period_end": f"{year}-12-31",
        }
        for year in (2020, 2021, 2022)
    ]
    rows[2]["expenses_total"] = "1.00"
    result = filing_upload_read(csv_file(rows), organization=organization, today=TODAY)
    assert messages(result) == [
        "row 4, column expenses_total (P4): the total 1.00 is not the sum of its "
        "parts 800,000.00"
    ]
    assert_refused(result, organization, preparer, before)


def test_same_year_twice_in_the_file_is_refused(organization, preparer):
    before = stored()
    result = filing_upload_read(
        csv_file([VALID, VALID]), organization=organization, today=TODAY
    )
    assert messages(result) == [
        "row 3, column fiscal_year (A3): fiscal year 2024 is also in row 2"
    ]
    assert_refused(result, organization, preparer, before)


def test_year_with_a_draft_in_progress_is_refused(organization, preparer):
    FilingFactory(
        organization=organization, fiscal_year=2024, review_state=ReviewState.DRAFT
    )
    before = stored()
    result = filing_upload_read(
        csv_file([VALID]), organization=organization, today=TODAY
    )
    assert messages(result) == [
        "row 2, column fiscal_year (A2): a filing for 2024 is already in progress "
        "(Draft, version 1); continue that one"
    ]
    assert_refused(result, organization, preparer, before)


def test_oversized_file_is_refused_before_it_is_read(organization, preparer):
    before = stored()
    content = (",".join(SUBMITTED_KEYS) + "\n").encode() + b"x" * (2 * 1024 * 1024)
    upload = SimpleUploadedFile("huge.csv", content)
    result = filing_upload_read(upload, organization=organization, today=TODAY)
    assert messages(result) == ["huge.csv is 2.0 MB; uploads may be at most 2 MB"]
    assert_refused(result, organization, preparer, before)


def test_oversized_stream_without_a_size_is_cut_at_the_limit(organization, preparer):
    before = stored()
    stream = io.BytesIO(b"a,b\n" * (600 * 1024))
    result = filing_upload_read(stream, organization=organization, today=TODAY)
    assert messages(result) == ["the file is larger than 2 MB"]
    assert_refused(result, organization, preparer, before)


def test_too_many_rows_is_refused(organization, preparer):
    before = stored()
    rows = [{**VALID, "fiscal_year": str(1950 + n)} for n in range(51)]
    result = filing_upload_read(csv_file(rows), organization=organization, today=TODAY)
    assert messages(result) == [
        "the file has 51 filled rows; at most 50 filings can be uploaded at once"
    ]
    assert_refused(result, organization, preparer, before)


def test_renamed_executable_is_refused_by_its_content(organization, preparer):
    before = stored()
    program = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200
    upload = SimpleUploadedFile("report.xlsx", program)
    result = filing_upload_read(upload, organization=organization, today=TODAY)
    assert messages(result) == [
        "report.xlsx is not a CSV or XLSX file: its content is a Windows program. "
        "Upload the filled template."
    ]
    assert result.kind == ""
    assert_refused(result, organization, preparer, before)


def test_other_binary_content_is_refused(organization, preparer):
    before = stored()
    upload = SimpleUploadedFile("data.csv", b"\x01\x02\x00\x00binary")
    result = filing_upload_read(upload, organization=organization, today=TODAY)
    assert messages(result) == [
        "data.csv is not a CSV or XLSX file: it holds binary data. Upload the filled "
        "template."
    ]
    assert_refused(result, organization, preparer, before)


def test_truncated_xlsx_is_refused(organization, preparer):
    before = stored()
    content = workbook_bytes([EXAMPLE_ROW])
    upload = SimpleUploadedFile("cut.xlsx", content[: len(content) // 2])
    result = filing_upload_read(upload, organization=organization, today=TODAY)
    assert messages(result) == [
        "cut.xlsx could not be read as an XLSX workbook (File is not a zip file); "
        "save it again from your spreadsheet program as .xlsx"
    ]
    assert_refused(result, organization, preparer, before)


def test_zip_that_is_not_a_workbook_is_refused(organization, preparer):
    before = stored()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "hello")
    upload = SimpleUploadedFile("archive.xlsx", out.getvalue())
    result = filing_upload_read(upload, organization=organization, today=TODAY)
    assert messages(result) == [
        "archive.xlsx is a zip archive but not an XLSX workbook"
    ]
    assert_refused(result, organization, preparer, before)


def test_zip_bomb_is_refused_before_it_is_unpacked(organization, preparer):
    """30 MB of zeros packs into about 30 KB: the declared size gives it away."""
    before = stored()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\x00" * (30 * 1024 * 1024))
    assert len(out.getvalue()) < 100 * 1024
    upload = SimpleUploadedFile("bomb.xlsx", out.getvalue())
    result = filing_upload_read(upload, organization=organization, today=TODAY)
    assert messages(result) == [
        "bomb.xlsx would unpack to 30 MB (at most 20 MB); it is not a filled template"
    ]
    assert_refused(result, organization, preparer, before)


def test_xml_entity_bomb_is_refused(organization, preparer):
    before = stored()
    content = workbook_bytes([EXAMPLE_ROW])
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for member in source.infolist():
            data = source.read(member.filename)
            if member.filename == "xl/worksheets/sheet1.xml":
                data = (
                    b'<!DOCTYPE w [<!ENTITY a "aaaaaaaaaa">'
                    b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>' + data
                )
            archive.writestr(member, data)
    upload = SimpleUploadedFile("laughs.xlsx", out.getvalue())
    result = filing_upload_read(upload, organization=organization, today=TODAY)
    assert messages(result) == [
        "laughs.xlsx was refused: its XML declares entities or external references, "
        "which a spreadsheet does not need"
    ]
    assert_refused(result, organization, preparer, before)


def test_sheet_declaring_a_huge_range_is_refused(organization, preparer):
    before = stored()
    content = workbook_bytes([EXAMPLE_ROW])
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for member in source.infolist():
            data = source.read(member.filename)
            if member.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(
                    b'<dimension ref="A1:V2"', b'<dimension ref="A1:V1048576"'
                )
            archive.writestr(member, data)
    upload = SimpleUploadedFile("wide.xlsx", out.getvalue())
    result = filing_upload_read(upload, organization=organization, today=TODAY)
    assert messages(result) == [
        "the sheet “filings” of wide.xlsx spans 1048576 rows and 22 columns (at most "
        "10000 rows, 200 columns); delete the unused rows and columns"
    ]
    assert_refused(result, organization, preparer, before)


def test_formula_cells_are_refused_not_evaluated(organization, preparer):
    before = stored()
    row = {**EXAMPLE_ROW, "income_total": "=SUM(F2:J2)", "net_assets": "=Q2-R2"}
    result = filing_upload_read(
        xlsx_file([row]), organization=organization, today=TODAY
    )
    assert messages(result) == [
        "row 2, column income_total (K2): the cell holds a formula (=SUM(F2:J2)); "
        "type the value instead",
        "row 2, column net_assets (S2): the cell holds a formula (=Q2-R2); type the "
        "value instead",
    ]
    assert_refused(result, organization, preparer, before)


def test_error_cells_are_refused(organization, preparer):
    before = stored()
    workbook = openpyxl.load_workbook(io.BytesIO(workbook_bytes([EXAMPLE_ROW])))
    cell = workbook.active["H2"]
    cell.value = "#DIV/0!"
    cell.data_type = "e"
    out = io.BytesIO()
    workbook.save(out)
    upload = SimpleUploadedFile("errors.xlsx", out.getvalue())
    result = filing_upload_read(upload, organization=organization, today=TODAY)
    assert messages(result) == [
        "row 2, column income_services (H2): the cell holds the error value #DIV/0!"
    ]
    assert_refused(result, organization, preparer, before)


def test_non_utf8_csv_names_the_line_and_the_fix(organization, preparer):
    before = stored()
    row = {**VALID, "audit_opinion": "无保留意见"}
    upload = csv_file([row], name="gbk.csv", encoding="gbk")
    result = filing_upload_read(upload, organization=organization, today=TODAY)
    assert messages(result) == [
        "gbk.csv is not UTF-8 text (line 2 has a byte 0xCE that UTF-8 does not "
        "allow). In Excel, save it as “CSV UTF-8 (comma delimited)”, or upload the "
        "XLSX template."
    ]
    assert_refused(result, organization, preparer, before)


@pytest.mark.parametrize("content", [b"", b"  \r\n\r\n"])
def test_empty_file_is_refused(organization, preparer, content):
    before = stored()
    upload = SimpleUploadedFile("empty.csv", content)
    result = filing_upload_read(upload, organization=organization, today=TODAY)
    assert messages(result) == ["empty.csv is empty"]
    assert_refused(result, organization, preparer, before)


def test_malformed_csv_quoting_is_refused(organization, preparer):
    before = stored()
    content = ",".join(SUBMITTED_KEYS) + '\n2024,"annual_report"x,\n'
    upload = SimpleUploadedFile("quotes.csv", content.encode())
    result = filing_upload_read(upload, organization=organization, today=TODAY)
    assert messages(result) == [
        "quotes.csv is not valid CSV (near line 2: ',' expected after '\"')"
    ]
    assert_refused(result, organization, preparer, before)


# Writing: all or nothing


def test_upload_read_for_one_organization_cannot_be_applied_to_another(
    organization, preparer
):
    before = stored()
    result = filing_upload_read(
        csv_file([VALID]), organization=organization, today=TODAY
    )
    assert result.ok
    other = OrganizationFactory()
    with pytest.raises(ValueError, match="another organization"):
        filing_upload_apply(result, organization=other, user=preparer)
    assert stored() == before


def test_non_member_cannot_apply_and_nothing_is_written(organization):
    stranger = get_user_model().objects.create_user("stranger", "s@example.org", "x")
    before = stored()
    rows = [
        {**VALID, "fiscal_year": "2023", "period_start": "", "period_end": ""},
        VALID,
    ]
    result = filing_upload_read(csv_file(rows), organization=organization, today=TODAY)
    assert result.ok
    with pytest.raises(PermissionDenied):
        filing_upload_apply(result, organization=organization, user=stranger)
    assert stored() == before


def test_a_filing_opened_between_read_and_apply_rejects_the_whole_upload(
    organization, preparer
):
    rows = [
        {**VALID, "fiscal_year": "2023", "period_start": "", "period_end": ""},
        VALID,
    ]
    result = filing_upload_read(csv_file(rows), organization=organization, today=TODAY)
    assert result.ok
    FilingFactory(
        organization=organization, fiscal_year=2024, review_state=ReviewState.DRAFT
    )
    before = stored()
    with pytest.raises(UploadRejected) as rejected:
        filing_upload_apply(result, organization=organization, user=preparer)
    assert [str(p) for p in rejected.value.problems] == [
        "row 3, column fiscal_year (A3): a filing for 2024 is already in progress "
        "(Draft, version 1); continue that one"
    ]
    assert stored() == before


def test_accepted_year_is_amended_by_a_new_version(organization, preparer):
    FilingFactory(organization=organization, fiscal_year=2024)  # accepted, imported
    result = filing_upload_read(
        csv_file([VALID]), organization=organization, today=TODAY
    )
    assert messages(result) == []
    [filing] = filing_upload_apply(result, organization=organization, user=preparer)
    assert (filing.version, filing.review_state) == (2, ReviewState.DRAFT)


# CSV injection


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("深圳市公益促进会", "深圳市公益促进会"),
        ("a=b", "a=b"),
        ("", ""),
        (Decimal("-12.50"), Decimal("-12.50")),
        (-3, -3),
        (None, None),
    ],
)
def test_neutralise_cell(value, expected):
    assert neutralise_cell(value) == expected


def test_report_template_lists_each_problem_with_its_cell(organization):
    from django.template.loader import render_to_string

    row = {**VALID, "income_total": "<b>1</b>"}
    result = filing_upload_read(csv_file([row]), organization=organization, today=TODAY)
    html = render_to_string("orgs/submissions/upload_report.html", {"result": result})
    assert "The file has 1 problem; nothing was saved." in html
    assert (
        "<tr><td>2</td><td><code>income_total</code></td><td>K2</td><td>"
        "&quot;&lt;b&gt;1&lt;/b&gt;&quot; is not a decimal amount (write it like "
        "&quot;1234.50&quot;)</td></tr>"
    ) in html


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_uploads_of_the_same_year_at_once_make_one_draft(organization, preparer):
    """The second upload waits for the first one's lock on the organization, then
    finds the draft it made and writes nothing."""
    import threading
    import time

    from django.db import connection, connections, transaction

    first = filing_upload_read(
        csv_file([VALID]), organization=organization, today=TODAY
    )
    second = filing_upload_read(
        csv_file([VALID]), organization=organization, today=TODAY
    )
    assert first.ok and second.ok
    outcome = {}

    def second_upload():
        try:
            filing_upload_apply(second, organization=organization, user=preparer)
        except UploadRejected as rejected:
            outcome["problems"] = [str(p) for p in rejected.problems]
        finally:
            connections.close_all()

    with transaction.atomic():
        filing_upload_apply(first, organization=organization, user=preparer)
        thread = threading.Thread(target=second_upload)
        thread.start()
        deadline = time.monotonic() + 10
        with connection.cursor() as cursor:
            while time.monotonic() < deadline:
                cursor.execute(
                    "SELECT count(*) FROM pg_locks WHERE NOT granted "
                    "AND pg_backend_pid() = ANY(pg_blocking_pids(pid))"
                )
                if cursor.fetchone()[0]:
                    break
                time.sleep(0.01)
            else:
                raise AssertionError("the second upload did not wait for the lock")
    thread.join(timeout=30)
    assert not thread.is_alive()
    assert outcome["problems"] == [
        "row 2, column fiscal_year (A2): a filing for 2024 is already in progress "
        "(Draft, version 1); continue that one"
    ]
    assert Filing.objects.filter(organization=organization).count() == 1
