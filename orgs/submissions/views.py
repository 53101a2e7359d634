"""The organization's side of filing: dashboard, the multi-step form, attachments,
the template upload, submission and API tokens. Every view finds its objects through orgs.access, so
what a user may not reach answers 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from wagtail.documents import get_document_model
from wagtail.models import Collection, CollectionViewRestriction

from ..access import filings_visible_to, organizations_filed_by, user_may_submit
from ..models import Filing, FilingToken, Organization
from . import selectors, services
from .forms import (
    STEP_NAMES,
    STEPS,
    AttachmentForm,
    FilingStepForm,
    TemplateUploadForm,
)
from .upload import (
    UploadRejected,
    filing_template_csv,
    filing_template_xlsx,
    filing_upload_apply,
    filing_upload_read,
)
from .validation import SUBMITTED_KEYS, attachment_problems, validate_filing

ATTACHMENT_COLLECTION = "Filing attachments (private until accepted)"


@login_required
def dashboard(request):
    today = timezone.localdate()
    return render(
        request,
        "orgs/submissions/dashboard.html",
        {"rows": selectors.account_dashboard(user=request.user, today=today),
         "today": today, "upload_form": TemplateUploadForm()},
    )  # fmt: skip


def _member_filing(request, pk: int) -> Filing:
    return get_object_or_404(
        Filing.objects.filter(
            organization__in=organizations_filed_by(user=request.user)
        ).select_related("organization"),
        pk=pk,
    )


def _initial(filing: Filing | None) -> dict[str, str]:
    if filing is None:
        return {"currency": "CNY"}
    values = {}
    for key in SUBMITTED_KEYS:
        if key in ("income_total", "expenses_total"):
            total = (
                filing.total_income if key == "income_total" else filing.total_expenses
            )
            values[key] = "" if total is None else str(total)
        else:
            value = getattr(filing, key)
            values[key] = "" if value is None else str(value)
    return values


def _step_of(request) -> str:
    step = request.GET.get("step") or request.POST.get("step") or STEP_NAMES[0]
    if step not in STEP_NAMES:
        raise Http404
    return step


@login_required
def filing_new(request, org_id: str):
    organization = get_object_or_404(
        organizations_filed_by(user=request.user), org_id=org_id
    )
    return _filing_form(request, organization, None)


@login_required
def filing_edit(request, pk: int):
    filing = _member_filing(request, pk)
    return _filing_form(request, filing.organization, filing)


def _filing_form(request, organization: Organization, filing: Filing | None):
    step = _step_of(request)
    if filing is not None and filing.review_state not in services.EDITABLE_STATES:
        messages.info(
            request, _("This filing is with the regulator and cannot be edited.")
        )
        return redirect("account:filing", pk=filing.pk)
    if request.method == "POST":
        form = FilingStepForm(request.POST, step=step)
        form.is_valid()
        checked = validate_filing(
            form.raw_values(),
            organization=organization,
            today=timezone.localdate(),
            filing=filing,
        )
        # Field errors of this step show beside their fields; the rest wait for
        # the step they belong to (a draft may be incomplete, a submission may not).
        here = set(next(fields for name, _t, fields in STEPS if name == step))
        for problem in checked.problems:
            if problem.field in here:
                form.add_error(problem.field, problem.message)
        # A problem with the year (e.g. a second filing for it) blocks every step.
        blocking = [
            p
            for p in checked.problems
            if p.field in here or p.field in ("", "fiscal_year")
        ]
        if not blocking and _draftable(checked):
            filing = services.filing_draft_save(
                organization=organization,
                user=request.user,
                checked=_as_draft(checked),
                filing=filing,
            )
            target = request.POST.get("go") or ""
            if target in STEP_NAMES:
                return redirect(f"{_edit_url(filing)}?step={target}")
            # The last step, attachments, is a file upload on the filing's page.
            messages.success(request, _("Draft saved."))
            return redirect(f"{reverse('account:filing', args=[filing.pk])}#attachment")
        if not blocking:
            form.add_error(
                None, _("Enter the fiscal year and currency to save a draft.")
            )
    else:
        form = FilingStepForm(initial=_initial(filing), step=step)
    return render(
        request,
        "orgs/submissions/filing_form.html",
        {"form": form, "organization": organization, "filing": filing,
         "step": step, "steps": STEPS},
    )  # fmt: skip


def _draftable(checked) -> bool:
    """A draft needs its year and currency; everything else may come later."""
    return bool(checked.values.get("fiscal_year") and checked.values.get("currency"))


def _as_draft(checked):
    """Drafts may be incomplete: save the values that were read."""
    from .validation import Checked

    return Checked(values=checked.values, problems=[])


def _edit_url(filing: Filing) -> str:
    return reverse("account:filing-edit", args=[filing.pk])


@login_required
def filing_detail(request, pk: int):
    filing = get_object_or_404(
        filings_visible_to(user=request.user).select_related("organization"), pk=pk
    )
    checked = validate_filing(
        _initial(filing),
        organization=filing.organization,
        today=timezone.localdate(),
        filing=filing,
    )
    return render(
        request,
        "orgs/submissions/filing_detail.html",
        {
            "filing": filing,
            "problems": checked.problems,
            "comments": selectors.filing_comments(filing),
            "may_submit": user_may_submit(
                user=request.user, organization=filing.organization
            ),
            "editable": filing.review_state in services.EDITABLE_STATES,
            "attachment_form": AttachmentForm(),
        },
    )


@login_required
@require_POST
def filing_submit(request, pk: int):
    filing = _member_filing(request, pk)
    checked = validate_filing(
        _initial(filing),
        organization=filing.organization,
        today=timezone.localdate(),
        filing=filing,
    )
    if not checked.ok:
        messages.error(request, _("Fix the problems listed below before submitting."))
        return redirect("account:filing", pk=pk)
    try:
        services.filing_submit(filing=filing, user=request.user)
    except PermissionDenied:
        messages.error(request, _("Only an approver of the organization can submit."))
    except services.FilingStateError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Submitted to the regulator."))
    return redirect("account:filing", pk=pk)


@login_required
@require_POST
def filing_attachment(request, pk: int):
    filing = _member_filing(request, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if filing.review_state not in services.EDITABLE_STATES:
        raise Http404
    if not form.is_valid():
        messages.error(request, _("Choose a PDF file to attach."))
        return redirect("account:filing", pk=pk)
    upload = form.cleaned_data["attachment"]
    problems = attachment_problems(upload)
    if problems:
        for problem in problems:
            messages.error(request, problem.message)
        return redirect("account:filing", pk=pk)
    with transaction.atomic():
        collection = _attachment_collection()
        document = get_document_model().objects.create(
            title=f"{filing.organization.org_id} {filing.fiscal_year} v{filing.version}",
            file=upload,
            collection=collection,
            uploaded_by_user=request.user,
        )
        filing.attachment = document
        filing.save(update_fields=["attachment"])
        filing.save_revision(user=request.user)
    messages.success(request, _("Attachment saved."))
    return redirect("account:filing", pk=pk)


def _attachment_collection() -> Collection:
    """Attachments live in a collection Wagtail serves to superusers only; the
    public reaches an accepted filing's PDF through orgs' filing_document_view."""
    root = Collection.get_first_root_node()
    existing = root.get_children().filter(name=ATTACHMENT_COLLECTION).first()
    if existing is not None:
        return existing
    collection = root.add_child(name=ATTACHMENT_COLLECTION)
    CollectionViewRestriction.objects.create(
        collection=collection, restriction_type=CollectionViewRestriction.GROUPS
    )
    return collection


@login_required
@require_POST
def token_create(request, org_id: str):
    organization = get_object_or_404(
        organizations_filed_by(user=request.user), org_id=org_id
    )
    name = (request.POST.get("name") or "").strip()[:100] or _("Accounting software")
    try:
        _token, raw = services.filing_token_create(
            organization=organization, user=request.user, name=name
        )
    except PermissionDenied:
        raise Http404 from None
    return render(
        request,
        "orgs/submissions/token_created.html",
        {"organization": organization, "raw": raw},
    )


@login_required
@require_POST
def token_revoke(request, pk: int):
    token = get_object_or_404(
        FilingToken.objects.filter(
            organization__in=organizations_filed_by(user=request.user)
        ),
        pk=pk,
    )
    try:
        services.filing_token_revoke(token=token, user=request.user)
    except PermissionDenied:
        raise Http404 from None
    messages.success(request, _("Token revoked."))
    return redirect("account:dashboard")


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
def template_download(request, org_id: str, kind: str):
    """The empty template, named after the organization so a preparer who files for
    several can tell the downloads apart."""
    organization = get_object_or_404(
        organizations_filed_by(user=request.user), org_id=org_id
    )
    if kind == "csv":
        content, content_type = filing_template_csv(), "text/csv; charset=utf-8"
    elif kind == "xlsx":
        content, content_type = filing_template_xlsx(), XLSX_TYPE
    else:
        raise Http404
    response = HttpResponse(content, content_type=content_type)
    filename = f"filings-{_safe_filename(organization.org_id)}.{kind}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _safe_filename(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in text)


@login_required
@require_POST
def template_upload(request, org_id: str):
    """Read the whole file, and save its rows as drafts only when every row is
    valid; otherwise show every problem by row and cell and save nothing."""
    organization = get_object_or_404(
        organizations_filed_by(user=request.user), org_id=org_id
    )
    form = TemplateUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a CSV or XLSX file to upload."))
        return redirect("account:dashboard")
    result = filing_upload_read(
        form.cleaned_data["template"],
        organization=organization,
        today=timezone.localdate(),
    )
    if result.ok:
        try:
            drafts = filing_upload_apply(
                result, organization=organization, user=request.user
            )
        except UploadRejected as rejected:
            result.problems = rejected.problems
        else:
            messages.success(
                request,
                ngettext(
                    "%(count)d draft filing saved for %(name)s.",
                    "%(count)d draft filings saved for %(name)s.",
                    len(drafts),
                )
                % {"count": len(drafts), "name": organization.name},
            )
            return redirect("account:dashboard")
    return render(
        request,
        "orgs/submissions/upload_result.html",
        {"organization": organization, "result": result,
         "upload_form": TemplateUploadForm()},
        status=400,
    )  # fmt: skip
