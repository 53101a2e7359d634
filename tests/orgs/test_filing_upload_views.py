"""The template upload on the account pages: downloads, a good CSV, a good XLSX and a
bad file whose every problem is shown by row and cell with nothing written. Who may
reach these views is in test_filing_permissions.py's matrix."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape
from wagtail.models import Revision

from orgs.models import Filing, ReviewState
from orgs.submissions.upload import (
    EXAMPLE_ROW,
    FILINGS_SHEET,
    filing_template_csv,
    filing_template_xlsx,
)
from orgs.submissions.validation import SUBMITTED_KEYS

from .filing_setup import PASSWORD, make_cast

pytestmark = pytest.mark.django_db

ROW_2023 = {**{k: str(v) for k, v in EXAMPLE_ROW.items()}, "fiscal_year": "2023",
            "period_start": "2023-01-01", "period_end": "2023-12-31"}  # fmt: skip
ROW_2024 = {k: str(v) for k, v in EXAMPLE_ROW.items()}


@pytest.fixture
def cast(client):
    cast = make_cast()
    assert client.login(username=cast.preparer_a.username, password=PASSWORD)
    return cast


def csv_upload(rows) -> SimpleUploadedFile:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(SUBMITTED_KEYS)
    for row in rows:
        writer.writerow([row.get(key, "") for key in SUBMITTED_KEYS])
    return SimpleUploadedFile("filings.csv", out.getvalue().encode("utf-8"))


def xlsx_upload(rows) -> SimpleUploadedFile:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = FILINGS_SHEET
    sheet.append(list(SUBMITTED_KEYS))
    for row in rows:
        sheet.append([row.get(key) for key in SUBMITTED_KEYS])
    out = io.BytesIO()
    workbook.save(out)
    return SimpleUploadedFile("filings.xlsx", out.getvalue())


def upload(client, cast, file):
    url = reverse("account:template-upload", args=[cast.org_a.org_id])
    return client.post(url, {"template": file}, follow=True)


def test_dashboard_offers_both_templates_and_the_upload_form(client, cast):
    page = client.get(reverse("account:dashboard")).content.decode()
    org_id = cast.org_a.org_id
    assert reverse("account:template-download", args=[org_id, "csv"]) in page
    assert reverse("account:template-download", args=[org_id, "xlsx"]) in page
    assert reverse("account:template-upload", args=[org_id]) in page
    assert 'enctype="multipart/form-data"' in page


@pytest.mark.parametrize(
    ("kind", "content_type", "content"),
    [
        ("csv", "text/csv; charset=utf-8", filing_template_csv),
        (
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            filing_template_xlsx,
        ),
    ],
)
def test_template_download_is_the_file_with_its_type_and_name(
    client, cast, kind, content_type, content
):
    url = reverse("account:template-download", args=[cast.org_a.org_id, kind])
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == (
        f'attachment; filename="filings-{cast.org_a.org_id}.{kind}"'
    )
    if kind == "csv":
        assert response.content == content()
    else:
        sheet = openpyxl.load_workbook(io.BytesIO(response.content))[FILINGS_SHEET]
        assert [c.value for c in sheet[1]] == list(SUBMITTED_KEYS)


def test_unknown_template_kind_is_404(client, cast):
    url = reverse("account:template-download", args=[cast.org_a.org_id, "pdf"])
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("make_file", [csv_upload, xlsx_upload], ids=["csv", "xlsx"])
def test_good_upload_saves_every_row_as_a_draft_and_says_so(client, cast, make_file):
    response = upload(client, cast, make_file([ROW_2023, ROW_2024]))
    assert response.redirect_chain == [(reverse("account:dashboard"), 302)]
    assert "2 draft filings saved for" in response.content.decode()
    filings = Filing.objects.filter(organization=cast.org_a).order_by("fiscal_year")
    assert [(f.fiscal_year, f.review_state) for f in filings] == [
        (2023, ReviewState.DRAFT),
        (2024, ReviewState.DRAFT),
    ]
    assert [str(f.total_income) for f in filings] == ["950000.00", "950000.00"]
    assert all(f.latest_revision.user == cast.preparer_a for f in filings)


def test_bad_upload_lists_every_problem_by_row_and_cell_and_writes_nothing(
    client, cast
):
    bad_total = {**ROW_2023, "income_total": "1"}
    bad_year = {**ROW_2024, "fiscal_year": "twenty", "currency": "yuan"}
    before = (Filing.objects.count(), Revision.objects.count())

    response = upload(client, cast, csv_upload([bad_total, bad_year]))

    assert response.status_code == 400
    assert (Filing.objects.count(), Revision.objects.count()) == before
    result = response.context["result"]
    located = {(p.row, p.cell) for p in result.problems}
    column = {key: result.columns[key] for key in SUBMITTED_KEYS}
    assert (2, f"{column['income_total']}2") in located
    assert (3, f"{column['fiscal_year']}3") in located
    assert (3, f"{column['currency']}3") in located
    page = response.content.decode()
    assert "nothing was saved" in page
    for problem in result.problems:
        assert escape(problem.message) in page
    assert f"<td>{column['currency']}3</td>" in page


def test_upload_without_a_file_is_sent_back_with_a_message(client, cast):
    response = client.post(
        reverse("account:template-upload", args=[cast.org_a.org_id]), follow=True
    )
    assert "Choose a CSV or XLSX file to upload." in response.content.decode()
    assert not Filing.objects.exists()
