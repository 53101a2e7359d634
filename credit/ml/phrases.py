"""The words of the risk signals: one phrase template per factor code.

Signals store factors as ``{"code", "params", "weight"}`` so the text is rendered in
the reader's language when shown, and a wording fix reaches every stored signal.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import nullcontext

from django.utils import translation
from django.utils.translation import gettext_lazy as _

PHRASES = {
    "no_report": _("no annual report for %(years)s"),
    "reports_missed": _("%(missed)s of the last %(due)s annual reports missing"),
    "never_filed": _("no annual report filed yet"),
    "last_report": _("last annual report for %(year)s"),
    "days_late": _("last annual report filed %(days)s days late"),
    "late_reports": _("%(count)s annual reports filed late in the last three years"),
    "income_fell": _("income fell %(percent)s%% from %(from_year)s to %(year)s"),
    "income_rose": _("income rose %(percent)s%% from %(from_year)s to %(year)s"),
    "no_income": _("no income reported for %(year)s"),
    "income_level": _("income of CNY %(amount)s in %(year)s"),
    "programme_ratio": _("programme spending %(percent)s%% of expenses in %(year)s"),
    "management_ratio": _("management cost %(percent)s%% of expenses in %(year)s"),
    "liabilities_ratio": _("liabilities %(percent)s%% of assets in %(year)s"),
    "mail_returned": _(
        "registered mail returned %(count)s times since the last report"
    ),
    "penalties": _("%(count)s penalties in the last three years"),
    "listed": _("entered the abnormal-activity list in the last three years"),
    "registered_recently": _("registered %(years)s years ago"),
    "income_no_expenses": _(
        "income of CNY %(amount)s and no expenses reported for %(year)s"
    ),
    "benford": _(
        "first digits of %(count)s reported figures deviate from Benford's law "
        "(digit %(digit)s: %(share)s%% against %(expected)s%% expected; "
        "chi-square p = %(p)s)"
    ),
    "shared_address": _("registered address shared with %(count)s other organizations"),
    "shared_representative": _(
        "legal representative %(name)s also represents %(count)s other "
        "organizations in region %(region)s"
    ),
    "unusual": _(
        "%(feature)s %(value)s, while the median of %(peers)s similar "
        "organizations is %(median)s"
    ),
}

# Names of the features the peer-group detector quotes.
FEATURE_WORDS = {
    "income_log": _("income"),
    "expenses_log": _("expenses"),
    "net_assets_log": _("net assets"),
    "income_change": _("change in income"),
    "programme_ratio": _("programme share of expenses"),
    "management_ratio": _("management share of expenses"),
    "liabilities_ratio": _("liabilities as a share of assets"),
}


def factor(code: str, weight: float = 0.0, **params) -> dict:
    """A factor as stored: its phrase code, parameters and weight."""
    if code not in PHRASES:
        raise KeyError(f"no phrase for factor {code!r}")
    return {"code": code, "params": params, "weight": round(float(weight), 4)}


def _param(value, language: str | None):
    if isinstance(value, dict) and "feature" in value:  # a feature name, translated
        return str(FEATURE_WORDS.get(value["feature"], value["feature"]))
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return value


def factors_text(factors: Sequence[dict], *, language: str | None = None) -> list[str]:
    """The factors in words; in ``language`` if given, else the active language."""
    with translation.override(language) if language else nullcontext():
        return [
            str(PHRASES[f["code"]])
            % {k: _param(v, language) for k, v in f.get("params", {}).items()}
            for f in factors
            if f.get("code") in PHRASES
        ]
