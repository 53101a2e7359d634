"""Rules every registry with annual reports shares: deadlines, missing years, balance,
audit.

The laws differ, the checks do not: a report is late after its due date, missing once
its due date has passed, and a balance sheet must balance. Each rule cites the law of
each registry it applies to; the due dates themselves are set per registry
(``cn_mca.annual_report_due``, ``us_irs.return_due``).
"""

from __future__ import annotations

import numpy as np

from .. import methodology as m
from .base import (
    CN_MCA,
    FOUNDATION,
    NO_AUDIT,
    US_IRS,
    Hits,
    Text,
    amounts,
    ids,
    iso_dates,
    rule,
)
from .facts import FactsFrame

ANNUAL_REPORT_SOURCE_CN = Text(
    "《社会团体登记管理条例》第二十八条；《民办非企业单位登记管理暂行条例》第二十三条；"
    "《基金会管理条例》第三十六条；《慈善法》第十三条；"
    "《社会组织信用信息管理办法》（民政部令第60号）",
    "Regulations on Social Groups Art. 28; Interim Regulations on Private "
    "Non-enterprise Units Art. 23; Regulations on Foundations Art. 36; Charity Law "
    "Art. 13; MCA Order 60 (a late or missing annual report puts an organization on "
    "the abnormal-activity list)",
)
RETURN_SOURCE_US = Text(
    "美国《国内税收法典》第6033(a)条；财政部条例 §1.6033-2(e)（财年结束后第五个月15日前申报）",
    "IRC 6033(a); Treas. Reg. 1.6033-2(e): Form 990 is due on the 15th day of the "
    "5th month after the fiscal year ends",
)


@rule(
    "FILING_LATE",
    title=Text("年度报告逾期报送", "Annual report filed late"),
    registries=(CN_MCA, US_IRS),
    sources={CN_MCA: ANNUAL_REPORT_SOURCE_CN, US_IRS: RETURN_SOURCE_US},
    evidence="the filing, its fiscal year, due date, submission date and days late",
    advice=Text(
        "在截止日期前报送年度报告：中国为次年5月31日前（基金会、慈善组织为3月31日前）。",
        "File the annual report by its due date: in China by 31 May of the following "
        "year (31 March for foundations and charities).",
    ),
)
def filing_late(frame: FactsFrame) -> Hits:
    """An annual report submitted after its due date: one reason per late report.

    A report submitted on its due date is on time. The due date is the filing's own
    ``due_on`` or, without one, the registry's rule: for China, 31 May of the next
    year (Regulations on Social Groups Art. 28, Private Non-enterprise Units Art. 23);
    for the IRS, the 15th day of the 5th month after the fiscal year (Treas. Reg.
    1.6033-2(e)). Only the window's fiscal years count.
    """
    late = frame.filed & frame.window[None, :] & (frame.submitted_on > frame.due_on)
    rows, cols = np.nonzero(late)
    due, submitted = frame.due_on[rows, cols], frame.submitted_on[rows, cols]
    return Hits(
        org=rows,
        fiscal_year=frame.years[cols],
        evidence={
            "filing_id": ids(frame.filing_pk[rows, cols]),
            "due_on": iso_dates(due),
            "submitted_on": iso_dates(submitted),
            "days_late": (submitted - due).astype(np.int64),
        },
    )


@rule(
    "FILING_MISSING",
    title=Text("未报送年度报告", "Annual report missing"),
    registries=(CN_MCA, US_IRS),
    sources={
        CN_MCA: Text(
            ANNUAL_REPORT_SOURCE_CN.zh + "；《慈善法》第一百一十条第（八）项",
            ANNUAL_REPORT_SOURCE_CN.en + "; Charity Law Art. 110(8)",
        ),
        US_IRS: RETURN_SOURCE_US,
    },
    evidence="the fiscal year and the due date that passed",
    advice=Text(
        "尽快补报所缺年度的年度报告，并向登记管理机关说明情况。",
        "File the missing annual report as soon as possible and explain the delay to "
        "the registration authority.",
    ),
)
def filing_missing(frame: FactsFrame) -> Hits:
    """No annual report for a fiscal year whose due date has passed: one per year.

    Counts only fiscal years after the registration year, within the window (the
    five fiscal years before the as-of year), and, for an organization that has ended,
    only reports that fell due before its status changed. On the due date itself the
    report is not yet missing.
    """
    rows, cols = np.nonzero(frame.missing)
    return Hits(
        org=rows,
        fiscal_year=frame.years[cols],
        evidence={"due_on": iso_dates(frame.due_on[rows, cols])},
    )


@rule(
    "ACCOUNTS_INCONSISTENT",
    title=Text("资产负债表不平衡", "Balance sheet does not add up"),
    registries=(CN_MCA, US_IRS),
    sources={
        CN_MCA: Text(
            "《民间非营利组织会计制度》（资产＝负债＋净资产）；《基金会管理条例》第四十二条第（二）项",
            "Accounting System for Non-profit Organizations (assets = liabilities + "
            "net assets); Regulations on Foundations Art. 42(2) (false accounts)",
        ),
        US_IRS: Text(
            "990表第十部分：资产总额（第16行）＝负债总额（第26行）＋净资产（第32行）",
            "Form 990 Part X: total assets (line 16) = total liabilities (line 26) + "
            "net assets (line 32)",
        ),
    },
    evidence="the filing, its total assets, total liabilities, net assets and the gap",
    advice=Text(
        "核对资产负债表：资产总额减负债总额应等于净资产；如有错误，请提交更正后的年度报告。",
        "Check the balance sheet: total assets minus total liabilities must equal net "
        "assets; file an amended report if the figures were wrong.",
    ),
)
def accounts_inconsistent(frame: FactsFrame) -> Hits:
    """Total assets - total liabilities differs from net assets beyond rounding.

    Checked only when all three figures are present. The tolerance is the larger of
    ``ACCOUNTS_ABSOLUTE_TOLERANCE`` and ``ACCOUNTS_RELATIVE_TOLERANCE`` of the largest
    figure (reports are often rounded to thousands).
    """
    assets, liabilities, net = (
        frame.total_assets,
        frame.total_liabilities,
        frame.net_assets,
    )
    gap = assets - liabilities - net
    largest = np.fmax(np.fmax(np.abs(assets), np.abs(liabilities)), np.abs(net))
    tolerance = np.fmax(
        m.ACCOUNTS_ABSOLUTE_TOLERANCE.value,
        m.ACCOUNTS_RELATIVE_TOLERANCE.value * largest,
    )
    with np.errstate(invalid="ignore"):
        wrong = frame.filed & frame.window[None, :] & (np.abs(gap) > tolerance)
    rows, cols = np.nonzero(wrong)
    return Hits(
        org=rows,
        fiscal_year=frame.years[cols],
        evidence={
            "filing_id": ids(frame.filing_pk[rows, cols]),
            "total_assets": amounts(assets[rows, cols]),
            "total_liabilities": amounts(liabilities[rows, cols]),
            "net_assets": amounts(net[rows, cols]),
            "difference": amounts(gap[rows, cols]),
        },
    )


@rule(
    "AUDIT_MISSING",
    title=Text("年度财务报告未经审计", "Annual accounts not audited"),
    registries=(CN_MCA, US_IRS),
    sources={
        CN_MCA: Text(
            "《基金会管理条例》第三十六条（年度工作报告应包括注册会计师审计报告）；"
            "《慈善法》第七十八条（具有公开募捐资格的慈善组织的财务会计报告须经审计）",
            "Regulations on Foundations Art. 36 (the annual report includes an "
            "auditor's report); Charity Law Art. 78 (public-fundraising charities' "
            "accounts must be audited)",
        ),
        US_IRS: Text(
            "Charity Navigator评级方法（年收入超过100万美元应有经审计的财务报表）；"
            "990表第十二部分第2行",
            "Charity Navigator Encompass rating (audited financial statements "
            "expected above $1m revenue); Form 990 Part XII line 2",
        ),
    },
    evidence="the filing; its audit opinion (China) or its answer to Form 990 Part "
    "XII line 2 and its total revenue (US)",
    advice=Text(
        "委托会计师事务所审计年度财务会计报告，并随年度报告报送审计报告。",
        "Have the annual accounts audited by an accounting firm and file the "
        "auditor's report with the annual report.",
    ),
)
def audit_missing(frame: FactsFrame) -> Hits:
    """Accounts that had to be audited and were not.

    China: a report with no audit opinion from a foundation (Regulations on
    Foundations Art. 36) or a charity with public fundraising (Charity Law Art. 78).
    A qualified, adverse or disclaimed opinion is an audit and does not fire this
    rule; an empty opinion does. United States: a Form 990 answering "no" to
    audited financial statements (Part XII line 2) with total revenue above
    ``US_AUDIT_REVENUE_MIN``; forms without the question (990-EZ, 990-PF) are not
    judged.
    """
    cn = (frame.registry == CN_MCA) & (
        (frame.org_type == FOUNDATION) | (frame.charity & frame.public_fundraising)
    )
    audited = frame.governance["financial_statements_audited"]
    with np.errstate(invalid="ignore"):
        us = (
            (frame.registry == US_IRS)[:, None]
            & (audited == 0)
            & (frame.total_income > m.US_AUDIT_REVENUE_MIN.value)
        )
    absent = (
        frame.filed
        & frame.window[None, :]
        & ((cn[:, None] & np.isin(frame.audit_opinion, NO_AUDIT)) | us)
    )
    rows, cols = np.nonzero(absent)
    answer = audited[rows, cols]
    return Hits(
        org=rows,
        fiscal_year=frame.years[cols],
        evidence={
            "filing_id": ids(frame.filing_pk[rows, cols]),
            "audit_opinion": frame.audit_opinion[rows, cols].tolist(),
            "financial_statements_audited": [
                None if a < 0 else bool(a) for a in answer.tolist()
            ],
            "total_income": amounts(frame.total_income[rows, cols]),
        },
    )
