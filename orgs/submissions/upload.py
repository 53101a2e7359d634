"""The template channel: an organization downloads a CSV or XLSX template, fills in
one row per annual filing and uploads it back.

The upload is read defensively (it is a file from the internet): its kind is told
by its content, not its name; size, rows and columns are capped; an XLSX workbook's
zip members are measured before openpyxl opens it (zip bombs), its XML is parsed by
defusedxml (entity bombs) and formulas are refused, never evaluated or taken at their
cached value. Each row then goes through ``validation.validate_filing``, the check
the web form and the API use, and every problem is reported by row and cell. Nothing
is written unless every row is valid; ``filing_upload_apply`` then saves all rows as
drafts in one transaction.

``neutralise_cell`` is the guard for any CSV the portal writes: a cell that starts
with ``=``, ``+``, ``-`` or ``@`` would run as a formula when the file is opened in a
spreadsheet (CSV injection).
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import BinaryIO

from defusedxml import DefusedXmlException
from django.core.files import File
from django.db import transaction
from django.utils.translation import gettext as _

from ..models import (
    EXPENSE_FIELDS,
    INCOME_FIELDS,
    AuditOpinion,
    Filing,
    FilingForm,
    Organization,
)
from .services import filing_draft_save
from .validation import (
    FIGURE_KEYS,
    REQUIRED_KEYS,
    SUBMITTED_KEYS,
    Checked,
    Problem,
    validate_filing,
)

# One organization files one report a year; 50 rows covers any backlog, and bounds
# the work an upload can cause.
MAX_UPLOAD_BYTES = 2 * 1024 * 1024
MAX_ROWS = 50
# XLSX: the sum of the zip members' uncompressed sizes, and the largest sheet shape
# read at all. A filled template is a few kilobytes; these leave room for styling.
MAX_XLSX_UNCOMPRESSED_BYTES = 20 * 1024 * 1024
MAX_XLSX_MEMBERS = 200
MAX_SHEET_ROWS = 10_000
MAX_SHEET_COLUMNS = 200
FILINGS_SHEET = "filings"
INSTRUCTIONS_SHEET = "instructions"

CSV_BOM = "\ufeff"
ZIP_MAGIC = b"PK\x03\x04"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
INTEGER_KEYS = ("fiscal_year", "employees", "volunteers")
DATE_KEYS = ("period_start", "period_end")
AMOUNT_KEYS = (*FIGURE_KEYS, "total_assets", "total_liabilities", "net_assets")
INTEGER_RE = re.compile(r"[+-]?\d{1,9}")

# What a file starts with when it is not what it claims to be; named in the message.
KNOWN_BINARIES = (
    (b"MZ", "a Windows program"),
    (b"\x7fELF", "a Linux program"),
    (b"%PDF-", "a PDF document"),
    (b"\xd0\xcf\x11\xe0", "an Excel 97-2003 workbook (.xls); save it as .xlsx"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
)

# The example row of the instructions sheet; a test uploads it and expects a draft.
EXAMPLE_ROW: dict[str, object] = {
    "fiscal_year": 2024,
    "form": FilingForm.ANNUAL_REPORT.value,
    "period_start": "2024-01-01",
    "period_end": "2024-12-31",
    "currency": "CNY",
    "income_donations": "800000.00",
    "income_government_grants": "100000.00",
    "income_services": "50000.00",
    "income_investment": "0.00",
    "income_other": "0.00",
    "income_total": "950000.00",
    "expenses_programs": "700000.00",
    "expenses_management": "80000.00",
    "expenses_fundraising": "20000.00",
    "expenses_other": "0.00",
    "expenses_total": "800000.00",
    "total_assets": "1500000.00",
    "total_liabilities": "200000.00",
    "net_assets": "1300000.00",
    "employees": 12,
    "volunteers": 40,
    "audit_opinion": AuditOpinion.UNQUALIFIED.value,
}


def neutralise_cell(value: object) -> object:
    """A value safe to write into a CSV cell that a spreadsheet will open.

    Text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a
    leading apostrophe, so a spreadsheet shows it as text instead of running it as a
    formula (OWASP "CSV injection"). Numbers (``int``, ``Decimal``) are left alone:
    write amounts as numbers, not text, and a negative amount stays a number.
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


# Templates


def _labels() -> dict[str, str]:
    """Each column's meaning, as the model names its field (the totals are checks,
    not fields)."""
    labels = {
        key: str(Filing._meta.get_field(key).verbose_name)
        for key in SUBMITTED_KEYS
        if key not in ("income_total", "expenses_total")
    }
    labels["income_total"] = _("income: total")
    labels["expenses_total"] = _("expenses: total")
    return labels


def _format(key: str) -> str:
    if key == "fiscal_year":
        return _("year, e.g. 2024; not in the future, not before registration")
    if key in INTEGER_KEYS:
        return _("whole number, not negative")
    if key in DATE_KEYS:
        return _("date, YYYY-MM-DD")
    if key == "currency":
        return _("ISO 4217 code, three capital letters (CNY)")
    if key == "form":
        return _("one of: %(values)s (empty: annual_report)") % {
            "values": ", ".join(FilingForm.values)
        }
    if key == "audit_opinion":
        return _("one of: %(values)s, or empty") % {
            "values": ", ".join(AuditOpinion.values)
        }
    if key in ("income_total", "expenses_total"):
        return _("amount; must equal the sum of the parts filled in")
    if key == "net_assets":
        return _("amount; total assets minus total liabilities (within 1)")
    return _("amount, not negative, at most 2 decimal places (1234.50)")


def filing_template_csv() -> bytes:
    """The CSV template: one header line of the column names, nothing else.

    UTF-8 with a byte-order mark: without it Excel (notably in Chinese Windows) reads
    the file as the local code page and garbles Chinese text entered later. CRLF line
    ends, as Excel writes them. The upload accepts the file with or without the BOM.
    """
    out = io.StringIO()
    out.write(CSV_BOM)
    csv.writer(out).writerow([neutralise_cell(k) for k in SUBMITTED_KEYS])
    return out.getvalue().encode("utf-8")


def filing_template_xlsx() -> bytes:
    """The XLSX template: a "filings" sheet with the header row to fill in, and an
    "instructions" sheet that explains each column and shows an example row."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    bold = Font(bold=True)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = FILINGS_SHEET
    _write_text_row(sheet, 1, SUBMITTED_KEYS, font=bold)
    sheet.freeze_panes = "A2"
    for column, key in enumerate(SUBMITTED_KEYS, start=1):
        sheet.column_dimensions[_column_letter(column)].width = max(14, len(key) + 2)
        if key in DATE_KEYS:
            # Text, so Excel keeps 2024-12-31 as typed instead of a local date format.
            for row in range(2, MAX_ROWS + 2):
                sheet.cell(row=row, column=column).number_format = "@"

    guide = workbook.create_sheet(INSTRUCTIONS_SHEET)
    labels = _labels()
    lines: list[list[str]] = [
        [_("column"), _("meaning"), _("required"), _("format"), _("example")]
    ]
    lines += [
        [
            key,
            labels[key],
            _("yes") if key in REQUIRED_KEYS else _("no"),
            _format(key),
            str(EXAMPLE_ROW[key]),
        ]
        for key in SUBMITTED_KEYS
    ]
    lines += [[], *([note] for note in _template_notes())]
    for row, line in enumerate(lines, start=1):
        _write_text_row(guide, row, line, font=bold if row == 1 else None)
    for letter, width in zip("ABCDE", (24, 34, 10, 60, 14), strict=True):
        guide.column_dimensions[letter].width = width

    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _template_notes() -> list[str]:
    return [
        _(
            "Fill in the sheet “%(sheet)s”: one row per annual filing, at most "
            "%(rows)d rows; keep the header row as it is."
        )
        % {"sheet": FILINGS_SHEET, "rows": MAX_ROWS},
        _("Type values, not formulas: a cell with a formula is refused."),
        _(
            "Leave a figure empty when it is unknown; totals are checked against the "
            "parts filled in."
        ),
        _(
            "Files up to %(size)d MB. Every row is checked; if any row has a problem, "
            "nothing is saved and each problem is listed by row and cell."
        )
        % {"size": MAX_UPLOAD_BYTES // (1024 * 1024)},
        _(
            "Each row is saved as a draft; an approver submits it from the account page."
        ),
    ]


def _write_text_row(sheet, row: int, values: Iterable[str], *, font=None) -> None:
    """Write a row of text cells. openpyxl would store text starting with "=" as a
    formula; these cells are set to plain strings whatever they start with."""
    for column, value in enumerate(values, start=1):
        cell = sheet.cell(row=row, column=column)
        cell.value = value
        cell.data_type = "s"
        if font is not None:
            cell.font = font


def _column_letter(number: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(number)


# Reading an upload


@dataclass(frozen=True, slots=True)
class UploadProblem:
    """One thing wrong with an uploaded file, located as a spreadsheet shows it:
    ``row`` is the spreadsheet row (the header is row 1), ``cell`` is like ``F3``."""

    message: str
    row: int | None = None
    column: str = ""
    cell: str = ""

    def __str__(self) -> str:
        if self.row is not None and self.column:
            return _("row %(row)d, column %(column)s (%(cell)s): %(message)s") % {
                "row": self.row,
                "column": self.column,
                "cell": self.cell,
                "message": self.message,
            }
        if self.row is not None:
            return _("row %(row)d: %(message)s") % {
                "row": self.row,
                "message": self.message,
            }
        if self.column and self.cell:
            return _("column %(column)s (%(cell)s): %(message)s") % {
                "column": self.column,
                "cell": self.cell,
                "message": self.message,
            }
        if self.column:
            return _("column %(column)s: %(message)s") % {
                "column": self.column,
                "message": self.message,
            }
        return self.message


@dataclass(frozen=True, slots=True)
class UploadRow:
    """One data row: its spreadsheet row number, the raw values handed to
    ``validate_filing`` (kept so the write can check them again) and the result."""

    row: int
    raw: dict[str, object]
    checked: Checked


@dataclass
class UploadResult:
    kind: str  # "csv", "xlsx" or "" when the file could not be read at all
    organization_id: int
    today: dt.date
    columns: dict[str, str] = field(default_factory=dict)  # key → column letter
    rows: list[UploadRow] = field(default_factory=list)
    problems: list[UploadProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.rows) and not self.problems


class UploadRejected(Exception):
    """The rows were valid when read but not when written (another filing for one
    of the years appeared in between); nothing was written."""

    def __init__(self, problems: list[UploadProblem]):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


class _Unreadable(Exception):
    """The file as a whole cannot be read; the message says why."""


@dataclass
class _Grid:
    """The cells of a file: the header, then data rows, each a list of
    (raw value, problem) pairs; a problem is set where the cell itself is refused
    (a formula, an error value)."""

    header: list[object]
    rows: list[tuple[int, list[tuple[object, str]]]]


def filing_upload_read(
    upload: File | BinaryIO, *, organization: Organization, today: dt.date
) -> UploadResult:
    """Read and check an uploaded template; write nothing.

    ``upload`` is a Django ``UploadedFile`` or any binary file object. The result
    lists every problem (file, header, row and cell); when it has none, its rows can
    be saved with ``filing_upload_apply``.
    """
    result = UploadResult(kind="", organization_id=organization.pk, today=today)
    name = getattr(upload, "name", "") or _("the file")
    try:
        content = _read_bounded(upload, name)
        if content.startswith(ZIP_MAGIC):
            result.kind = "xlsx"
            grid = _xlsx_grid(content, name)
        else:
            _refuse_binary(content, name)
            result.kind = "csv"
            grid = _csv_grid(content, name)
    except _Unreadable as unreadable:
        result.problems.append(UploadProblem(str(unreadable)))
        return result
    columns, header_problems = _header(grid)
    result.columns = columns
    result.problems += header_problems
    if header_problems:
        return result
    data_rows = [
        (number, cells)
        for number, cells in grid.rows
        if not all(_blank(value) and not refused for value, refused in cells)
    ]
    if len(data_rows) > MAX_ROWS:
        result.problems.append(
            UploadProblem(
                _(
                    "the file has %(count)d filled rows; at most %(max)d filings can be "
                    "uploaded at once"
                )
                % {"count": len(data_rows), "max": MAX_ROWS}
            )
        )
        return result
    years: dict[int, int] = {}
    for row_number, cells in data_rows:
        raw, cell_problems = _raw_values(row_number, cells, columns)
        checked = validate_filing(raw, organization=organization, today=today)
        found = [*cell_problems, *_row_problems(checked, cell_problems)]
        year = checked.values.get("fiscal_year")
        if isinstance(year, int):
            if year in years:
                found.append(
                    Problem(
                        "fiscal_year",
                        _("fiscal year %(year)d is also in row %(other)d")
                        % {"year": year, "other": years[year]},
                    )
                )
            else:
                years[year] = row_number
        order = {key: position for position, key in enumerate(columns)}
        located = [
            p if isinstance(p, UploadProblem) else _located(p, row_number, columns)
            for p in found
        ]
        located.sort(key=lambda p: _column_order(p, order))
        result.problems += located
        result.rows.append(UploadRow(row=row_number, raw=raw, checked=checked))
    if not result.rows:
        result.problems.append(
            UploadProblem(
                _("%(name)s has no filings below the header") % {"name": name}
            )
        )
    return result


def filing_upload_apply(
    result: UploadResult, *, organization: Organization, user
) -> list[Filing]:
    """Save every row of a clean upload as a draft, all or nothing.

    The rows are checked again inside the transaction, with the organization's row
    locked, so two uploads at once cannot both open a filing for the same year;
    a row that is no longer valid raises ``UploadRejected`` and nothing is written.
    """
    if not result.ok:
        raise ValueError("only an upload without problems can be saved")
    if result.organization_id != organization.pk:
        raise ValueError("the upload was read for another organization")
    with transaction.atomic():
        Organization.objects.select_for_update().filter(pk=organization.pk).first()
        checks = []
        problems = []
        for row in result.rows:
            checked = validate_filing(
                row.raw, organization=organization, today=result.today
            )
            problems += [_located(p, row.row, result.columns) for p in checked.problems]
            checks.append(checked)
        if problems:
            raise UploadRejected(problems)
        return [
            filing_draft_save(organization=organization, user=user, checked=checked)
            for checked in checks
        ]


def _read_bounded(upload: File | BinaryIO, name: str) -> bytes:
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_UPLOAD_BYTES:
        raise _Unreadable(_too_large(name, size))
    if hasattr(upload, "seek"):
        upload.seek(0)
    content = upload.read(MAX_UPLOAD_BYTES + 1)
    if len(content) > MAX_UPLOAD_BYTES:
        raise _Unreadable(_too_large(name, None))
    if not content.strip():
        raise _Unreadable(_("%(name)s is empty") % {"name": name})
    return content


def _too_large(name: str, size: int | None) -> str:
    limit = MAX_UPLOAD_BYTES // (1024 * 1024)
    if size is None:
        return _("%(name)s is larger than %(limit)d MB") % {
            "name": name,
            "limit": limit,
        }
    return _("%(name)s is %(size).1f MB; uploads may be at most %(limit)d MB") % {
        "name": name,
        "size": size / 1024 / 1024,
        "limit": limit,
    }


def _refuse_binary(content: bytes, name: str) -> None:
    """Anything that is not a zip is read as CSV text; refuse what is clearly not."""
    for magic, what in KNOWN_BINARIES:
        if content.startswith(magic):
            raise _Unreadable(
                _(
                    "%(name)s is not a CSV or XLSX file: its content is %(what)s. "
                    "Upload the filled template."
                )
                % {"name": name, "what": _(what)}
            )
    if b"\x00" in content[:8192]:
        raise _Unreadable(
            _(
                "%(name)s is not a CSV or XLSX file: it holds binary data. Upload the "
                "filled template."
            )
            % {"name": name}
        )


# CSV


def _csv_grid(content: bytes, name: str) -> _Grid:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = content[: error.start].count(b"\n") + 1
        raise _Unreadable(
            _(
                "%(name)s is not UTF-8 text (line %(line)d has a byte 0x%(byte)02X "
                "that UTF-8 does not allow). In Excel, save it as “CSV UTF-8 "
                "(comma delimited)”, or upload the XLSX template."
            )
            % {"name": name, "line": line, "byte": content[error.start]}
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[tuple[int, list[tuple[object, str]]]] = []
    try:
        header = next(reader, [])
        for number, record in enumerate(reader, start=2):
            if number > MAX_SHEET_ROWS + 1:
                raise _Unreadable(_too_many_rows(name))
            rows.append((number, [(value, "") for value in record]))
    except csv.Error as error:
        raise _Unreadable(
            _("%(name)s is not valid CSV (near line %(line)d: %(error)s)")
            % {"name": name, "line": reader.line_num, "error": error}
        ) from None
    return _Grid(header=list(header), rows=rows)


def _too_many_rows(name: str) -> str:
    return _("%(name)s has more than %(limit)d rows; at most %(max)d filings") % {
        "name": name,
        "limit": MAX_SHEET_ROWS,
        "max": MAX_ROWS,
    }


# XLSX


def _xlsx_grid(content: bytes, name: str) -> _Grid:
    _check_zip(content, name)
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(
            io.BytesIO(content), read_only=True, data_only=False, keep_links=False
        )
    except (
        zipfile.BadZipFile,
        InvalidFileException,
        KeyError,
        ValueError,
        TypeError,
        OSError,
        EOFError,
    ) as error:
        raise _Unreadable(_not_a_workbook(name, error)) from None
    try:
        sheet = (
            workbook[FILINGS_SHEET]
            if FILINGS_SHEET in workbook.sheetnames
            else workbook.worksheets[0]
        )
        return _sheet_grid(sheet, name)
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError) as error:
        raise _Unreadable(_not_a_workbook(name, error)) from None
    finally:
        workbook.close()


def _not_a_workbook(name: str, error: Exception) -> str:
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, DefusedXmlException):
            return _(
                "%(name)s was refused: its XML declares entities or external "
                "references, which a spreadsheet does not need"
            ) % {"name": name}
        cause = cause.__cause__ or cause.__context__
    reason = (str(error).strip().splitlines() or [type(error).__name__])[0]
    return _(
        "%(name)s could not be read as an XLSX workbook (%(error)s); save it again "
        "from your spreadsheet program as .xlsx"
    ) % {"name": name, "error": reason}


def _check_zip(content: bytes, name: str) -> None:
    """Measure the workbook before anything unpacks it: the sizes in the zip's
    directory bound what reading can inflate to (zipfile stops at the declared size
    and fails the CRC check if a member holds more)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise _Unreadable(_not_a_workbook(name, error)) from None
    if len(members) > MAX_XLSX_MEMBERS:
        raise _Unreadable(
            _("%(name)s has %(count)d parts; an XLSX template has far fewer")
            % {"name": name, "count": len(members)}
        )
    unpacked = sum(member.file_size for member in members)
    if unpacked > MAX_XLSX_UNCOMPRESSED_BYTES:
        raise _Unreadable(
            _(
                "%(name)s would unpack to %(size)d MB (at most %(limit)d MB); it is "
                "not a filled template"
            )
            % {
                "name": name,
                "size": unpacked // (1024 * 1024),
                "limit": MAX_XLSX_UNCOMPRESSED_BYTES // (1024 * 1024),
            }
        )
    if "[Content_Types].xml" not in archive.namelist():
        raise _Unreadable(
            _("%(name)s is a zip archive but not an XLSX workbook") % {"name": name}
        )


def _sheet_grid(sheet, name: str) -> _Grid:
    declared_rows, declared_columns = sheet.max_row, sheet.max_column
    if (declared_rows or 0) > MAX_SHEET_ROWS or (
        declared_columns or 0
    ) > MAX_SHEET_COLUMNS:
        raise _Unreadable(
            _(
                "the sheet “%(sheet)s” of %(name)s spans %(rows)s rows and %(columns)s "
                "columns (at most %(max_rows)d rows, %(max_columns)d columns); delete "
                "the unused rows and columns"
            )
            % {
                "sheet": sheet.title,
                "name": name,
                "rows": declared_rows,
                "columns": declared_columns,
                "max_rows": MAX_SHEET_ROWS,
                "max_columns": MAX_SHEET_COLUMNS,
            }
        )
    header: list[object] = []
    rows: list[tuple[int, list[tuple[object, str]]]] = []
    # Bounded even when the sheet declares no dimension.
    for number, cells in enumerate(
        sheet.iter_rows(max_row=MAX_SHEET_ROWS + 1, max_col=MAX_SHEET_COLUMNS),
        start=1,
    ):
        if number > MAX_SHEET_ROWS:
            raise _Unreadable(_too_many_rows(name))
        values = [_xlsx_value(cell) for cell in cells]
        if number == 1:
            header = [value for value, _problem in values]
        else:
            rows.append((number, values))
    return _Grid(header=header, rows=rows)


def _xlsx_value(cell) -> tuple[object, str]:
    kind = cell.data_type
    if kind == "f":
        return None, _(
            "the cell holds a formula (%(formula)s); type the value instead"
        ) % {"formula": str(cell.value)[:60]}
    if kind == "e":
        return None, _("the cell holds the error value %(value)s") % {
            "value": cell.value
        }
    return cell.value, ""


# Header and rows


def _header(grid: _Grid) -> tuple[dict[str, str], list[UploadProblem]]:
    """Map each column name of the template to its letter in the header row."""
    problems: list[UploadProblem] = []
    columns: dict[str, str] = {}
    header = grid.header
    while header and _blank(header[-1]):
        header = header[:-1]
    for position, title in enumerate(header, start=1):
        letter = _column_letter(position)
        cell = f"{letter}1"
        if _blank(title):
            if any(
                position <= len(cells) and not _blank(cells[position - 1][0])
                for _n, cells in grid.rows
            ):
                problems.append(
                    UploadProblem(
                        _("the column has values but no name in the header"),
                        column=letter,
                        cell=cell,
                    )
                )
            continue
        key = str(title).strip()
        if key not in SUBMITTED_KEYS:
            hint = difflib.get_close_matches(key, SUBMITTED_KEYS, n=1)
            message = _("unknown column")
            if hint:
                message += " " + _("(did you mean %(hint)s?)") % {"hint": hint[0]}
            elif ";" in key and "," not in key:
                message += " " + _(
                    "(the file seems to separate columns with semicolons; the "
                    "template uses commas)"
                )
            problems.append(UploadProblem(message, column=key, cell=cell))
        elif key in columns:
            problems.append(
                UploadProblem(
                    _("the column appears twice (also %(cell)s)")
                    % {"cell": f"{columns[key]}1"},
                    column=key,
                    cell=cell,
                )
            )
        else:
            columns[key] = letter
    for key in SUBMITTED_KEYS:
        if key not in columns and not any(p.column == key for p in problems):
            problems.append(
                UploadProblem(_("the column is missing from the header"), column=key)
            )
    if not header:
        problems = [
            UploadProblem(
                _("the first row must be the header of the template (%(first)s, …)")
                % {"first": ", ".join(SUBMITTED_KEYS[:3])}
            )
        ]
    return columns, problems


def _raw_values(
    row: int, cells: list[tuple[object, str]], columns: dict[str, str]
) -> tuple[dict[str, object], list[UploadProblem]]:
    raw: dict[str, object] = {}
    problems: list[UploadProblem] = []
    positions = {letter: key for key, letter in columns.items()}
    for position, (value, refused) in enumerate(cells, start=1):
        letter = _column_letter(position)
        key = positions.get(letter)
        if key is None:
            if not _blank(value) or refused:
                problems.append(
                    UploadProblem(
                        refused or _("the cell is outside the template's columns"),
                        row=row,
                        column=letter,
                        cell=f"{letter}{row}",
                    )
                )
            continue
        if refused:
            problems.append(
                UploadProblem(refused, row=row, column=key, cell=f"{letter}{row}")
            )
            raw[key] = None
            continue
        raw[key] = _typed(key, value)
    for key in columns:
        raw.setdefault(key, None)
    return raw, problems


def _typed(key: str, value: object) -> object:
    """Turn a cell into what ``validate_filing``'s readers take.

    CSV gives text and spreadsheets give floats and datetimes; the readers take the
    exchange format's JSON types (whole numbers as ints, amounts as decimal strings or
    numbers, dates as YYYY-MM-DD). Anything not clearly convertible is passed as it is,
    so the reader's message names the value.
    """
    if isinstance(value, str):
        value = value.strip()
        if key in INTEGER_KEYS and INTEGER_RE.fullmatch(value):
            return int(value)
        return value
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        if key in INTEGER_KEYS and value.is_integer():
            return int(value)
        if key in AMOUNT_KEYS:
            try:
                # repr is the shortest text that reads back as the same float:
                # 1234.5 → "1234.5", not 1234.499999….
                return Decimal(repr(value))
            except InvalidOperation:
                return value
        return value
    if isinstance(value, dt.datetime):
        if key in DATE_KEYS and value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


# A check that compares a cell with others (a total with its parts, net assets with
# the balance sheet) means nothing when one of the others could not be read; its
# message would only repeat that problem with a wrong sum.
DEPENDENT_CHECKS = {
    "income_total": tuple(f"income_{k}" for k in INCOME_FIELDS),
    "expenses_total": tuple(f"expenses_{k}" for k in EXPENSE_FIELDS),
    "net_assets": ("total_assets", "total_liabilities"),
}


def _row_problems(checked: Checked, refused: list[UploadProblem]) -> list[Problem]:
    """``validate_filing``'s problems for a row, less those on refused cells (they
    are reported once, as refused) and less follow-on cross-checks."""
    refused_keys = {p.column for p in refused}
    unreadable = refused_keys | {p.field for p in checked.problems}
    return [
        problem
        for problem in checked.problems
        if problem.field not in refused_keys
        and not (
            checked.values.get(problem.field) is not None
            and unreadable.intersection(DEPENDENT_CHECKS.get(problem.field, ()))
        )
    ]


def _column_order(problem: UploadProblem, order: dict[str, int]) -> int:
    return order.get(problem.column, len(order))


def _located(problem: Problem, row: int, columns: dict[str, str]) -> UploadProblem:
    if problem.field in columns:
        return UploadProblem(
            problem.message,
            row=row,
            column=problem.field,
            cell=f"{columns[problem.field]}{row}",
        )
    return UploadProblem(str(problem), row=row)


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
