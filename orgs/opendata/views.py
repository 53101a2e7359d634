"""The download page ``/data/``, its files, and the badge ``/orgs/<org_id>/badge.svg``."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_safe

from .badge import badge_facts, badge_svg
from .dictionary import CSV_FILES
from .export import (
    LICENSE_NAME,
    LICENSE_URL,
    REGISTRY_FILE,
    open_data_file,
    open_data_manifest,
)

CONTENT_TYPES = {
    ".gz": "application/gzip",
    ".json": "application/json",
    ".txt": "text/plain; charset=utf-8",
}
FILE_MAX_AGE = 3600
BADGE_MAX_AGE = 300  # a grade or status change shows within five minutes


@require_safe
def open_data_page(request):
    manifest = open_data_manifest(directory=settings.OPEN_DATA_DIR)
    return render(
        request,
        "orgs/open_data.html",
        {
            "manifest": manifest,
            "generated_at": parse_datetime(manifest["generated_at"])
            if manifest
            else None,
            "csv_files": CSV_FILES,
            "registry_file": REGISTRY_FILE,
            "licence_name": LICENSE_NAME,
            "licence_url": LICENSE_URL,
        },
    )


@require_safe
def open_data_file_view(request, name: str):
    """One file of the published release, as a download; 404 for any name the
    manifest does not list."""
    path = open_data_file(directory=settings.OPEN_DATA_DIR, name=name)
    if path is None:
        raise Http404
    content_type = CONTENT_TYPES.get(path.suffix, "application/octet-stream")
    # Releases are never changed once published: their name versions the file.
    etag = f'"{path.parent.name}-{name}"'
    not_modified = get_conditional_response(request, etag=etag)
    if not_modified is not None:
        return not_modified
    response = FileResponse(
        path.open("rb"), as_attachment=True, filename=name, content_type=content_type
    )
    response["ETag"] = etag
    patch_cache_control(response, public=True, max_age=FILE_MAX_AGE)
    return response


@require_safe
def badge_view(request, org_id: str):
    """The organization's badge, drawn from today's facts on every request; a short
    max-age and an ETag keep embedding pages cheap without showing a stale grade."""
    svg = badge_svg(badge_facts(org_id=org_id)).encode("utf-8")
    language = translation.get_language() or ""
    etag = f'"{hashlib.sha256(language.encode() + svg).hexdigest()[:32]}"'
    response = get_conditional_response(request, etag=etag)
    if response is None:
        response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    response["ETag"] = etag
    # An SVG opened on its own is a document: nothing in it may load or run.
    response["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'"
    )
    response["X-Content-Type-Options"] = "nosniff"
    patch_cache_control(response, public=True, max_age=BADGE_MAX_AGE)
    return response
