"""China: social organizations registered with the civil affairs authorities (CN-MCA).

Sources (``../shared/research/credit-rules.md`` section 1): the Regulations on Social
Groups (社会团体登记管理条例), on Private Non-enterprise Units (民办非企业单位登记管理暂行
条例, now social service agencies) and on Foundations (基金会管理条例); the Charity Law
(2023 amendment); MCA Order 60 on credit information (社会组织信用信息管理办法, 2018);
the 2016 MCA/MOF/SAT rules on charities' spending and management costs; the 2021 zombie
clean-up (民发〔2021〕63号).

Besides the rules on organizations, this module defines ``NAME_IMPERSONATION``, which
runs on *unregistered* names (a name seen in the wild that copies a registered
organization's, or claims a national-level word); the matching is in ``names.py``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np

from .. import methodology as m
from .base import (
    BAN,
    CANCELLED,
    CN_MCA,
    DEREGISTERED,
    FINE,
    FOUNDATION,
    MAIL_RETURNED,
    REVOKED,
    SOCIAL_GROUP,
    SOCIAL_SERVICE_AGENCY,
    SUSPENSION,
    WARNING,
    Hits,
    Rule,
    Text,
    amounts,
    due_date_rule,
    ids,
    iso_dates,
    register,
    rule,
    shares,
)
from .facts import FactsFrame

ORDER_60 = Text(
    "《社会组织信用信息管理办法》（民政部令第60号）",
    "MCA Order 60 (Measures on Social Organizations' Credit Information, 2018)",
)
SPENDING_SOURCES = Text(
    "《慈善法》第六十一条、第一百一十条第（六）项；《基金会管理条例》第二十九条；"
    "民政部 财政部 国家税务总局《关于慈善组织开展慈善活动年度支出和管理费用的规定》（2016）",
    "Charity Law (2023) Art. 61 and Art. 110(6); Regulations on Foundations Art. 29; "
    "MCA/MOF/SAT rules on charities' annual spending and management costs (2016)",
)
CHARITY_TYPES = (SOCIAL_GROUP, SOCIAL_SERVICE_AGENCY, FOUNDATION)


@due_date_rule(CN_MCA)
def annual_report_due(fiscal_year: int, period_end: dt.date | None = None) -> dt.date:
    """The annual report for fiscal year Y is due on 31 May of Y+1.

    Regulations on Social Groups Art. 28 and on Private Non-enterprise Units Art. 23
    (to the registration authority by 31 May). Foundations (Art. 36) and charities
    report by 31 March, but the annual inspection and MCA Order 60 work to 31 May for
    every type; a filing's own ``due_on`` overrides this.
    """
    return dt.date(fiscal_year + 1, 5, 31)


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _grouped(rows: np.ndarray, wanted: np.ndarray, *columns: np.ndarray) -> list:
    """For each row in ``wanted``, the values of ``columns`` at that row, as lists."""
    order = np.argsort(rows, kind="stable")
    rows = rows[order]
    columns = tuple(np.asarray(c)[order] for c in columns)
    low = np.searchsorted(rows, wanted, side="left")
    high = np.searchsorted(rows, wanted, side="right")
    return [
        [c[lo:hi].tolist() for c in columns]
        for lo, hi in zip(low.tolist(), high.tolist(), strict=True)
    ]


@rule(
    "ZOMBIE_NO_FILING_2Y",
    title=Text(
        "连续两年未报送年度报告（“僵尸型”社会组织）",
        "No annual report for two consecutive years (zombie organization)",
    ),
    registries=(CN_MCA,),
    sources={
        CN_MCA: Text(
            "民政部《关于开展“僵尸型”社会组织专项整治工作的通知》（民发〔2021〕63号）；"
            + ORDER_60.zh,
            "MCA zombie-organization clean-up (民发〔2021〕63号): two consecutive "
            "missed annual inspections or reports; " + ORDER_60.en,
        )
    },
    evidence="the fiscal years missing in a row, and the last year reported",
    advice=Text(
        "补报所缺年度报告并恢复正常活动；已停止活动的，应依法办理注销登记。",
        "File the missing reports and resume activity; an organization that has "
        "stopped should wind up and deregister (注销).",
    ),
)
def zombie_no_filing_2y(frame: FactsFrame) -> Hits:
    """The latest two or more past-due annual reports are all missing.

    The zombie criterion of the 2021 clean-up (民发〔2021〕63号): two consecutive missed
    annual reports, counting back from the latest past-due year, with nothing filed
    since (a report filed for a later year ends the run). One reason per organization.
    """
    length, in_run = frame.missing_tail()
    rows = np.nonzero(length >= m.ZOMBIE_CONSECUTIVE_YEARS.value)[0]
    missing_years = [frame.years[in_run[r]].tolist() for r in rows.tolist()]
    last_filed = np.full(len(frame), -1, dtype=np.int64)
    np.maximum.at(last_filed, frame.filing_row, frame.filing_year)
    return Hits(
        org=rows,
        fiscal_year=np.array([max(y) for y in missing_years], dtype=np.int64),
        evidence={
            "missing_years": missing_years,
            "last_filed_year": [
                y if y >= 0 else None for y in last_filed[rows].tolist()
            ],
        },
    )


@rule(
    "INACTIVE",
    title=Text("未开展活动", "No activity"),
    registries=(CN_MCA,),
    sources={
        CN_MCA: Text(
            "《社会团体登记管理条例》第二十九条；《基金会管理条例》第四十一条第（一）项；"
            "《慈善法》第十七条第（三）项",
            "Regulations on Social Groups Art. 29 (no activity in the first year: "
            "registration cancelled); Regulations on Foundations Art. 41(1); Charity "
            "Law Art. 17(3) (no charitable activity for two consecutive years)",
        )
    },
    evidence="the criterion met, its fiscal years and filings",
    advice=Text(
        "按章程开展业务活动并如实报告收入和支出；确已停止活动的，应依法办理注销登记。",
        "Carry out the activities in the charter and report income and spending; an "
        "organization that has stopped should deregister.",
    ),
)
def inactive(frame: FactsFrame) -> Hits:
    """Reports showing no income and no programme spending.

    Either two consecutive reports in the window with total income <= 0 and programme
    spending <= 0 (Charity Law Art. 17(3)), or, for an organization registered in year
    R, a report for R+1 with neither, and for R either neither or no report
    (Regulations on Social Groups Art. 29, Foundations Art. 41: a year without
    activity after registration). A report with the figures missing proves nothing and does not
    count. One reason per organization: the latest occurrence.
    """
    with np.errstate(invalid="ignore"):
        idle = frame.filed & (frame.total_income <= 0) & (frame.expenses_programs <= 0)
    cols = frame.window_columns
    both = idle[:, cols] & idle[:, cols - 1] & frame.window[cols - 1][None, :]
    # the latest column where two idle years end, -1 where none
    latest = np.where(
        both.any(axis=1), len(cols) - 1 - np.argmax(both[:, ::-1], axis=1), -1
    )

    known = ~np.isnat(frame.registered_on)
    target = frame.registered_year + 1 - frame.years[0]
    in_window = known & np.isin(target, cols)
    safe = np.where(in_window, target, cols[0])
    row_index = np.arange(len(frame))
    first_year = (
        in_window
        & idle[row_index, safe]
        & (~frame.filed[row_index, safe - 1] | idle[row_index, safe - 1])
    )

    rows = np.nonzero((latest >= 0) | first_year)[0]
    criteria, years, filings = [], [], []
    for r in rows.tolist():
        if latest[r] >= 0:
            col = int(cols[latest[r]])
            pair = [col - 1, col]
            criteria.append("two_years")
        else:
            col = int(safe[r])
            pair = [c for c in (col - 1, col) if frame.filed[r, c]]
            criteria.append("first_year_after_registration")
        years.append(frame.years[pair].tolist())
        filings.append(ids(frame.filing_pk[r, pair]))
    return Hits(
        org=rows,
        fiscal_year=np.array([y[-1] for y in years], dtype=np.int64),
        evidence={"criterion": criteria, "fiscal_years": years, "filing_ids": filings},
    )


@rule(
    "UNREACHABLE",
    title=Text("通过登记的住所无法取得联系", "Unreachable at the registered address"),
    registries=(CN_MCA,),
    sources={
        CN_MCA: Text(
            ORDER_60.zh + "（两次寄送专用信函无人签收）；民发〔2021〕63号",
            ORDER_60.en + " (two registered letters unsigned for); 民发〔2021〕63号",
        )
    },
    evidence="the returned letters (event ids, dates) and the last report submitted",
    advice=Text(
        "更新登记的住所和联系方式（办理变更登记），并主动与登记管理机关联系。",
        "Update the registered address and contacts (a change of registration) and "
        "contact the registration authority.",
    ),
)
def unreachable(frame: FactsFrame) -> Hits:
    """Registered mail came back twice and the organization has not been heard from.

    MCA Order 60 lists an organization as abnormal when two letters to its registered
    address go unsigned for. Here: at least two ``mail_returned`` events dated after
    the organization's latest report submission (a report filed after the letters
    shows it is reachable again). The spacing between the letters the draft asks for
    (20-60 days, possibly 15-30) is not checked.
    """
    last_submitted = np.full(len(frame), np.datetime64("NaT", "D"))
    submitted = frame.filing_submitted_on
    dated = ~np.isnat(submitted)
    np.fmax.at(last_submitted, frame.filing_row[dated], submitted[dated])
    after = np.isnat(last_submitted[frame.event_row]) | (
        frame.event_date > last_submitted[frame.event_row]
    )
    returned = (frame.event_kind == MAIL_RETURNED) & after
    rows = frame.event_row[returned]
    counts = np.bincount(rows, minlength=len(frame))
    hit = np.nonzero(counts >= m.UNREACHABLE_RETURNED_LETTERS.value)[0]
    order = np.lexsort((frame.event_id[returned], frame.event_date[returned]))
    groups = _grouped(
        rows[order],
        hit,
        frame.event_id[returned][order],
        np.array(iso_dates(frame.event_date[returned][order]), dtype=object),
    )
    return Hits(
        org=hit,
        evidence={
            "event_ids": [[i or None for i in g[0]] for g in groups],
            "dates": [g[1] for g in groups],
            "last_submitted_on": iso_dates(last_submitted[hit]),
        },
    )


def _penalties(frame: FactsFrame, *, major: bool) -> Hits:
    since = np.datetime64(
        _years_before(frame.as_of, int(m.PENALTY_LOOKBACK_YEARS.value))
    )
    recent = frame.event_date > since
    kind, amount = frame.event_kind, frame.event_amount
    with np.errstate(invalid="ignore"):
        big_fine = (kind == FINE) & (
            amount >= m.PENALTY_MAJOR_FINE.value - m.AMOUNT_TOLERANCE
        )
    if major:
        chosen = recent & (big_fine | (kind == SUSPENSION))
    else:
        chosen = recent & ((kind == WARNING) | ((kind == FINE) & ~big_fine))
    index = np.nonzero(chosen)[0]
    return Hits(
        org=frame.event_row[index],
        # latest first within an organization: by date, then id
        order=frame.event_date[index].astype(np.int64) * 10**12 + frame.event_id[index],
        evidence={
            "event_id": ids(frame.event_id[index]),
            "kind": frame.event_kind[index].tolist(),
            "date": iso_dates(frame.event_date[index]),
            "amount": amounts(frame.event_amount[index]),
            "reference": frame.event_reference[index].tolist(),
        },
    )


PENALTY_ADVICE = Text(
    "按处罚决定完成整改，并向登记管理机关报告整改情况。",
    "Put right what the decision names and report the correction to the "
    "registration authority.",
)


@rule(
    "PENALTY_MINOR",
    title=Text("受到警告或5万元以下罚款", "Warning, or a fine under CNY 50,000"),
    registries=(CN_MCA,),
    sources={
        CN_MCA: Text(
            ORDER_60.zh
            + "（警告或5万元以下罚款列入活动异常名录；三年内两次列入严重违法失信名单）",
            ORDER_60.en + " (a warning or a fine under CNY 50,000: abnormal-activity "
            "list; two within three years: serious list)",
        )
    },
    evidence="the event: id, kind, date, amount and decision number",
    advice=PENALTY_ADVICE,
)
def penalty_minor(frame: FactsFrame) -> Hits:
    """A warning, or a fine under CNY 50,000 (one with no amount counts here).

    MCA Order 60. One reason per penalty dated within ``PENALTY_LOOKBACK_YEARS``.
    """
    return _penalties(frame, major=False)


@rule(
    "PENALTY_MAJOR",
    title=Text(
        "受到5万元以上罚款或责令停止活动",
        "Fine of CNY 50,000 or more, or an order to suspend activities",
    ),
    registries=(CN_MCA,),
    sources={
        CN_MCA: Text(
            ORDER_60.zh + "（5万元以上罚款或责令停止活动列入严重违法失信名单）；"
            "《社会团体登记管理条例》第三十条；《慈善法》第一百零九条、第一百一十条",
            ORDER_60.en + " (a fine of CNY 50,000 or more, or a suspension order: "
            "serious list); Regulations on Social Groups Art. 30; Charity Law Art. "
            "109-110",
        )
    },
    evidence="the event: id, kind, date, amount and decision number",
    advice=PENALTY_ADVICE,
)
def penalty_major(frame: FactsFrame) -> Hits:
    """A fine of CNY 50,000 or more, or an order to suspend activities.

    MCA Order 60 puts the organization on the serious-illegal-and-dishonest list. One
    reason per penalty dated within ``PENALTY_LOOKBACK_YEARS``.
    """
    return _penalties(frame, major=True)


def _tier_value(
    net_assets: np.ndarray, tiers: Sequence[m.Tier], attr: str
) -> np.ndarray:
    values = [getattr(t, attr) for t in tiers]
    with np.errstate(invalid="ignore"):
        return np.select(
            [net_assets >= t.net_assets_from for t in tiers],
            [np.nan if v is None else v for v in values],
            default=np.nan,
        )


def _non_public_tiers(frame: FactsFrame, prior_net_assets: np.ndarray, attr: str):
    foundation = (frame.org_type == FOUNDATION)[:, None]
    return np.where(
        foundation,
        _tier_value(prior_net_assets, m.NON_PUBLIC_FOUNDATION_TIERS, attr),
        _tier_value(prior_net_assets, m.NON_PUBLIC_TIERS, attr),
    )


def _charity_scope(frame: FactsFrame) -> np.ndarray:
    return np.isin(frame.org_type, CHARITY_TYPES) & (
        frame.charity | (frame.org_type == FOUNDATION)
    )


@rule(
    "SPENDING_BELOW_MINIMUM",
    title=Text(
        "慈善活动支出低于法定比例", "Charitable spending below the legal minimum"
    ),
    registries=(CN_MCA,),
    sources={CN_MCA: SPENDING_SOURCES},
    evidence="the filing, its programme spending, the minimum and what it is based on",
    advice=Text(
        "提高用于慈善活动的支出；确有特殊情况的，应依《慈善法》第六十一条向民政部门报告并向社会公开说明。",
        "Spend more on charitable activities; where special circumstances prevent it, "
        "report them to the civil affairs department and explain them publicly "
        "(Charity Law Art. 61).",
    ),
)
def spending_below_minimum(frame: FactsFrame) -> Hits:
    """Programme spending under the minimum for the organization's type and size.

    Applies to charities and foundations (the 2016 rules cover charities; the
    Regulations on Foundations Art. 29 every foundation). With public fundraising:
    at least 70% of the prior year's income or of the average income of the three
    prior years, whichever is lower (Charity Law Art. 61). Without: a share of the
    prior year-end net assets by size tier (``NON_PUBLIC_TIERS``,
    ``NON_PUBLIC_FOUNDATION_TIERS``), and in the smallest tier also a share of the
    prior year's income. Exactly the minimum complies. Needs the prior year's report.
    """
    cols = frame.window_columns
    spend = frame.expenses_programs[:, cols]
    prior_income = frame.total_income[:, cols - 1]
    average = np.mean([frame.total_income[:, cols - k] for k in (1, 2, 3)], axis=0)
    public_base = np.fmin(prior_income, average)
    public_minimum = m.PUBLIC_FUNDRAISING_SPENDING_MIN.value * public_base

    prior_net_assets = frame.net_assets[:, cols - 1]
    asset_share = _non_public_tiers(frame, prior_net_assets, "spending_min")
    income_share = _non_public_tiers(frame, prior_net_assets, "income_spending_min")
    asset_minimum = asset_share * prior_net_assets
    income_minimum = income_share * prior_income
    public = frame.public_fundraising[:, None]
    tol = m.AMOUNT_TOLERANCE
    with np.errstate(invalid="ignore"):
        short_public = public & (spend < public_minimum - tol)
        short_assets = ~public & (spend < asset_minimum - tol)
        short_income = ~public & (spend < income_minimum - tol)
    short = (short_public | short_assets | short_income) & frame.filed[:, cols]
    short &= _charity_scope(frame)[:, None]
    rows, at = np.nonzero(short)

    use_income = short_income[rows, at] & ~(
        short_assets[rows, at]
        & (asset_minimum[rows, at] >= np.nan_to_num(income_minimum[rows, at]))
    )
    averaged = average[rows, at] < prior_income[rows, at]
    basis = np.where(
        public[rows, 0],
        np.where(averaged, "three_year_average_income", "prior_year_income"),
        np.where(use_income, "prior_year_income", "prior_year_net_assets"),
    )
    basis_amount = np.where(
        public[rows, 0],
        public_base[rows, at],
        np.where(use_income, prior_income[rows, at], prior_net_assets[rows, at]),
    )
    share = np.where(
        public[rows, 0],
        m.PUBLIC_FUNDRAISING_SPENDING_MIN.value,
        np.where(use_income, income_share[rows, at], asset_share[rows, at]),
    )
    col = cols[at]
    return Hits(
        org=rows,
        fiscal_year=frame.years[col],
        evidence={
            "filing_id": ids(frame.filing_pk[rows, col]),
            "expenses_programs": amounts(spend[rows, at]),
            "minimum": amounts(share * basis_amount),
            "basis": basis.tolist(),
            "basis_amount": amounts(basis_amount),
            "required_share": shares(share),
        },
    )


@rule(
    "MANAGEMENT_COST_OVER_CAP",
    title=Text("管理费用超过规定比例", "Management costs above the cap"),
    registries=(CN_MCA,),
    sources={CN_MCA: SPENDING_SOURCES},
    evidence="the filing, its management cost, total expenses, their share and the cap",
    advice=Text(
        "压缩管理费用，使其不超过当年总支出的规定比例；管理费用可按前三年平均计算。",
        "Bring management costs under the cap on the year's total expenses; the "
        "three-year average may be used.",
    ),
)
def management_cost_over_cap(frame: FactsFrame) -> Hits:
    """Management cost above its cap as a share of the year's total expenses.

    Charities and foundations. Caps: 10% for public-fundraising foundations (Charity
    Law Art. 61), 13% for other public-fundraising charities, by prior year-end net
    assets otherwise (2016 rules). No cap applies while the management cost is under
    CNY 200,000 (``MANAGEMENT_COST_FLOOR``), and no breach where the three-year
    totals (this year and the two before, all reported) are within the cap.
    """
    cols = frame.window_columns
    management = frame.expenses_management[:, cols]
    total = frame.total_expenses[:, cols]
    prior_net_assets = frame.net_assets[:, cols - 1]
    public_cap = np.where(
        frame.org_type == FOUNDATION,
        m.PUBLIC_FOUNDATION_MANAGEMENT_CAP.value,
        m.PUBLIC_OTHER_MANAGEMENT_CAP.value,
    )[:, None]
    cap = np.where(
        frame.public_fundraising[:, None],
        public_cap,
        _non_public_tiers(frame, prior_net_assets, "management_cap"),
    )
    management_3y = sum(frame.expenses_management[:, cols - k] for k in (0, 1, 2))
    total_3y = sum(frame.total_expenses[:, cols - k] for k in (0, 1, 2))
    tol = m.AMOUNT_TOLERANCE
    with np.errstate(invalid="ignore"):
        over = (
            frame.filed[:, cols]
            & _charity_scope(frame)[:, None]
            & (total > 0)
            & (management >= m.MANAGEMENT_COST_FLOOR.value - tol)
            & (management > cap * total + tol)
            & ~(management_3y <= cap * total_3y + tol)
        )
    rows, at = np.nonzero(over)
    col = cols[at]
    return Hits(
        org=rows,
        fiscal_year=frame.years[col],
        evidence={
            "filing_id": ids(frame.filing_pk[rows, col]),
            "expenses_management": amounts(management[rows, at]),
            "total_expenses": amounts(total[rows, at]),
            "share": shares(management[rows, at] / total[rows, at]),
            "cap": shares(cap[rows, at]),
        },
    )


# Events showing an organization still acting (and being penalised for it).
ACTIVITY_EVENT_KINDS = (WARNING, FINE, SUSPENSION, BAN)
REVOKED_STATUSES = (REVOKED, CANCELLED, DEREGISTERED)


@rule(
    "OPERATING_AFTER_REVOCATION",
    title=Text(
        "被吊销、撤销或注销后仍在活动", "Active after revocation or deregistration"
    ),
    registries=(CN_MCA,),
    sources={
        CN_MCA: Text(
            "《社会团体登记管理条例》第三十二条；《基金会管理条例》第四十条；"
            "《民办非企业单位登记管理暂行条例》第二十七条（予以取缔）",
            "Regulations on Social Groups Art. 32; Regulations on Foundations Art. "
            "40; Interim Regulations on Private Non-enterprise Units Art. 27 "
            "(activity after cancellation is banned, 取缔)",
        )
    },
    evidence="the status and its date; the filings submitted and events dated after it",
    advice=Text(
        "停止以社会组织名义开展任何活动；如需继续活动，应依法重新申请登记。",
        "Stop all activity in the organization's name; to continue, apply for "
        "registration again.",
    ),
)
def operating_after_revocation(frame: FactsFrame) -> Hits:
    """Filings or activity dated after an organization was revoked or deregistered.

    An illegal-organization signal (the Regulations ban activity after revocation):
    an annual report submitted after ``status_changed_on``, or a warning, fine,
    suspension or ban (取缔) dated after it, for an organization now revoked (吊销),
    cancelled (撤销) or deregistered (注销). One reason per organization, listing all.
    The organization is not rated; this is a warning, not a deduction.
    """
    ended = np.isin(frame.status, REVOKED_STATUSES) & ~np.isnat(frame.status_changed_on)
    changed = frame.status_changed_on
    late_filing = ended[frame.filing_row] & (
        frame.filing_submitted_on > changed[frame.filing_row]
    )
    late_event = (
        ended[frame.event_row]
        & np.isin(frame.event_kind, ACTIVITY_EVENT_KINDS)
        & (frame.event_date > changed[frame.event_row])
    )
    rows = np.unique(
        np.concatenate([frame.filing_row[late_filing], frame.event_row[late_event]])
    )
    filings = _grouped(
        frame.filing_row[late_filing],
        rows,
        frame.filing_id[late_filing],
        frame.filing_year[late_filing],
        np.array(iso_dates(frame.filing_submitted_on[late_filing]), dtype=object),
    )
    events = _grouped(
        frame.event_row[late_event],
        rows,
        frame.event_id[late_event],
        frame.event_kind[late_event],
        np.array(iso_dates(frame.event_date[late_event]), dtype=object),
    )
    return Hits(
        org=rows,
        evidence={
            "status": frame.status[rows].tolist(),
            "status_changed_on": iso_dates(changed[rows]),
            "filings": [
                [
                    {"filing_id": i or None, "fiscal_year": y, "submitted_on": d}
                    for i, y, d in zip(*g, strict=True)
                ]
                for g in filings
            ],
            "events": [
                [
                    {"event_id": i or None, "kind": k, "date": d}
                    for i, k, d in zip(*g, strict=True)
                ]
                for g in events
            ],
        },
    )


# --- unregistered names ----------------------------------------------------------------

NAME_IMPERSONATION = register(
    Rule(
        code="NAME_IMPERSONATION",
        title=Text(
            "疑似冒用社会组织名称或擅用“中国”“全国”等字样",
            "Name resembling a registered organization or using a national-level word",
        ),
        registries=(CN_MCA,),
        sources={
            CN_MCA: Text(
                "《社会团体登记管理条例》第十条（冠以“中国”“全国”“中华”等字样须经批准）、"
                "第三十二条（未经登记以社会团体名义活动予以取缔）；《慈善法》第三十三条",
                "Regulations on Social Groups Art. 10 (中国/全国/中华 in a name need "
                "national approval) and Art. 32 (activity without registration is "
                "banned); Charity Law Art. 33 (no impersonating a charity)",
            )
        },
        evidence=(
            "the unregistered name, and the registered organization it resembles with "
            "the similarity, or the national-level words it uses"
        ),
        advice=Text(
            "公众：捐赠或参加活动前，请在本平台核实组织的登记信息；登记管理机关：核查后依法取缔。",
            "Public: check an organization's registration here before giving or "
            "joining. Registration authorities: investigate, and ban (取缔) if "
            "unregistered.",
        ),
        doc=(
            "An unregistered name (from a public report, a published list of illegal "
            "organizations or a watch list) that is close to a registered "
            "organization's name, or that uses 中国, 中华, 全国, 国际, China, National "
            "or International. Found on the name, never on the registered "
            "organization's score: the look-alike is the suspect, not the original."
        ),
    )
)
