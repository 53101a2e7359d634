"""United States: organizations exempt under IRC 501(c) that file Form 990 (US-IRS).

Sources (``../shared/research/credit-rules.md`` sections 2 and 3): the Internal
Revenue Code's automatic revocation (IRC 6033(j)) and the IRS notice after two years
(Taxpayer First Act, 2019); the program expense ratio of Charity Navigator's legacy
rating. ``FILING_LATE``, ``FILING_MISSING`` and ``ACCOUNTS_INCONSISTENT``
(``common.py``) apply here too, with the due date below.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from .. import methodology as m
from .base import (
    US_IRS,
    Hits,
    Text,
    amounts,
    due_date_rule,
    ids,
    rule,
    shares,
    statutory_due_date_rule,
)
from .facts import FactsFrame


@statutory_due_date_rule(US_IRS)
def return_statutory_due(
    fiscal_year: int, period_end: dt.date | None = None
) -> dt.date:
    """Form 990 is due on the 15th day of the 5th month after the fiscal year ends.

    Treas. Reg. 1.6033-2(e); 15 May of the next year for a calendar fiscal year.
    """
    end = period_end or dt.date(fiscal_year, 12, 31)
    return _months_later(dt.date(end.year, end.month, 15), 5)


@due_date_rule(US_IRS)
def return_due(fiscal_year: int, period_end: dt.date | None = None) -> dt.date:
    """The last day a return is on time: the statutory due date plus the automatic
    extension (``methodology.US_AUTOMATIC_EXTENSION_MONTHS``, six months).

    Any filer gets the extension by filing Form 8868 (Treas. Reg. 1.6081-9), and most
    large filers do; the public e-file record does not say whether one was asked for.
    Judging against the statutory date would call most real returns late, so every
    return is given the extension; a filing's own ``due_on`` still wins.
    """
    return _months_later(
        return_statutory_due(fiscal_year, period_end),
        int(m.US_AUTOMATIC_EXTENSION_MONTHS.value),
    )


def _months_later(day: dt.date, months: int) -> dt.date:
    """``day`` moved ``months`` ahead; always the 15th here, so no month is short."""
    month = day.month + months
    return dt.date(day.year + (month - 1) // 12, (month - 1) % 12 + 1, day.day)


@rule(
    "IRS_REVOCATION_RISK",
    title=Text(
        "连续两年未向美国国税局申报（面临自动撤销免税资格）",
        "No return for two consecutive years (automatic revocation risk)",
    ),
    registries=(US_IRS,),
    sources={
        US_IRS: Text(
            "美国《国内税收法典》第6033(j)条（连续三年未申报自动撤销免税资格）；"
            "《纳税人优先法》（2019，连续两年未申报须通知）",
            "IRC 6033(j) (exemption revoked automatically after three consecutive "
            "years without a return); Taxpayer First Act 2019 (IRS notice after two)",
        )
    },
    evidence="the tax years missing in a row; whether revocation has happened",
    advice=Text(
        "在第三个申报截止日前补报所缺的990系列申报表；连续三年未申报将自动撤销免税资格，只能重新申请恢复。",
        "File the missing Form 990-series returns before the third due date; after "
        "three years the exemption is revoked automatically and only a new "
        "application restores it.",
    ),
)
def irs_revocation_risk(frame: FactsFrame) -> Hits:
    """The latest two or more returns are missing, with nothing filed since.

    Two years: the IRS must send a notice (Taxpayer First Act) and the exemption is
    one due date away from revocation. Three: revoked by law on the third due date
    (IRC 6033(j)); the organization is then not rated, as a revoked one.
    """
    length, in_run = frame.missing_tail()
    rows = np.nonzero(length >= m.IRS_RISK_CONSECUTIVE_YEARS.value)[0]
    missing_years = [frame.years[in_run[r]].tolist() for r in rows.tolist()]
    revoked = length[rows] >= m.IRS_AUTO_REVOCATION_YEARS.value
    return Hits(
        org=rows,
        fiscal_year=np.array([max(y) for y in missing_years], dtype=np.int64),
        not_rated=revoked,
        evidence={"missing_years": missing_years, "automatic_revocation": revoked},
    )


@rule(
    "PROGRAM_RATIO_LOW",
    title=Text(
        "项目支出不足总支出的三分之一",
        "Program expenses under one third of total expenses",
    ),
    registries=(US_IRS,),
    sources={
        US_IRS: Text(
            "Charity Navigator旧版评级方法（项目支出占比低于33.3%得零分）；990表第九部分第25行B栏÷A栏",
            "Charity Navigator legacy rating (program expense ratio under 33.3% "
            "scores zero); Form 990 Part IX line 25, column B / column A",
        )
    },
    evidence="the return, its program expenses, total expenses, their share",
    advice=Text(
        "把更多支出用于项目；如费用归类有误，请更正990表第九部分的功能分类。",
        "Direct more spending to programs; if costs were classified wrongly, correct "
        "the functional split in Form 990 Part IX.",
    ),
)
def program_ratio_low(frame: FactsFrame) -> Hits:
    """Program service expenses below one third of total functional expenses.

    Form 990 Part IX line 25: column B over column A; Charity Navigator's legacy
    rating gives no financial-health stars under 33.3%. One reason per return in the
    window with positive total expenses; exactly one third passes.
    """
    programs, total = frame.expenses_programs, frame.total_expenses
    minimum = m.PROGRAM_RATIO_MIN.value * total
    with np.errstate(invalid="ignore"):
        low = (
            frame.filed
            & frame.window[None, :]
            & (total > 0)
            & (programs < minimum - m.AMOUNT_TOLERANCE)
        )
    rows, cols = np.nonzero(low)
    return Hits(
        org=rows,
        fiscal_year=frame.years[cols],
        evidence={
            "filing_id": ids(frame.filing_pk[rows, cols]),
            "expenses_programs": amounts(programs[rows, cols]),
            "total_expenses": amounts(total[rows, cols]),
            "share": shares(programs[rows, cols] / total[rows, cols]),
            "minimum_share": shares(np.full(len(rows), m.PROGRAM_RATIO_MIN.value)),
        },
    )


# --- governance (Form 990 Part VI) ---------------------------------------------------

GOVERNANCE_SOURCE = Text(
    "Charity Navigator评级方法（问责与透明度）；990表第六部分",
    "Charity Navigator Encompass rating (accountability and transparency); Form 990 "
    "Part VI",
)
POLICIES = (
    "conflict_of_interest_policy",
    "whistleblower_policy",
    "document_retention_policy",
)


def _latest_answered(frame: FactsFrame, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Per organization, the latest return in the window that answers ``name``:
    the rows that have one and its column. Governance describes how an organization
    is run now, so only the latest answer counts."""
    values = frame.governance[name]
    answered = frame.filed & frame.window[None, :]
    answered &= ~np.isnan(values) if values.dtype.kind == "f" else values >= 0
    has = answered.any(axis=1)
    last = answered.shape[1] - 1 - np.argmax(answered[:, ::-1], axis=1)
    return np.nonzero(has)[0], last[has]


@rule(
    "BOARD_WEAK",
    title=Text("理事会规模过小或独立成员未过半", "Board too small or not independent"),
    registries=(US_IRS,),
    sources={US_IRS: GOVERNANCE_SOURCE},
    evidence="the latest return in the window: voting and independent voting members",
    advice=Text(
        "治理机构至少应有3名有表决权的成员，其中独立成员应超过半数。",
        "Have at least three voting members on the governing body, a majority of "
        "them independent.",
    ),
)
def board_weak(frame: FactsFrame) -> Hits:
    """Fewer than ``BOARD_MIN_VOTING_MEMBERS`` voting members, or independent members
    not more than ``BOARD_MIN_INDEPENDENT_SHARE`` of them (Form 990 Part VI lines 1a
    and 1b), on the latest return that answers."""
    rows, cols = _latest_answered(frame, "voting_members")
    voting = frame.governance["voting_members"][rows, cols]
    independent = frame.governance["independent_voting_members"][rows, cols]
    with np.errstate(invalid="ignore"):
        weak = (voting < m.BOARD_MIN_VOTING_MEMBERS.value) | ~(
            independent > m.BOARD_MIN_INDEPENDENT_SHARE.value * voting
        )
    rows, cols = rows[weak], cols[weak]
    return Hits(
        org=rows,
        fiscal_year=frame.years[cols],
        evidence={
            "filing_id": ids(frame.filing_pk[rows, cols]),
            "voting_members": [
                None if v != v else int(v) for v in voting[weak].tolist()
            ],
            "independent_voting_members": [
                None if v != v else int(v) for v in independent[weak].tolist()
            ],
        },
    )


@rule(
    "POLICY_MISSING",
    title=Text("缺少治理制度", "Governance policy missing"),
    registries=(US_IRS,),
    sources={US_IRS: GOVERNANCE_SOURCE},
    evidence="the latest return in the window and the policy it answers no to "
    "(conflict of interest, whistleblower, document retention: lines 12a, 13, 14)",
    advice=Text(
        "制定并执行利益冲突、举报人保护和文件保存制度，并在990表第六部分如实申报。",
        "Adopt and follow conflict-of-interest, whistleblower and document-retention "
        "policies, and report them in Form 990 Part VI.",
    ),
)
def policy_missing(frame: FactsFrame) -> Hits:
    """One reason per policy the latest return answers "no" to: conflict of
    interest (Part VI line 12a), whistleblower (13), document retention (14)."""
    org, year, filing, policy = [], [], [], []
    for name in POLICIES:
        rows, cols = _latest_answered(frame, name)
        no = frame.governance[name][rows, cols] == 0
        rows, cols = rows[no], cols[no]
        org.append(rows)
        year.append(frame.years[cols])
        filing += ids(frame.filing_pk[rows, cols])
        policy += [name] * len(rows)
    return Hits(
        org=np.concatenate(org),
        fiscal_year=np.concatenate(year),
        evidence={"filing_id": filing, "policy": policy},
        order=np.concatenate(
            [np.full(len(rows), i, dtype=np.int64) for i, rows in enumerate(org)]
        ),
    )


@rule(
    "ASSET_DIVERSION",
    title=Text("申报存在重大资产挪用", "Material diversion of assets reported"),
    registries=(US_IRS,),
    sources={
        US_IRS: Text(
            "990表第六部分第5行；Charity Navigator旧版评级方法（扣7分）",
            "Form 990 Part VI line 5; Charity Navigator legacy rating (-7 points)",
        )
    },
    evidence="the return that reports the diversion",
    advice=Text(
        "说明挪用的情况、追回的资产和已采取的防范措施（990表附表O）。",
        "Explain the diversion, what was recovered and the controls put in place "
        "(Form 990 Schedule O).",
    ),
)
def asset_diversion(frame: FactsFrame) -> Hits:
    """A return in the window answers "yes" to a significant diversion of assets
    (Form 990 Part VI line 5): one reason per such return."""
    diverted = (
        frame.filed
        & frame.window[None, :]
        & (frame.governance["material_diversion"] == 1)
    )
    rows, cols = np.nonzero(diverted)
    return Hits(
        org=rows,
        fiscal_year=frame.years[cols],
        evidence={"filing_id": ids(frame.filing_pk[rows, cols])},
    )
