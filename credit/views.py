"""Pages of the credit module: the regulator's review queue (flags, appeals) and the
public lists. Regulators reach only their jurisdiction; for everyone else the
regulator pages do not exist (404). Suspected flags are never public."""

from __future__ import annotations

import csv
import datetime as dt
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from orgs.access import may_use_review_pages, organizations_reviewable_by
from orgs.models import Membership, OrgType
from orgs.submissions.upload import neutralise_cell

from . import review, selectors
from .lists import LIST_RULES, FlagKind, PublicList
from .models import Appeal, Flag, FlagStatus, ListEntry

PAGE_SIZE = 50
FLAG_FILTERS = ("status", "kind", "org_type", "region", "min_risk")


def regulator_required(view):
    """Signed-in regulators (and superusers) only; 404 for everyone else."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not may_use_review_pages(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


def _csv_response(filename: str, header: list[str], rows) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")  # Excel reads UTF-8 with a byte-order mark
    writer = csv.writer(response)
    writer.writerow(header)
    for row in rows:
        writer.writerow([neutralise_cell(value) for value in row])
    return response


def _flag_filters(request) -> dict[str, str]:
    filters = {key: request.GET.get(key, "").strip() for key in FLAG_FILTERS}
    if filters["min_risk"]:
        try:
            risk = float(filters["min_risk"])
        except ValueError:
            raise Http404 from None
        if not 0 <= risk <= 1:
            raise Http404
    return filters


@regulator_required
def flag_queue(request):
    filters = _flag_filters(request)
    sort = request.GET.get("sort", "risk")
    flags = selectors.flag_queue(user=request.user, filters=filters, sort=sort)
    if request.GET.get("format") == "csv":
        return _csv_response(
            "flags.csv",
            ["flag", "org_id", "name", "region", "kind", "status", "risk",
             "raised_on", "source"],
            (
                (f.pk, f.organization.org_id, f.organization.name,
                 f.organization.region, f.kind, f.status, f"{f.risk:.2f}",
                 f.raised_on.isoformat(), f.source)
                for f in flags.iterator(chunk_size=2000)
            ),
        )  # fmt: skip
    page = Paginator(flags, PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "credit/flag_queue.html",
        {
            "page": page,
            "filters": filters,
            "sort": sort,
            "query": params.urlencode(),
            "kinds": FlagKind.choices,
            "statuses": [("open", _("Open")), *FlagStatus.choices, ("all", _("All"))],
            "org_types": OrgType.choices,
        },
    )


ACTIONS = {
    "confirm": review.flag_confirm,
    "dismiss": review.flag_dismiss,
    "request_info": review.flag_request_info,
}


def _apply(request, flags, action: str, note: str) -> int:
    done = 0
    for flag in flags:
        try:
            with transaction.atomic():
                ACTIONS[action](flag=flag, user=request.user, note=note)
            done += 1
        except review.ReviewError as error:
            messages.error(request, f"{flag.organization.name}: {error}")
    return done


@regulator_required
@require_POST
def flag_bulk(request):
    action = request.POST.get("action", "")
    if action not in ACTIONS:
        messages.error(request, _("Choose what to do with the selected flags."))
        return redirect("regulator:flags")
    ids = [int(i) for i in request.POST.getlist("flag") if i.isdigit()]
    flags = list(
        Flag.objects.filter(
            pk__in=ids, organization__in=organizations_reviewable_by(user=request.user)
        ).select_related("organization")
    )
    if len(flags) != len(set(ids)):
        raise Http404  # a flag outside the jurisdiction, or none at all
    note = request.POST.get("note", "")
    if not note.strip():
        messages.error(request, _("Say why: a decision needs a note."))
    else:
        done = _apply(request, flags, action, note)
        messages.success(request, _("%(count)s flags updated.") % {"count": done})
    return redirect(request.POST.get("next") or "regulator:flags")


@regulator_required
def flag_detail(request, pk: int):
    flag = get_object_or_404(
        Flag.objects.filter(
            organization__in=organizations_reviewable_by(user=request.user)
        ).select_related("organization", "decided_by"),
        pk=pk,
    )
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action not in ACTIONS:
            raise Http404
        note = request.POST.get("note", "")
        try:
            ACTIONS[action](flag=flag, user=request.user, note=note)
        except review.ReviewError as error:
            messages.error(request, str(error))
        except PermissionDenied:
            raise Http404 from None
        else:
            messages.success(request, _("Decision recorded."))
        return redirect("regulator:flag", pk=pk)
    report = selectors.organization_credit_report(organization=flag.organization)
    return render(
        request,
        "credit/flag_detail.html",
        {"flag": flag, "report": report,
         "entries": flag.organization.list_entries.order_by("-entered_on")},
    )  # fmt: skip


@regulator_required
def appeals(request):
    if request.method == "POST":
        appeal = get_object_or_404(
            selectors.open_appeals(user=request.user), pk=request.POST.get("appeal")
        )
        try:
            review.appeal_decide(
                appeal=appeal,
                user=request.user,
                uphold=request.POST.get("decision") == "uphold",
                note=request.POST.get("note", ""),
            )
        except review.ReviewError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Appeal decided."))
        return redirect("regulator:appeals")
    return render(
        request,
        "credit/appeals.html",
        {"appeals": selectors.open_appeals(user=request.user)},
    )


@regulator_required
@require_POST
def entry_remove(request, pk: int):
    entry = get_object_or_404(
        ListEntry.objects.filter(
            organization__in=organizations_reviewable_by(user=request.user)
        ),
        pk=pk,
    )
    try:
        review.list_entry_remove(
            entry=entry, user=request.user, reason=request.POST.get("reason", "")
        )
    except review.ReviewError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The organization was taken off the list."))
    return redirect(request.POST.get("next") or "regulator:flags")


def _date(value: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def public_list(request, listing: str):
    if listing not in PublicList.values:
        raise Http404
    region = request.GET.get("region", "").strip()
    since, until = (
        _date(request.GET.get("since", "")),
        _date(request.GET.get("until", "")),
    )
    entries = selectors.public_list(
        listing=listing, region=region, since=since, until=until
    )
    if request.GET.get("format") == "csv":
        return _csv_response(
            f"{listing}.csv",
            ["org_id", "name", "region", "entered_on", "reason", "legal_basis",
             "exit_conditions"],
            (
                (e.organization.org_id if e.organization else "", e.subject_name,
                 (e.organization or e.unregistered_name).region,
                 e.entered_on.isoformat(), e.reason, e.legal_basis, e.exit_conditions)
                for e in entries.iterator(chunk_size=2000)
            ),
        )  # fmt: skip
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "credit/public_list.html",
        {
            "listing": PublicList(listing),
            "rule": LIST_RULES[listing],
            "page": page,
            "region": region,
            "since": request.GET.get("since", ""),
            "until": request.GET.get("until", ""),
            "query": params.urlencode(),
            "lists": PublicList.choices,
        },
    )


@login_required
def appeal_create(request, pk: int):
    """A member of the listed organization appeals (404 for anyone else)."""
    entry = get_object_or_404(
        ListEntry.objects.filter(
            organization__in=Membership.objects.filter(user=request.user).values(
                "organization"
            ),
            exited_on__isnull=True,
        ).select_related("organization"),
        pk=pk,
    )
    if request.method == "POST":
        try:
            review.appeal_submit(
                entry=entry, user=request.user, grounds=request.POST.get("grounds", "")
            )
        except review.ReviewError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Your appeal was sent to the regulator."))
            return redirect("account:dashboard")
    return render(
        request,
        "credit/appeal_form.html",
        {"entry": entry, "appeals": Appeal.objects.filter(list_entry=entry)},
    )
