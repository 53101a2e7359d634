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
from .base import US_IRS, Hits, Text, amounts, due_date_rule, ids, rule, shares
from .facts import FactsFrame


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
