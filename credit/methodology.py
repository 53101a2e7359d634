"""Every number the credit score uses: weights, thresholds, cut-offs, time windows.

The rules (``credit/rules/``) say *what* is checked and cite the law; this module says
*how much* it counts. A figure taken from a law or a published methodology names its
source; a figure marked ``guess=True`` is our own choice or an unconfirmed reading
(``../shared/research/credit-rules.md`` marks them GUESS) and the methodology page
says so. Changing any figure here changes results, so bump ``METHODOLOGY_VERSION``:
every stored score records the version it was computed with, and the same data with
the same version always gives the same score.
"""

from __future__ import annotations

from dataclasses import dataclass

METHODOLOGY_VERSION = "2025.2"


@dataclass(frozen=True)
class Figure:
    """One number of the methodology and where it comes from."""

    value: float
    meaning: str
    source: str = ""
    guess: bool = False


@dataclass(frozen=True)
class Deduction:
    """Points a rule takes off the score per reason, and at most per organization."""

    points: int
    cap: int | None = None  # None: every reason counts in full

    def __post_init__(self):
        if self.points < 0 or (self.cap is not None and self.cap < self.points):
            raise ValueError("points must be >= 0 and the cap at least one reason")


# --- the score -----------------------------------------------------------------------

FULL_SCORE = 100

# Points per reason. The research proposes these weights and marks all of them as
# guesses (credit-rules.md section 6); they are calibrated by nobody yet.
DEDUCTIONS: dict[str, Deduction] = {
    "FILING_LATE": Deduction(10, cap=20),
    "FILING_MISSING": Deduction(15, cap=45),
    "ZOMBIE_NO_FILING_2Y": Deduction(30),
    "INACTIVE": Deduction(25),
    "UNREACHABLE": Deduction(15),
    "PENALTY_MINOR": Deduction(10, cap=30),
    "PENALTY_MAJOR": Deduction(40, cap=40),
    "SPENDING_BELOW_MINIMUM": Deduction(15, cap=30),
    "MANAGEMENT_COST_OVER_CAP": Deduction(10, cap=20),
    "ACCOUNTS_INCONSISTENT": Deduction(10, cap=20),
    "AUDIT_MISSING": Deduction(10, cap=20),
    # An illegal-organization signal about an organization that is not rated anyway
    # (revoked, cancelled or deregistered): a warning, not a deduction.
    "OPERATING_AFTER_REVOCATION": Deduction(0),
    # Found on unregistered names, never on a registered organization's score.
    "NAME_IMPERSONATION": Deduction(0),
    "IRS_REVOCATION_RISK": Deduction(30),
    "PROGRAM_RATIO_LOW": Deduction(15, cap=30),
    "BOARD_WEAK": Deduction(10),
    "POLICY_MISSING": Deduction(3, cap=9),
    "ASSET_DIVERSION": Deduction(7, cap=14),
}
DEDUCTIONS_ARE_GUESSES = True

# Lowest score of each grade; below the last one the grade is D.
GRADE_CUTOFFS = (("A", 85), ("B", 70), ("C", 50))
GRADE_CUTOFFS_ARE_GUESSES = True

# Status overrides (MCA Order 60, credit-rules.md 1.1 and 6.A). The lists are kept by a
# later part of the credit module; the engine takes memberships as input.
ABNORMAL_LIST_SCORE_CAP = Figure(
    59,
    "score cap while on the abnormal-activity list (活动异常名录)",
    "credit-rules.md 6.A (proposed)",
    guess=True,
)
SERIOUS_LIST_SCORE_CAP = Figure(
    49,
    "score cap on the serious-illegal-and-dishonest list (严重违法失信名单): grade D",
    "MCA Order 60 (grade lowered or cancelled); the cap is the top of grade D",
)

# --- time ----------------------------------------------------------------------------

WINDOW_YEARS = Figure(
    5,
    "fiscal years looked at: the five before the as-of year",
    "our choice, like the UK Charity Commission's five-year look-back",
    guess=True,
)
# Prior years the spending rule may average over (Charity Law Art. 61).
PRIOR_YEARS_AVERAGED = 3
PENALTY_LOOKBACK_YEARS = Figure(
    3,
    "penalties count for this many years after their date",
    "MCA Order 60 counts two warnings within three years",
    guess=True,
)
UNREACHABLE_RETURNED_LETTERS = Figure(
    2,
    "registered letters returned, since the last report submitted, before an "
    "organization is unreachable",
    "MCA Order 60 (2 special letters unsigned)",
)
INACTIVE_CONSECUTIVE_YEARS = Figure(
    2,
    "consecutive reports with no income and no programme spending",
    "Charity Law Art. 17(3) (no charitable activity for two consecutive years)",
)
ZOMBIE_CONSECUTIVE_YEARS = Figure(
    2,
    "consecutive past-due annual reports missing, with nothing filed since",
    "MCA 民发〔2021〕63号 zombie clean-up scope",
)
IRS_RISK_CONSECUTIVE_YEARS = Figure(
    2,
    "consecutive years without a return: the IRS must send a notice",
    "Taxpayer First Act (2019) notice after two years",
)
IRS_AUTO_REVOCATION_YEARS = Figure(
    3,
    "consecutive years without a return: exemption revoked automatically",
    "IRC 6033(j)",
)
US_AUTOMATIC_EXTENSION_MONTHS = Figure(
    6,
    "months added to a Form 990's due date before it counts as late or missing: "
    "the automatic extension, granted to every return because the public record "
    "does not show whether Form 8868 was filed",
    "Treas. Reg. 1.6081-9 (automatic six-month extension on Form 8868)",
    guess=True,
)
MIN_ASSESSED_YEARS = Figure(
    1,
    "past-due annual reports needed before an organization is rated",
    "our choice",
    guess=True,
)

# --- money ---------------------------------------------------------------------------

# Amounts are compared to the cent: a shortfall under half a cent is rounding.
AMOUNT_TOLERANCE = 0.005

PENALTY_MAJOR_FINE = Figure(
    50_000,
    "fine (CNY) at or above which a penalty is major (serious list)",
    "MCA Order 60",
)
PUBLIC_FUNDRAISING_SPENDING_MIN = Figure(
    0.70,
    "public-fundraising charities: programme spending / prior-year income "
    "(or the three-year average income)",
    "Charity Law (2023) Art. 61; Foundation Regulations Art. 29",
)
PUBLIC_FOUNDATION_MANAGEMENT_CAP = Figure(
    0.10,
    "public-fundraising foundations: management cost / the year's total expenses",
    "Charity Law (2023) Art. 61; Foundation Regulations Art. 29",
)
PUBLIC_OTHER_MANAGEMENT_CAP = Figure(
    0.13,
    "public-fundraising social groups and social service agencies: management cost "
    "/ total expenses",
    "MCA/MOF/SAT 2016 spending and management-cost rules",
)
MANAGEMENT_COST_FLOOR = Figure(
    200_000,
    "management cost (CNY) below which no cap applies",
    "MCA/MOF/SAT 2016 spending and management-cost rules",
)


@dataclass(frozen=True)
class Tier:
    """A size band of charities without public fundraising, by prior-year net assets.

    ``spending_min`` is a share of prior-year-end net assets; ``income_spending_min``,
    where set, is a further minimum share of prior-year income; ``management_cap`` is
    a share of the year's total expenses.
    """

    net_assets_from: float  # CNY, inclusive
    spending_min: float
    management_cap: float
    income_spending_min: float | None = None
    guess: bool = False


TIER_SOURCE = (
    "MCA/MOF/SAT 2016 spending and management-cost rules (credit-rules.md 1.3)"
)

# Social groups and social service agencies without public fundraising.
NON_PUBLIC_TIERS = (
    Tier(10_000_000, 0.06, 0.13),
    Tier(5_000_000, 0.07, 0.14),
    Tier(1_000_000, 0.08, 0.15),
    Tier(float("-inf"), 0.08, 0.20, income_spending_min=0.50),
)
# Foundations without public fundraising: "tiered the same way", with a bottom tier
# under CNY 4m at 8% / 20%. The middle tiers are unconfirmed (credit-rules.md 1.3); to
# check against the 2016 text, which may band foundations at 60m / 8m / 4m instead.
NON_PUBLIC_FOUNDATION_TIERS = (
    Tier(10_000_000, 0.06, 0.13, guess=True),
    Tier(5_000_000, 0.07, 0.14, guess=True),
    Tier(4_000_000, 0.08, 0.15, guess=True),
    Tier(float("-inf"), 0.08, 0.20),
)

ACCOUNTS_ABSOLUTE_TOLERANCE = Figure(
    1.0,
    "assets - liabilities may differ from net assets by this much (currency units)",
    "our choice: rounding to the yuan",
    guess=True,
)
ACCOUNTS_RELATIVE_TOLERANCE = Figure(
    0.001,
    "... or by this share of the largest of the three figures",
    "our choice: reports rounded to thousands",
    guess=True,
)
PROGRAM_RATIO_MIN = Figure(
    1 / 3,
    "US: programme expenses / total expenses (Form 990 Part IX line 25 B / A)",
    "Charity Navigator legacy rating: under 33.3% scores zero",
)

US_AUDIT_REVENUE_MIN = Figure(
    1_000_000,
    "US: total revenue (USD) above which audited financial statements are expected "
    "(Form 990 Part XII line 2)",
    "Charity Navigator Encompass rating (audit expected above $1m)",
)
BOARD_MIN_VOTING_MEMBERS = Figure(
    3,
    "US: fewest voting members of the governing body (Form 990 Part VI line 1a)",
    "Charity Navigator Encompass rating",
)
BOARD_MIN_INDEPENDENT_SHARE = Figure(
    0.5,
    "US: independent voting members must be more than this share of the voting "
    "members (Form 990 Part VI line 1b / 1a)",
    "Charity Navigator Encompass rating (a majority independent)",
)

# --- names ---------------------------------------------------------------------------

NATIONAL_WORDS = ("中国", "中华", "全国", "国际", "china", "national", "international")
NATIONAL_WORDS_SOURCE = (
    "Regulations on Social Groups Art. 10 (中国/全国/中华 need national approval); "
    "国际 and the English words from issue 4 (the portal's specification)"
)
NAME_SIMILARITY_MIN = Figure(
    0.8,
    "1 - edit distance / length of the longer name, after removing national-level "
    "words and the organization-form ending (协会, 基金会, 中心...)",
    "our choice",
    guess=True,
)
# At most this many registered organizations, all equally close, per unregistered name.
NAME_MATCHES_PER_NAME = 5


def all_figures() -> list[tuple[str, Figure]]:
    """The figures of this module by name, in the order they are defined."""
    return [
        (name, value) for name, value in globals().items() if isinstance(value, Figure)
    ]


if SERIOUS_LIST_SCORE_CAP.value >= min(cutoff for _, cutoff in GRADE_CUTOFFS):
    raise ValueError("the serious-list cap must fall inside grade D")
