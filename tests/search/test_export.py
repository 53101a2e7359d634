"""Search results as CSV (``/search/?...&format=csv``), against both backends."""

import csv
import io

import pytest

from search import selectors
from search.query import SearchQuery
from search.views import CSV_COLUMNS
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


def rebuilt(backend):
    backend.rebuild(chunk_size=50, progress=None)
    backend.refresh()
    return backend


def download(client, **params) -> tuple[list[str], list[list[str]]]:
    response = client.get(
        "/search/", {**params, "format": "csv"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    header, *rows = list(csv.reader(io.StringIO(text[1:])))
    return header, rows


@pytest.fixture
def registry():
    return {
        "shenzhen": OrganizationFactory(
            name="深圳市慈善会", name_en="Shenzhen Charity Federation"
        ),
        "nanshan": OrganizationFactory(name="深圳市南山区慈善会", region="440305"),
        "guangzhou": OrganizationFactory(
            name="广州市慈善基金会", region="440100", org_type="foundation"
        ),
        "nanjing": OrganizationFactory(name="南京市环境保护协会", region="320100"),
    }


def test_csv_has_the_columns_and_a_row_per_match(client, search_backend, registry):
    rebuilt(search_backend)

    header, rows = download(client, q="慈善")

    assert header == CSV_COLUMNS
    by_id = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    expected = {registry[k].org_id for k in ("shenzhen", "nanshan", "guangzhou")}
    assert set(by_id) == expected
    shenzhen = by_id[registry["shenzhen"].org_id]
    assert shenzhen["name"] == "深圳市慈善会"
    assert shenzhen["name_en"] == "Shenzhen Charity Federation"
    assert (shenzhen["org_type"], shenzhen["region"], shenzhen["status"]) == (
        "social_group",
        "440300",
        "active",
    )
    assert shenzhen["profile_url"] == (
        f"http://testserver/orgs/{registry['shenzhen'].org_id}/"
    )


def test_csv_applies_the_pages_filters_not_its_page(client, search_backend, registry):
    rebuilt(search_backend)

    _header, by_type = download(client, q="慈善", type="foundation", page_size="1")
    _header, by_region = download(client, region="440300", page="2", page_size="1")

    assert [row[0] for row in by_type] == [registry["guangzhou"].org_id]
    # 440300 holds its districts (440305): both Shenzhen organizations, every page.
    assert {row[0] for row in by_region} == {
        registry["shenzhen"].org_id,
        registry["nanshan"].org_id,
    }


def test_csv_neutralises_spreadsheet_formulas(client, search_backend):
    formula = OrganizationFactory(
        name='=HYPERLINK("http://evil.example","慈善")', name_en="+SUM(A1:A9)"
    )
    OrganizationFactory(name="-2+3 慈善会", name_en="@cmd 慈善")
    rebuilt(search_backend)

    _header, rows = download(client, q="慈善")

    names = {row[0]: (row[1], row[2]) for row in rows}
    assert names[formula.org_id] == (
        '\'=HYPERLINK("http://evil.example","慈善")',
        "'+SUM(A1:A9)",
    )
    assert {(row[1], row[2]) for row in rows} >= {("'-2+3 慈善会", "'@cmd 慈善")}
    assert not any(
        cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row
    )


def test_csv_stops_at_the_cap_and_says_so(
    client, search_backend, monkeypatch, settings
):
    OrganizationFactory.create_batch(10)
    rebuilt(search_backend)
    # Small pages and a small cap, so the download follows the cursor across pages.
    monkeypatch.setattr(selectors, "MAX_PAGE_SIZE", 3)
    monkeypatch.setattr(selectors, "EXPORT_MAX_ROWS", 7)

    header, rows = download(client)

    *hits, note = rows
    assert len(hits) == 7
    assert len({row[0] for row in hits}) == 7  # no page repeated
    assert note[0].startswith("# Only the first 7 of 10 results")
    page = client.get("/search/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Download these results (CSV)" in page
    assert "the first 7 only" in page


def test_export_under_the_cap_reads_every_page_once(search_backend, monkeypatch):
    organizations = OrganizationFactory.create_batch(10)
    rebuilt(search_backend)
    monkeypatch.setattr(selectors, "MAX_PAGE_SIZE", 3)

    export = selectors.search_export(SearchQuery(sort="name"), limit=100)

    org_ids = [hit.org_id for hit in export.hits]
    assert sorted(org_ids) == sorted(o.org_id for o in organizations)
    assert (export.count, export.truncated) == (10, False)


def test_csv_link_keeps_the_search_and_drops_the_page(client, search_backend):
    OrganizationFactory(name="深圳市慈善会")
    rebuilt(search_backend)

    html = client.get(
        "/search/", {"q": "慈善", "status": "active", "page_size": "5"}
    ).content.decode()

    assert 'href="?q=%E6%85%88%E5%96%84&amp;status=active&amp;format=csv"' in html


def test_bad_parameters_get_the_page_with_the_message_not_a_file(
    client, search_backend
):
    rebuilt(search_backend)
    response = client.get(
        "/search/", {"type": "nonsense", "format": "csv"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert "Unknown type: nonsense." in response.content.decode()


def test_an_outage_halfway_ends_the_file_with_a_note(client, settings, monkeypatch):
    """The first page is read before the response starts (an outage there is a 503
    page); one after it cannot change the status, so the file says it is cut."""
    from search.backends import SearchUnavailable, get_backend

    settings.ELASTICSEARCH_URL = ""
    OrganizationFactory.create_batch(5)
    backend = rebuilt(get_backend())
    monkeypatch.setattr(selectors, "MAX_PAGE_SIZE", 2)
    monkeypatch.setattr(selectors, "get_backend", lambda: backend)
    searches = []
    search = backend.search

    def fails_after_the_first_page(query):
        searches.append(query)
        if len(searches) > 1:
            raise SearchUnavailable("the engine went away")
        return search(query)

    monkeypatch.setattr(backend, "search", fails_after_the_first_page)

    _header, rows = download(client)

    assert len(rows) == 3
    assert rows[-1] == ["# Search became unavailable: this file is incomplete."]

    searches.clear()
    searches.append("down from the start")
    response = client.get("/search/", {"format": "csv"})
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
