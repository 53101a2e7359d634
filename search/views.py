"""The public search page: results, facets as checkboxes, active filters as chips;
the same search as a CSV download (``format=csv``)."""

from __future__ import annotations

import csv
from collections.abc import Iterator

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from orgs.compare import MAX_COMPARED
from orgs.submissions.upload import neutralise_cell

from . import selectors
from .backends import SearchUnavailable
from .query import FACETS, InvalidSearch, SearchQuery, facet_label


def search_view(request: HttpRequest) -> HttpResponse:
    context: dict = {"q": request.GET.get("q", "")}
    status = 200
    try:
        query = SearchQuery.from_params(request.GET)
        if request.GET.get("format") == "csv":
            return _csv_download(request, selectors.search_export(query))
        results = selectors.search_organizations(query)
    except InvalidSearch as error:
        context["error"] = str(error)
        status = 400
    except SearchUnavailable:
        context["error"] = "unavailable"
        status = 503
    else:
        context.update(
            results=results,
            facets=_facets(request, query, results),
            chips=_chips(request, query),
            next_url=_with(request, page=str(query.page + 1))
            if query.page * query.page_size < results.count
            else "",
            previous_url=_with(request, page=str(query.page - 1))
            if query.page > 1
            else "",
            csv_url=_csv_url(request),
            export_max_rows=selectors.EXPORT_MAX_ROWS,
            compare_max=MAX_COMPARED,
        )
    return render(request, "search/search.html", context, status=status)


def _with(request: HttpRequest, **changes: str) -> str:
    params = request.GET.copy()
    for key, value in changes.items():
        params[key] = value
    return "?" + params.urlencode()


def _toggled(request: HttpRequest, param: str, value: str) -> str:
    """The URL with ``value`` added to or removed from filter ``param`` (page reset)."""
    params = request.GET.copy()
    params.pop("page", None)
    chosen = [v for item in params.getlist(param) for v in item.split(",") if v]
    if value in chosen:
        chosen.remove(value)
    else:
        chosen.append(value)
    params.setlist(param, chosen)
    return "?" + params.urlencode()


def _facets(request, query: SearchQuery, results) -> list[dict]:
    return [
        {
            "name": facet,
            "values": [
                {
                    "value": v.value,
                    "label": v.label,
                    "count": v.count,
                    "checked": v.value in getattr(query, facet),
                    "url": _toggled(request, param, v.value),
                }
                for v in results.facets.get(facet, [])
            ],
        }
        for facet, param in FACETS.items()
    ]


def _chips(request, query: SearchQuery) -> list[dict]:
    return [
        {"label": facet_label(facet, value), "url": _toggled(request, param, value)}
        for facet, param in FACETS.items()
        for value in getattr(query, facet)
    ]


CSV_COLUMNS = [
    "org_id", "name", "name_en", "org_type", "region", "status", "grade", "profile_url",
]  # fmt: skip


def _csv_url(request: HttpRequest) -> str:
    """This search as a download: its text, filters and sort, every page."""
    params = request.GET.copy()
    for key in ("page", "page_size", "cursor"):
        params.pop(key, None)
    params["format"] = "csv"
    return "?" + params.urlencode()


class _Echo:
    """What csv.writer writes to when each row is handed on instead of stored."""

    def write(self, value: str) -> str:
        return value


def _csv_download(request: HttpRequest, export: selectors.SearchExport):
    response = StreamingHttpResponse(
        _csv_lines(request, export, language=translation.get_language()),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="sunshine-search.csv"'
    return response


def _csv_lines(
    request: HttpRequest, export: selectors.SearchExport, *, language: str
) -> Iterator[str]:
    """Rows as they come from the engine; text cells neutralised, so a name such as
    ``=HYPERLINK(...)`` opens as text in a spreadsheet. A cut at the row limit, or an
    outage halfway, is said in a last row beginning with ``#``, in the request's
    language (the rows are written after the view has returned)."""
    with translation.override(language):
        yield from _csv_rows(request, export)


def _csv_rows(request: HttpRequest, export: selectors.SearchExport) -> Iterator[str]:
    writer = csv.writer(_Echo())
    # Excel reads UTF-8 with a byte-order mark.
    yield "\ufeff" + writer.writerow(CSV_COLUMNS)
    try:
        for hit in export.hits:
            yield writer.writerow(
                [
                    neutralise_cell(value)
                    for value in (
                        hit.org_id, hit.name, hit.name_en, hit.org_type, hit.region,
                        hit.status, hit.grade or "",
                        request.build_absolute_uri(
                            reverse("orgs:profile", args=[hit.org_id])
                        ),
                    )
                ]
            )  # fmt: skip
    except SearchUnavailable:
        yield writer.writerow(
            ["# " + _("Search became unavailable: this file is incomplete.")]
        )
        return
    if export.truncated:
        yield writer.writerow(
            [
                "# "
                + _(
                    "Only the first %(limit)s of %(count)s results are in this file; "
                    "narrow the search to download the rest."
                )
                % {"limit": f"{export.limit:,}", "count": f"{export.count:,}"}
            ]
        )
