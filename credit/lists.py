"""The public lists and what the regulation says about each: the legal basis shown
with every entry, the exit conditions, and the timed rules (automatic exit, moving
from the abnormal to the serious list). One table, so the pages, the API, the
review queue and the nightly ``update_lists`` command cannot disagree.

Source: MCA Order 60 (社会组织信用信息管理办法, 2018), see
``../shared/research/credit-rules.md`` §1.1. Periods marked GUESS there are kept here
as named constants and said so on the methodology page.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class PublicList(models.TextChoices):
    ABNORMAL = "abnormal", _("Abnormal-activity list (活动异常名录)")
    SERIOUS = (
        "serious-dishonest",
        _("Serious illegal and dishonest list (严重违法失信名单)"),
    )
    ILLEGAL = "illegal", _("Exposed illegal organizations (非法社会组织)")


class FlagKind(models.TextChoices):
    ZOMBIE = "zombie", _("Zombie organization (no annual report for two years)")
    ILLEGAL = "illegal", _("Illegal organization signal")
    ABNORMAL_LIST = "abnormal_list", _("Abnormal-activity list criteria met")
    SERIOUS_DISHONEST = "serious_dishonest", _("Serious-list criteria met")
    ANOMALY = "anomaly", _("Financial anomaly")


@dataclass(frozen=True)
class ListRule:
    legal_basis: str
    exit_conditions: str
    automatic_exit_months: int | None  # no new trigger for this long → removed
    escalate_after_months: int | None  # still listed after this long → serious list


# Order 60: nothing outstanding → automatic exit after 6 months (draft; the final
# text may say 3: GUESS). Two years on the abnormal list → serious list.
ABNORMAL_AUTOMATIC_EXIT_MONTHS = 6
ABNORMAL_ESCALATION_MONTHS = 24

LIST_RULES: dict[str, ListRule] = {
    PublicList.ABNORMAL: ListRule(
        legal_basis=_("MCA Order 60 (2018), Art. 10"),
        exit_conditions=_(
            "Removed within 5 working days once the organization has fixed the "
            "problem and the authority has verified it; removed automatically after "
            "6 months with nothing outstanding. Still listed after 2 years: moved to "
            "the serious list."
        ),
        automatic_exit_months=ABNORMAL_AUTOMATIC_EXIT_MONTHS,
        escalate_after_months=ABNORMAL_ESCALATION_MONTHS,
    ),
    PublicList.SERIOUS: ListRule(
        legal_basis=_("MCA Order 60 (2018), Art. 13"),
        exit_conditions=_(
            "The organization may apply after 2 years on the list with no new "
            "trigger, once it has met its outstanding obligations; an organization "
            "listed for revocation leaves the list when it is deregistered."
        ),
        automatic_exit_months=None,
        escalate_after_months=None,
    ),
    PublicList.ILLEGAL: ListRule(
        legal_basis=_(
            "Regulations on the Registration and Administration of Social Groups, "
            "Art. 3 and 35; Measures for Banning Illegal Social Organizations (2000)"
        ),
        exit_conditions=_(
            "Removed when the organization is registered lawfully or the exposure "
            "is found to be mistaken."
        ),
        automatic_exit_months=None,
        escalate_after_months=None,
    ),
}

# A confirmed flag puts the organization on this list (anomalies and zombies found
# by the model are findings, not list entries, unless the regulator lists them).
LIST_OF_FLAG: dict[str, str | None] = {
    FlagKind.ZOMBIE: PublicList.ABNORMAL,
    FlagKind.ABNORMAL_LIST: PublicList.ABNORMAL,
    FlagKind.SERIOUS_DISHONEST: PublicList.SERIOUS,
    FlagKind.ILLEGAL: PublicList.ILLEGAL,
    FlagKind.ANOMALY: None,
}

# Which reasons of the rules raise which flag (suspected until a regulator decides).
FLAG_OF_REASON: dict[str, str] = {
    "ZOMBIE_NO_FILING_2Y": FlagKind.ZOMBIE,
    "FILING_MISSING": FlagKind.ABNORMAL_LIST,
    "UNREACHABLE": FlagKind.ABNORMAL_LIST,
    "PENALTY_MINOR": FlagKind.ABNORMAL_LIST,
    "PENALTY_MAJOR": FlagKind.SERIOUS_DISHONEST,
    "OPERATING_AFTER_REVOCATION": FlagKind.ILLEGAL,
    "NAME_IMPERSONATION": FlagKind.ILLEGAL,
    "IRS_REVOCATION_RISK": FlagKind.ZOMBIE,
}
