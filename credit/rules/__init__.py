"""The rule table: every credit rule, in the order the methodology lists them.

Importing this package registers the rules of every regime module. The codes are a
contract (the API, lists and review queue of later issues use them): never rename or
reuse one; retire a rule by removing it and bumping the methodology version.
"""

from . import cn_mca, common, us_irs  # noqa: F401  (registers the rules)
from .base import RULES, Reason, Rule, Text
from .facts import EventFacts, FactsFrame, FilingFacts, OrgFacts

RULE_ORDER = (
    "FILING_LATE",
    "FILING_MISSING",
    "ZOMBIE_NO_FILING_2Y",
    "INACTIVE",
    "UNREACHABLE",
    "PENALTY_MINOR",
    "PENALTY_MAJOR",
    "SPENDING_BELOW_MINIMUM",
    "MANAGEMENT_COST_OVER_CAP",
    "ACCOUNTS_INCONSISTENT",
    "AUDIT_MISSING",
    "OPERATING_AFTER_REVOCATION",
    "NAME_IMPERSONATION",
    "IRS_REVOCATION_RISK",
    "PROGRAM_RATIO_LOW",
    "BOARD_WEAK",
    "POLICY_MISSING",
    "ASSET_DIVERSION",
)
if set(RULE_ORDER) != set(RULES):
    raise ImportError(
        f"rule table and RULE_ORDER differ: {set(RULE_ORDER) ^ set(RULES)}"
    )
_registered = dict(RULES)
RULES.clear()
RULES.update((code, _registered[code]) for code in RULE_ORDER)

# The rules run on organizations (NAME_IMPERSONATION runs on unregistered names).
ORGANIZATION_RULES = tuple(rule for rule in RULES.values() if rule.check is not None)

__all__ = [
    "ORGANIZATION_RULES",
    "RULES",
    "RULE_ORDER",
    "EventFacts",
    "FactsFrame",
    "FilingFacts",
    "OrgFacts",
    "Reason",
    "Rule",
    "Text",
]
