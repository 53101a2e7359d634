"""Pages of the credit module: the regulator's review queue (flags, appeals) and the
public lists. Regulators reach only their jurisdiction; for everyone else the
regulator pages do not exist (404). Suspected flags are never public."""

from __future__ import annotations

import csv
import datetime as dt
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from orgs.access import may_use_review_pages, organizations_reviewable_by
from orgs.models import Membership, Organization, OrgType
from orgs.submissions.upload import neutralise_cell

from . import review, selectors
from .forms import ConcernForm
from .lists import LIST_RULES, FlagKind, PublicList
from .models import Appeal, ConcernStatus, Flag, FlagStatus, ListEntry

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


# Concerns from the public ----------------------------------------------------------

CONCERNS_PER_HOUR = 5  # per address; a person rarely has more to report in an hour
CONCERN_WINDOW_SECONDS = 3600


def _concern_rate_key(request) -> str:
    address = request.META.get("REMOTE_ADDR", "")
    return "concern:rate:" + review.submitter_hash(address)


def report_concern(request):
    """The public form. Per address, ``CONCERNS_PER_HOUR`` reports (and bot-like
    posts) an hour; beyond that the answer is 429 with the form and a message."""
    key = _concern_rate_key(request)
    if request.method == "POST":
        if (cache.get(key) or 0) >= CONCERNS_PER_HOUR:
            form = ConcernForm(request.POST)
            return render(request, "credit/concern_form.html",
                          {"form": form, "rate_limited": True}, status=429)  # fmt: skip
        form = ConcernForm(request.POST)
        valid = form.is_valid()
        if valid or any(
            form.has_error(NON_FIELD_ERRORS, code) for code in ("honeypot", "too_fast")
        ):
            cache.add(key, 0, CONCERN_WINDOW_SECONDS)
            cache.incr(key)
        if valid:
            data = form.cleaned_data
            try:
                concern = review.concern_submit(
                    organization=form.organization,
                    reported_name=data["reported_name"],
                    seen_where=data["seen_where"],
                    seen_detail=data["seen_detail"],
                    seen_url=data["seen_url"],
                    what_happened=data["what_happened"],
                    contact_email=data["contact_email"],
                    region=data["region"],
                    submitter_address=request.META.get("REMOTE_ADDR", ""),
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                return redirect("concern-status", reference=concern.reference)
        return render(request, "credit/concern_form.html", {"form": form},
                      status=400)  # fmt: skip
    initial = {}
    org_id = request.GET.get("org", "").strip()
    if org_id:
        organization = Organization.objects.filter(org_id=org_id).first()
        if organization is not None:
            initial = {"org_id": organization.org_id,
                       "reported_name": organization.name,
                       # the form offers provinces and cities
                       "region": organization.region[:4] + "00"}  # fmt: skip
    return render(
        request, "credit/concern_form.html", {"form": ConcernForm(initial=initial)}
    )


def concern_status(request, reference: str):
    """What the reporter (or anyone with the reference) may see: the status, its
    dates and the published outcome, nothing else."""
    concern = selectors.concern_public(reference=reference)
    return render(request, "credit/concern_status.html", {"concern": concern})


@regulator_required
def concern_queue(request):
    status = request.GET.get("status", "open")
    if status not in selectors.CONCERN_STATUS_FILTERS:
        status = "open"
    concerns = selectors.concern_queue(user=request.user, status=status)
    page = Paginator(concerns, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "credit/concern_queue.html",
        {
            "page": page,
            "status": status,
            "statuses": [
                ("open", _("Open")),
                *ConcernStatus.choices,
                ("all", _("All")),
            ],  # fmt: skip
        },
    )


CONCERN_ACTIONS = ("start", "close", "watch", "flag")


@regulator_required
def concern_detail(request, reference: str):
    concern = get_object_or_404(
        selectors.concerns_reviewable_by(user=request.user).select_related(
            "organization", "handled_by", "unregistered_name", "flag"
        ),
        reference=reference,
    )
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action not in CONCERN_ACTIONS:
            raise Http404
        try:
            if action == "start":
                review.concern_review_start(concern=concern, user=request.user)
                messages.success(request, _("You are now reviewing this concern."))
            elif action == "close":
                review.concern_close(
                    concern=concern,
                    user=request.user,
                    outcome=request.POST.get("outcome", ""),
                    internal_note=request.POST.get("internal_note", ""),
                )
                messages.success(request, _("The concern is closed."))
            elif action == "watch":
                review.concern_watch_name(concern=concern, user=request.user)
                messages.success(
                    request, _("The name is on the unregistered-names watch list.")
                )
            else:
                flag = review.concern_flag_raise(
                    concern=concern, user=request.user,
                    kind=request.POST.get("kind", ""),
                )  # fmt: skip
                messages.success(
                    request,
                    _("Flag raised: %(kind)s.") % {"kind": flag.get_kind_display()},
                )
        except review.ReviewError as error:
            messages.error(request, str(error))
        except PermissionDenied:
            raise Http404 from None
        return redirect("regulator:concern", reference=concern.reference)
    return render(
        request,
        "credit/concern_detail.html",
        {
            "concern": concern,
            "flag_kinds": [(k, FlagKind(k).label) for k in review.CONCERN_FLAG_KINDS],
        },
    )
