"""The public's "Report a concern" form and its guards against bots.

Two cheap checks keep most automated posts out without a captcha (which would shut
out people using screen readers): a honeypot field people never see (``website``,
hidden with the ``hidden`` attribute, so assistive technology skips it too) and a
signed start time (``started``): a form sent back sooner than ``MIN_SECONDS`` after
it was served, or with a start time that does not verify, is refused with a message
saying what to do. The per-address rate limit is the view's (``credit.views``).
"""

from __future__ import annotations

import time

from django import forms
from django.core import signing
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from orgs.models import Organization
from orgs.regions import PROVINCES

from .models import CONCERN_TEXT_MAX, ConcernChannel

MIN_SECONDS = 3  # nobody reads and fills the form faster
MAX_AGE_SECONDS = 24 * 3600
_SALT = "credit.concern-form"


def form_started_token(*, at: float | None = None) -> str:
    """A signed record of when the form was served (``at``, default now)."""
    return signing.Signer(salt=_SALT).sign(str(int(time.time() if at is None else at)))


def _region_choices() -> list:
    """Provinces and their larger cities (GB/T 2260), grouped by province, named in
    the active language."""
    english = (get_language() or "").startswith("en")
    choices: list = [("", _("I don't know"))]
    for code, name, _abbr, name_en, _weight, cities in PROVINCES:
        province = name_en if english else name
        options = [(code, province)]
        for city_code, city, city_en, _counties in cities:
            if city_code != code:
                options.append(
                    (city_code, f"{province}: {city_en if english else city}")
                )
        choices.append((province, options))
    return choices


class ConcernForm(forms.Form):
    org_id = forms.CharField(
        label=_("Registered organization's identifier (optional)"),
        help_text=_(
            "If the organization you report is on this register, its identifier "
            "from its profile page, e.g. CN-USCC-51440300…; otherwise leave it empty."
        ),
        required=False,
        max_length=64,
    )
    reported_name = forms.CharField(
        label=_("Name of the organization"),
        help_text=_("As you saw it, even if it is only part of the name."),
        max_length=255,
    )
    seen_where = forms.ChoiceField(
        label=_("Where did you see it?"),
        choices=[("", "—"), *ConcernChannel.choices],
    )
    seen_detail = forms.CharField(
        label=_("Where exactly (optional)"),
        help_text=_("A street and town, an event, an account name or a phone number."),
        required=False,
        max_length=255,
    )
    seen_url = forms.URLField(
        label=_("Web address (optional)"),
        help_text=_("The website or post where you saw it, starting with https://"),
        required=False,
        max_length=500,
        assume_scheme="https",
    )
    what_happened = forms.CharField(
        label=_("What happened?"),
        help_text=_(
            "What the organization said or asked for, when, and why it worries you "
            "(at most %(max)s characters)."
        )
        % {"max": CONCERN_TEXT_MAX},
        max_length=CONCERN_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    region = forms.ChoiceField(
        label=_("Region (optional)"),
        help_text=_("Where it happened, so the right authority looks at it."),
        required=False,
    )
    contact_email = forms.EmailField(
        label=_("Your email address (optional)"),
        help_text=_(
            "Only to tell you when the status of your report changes; never "
            "published or shown to the organization."
        ),
        required=False,
    )
    # Guards against bots: see the module docstring.
    website = forms.CharField(
        label=_("Leave this field empty"), required=False, widget=forms.TextInput(
            attrs={"autocomplete": "off", "tabindex": "-1"})
    )  # fmt: skip
    started = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = _region_choices()
        self.organization: Organization | None = None
        for name in ("reported_name", "seen_detail"):
            self.fields[name].widget.attrs["autocomplete"] = "off"
        self.fields["contact_email"].widget.attrs["autocomplete"] = "email"

    def fresh_started_token(self) -> str:
        return form_started_token()

    def clean_org_id(self) -> str:
        org_id = self.cleaned_data["org_id"].strip()
        if org_id:
            self.organization = Organization.objects.filter(org_id=org_id).first()
            if self.organization is None:
                raise forms.ValidationError(
                    _(
                        "No registered organization has the identifier %(org_id)s. "
                        "Check it on the organization's profile, or leave it empty."
                    ),
                    params={"org_id": org_id},
                    code="unknown_org",
                )
        return org_id

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("website"):
            raise forms.ValidationError(
                _(
                    "This report looks automated and was not sent. If you are a "
                    "person, please send it again."
                ),
                code="honeypot",
            )
        self._check_started(cleaned.get("started") or "")
        return cleaned

    def _check_started(self, token: str) -> None:
        try:
            started = int(signing.Signer(salt=_SALT).unsign(token))
        except (signing.BadSignature, ValueError):
            raise forms.ValidationError(
                _("This form could not be checked. Please send it again."),
                code="bad_token",
            ) from None
        elapsed = time.time() - started
        if elapsed < MIN_SECONDS:
            raise forms.ValidationError(
                _(
                    "The form was sent too quickly to have been filled in by a person. "
                    "Please check it and send it again."
                ),
                code="too_fast",
            )
        if elapsed > MAX_AGE_SECONDS:
            raise forms.ValidationError(
                _("This form was open for more than a day. Please send it again."),
                code="expired",
            )
