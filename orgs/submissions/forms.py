"""Forms of the filing channels: the web form's steps and the regulator's return."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.forms import TaskStateCommentForm

from ..models import AuditOpinion, FilingForm
from .validation import SUBMITTED_KEYS


class ReturnReasonsForm(TaskStateCommentForm):
    """Returning a filing without saying why helps nobody: reasons are required."""

    comment = forms.CharField(
        label=_("Reasons for returning"),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=True,
    )


def _amount(label):
    return forms.CharField(
        label=label,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )


# The web form in steps; every field is text here and typed by validate_filing, so
# the form shows exactly the messages the upload and the API give.
STEPS = (
    (
        "facts",
        _("Organization facts"),
        {
            "fiscal_year": forms.CharField(label=_("Fiscal year"), required=False),
            "form": forms.ChoiceField(
                label=_("Form"),
                choices=[("", "—"), *FilingForm.choices],
                required=False,
            ),
            "period_start": forms.CharField(
                label=_("Period start (YYYY-MM-DD)"), required=False
            ),
            "period_end": forms.CharField(
                label=_("Period end (YYYY-MM-DD)"), required=False
            ),
            "currency": forms.CharField(label=_("Currency"), required=False),
        },
    ),
    (
        "income",
        _("Income"),
        {
            "income_donations": _amount(_("Donations")),
            "income_government_grants": _amount(_("Government grants")),
            "income_services": _amount(_("Services")),
            "income_investment": _amount(_("Investment")),
            "income_other": _amount(_("Other income")),
            "income_total": _amount(_("Total income")),
        },
    ),
    (
        "expenses",
        _("Expenses"),
        {
            "expenses_programs": _amount(_("Programmes / charitable activities")),
            "expenses_management": _amount(_("Management")),
            "expenses_fundraising": _amount(_("Fundraising")),
            "expenses_other": _amount(_("Other expenses")),
            "expenses_total": _amount(_("Total expenses")),
        },
    ),
    (
        "balance",
        _("Balance sheet"),
        {
            "total_assets": _amount(_("Total assets")),
            "total_liabilities": _amount(_("Total liabilities")),
            "net_assets": _amount(_("Net assets")),
            "audit_opinion": forms.ChoiceField(
                label=_("Audit opinion"),
                choices=[("", "—"), *AuditOpinion.choices],
                required=False,
            ),
        },
    ),
    (
        "people",
        _("People"),
        {
            "employees": forms.CharField(label=_("Employees"), required=False),
            "volunteers": forms.CharField(label=_("Volunteers"), required=False),
        },
    ),
)
STEP_NAMES = tuple(name for name, _title, _fields in STEPS)
assert {k for _n, _t, f in STEPS for k in f} == set(SUBMITTED_KEYS)  # noqa: S101


class FilingStepForm(forms.Form):
    """One step of the filing form; values of the other steps ride along hidden, so
    a draft keeps everything entered whichever step is saved."""

    def __init__(self, *args, step: str, **kwargs):
        super().__init__(*args, **kwargs)
        for name, _title, fields in STEPS:
            for key, field in fields.items():
                if name == step:
                    self.fields[key] = field
                else:
                    self.fields[key] = forms.CharField(
                        required=False, widget=forms.HiddenInput
                    )
        self.step = step

    def raw_values(self) -> dict[str, str]:
        return {k: self.data.get(k, "") for k in SUBMITTED_KEYS}


class AttachmentForm(forms.Form):
    attachment = forms.FileField(label=_("Annual report (PDF, at most 20 MB)"))


class TemplateUploadForm(forms.Form):
    template = forms.FileField(label=_("Filled template (CSV or XLSX)"))
