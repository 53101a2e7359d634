"""The demo registry: a generated, deterministic Chinese register of social organizations.

The portal is demonstrated, tested and benchmarked on it before a real register is
imported, and the credit rules need misbehaviour they are known to find, so the
generator plants late filers, zombies, overspending on management, revocations and the
rest at the rates in ``DemoRates``.

``demo_registry_generate`` is pure: the same ``DemoConfig`` yields the same rows,
drawn with NumPy's PCG64 in fixed blocks of ``BLOCK_SIZE`` organizations, each block
from its own seed, so output never depends on how it is written. ``demo_registry_seed``
writes the rows in one transaction: COPY on PostgreSQL (a million organizations in a
few minutes), ``bulk_create`` elsewhere.

Region codes (GB/T 2260) and civil-affairs authorities are real; organizations,
people, amounts and penalties are invented.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Max
from django.utils import timezone

from .identifiers import USCC_CHARSET, USCC_WEIGHTS, make_org_id
from .models import (
    Filing,
    FilingForm,
    FormerName,
    Officer,
    Organization,
    Registry,
    RegulatoryEvent,
    UnregisteredName,
)
from .regions import NATIONAL, PROVINCES


@dataclass(frozen=True)
class DemoRates:
    """How often each trait and misbehaviour is planted (shares, unless noted).

    Types and levels roughly follow the Ministry of Civil Affairs' statistics (about
    890,000 organizations: 41% social groups, 58% social service agencies, 1%
    foundations). Misbehaviour rates are illustrative: common enough for every rule to
    find cases in a few thousand organizations, rare enough to look like a register.
    """

    # Registration level; the rest register at county level.
    national: float = 0.003  # the ministry itself registers ~2,300 organizations
    provincial: float = 0.07
    municipal: float = 0.27
    # Type; the rest are social service agencies (~58%).
    social_group: float = 0.41
    foundation: float = 0.01
    english_name: float = 0.10  # local organizations that also have an English name
    english_name_national: float = 0.80  # national ones usually do
    charity_foundation: float = 0.70  # foundations recognized as charities
    charity_other: float = 0.055  # other types recognized as charities (~6% overall)
    public_fundraising: float = 0.20  # of charities, qualified to raise funds publicly
    mean_age_years: float = 15.0  # exponential age: ~28% registered in the last 5 years
    late_filing: float = 0.08  # of annual reports each year: submitted after 31 May
    missed_year: float = 0.02  # of organization-years: one report skipped, then resumed
    zombie: float = 0.05  # of organizations: active, no report for the last 2+ years
    dormant_filing: float = 0.02  # of non-charity reports: no income at all
    underspending: float = 0.03  # of public-fundraising charity reports: programmes
    # below 70% of the prior year's income (2016 MCA/MOF/SAT spending standard)
    management_over_cap: float = 0.03  # of charity reports: management costs above
    # 10% (foundations) or 13% (others) of total expenses
    inconsistent_accounts: float = 0.01  # of reports: assets - liabilities != net
    investment_loss: float = 0.03  # of reports: negative investment income
    warning: float = 0.010  # warnings per organization-year
    fine: float = 0.003  # fines per organization-year
    suspension: float = 0.001  # suspension orders per organization-year
    revoked: float = 0.03  # registration certificate revoked (吊销)
    revoked_keep_filing: float = 0.30  # of revoked organizations: still filing after
    deregistered: float = 0.04  # wound up voluntarily (注销)
    cancelled: float = 0.003  # registration cancelled (撤销), e.g. obtained by fraud
    suspended: float = 0.002  # currently under a suspension order
    former_name: float = 0.03  # organizations that changed their name
    unregistered_name: float = 0.005  # look-alike unregistered names per organization


RATES = DemoRates()

# Fines in yuan and their probabilities: about a fifth are 50,000 yuan or more.
FINE_YUAN = np.array(
    [1_000, 2_000, 5_000, 10_000, 20_000, 30_000, 50_000, 80_000, 100_000, 200_000]
)
FINE_P = np.array([0.05, 0.10, 0.20, 0.20, 0.15, 0.10, 0.10, 0.04, 0.04, 0.02])

BLOCK_SIZE = 10_000  # organizations per generated block; part of the output's identity
DEMO_SOURCE = "seed_demo"  # Filing.source of every generated report
NULL = r"\N"  # NULL in PostgreSQL's COPY text format


CAUSES = (
    # slug, purpose clause
    ("education", "资助家庭经济困难学生，支持教育事业发展"),
    ("poverty_relief", "开展扶贫济困活动，助力乡村振兴"),
    ("elderly_care", "为老年人提供生活照料、精神慰藉等养老服务"),
    ("health", "开展健康教育和医疗救助，促进公众健康"),
    ("disability", "为残疾人提供康复、就业和社会融合支持"),
    ("children", "维护妇女儿童合法权益，关爱困境儿童成长"),
    ("environment", "开展环境保护宣传与生态修复，推动绿色发展"),
    ("disaster_relief", "开展防灾减灾宣传、应急救援和灾后重建"),
    ("culture", "繁荣文化事业，保护和传承优秀传统文化"),
    ("sport", "组织开展群众性体育活动，增强人民体质"),
    ("science", "普及科学知识，促进科技创新与成果转化"),
    ("community", "参与社区治理，为社区居民提供公益服务"),
    ("volunteering", "招募培训志愿者，组织开展志愿服务"),
)
CAUSE_INDEX = {slug: i for i, (slug, _) in enumerate(CAUSES)}

# What an organization is about: the words in its name, its main cause, English.
THEMES = (
    ("教育发展", "education", "Education Development"),
    ("助学", "education", "Student Aid"),
    ("儿童阅读", "education", "Children's Reading"),
    ("乡村教育", "education", "Rural Education"),
    ("扶贫开发", "poverty_relief", "Poverty Alleviation"),
    ("乡村振兴", "poverty_relief", "Rural Revitalization"),
    ("助困", "poverty_relief", "Hardship Relief"),
    ("老年人关爱", "elderly_care", "Elderly Care and Support"),
    ("居家养老", "elderly_care", "Home-based Elderly Care"),
    ("老龄事业发展", "elderly_care", "Ageing Affairs"),
    ("健康促进", "health", "Health Promotion"),
    ("医疗救助", "health", "Medical Aid"),
    ("心理健康", "health", "Mental Health"),
    ("中医药", "health", "Traditional Chinese Medicine"),
    ("残疾人福利", "disability", "Disability Welfare"),
    ("助残", "disability", "Disability Support"),
    ("孤独症儿童康复", "disability", "Autism Rehabilitation"),
    ("妇女儿童", "children", "Women and Children"),
    ("儿童福利", "children", "Child Welfare"),
    ("青少年发展", "children", "Youth Development"),
    ("留守儿童关爱", "children", "Left-behind Children Care"),
    ("环境保护", "environment", "Environmental Protection"),
    ("生态文明", "environment", "Ecological Civilization"),
    ("野生动物保护", "environment", "Wildlife Conservation"),
    ("应急救援", "disaster_relief", "Emergency Rescue"),
    ("防灾减灾", "disaster_relief", "Disaster Prevention"),
    ("文化发展", "culture", "Cultural Development"),
    ("书法家", "culture", "Calligraphers"),
    ("摄影家", "culture", "Photographers"),
    ("非物质文化遗产保护", "culture", "Intangible Cultural Heritage"),
    ("戏曲", "culture", "Chinese Opera"),
    ("足球", "sport", "Football"),
    ("篮球", "sport", "Basketball"),
    ("围棋", "sport", "Go"),
    ("武术", "sport", "Martial Arts"),
    ("全民健身", "sport", "Fitness for All"),
    ("科技创新", "science", "Technology Innovation"),
    ("科普", "science", "Science Popularization"),
    ("人工智能", "science", "Artificial Intelligence"),
    ("社区发展", "community", "Community Development"),
    ("社区公益", "community", "Community Welfare"),
    ("邻里互助", "community", "Neighbourhood Mutual Aid"),
    ("志愿者", "volunteering", "Volunteers"),
    ("义工", "volunteering", "Volunteer Workers"),
    ("青年志愿者", "volunteering", "Young Volunteers"),
)

# Optional distinctive words; the first entry is "none".
BRANDS = (
    ("", ""),
    ("阳光", "Sunshine"),
    ("爱心", "Caring Heart"),
    ("春晖", "Chunhui"),
    ("明德", "Mingde"),
    ("博爱", "Bo'ai"),
    ("同心", "Tongxin"),
    ("星光", "Starlight"),
    ("心桥", "Heart Bridge"),
    ("和美", "Hemei"),
    ("善缘", "Shanyuan"),
    ("益友", "Yiyou"),
    ("彩虹", "Rainbow"),
    ("蓝天", "Blue Sky"),
    ("绿洲", "Oasis"),
    ("晨曦", "Dawn"),
    ("长青", "Evergreen"),
    ("守望", "Shouwang"),
    ("仁爱", "Ren'ai"),
    ("春苗", "Seedling"),
    ("向日葵", "Sunflower"),
    ("启航", "Qihang"),
    ("惠民", "Huimin"),
)

ORG_TYPES = ("social_group", "social_service_agency", "foundation")
TYPE_DIGITS = ("1", "2", "3")  # second character of the code, by ORG_TYPES index
# Name endings by type; an unregistered look-alike uses one no registered name has.
SUFFIXES = (
    (("协会", "Association"), ("促进会", "Promotion Association"),
     ("联合会", "Federation"), ("研究会", "Research Society")),
    (("服务中心", "Service Center"), ("社会工作服务中心", "Social Work Service Center"),
     ("发展中心", "Development Center"), ("研究院", "Research Institute")),
    (("基金会", "Foundation"), ("慈善基金会", "Charity Foundation"),
     ("公益基金会", "Public Welfare Foundation")),
)  # fmt: skip
UNREGISTERED_SUFFIXES = ("总会", "联盟", "工作委员会", "联合总会")
NATIONAL_WORDS = ("中国", "中华", "全国", "国际", "中华国际", "世界")
INSERTED_WORDS = ("国际", "中华", "环球")
LEVELS = ("national", "provincial", "municipal", "county")
STATUSES = ("active", "revoked", "deregistered", "cancelled", "suspended")
ACTIVE, REVOKED, DEREGISTERED, CANCELLED, SUSPENDED = range(5)
ROLES = ("理事长", "秘书长", "监事")  # officers in this order; the chair represents it
AUDIT_OPINIONS = ("unqualified", "qualified", "disclaimer", "adverse")
AUDIT_P = (0.94, 0.045, 0.01, 0.005)

SURNAMES = tuple(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
)
GIVEN = tuple(
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国文辉玲红梅鹏飞斌宇浩凯健俊帆旭宁龙林欣佳晨婷雪琳晓春海云志鑫颖慧峰亮成"
)
STREETS = ("人民路", "解放路", "中山路", "建设路", "和平路", "文化路", "新华路", "胜利路",
           "朝阳路", "青年路", "长江路", "黄河路", "学府路", "民主路", "光明路", "东风路",
           "幸福路", "团结路", "健康路", "花园路")  # fmt: skip
SEEN_WHERE = (
    "微信公众号",
    "短视频平台",
    "街头募捐点",
    "社区宣传栏",
    "网站",
    "电话推销",
    "会议活动",
)

REASONS = {
    "warning": (
        "未按规定报送年度工作报告",
        "未按规定办理变更登记",
        "未按规定进行信息公开",
        "违反规定开展评比达标表彰活动",
    ),
    "fine": (
        "违反规定收取费用",
        "超出章程规定的宗旨和业务范围进行活动",
        "违反规定接受和使用捐赠",
        "侵占、挪用社会组织资产",
    ),
    "suspension": (
        "责令限期停止活动三个月：违反规定收取费用",
        "责令限期停止活动：拒不接受监督检查",
    ),
    "revocation": (
        "吊销登记证书：连续两年未参加年度检查",
        "吊销登记证书：从事营利性经营活动",
    ),
    "cancellation": ("撤销登记：登记时弄虚作假、骗取登记",),
    "deregistration": ("注销登记：按章程规定解散并完成清算",),
}


@dataclass(frozen=True)
class DemoConfig:
    """What to generate: ``years`` fiscal years ending with the last one before ``today``."""

    organizations: int = 3000
    years: int = 5
    seed: int = 1
    today: dt.date = field(default_factory=dt.date.today)

    def __post_init__(self):
        if self.organizations < 1:
            raise ValueError("organizations must be at least 1")
        if not 1 <= self.years <= 40:
            raise ValueError("years must be between 1 and 40")
        if self.seed < 0:
            raise ValueError("seed must be zero or positive")

    @property
    def fiscal_years(self) -> range:
        last = self.today.year - 1
        return range(last - self.years + 1, last + 1)


@dataclass(frozen=True)
class Money:
    """A column of amounts in fen (hundredths of a yuan); ``missing`` marks NULLs."""

    fen: np.ndarray
    missing: np.ndarray | None = None


# A column is a NumPy array (integers, booleans, datetime64[D] with NaT for NULL),
# Money, a list of str, or a list of lists (JSON).
Columns = dict[str, object]


@dataclass
class DemoBlock:
    """The rows generated for one block of organizations, column by column.

    ``id`` and ``organization_id`` hold the organization's position in the whole run
    (0-based); the writer adds the first database id.
    """

    organizations: Columns
    officers: Columns
    former_names: Columns
    filings: Columns
    events: Columns
    unregistered_names: Columns

    def tables(self) -> list[tuple[type, Columns]]:
        return [
            (Organization, self.organizations),
            (Officer, self.officers),
            (FormerName, self.former_names),
            (Filing, self.filings),
            (RegulatoryEvent, self.events),
            (UnregisteredName, self.unregistered_names),
        ]


@dataclass
class DemoSummary:
    """How many rows of each kind were generated (and written), and how long it took."""

    organizations: int = 0
    officers: int = 0
    former_names: int = 0
    filings: int = 0
    events: int = 0
    unregistered_names: int = 0
    seconds: float = 0.0

    def add(self, block: DemoBlock) -> None:
        for name in (
            "organizations",
            "officers",
            "former_names",
            "filings",
            "events",
            "unregistered_names",
        ):
            setattr(self, name, getattr(self, name) + _row_count(getattr(block, name)))


class RegistryNotEmptyError(Exception):
    """The registry already holds rows and the caller did not ask to flush them."""


class RegistryFlushError(Exception):
    """Another table refers to the registry in a way a flush must not override."""


# --- reference tables as arrays ------------------------------------------------------


@dataclass(frozen=True)
class _Places:
    """Every place an organization can be registered at, as parallel arrays.

    Place 0 is the nation, then the provinces, cities and counties in table order.
    """

    code: np.ndarray  # str, GB/T 2260 (100000 for the nation)
    code_digits: np.ndarray  # (places, 6) positions in USCC_CHARSET
    authority: np.ndarray  # the civil-affairs bureau that registers there
    prefix: np.ndarray  # how a registered name starts
    english: np.ndarray
    penalty_ref: np.ndarray  # start of a penalty decision's reference
    list_ref: np.ndarray  # start of an abnormal-activity list decision's reference
    address: np.ndarray  # counties only: province, city and county
    province_weight: np.ndarray
    municipality: np.ndarray  # by province
    city_first: np.ndarray  # by province: index of its first city (its capital)
    city_count: np.ndarray
    county_first: np.ndarray  # by city
    county_count: np.ndarray
    beijing: int
    province0: int
    city0: int
    county0: int


def _build_places() -> _Places:
    rows = [
        (NATIONAL[0], NATIONAL[1], NATIONAL[2], NATIONAL[3], "民政部罚", "民政部异", "")
    ]
    cities, counties = [], []
    weight, municipality, city_first, city_count = [], [], [], []
    for code, name, abbr, english, thousands, province_cities in PROVINCES:
        is_municipality = name.endswith("市")
        bureau = "民政局" if is_municipality else "民政厅"
        rows.append(
            (code, name + bureau, name, english, f"{abbr}民罚", f"{abbr}民异", "")
        )
        weight.append(thousands)
        municipality.append(is_municipality)
        city_first.append(len(cities))
        city_count.append(len(province_cities))
        for city_code, city, city_en, county_text in province_cities:
            parts = county_text.split()
            cities.append(
                (city_code, city, city_en, abbr, len(counties), len(parts) // 2)
            )
            for county_code, county in zip(parts[::2], parts[1::2], strict=True):
                # Districts are named with their city; counties and county-level
                # cities stand on their own.
                full = city + county if county.endswith("区") else county
                where = name + county if is_municipality else name + city + county
                counties.append((county_code, full, city_en, abbr, where))
    for city_code, city, city_en, abbr, _, _ in cities:
        rows.append(
            (
                city_code,
                city + "民政局",
                city,
                city_en,
                f"{abbr}民罚",
                f"{abbr}民异",
                "",
            )
        )
    for county_code, full, city_en, abbr, where in counties:
        rows.append(
            (
                county_code,
                full + "民政局",
                full,
                city_en,
                f"{abbr}民罚",
                f"{abbr}民异",
                where,
            )
        )
    columns = [np.array(column, dtype=object) for column in zip(*rows, strict=True)]
    digits = np.array([[USCC_CHARSET.index(ch) for ch in row[0]] for row in rows])
    weights = np.array(weight, dtype=float)
    return _Places(
        code=columns[0],
        code_digits=digits,
        authority=columns[1],
        prefix=columns[2],
        english=columns[3],
        penalty_ref=columns[4],
        list_ref=columns[5],
        address=columns[6],
        province_weight=weights / weights.sum(),
        municipality=np.array(municipality),
        city_first=np.array(city_first),
        city_count=np.array(city_count),
        county_first=np.array([c[4] for c in cities]),
        county_count=np.array([c[5] for c in cities]),
        beijing=[p[0] for p in PROVINCES].index("110000"),
        province0=1,
        city0=1 + len(PROVINCES),
        county0=1 + len(PROVINCES) + len(cities),
    )


PLACES = _build_places()
_THEME_WORD = np.array([t[0] for t in THEMES], dtype=object)
_THEME_EN = np.array([t[2] for t in THEMES], dtype=object)
_THEME_CAUSE = np.array([CAUSE_INDEX[t[1]] for t in THEMES])
_BRAND_WORD = np.array([b[0] for b in BRANDS], dtype=object)
_BRAND_EN = np.array([b[1] + " " if b[1] else "" for b in BRANDS], dtype=object)
_SUFFIX_WORD = np.array([s[0] for group in SUFFIXES for s in group], dtype=object)
_SUFFIX_EN = np.array([s[1] for group in SUFFIXES for s in group], dtype=object)
_SUFFIX_FIRST = np.cumsum([0] + [len(group) for group in SUFFIXES[:-1]])
_SUFFIX_COUNT = np.array([len(group) for group in SUFFIXES])
_CAUSE_SLUG = [slug for slug, _ in CAUSES]
_CAUSE_CLAUSE = [clause for _, clause in CAUSES]
_SURNAME_P = 1 / (np.arange(len(SURNAMES)) + 4.0)
_SURNAME_P /= _SURNAME_P.sum()
_CHARSET_CODEPOINTS = np.array([ord(ch) for ch in USCC_CHARSET], dtype=np.uint32)
_USCC_WEIGHTS = np.array(USCC_WEIGHTS)
_ORG_CODE_WEIGHTS = np.array([3, 7, 9, 10, 5, 8, 4, 2])  # GB 11714-1997
_X = USCC_CHARSET.index("X")
_MJ = [USCC_CHARSET.index("M"), USCC_CHARSET.index("J")]
# Codes issued from 2016 carry a new 9-character organization code beginning "MJ";
# older organizations kept their GB 11714 code (8 digits and a check character).
_NEW_CODES_FROM = dt.date(2016, 1, 1)


# --- calendar ------------------------------------------------------------------------


def _day(date: dt.date) -> int:
    return (date - dt.date(1970, 1, 1)).days


def _year_of(days: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970


def _dates(days: np.ndarray, missing: np.ndarray | None = None) -> np.ndarray:
    dates = days.astype("datetime64[D]")
    if missing is not None:
        dates[missing] = np.datetime64("NaT")
    return dates


@dataclass(frozen=True)
class _Calendar:
    """Day numbers (days since 1970-01-01) the generator works with."""

    today: int
    years: np.ndarray  # the fiscal years, plus the one before them first
    jan1: np.ndarray
    dec31: np.ndarray
    due: np.ndarray  # 31 May of the following year
    window_start: int  # 1 January of the first fiscal year
    new_codes_from: int

    @classmethod
    def of(cls, config: DemoConfig) -> _Calendar:
        years = list(range(config.fiscal_years.start - 1, config.fiscal_years.stop))
        return cls(
            today=_day(config.today),
            years=np.array(years),
            jan1=np.array([_day(dt.date(y, 1, 1)) for y in years]),
            dec31=np.array([_day(dt.date(y, 12, 31)) for y in years]),
            due=np.array([_day(dt.date(y + 1, 5, 31)) for y in years]),
            window_start=_day(dt.date(config.fiscal_years.start, 1, 1)),
            new_codes_from=_day(_NEW_CODES_FROM),
        )


# --- generation ----------------------------------------------------------------------


def demo_registry_generate(
    *, config: DemoConfig, rates: DemoRates = RATES
) -> Iterator[DemoBlock]:
    """Yield the demo registry block by block; the same arguments give the same rows."""
    calendar = _Calendar.of(config)
    keys = np.random.Generator(
        np.random.PCG64(np.random.SeedSequence([config.seed, 0]))
    )
    # Organization codes come from two affine bijections of the organization's
    # position, so they are unique without remembering the ones already issued.
    code_keys = (
        int(keys.integers(1, 2**20)) * 31 + int(keys.integers(1, 31)),
        int(keys.integers(0, 31**7)),
        int(keys.integers(1, 2**20)) * 10 + int(keys.choice([1, 3, 7, 9])),
        int(keys.integers(0, 10**8)),
    )
    unregistered_seen: set[tuple[str, str, str]] = set()
    for block_index, first in enumerate(range(0, config.organizations, BLOCK_SIZE)):
        rng = np.random.Generator(
            np.random.PCG64(np.random.SeedSequence([config.seed, 1, block_index]))
        )
        count = min(BLOCK_SIZE, config.organizations - first)
        orgs = _draw_organizations(rng, rates, calendar, code_keys, first, count)
        officers = _draw_officers(rng, orgs)
        orgs.columns["legal_representative"] = officers.pop("chair")
        filings = _draw_filings(rng, rates, calendar, orgs)
        former_names = _draw_former_names(rng, rates, calendar, orgs)
        events = _draw_events(rng, rates, calendar, orgs, former_names)
        unregistered = _draw_unregistered_names(
            rng, rates, calendar, orgs, unregistered_seen
        )
        yield DemoBlock(
            organizations=orgs.columns,
            officers=officers,
            former_names=former_names,
            filings=filings,
            events=events,
            unregistered_names=unregistered,
        )


@dataclass
class _Orgs:
    """One block's organizations: the traits later draws depend on, and the columns."""

    first: int
    n: int
    org_type: np.ndarray
    level: np.ndarray
    place: np.ndarray
    registered: np.ndarray
    status: np.ndarray
    status_date: np.ndarray  # -1 while active
    keep_filing: np.ndarray  # revoked, but files as if nothing happened
    zombie_gap: np.ndarray  # how many final fiscal years a zombie skips (0: none)
    charity: np.ndarray
    public_fundraising: np.ndarray
    prefix: np.ndarray
    brand: np.ndarray
    theme: np.ndarray
    suffix: np.ndarray
    columns: Columns


def _choose(rng: np.random.Generator, n: int, shares: list[float]) -> np.ndarray:
    """Category numbers 0..len(shares) for n items; the last takes what is left."""
    return np.searchsorted(np.cumsum(shares), rng.random(n), side="right")


def _pick(rng: np.random.Generator, first: np.ndarray, count: np.ndarray) -> np.ndarray:
    """A uniformly chosen index in first[i] .. first[i] + count[i] - 1, per item."""
    return first + (rng.random(len(first)) * count).astype(np.int64)


def _between(rng: np.random.Generator, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """A uniformly chosen day in low .. high (inclusive), per item."""
    return low + (rng.random(len(low)) * (high - low + 1)).astype(np.int64)


def _draw_organizations(rng, rates, calendar, code_keys, first, n) -> _Orgs:
    r = rates
    places = PLACES
    position = np.arange(first, first + n, dtype=np.int64)
    org_type = _choose(rng, n, [r.social_group, 1 - r.social_group - r.foundation])
    level = _choose(rng, n, [r.national, r.provincial, r.municipal])

    # Where: a province by size, a city (the capital more often), a county in it.
    province = rng.choice(len(PROVINCES), size=n, p=places.province_weight)
    province[level == 0] = places.beijing
    city_offset = (rng.random(n) * places.city_count[province]).astype(np.int64)
    city_offset[(rng.random(n) < 0.35) | (level <= 1)] = 0
    city = places.city_first[province] + city_offset
    county = _pick(rng, places.county_first[city], places.county_count[city])
    # Municipalities have no prefecture level: their city bureau is the provincial one.
    level[(level == 2) & places.municipality[province]] = 1
    place = np.select(
        [level == 0, level == 1, level == 2],
        [0, places.province0 + province, places.city0 + city],
        places.county0 + county,
    )

    # When: exponential ages, at most 45 years (the oldest registers began in 1981).
    age = np.minimum(rng.exponential(r.mean_age_years * 365.25, n), 45 * 365.25)
    registered = calendar.today - 7 - age.astype(np.int64)

    # Status, with the date it changed; too recent an organization stays active.
    status = _choose(
        rng,
        n,
        [
            1 - r.revoked - r.deregistered - r.cancelled - r.suspended,
            r.revoked,
            r.deregistered,
            r.cancelled,
        ],
    )
    keep_filing = (status == REVOKED) & (rng.random(n) < r.revoked_keep_filing)
    low = np.maximum(registered + 365, calendar.window_start)
    # A revoked organization that keeps filing must have a fiscal year left to file.
    high = np.where(keep_filing, calendar.dec31[-2], calendar.today - 1)
    changed = status != ACTIVE
    status[changed & (low > high)] = ACTIVE
    keep_filing &= status == REVOKED
    status_date = np.where(status == ACTIVE, -1, _between(rng, low, high))

    active_share = 1 - r.revoked - r.deregistered - r.cancelled - r.suspended
    zombie = (status == ACTIVE) & (rng.random(n) < r.zombie / active_share)
    gap = 2 + (rng.random(n) * max(1, len(calendar.years) - 3)).astype(np.int64)
    zombie_gap = np.where(zombie, np.minimum(gap, len(calendar.years) - 1), 0)

    charity_rate = np.where(org_type == 2, r.charity_foundation, r.charity_other)
    charity = rng.random(n) < charity_rate
    public_fundraising = charity & (rng.random(n) < r.public_fundraising)

    # Names: place, an optional distinctive word, the theme, the type's ending.
    theme = rng.integers(0, len(THEMES), n)
    brand = np.where(rng.random(n) < 0.45, rng.integers(1, len(BRANDS), n), 0)
    suffix = _pick(rng, _SUFFIX_FIRST[org_type], _SUFFIX_COUNT[org_type])
    prefix = places.prefix[place]
    name = _concat(prefix, _BRAND_WORD[brand], _THEME_WORD[theme], _SUFFIX_WORD[suffix])
    english_rate = np.where(level == 0, r.english_name_national, r.english_name)
    english = rng.random(n) < english_rate
    name_en = _concat(
        places.english[place],
        np.full(n, " ", dtype=object),
        _BRAND_EN[brand],
        _THEME_EN[theme],
        np.full(n, " ", dtype=object),
        _SUFFIX_EN[suffix],
    )
    name_en = [
        en if has else "" for en, has in zip(name_en, english.tolist(), strict=True)
    ]

    second_cause = rng.integers(0, len(CAUSES), n)
    has_second = (rng.random(n) < 0.3) & (second_cause != _THEME_CAUSE[theme])
    causes, purposes = [], []
    for main, second, both in zip(
        _THEME_CAUSE[theme].tolist(),
        second_cause.tolist(),
        has_second.tolist(),
        strict=True,
    ):
        chosen = (main, second) if both else (main,)
        causes.append([_CAUSE_SLUG[c] for c in chosen])
        clauses = "；".join(_CAUSE_CLAUSE[c] for c in chosen)
        purposes.append(
            f"遵守宪法、法律、法规和国家政策，践行社会主义核心价值观，{clauses}。"
        )

    number = rng.integers(1, 400, n)
    room = np.where(
        rng.random(n) < 0.4, rng.integers(2, 30, n) * 100 + rng.integers(1, 20, n), 0
    )
    street = rng.integers(0, len(STREETS), n)
    address = [
        f"{where}{STREETS[s]}{num}号" + (f"{rm // 100}楼{rm}室" if rm else "")
        for where, s, num, rm in zip(
            places.address[places.county0 + county].tolist(),
            street.tolist(),
            number.tolist(),
            room.tolist(),
            strict=True,
        )
    ]

    identifier = _uscc(
        org_type, places.code_digits[place], registered, position, calendar, code_keys
    )
    columns: Columns = {
        "id": position,
        "registry": [Registry.CN_MCA.value] * n,
        "identifier": identifier,
        "org_id": [make_org_id(Registry.CN_MCA.value, code) for code in identifier],
        "name": name,
        "name_en": name_en,
        "org_type": np.array(ORG_TYPES, dtype=object)[org_type].tolist(),
        "charity": charity,
        "public_fundraising": public_fundraising,
        "registration_level": np.array(LEVELS, dtype=object)[level].tolist(),
        "registering_authority": places.authority[place].tolist(),
        "region": places.code[place].tolist(),
        "registered_on": _dates(registered),
        "status": np.array(STATUSES, dtype=object)[status].tolist(),
        "status_changed_on": _dates(np.maximum(status_date, 0), status == ACTIVE),
        "legal_representative": None,  # the chair, filled in with the officers
        "address": address,
        "website": [""] * n,
        "purpose": purposes,
        "causes": causes,
    }
    return _Orgs(
        first=first,
        n=n,
        org_type=org_type,
        level=level,
        place=place,
        registered=registered,
        status=status,
        status_date=status_date,
        keep_filing=keep_filing,
        zombie_gap=zombie_gap,
        charity=charity,
        public_fundraising=public_fundraising,
        prefix=prefix,
        brand=brand,
        theme=theme,
        suffix=suffix,
        columns=columns,
    )


def _concat(*parts: np.ndarray) -> list[str]:
    return [
        "".join(strings) for strings in zip(*(p.tolist() for p in parts), strict=True)
    ]


def _uscc(
    org_type, place_digits, registered, position, calendar, code_keys
) -> list[str]:
    """Unified social credit codes: 5, type digit, region, organization code, check.

    The check character follows GB 32100-2015 (``identifiers.uscc_check_character``,
    computed here for a whole block at once).
    """
    n = len(org_type)
    a_new, b_new, a_old, b_old = code_keys
    body = np.empty((n, 18), dtype=np.int64)
    body[:, 0] = USCC_CHARSET.index("5")
    body[:, 1] = np.array([USCC_CHARSET.index(d) for d in TYPE_DIGITS])[org_type]
    body[:, 2:8] = place_digits

    new = registered >= calendar.new_codes_from
    serial = (position * a_new + b_new) % 31**7
    new_code = np.empty((n, 9), dtype=np.int64)
    new_code[:, :2] = _MJ
    new_code[:, 2:] = (serial[:, None] // 31 ** np.arange(6, -1, -1)) % 31

    serial = (position * a_old + b_old) % 10**8
    old_code = np.empty((n, 9), dtype=np.int64)
    old_code[:, :8] = (serial[:, None] // 10 ** np.arange(7, -1, -1)) % 10
    check = 11 - (old_code[:, :8] @ _ORG_CODE_WEIGHTS) % 11
    old_code[:, 8] = np.select([check == 10, check == 11], [_X, 0], check)

    body[:, 8:17] = np.where(new[:, None], new_code, old_code)
    body[:, 17] = (31 - (body[:, :17] @ _USCC_WEIGHTS) % 31) % 31
    chars = np.ascontiguousarray(_CHARSET_CODEPOINTS[body])
    return chars.view("<U18").ravel().tolist()


def _person_names(rng: np.random.Generator, n: int) -> list[str]:
    surname = rng.choice(len(SURNAMES), size=n, p=_SURNAME_P)
    given1 = rng.integers(0, len(GIVEN), n)
    given2 = np.where(rng.random(n) < 0.7, rng.integers(0, len(GIVEN), n), -1)
    return [
        SURNAMES[s] + GIVEN[g1] + (GIVEN[g2] if g2 >= 0 else "")
        for s, g1, g2 in zip(
            surname.tolist(), given1.tolist(), given2.tolist(), strict=True
        )
    ]


def _draw_officers(rng, orgs: _Orgs) -> Columns:
    u = rng.random(orgs.n)
    count = 1 + (u < 0.6) + (u < 0.25)  # one, two or three officers
    org = np.repeat(np.arange(orgs.n), count)
    starts = np.cumsum(count) - count
    rank = np.arange(len(org)) - np.repeat(starts, count)
    names = _person_names(rng, len(org))
    return {
        "organization_id": orgs.first + org,
        "name": names,
        "role": np.array(ROLES, dtype=object)[rank].tolist(),
        "compensation": Money(
            np.zeros(len(org), dtype=np.int64), missing=np.ones(len(org), dtype=bool)
        ),  # annual reports do not give officers' pay
        "chair": [names[i] for i in starts.tolist()],
    }


# Median income in yuan by type, multiplier by registration level, and how income
# divides between donations, government grants, services, investment and other.
MEDIAN_INCOME = np.array([200_000.0, 600_000.0, 3_000_000.0])
LEVEL_SCALE = np.array([20.0, 4.0, 1.5, 0.7])
INCOME_MIX = np.array(
    [
        [0.15, 0.20, 0.25, 0.02, 0.38],  # social groups: "other" is mostly dues
        [0.08, 0.22, 0.62, 0.01, 0.07],
        [0.80, 0.05, 0.02, 0.10, 0.03],
    ]
)
MINIMUM_ASSETS_YUAN = np.array([30_000.0, 30_000.0, 2_000_000.0])  # registration floors


def _draw_filings(rng, rates, calendar, orgs: _Orgs) -> Columns:
    """Annual reports: one row per organization and fiscal year it filed for."""
    r = rates
    n, years = orgs.n, len(calendar.years)  # column 0 is the year before the window
    shape = (n, years)
    reg_year = _year_of(orgs.registered)
    exists = calendar.years[None, :] >= reg_year[:, None]
    first_year = calendar.years[None, :] == reg_year[:, None]
    covered = (calendar.dec31[None, :] - orgs.registered[:, None] + 1) / 365.0
    cover = np.where(first_year, np.clip(covered, 0.02, 1.0), 1.0) * exists

    # Income: a lognormal size per organization, a random walk over the years.
    log_size = np.log(MEDIAN_INCOME[orgs.org_type] * LEVEL_SCALE[orgs.level])
    log_size += rng.normal(0.0, 1.3, n)
    walk = np.cumsum(rng.normal(0.03, 0.25, shape), axis=1)
    income = np.exp(log_size[:, None] + walk) * cover
    dormant = (rng.random(shape) < r.dormant_filing) & ~orgs.charity[:, None]
    income[dormant] = 0.0
    mix = rng.gamma(
        np.maximum(INCOME_MIX[orgs.org_type] * 5, 0.05)[:, None, :], size=(*shape, 5)
    )
    mix /= mix.sum(axis=2, keepdims=True)
    income_fen = np.rint(income[:, :, None] * mix * 100).astype(np.int64)
    loss = rng.random(shape) < r.investment_loss
    income_fen[:, :, 3] = np.where(loss, -income_fen[:, :, 3], income_fen[:, :, 3])
    total_income = income_fen.sum(axis=2)
    prior, income_fen, total_income = (
        total_income[:, :-1],
        income_fen[:, 1:],
        total_income[:, 1:],
    )
    prior_exists = exists[:, :-1]
    # An investment loss can wipe out a small year's income: treat it as dormant.
    dormant = dormant[:, 1:] | (total_income <= 0)
    shape = (n, years - 1)

    # Expenses: a total near income, divided by function. Charities keep management
    # costs under the cap and public-fundraising ones spend 70% of last year's income
    # on programmes, except where misbehaviour is planted.
    expenses = total_income * rng.lognormal(np.log(0.95), 0.2, shape)
    charity = np.broadcast_to(orgs.charity[:, None], shape)
    cap = np.where(orgs.org_type == 2, 0.10, 0.13)[:, None]
    under_cap = 0.03 + rng.random(shape) * (cap - 0.035)
    management = np.where(charity, under_cap, rng.uniform(0.08, 0.35, shape))
    over_cap = charity & (rng.random(shape) < r.management_over_cap)
    management = np.where(over_cap, rng.uniform(0.14, 0.30, shape), management)
    fundraising = np.where(
        orgs.public_fundraising[:, None],
        rng.uniform(0, 0.03, shape),
        rng.uniform(0, 0.01, shape),
    )
    other = np.where(charity, rng.uniform(0, 0.05, shape), rng.uniform(0, 0.10, shape))
    programs = 1.0 - management - fundraising - other
    rule = orgs.public_fundraising[:, None] & prior_exists & (prior > 0)
    under = rule & (rng.random(shape) < r.underspending)
    minimum = 0.72 * prior / programs
    expenses = np.where(rule & ~under, np.maximum(expenses, minimum), expenses)
    expenses = np.where(
        under, rng.uniform(0.25, 0.65, shape) * prior / programs, expenses
    )
    # A dormant organization only pays its running costs.
    expenses = np.where(dormant, rng.uniform(500, 20_000, shape) * 100, expenses)
    for share in (programs, fundraising, other):
        share[dormant] = 0.0
    management[dormant] = 1.0

    assets = MINIMUM_ASSETS_YUAN[orgs.org_type][:, None] * 100
    assets = np.rint(
        assets + np.maximum(total_income, expenses) * rng.lognormal(0.0, 0.7, shape)
    ).astype(np.int64)
    liabilities = np.rint(assets * rng.beta(1.2, 6.0, shape)).astype(np.int64)
    net_assets = assets - liabilities
    inconsistent = rng.random(shape) < r.inconsistent_accounts
    error = np.maximum(np.rint(assets * rng.uniform(0.02, 0.4, shape)), 10_000).astype(
        np.int64
    )
    sign = np.where(rng.random(shape) < 0.5, -1, 1)
    net_assets = np.where(inconsistent, net_assets + sign * error, net_assets)

    yuan = np.maximum(total_income, 0) / 100
    employees = np.exp(rng.normal(np.log(yuan / 250_000 + 0.3), 0.6)).astype(np.int64)
    employees = np.where(dormant, 0, np.minimum(employees, 20_000))
    volunteers = np.where(
        rng.random(shape) < 0.35,
        0,
        rng.lognormal(np.log(15), 1.2, shape).astype(np.int64),
    )
    audited = (
        (orgs.org_type == 2)[:, None]
        | orgs.public_fundraising[:, None]
        | (yuan >= 1_000_000)
    )
    opinion = np.where(
        audited,
        _choose(rng, n * (years - 1), list(AUDIT_P[:-1])).reshape(shape),
        len(AUDIT_OPINIONS),
    )

    # Which reports exist, and when they were submitted.
    fiscal = calendar.years[None, 1:]
    due = calendar.due[None, 1:]
    late = rng.random(shape) < r.late_filing
    submitted = np.where(
        late,
        due + 1 + np.minimum(rng.exponential(45.0, shape), 364).astype(np.int64),
        due - rng.integers(0, 92, shape),
    )
    filed = exists[:, 1:] & (submitted <= calendar.today)
    filed &= rng.random(shape) >= r.missed_year
    last_fiscal = calendar.years[-1]
    filed &= fiscal <= (last_fiscal - orgs.zombie_gap)[:, None]
    stops = (orgs.status != ACTIVE) & (orgs.status != SUSPENDED) & ~orgs.keep_filing
    filed &= ~stops[:, None] | (submitted < orgs.status_date[:, None])
    # Revoked for missing two annual inspections: the reports stopped before that.
    revoked_year = _year_of(np.maximum(orgs.status_date, 0))
    filed &= ~((orgs.status == REVOKED) & ~orgs.keep_filing)[:, None] | (
        fiscal < (revoked_year - 2)[:, None]
    )

    row, col = np.nonzero(filed)
    count = len(row)
    period_start = np.maximum(calendar.jan1[1:][col], orgs.registered[row])
    audit_names = np.array([*AUDIT_OPINIONS, "none"], dtype=object)
    expense_fen = {
        "expenses_programs": programs,
        "expenses_management": management,
        "expenses_fundraising": fundraising,
        "expenses_other": other,
    }
    columns: Columns = {
        "organization_id": orgs.first + row,
        "fiscal_year": calendar.years[1:][col],
        "version": np.ones(count, dtype=np.int64),
        "superseded": np.zeros(count, dtype=bool),
        "amended": np.zeros(count, dtype=bool),
        "period_start": _dates(period_start),
        "period_end": _dates(calendar.dec31[1:][col]),
        "form": [FilingForm.ANNUAL_REPORT.value] * count,
        "due_on": _dates(calendar.due[1:][col]),
        "submitted_on": _dates(submitted[row, col]),
        "currency": ["CNY"] * count,
    }
    for i, source in enumerate(
        ("donations", "government_grants", "services", "investment", "other")
    ):
        columns[f"income_{source}"] = Money(income_fen[row, col, i])
    for name, share in expense_fen.items():
        columns[name] = Money(
            np.rint(share[row, col] * expenses[row, col]).astype(np.int64)
        )
    columns.update(
        {
            "total_assets": Money(assets[row, col]),
            "total_liabilities": Money(liabilities[row, col]),
            "net_assets": Money(net_assets[row, col]),
            "employees": employees[row, col],
            "volunteers": volunteers[row, col],
            "audit_opinion": audit_names[opinion[row, col]].tolist(),
            "governance": [None] * count,  # IRS forms only
            "figures": [None] * count,
            "source": [DEMO_SOURCE] * count,
            "source_document": [""] * count,
            # The generated register's filings were reviewed long ago: published.
            **_published_filing_state(count),
        }
    )
    return columns


def _published_filing_state(count: int) -> Columns:
    """The workflow columns of a filing published on import (see Filing)."""
    nothing = [None] * count
    return {
        "live": np.ones(count, dtype=bool),
        "has_unpublished_changes": np.zeros(count, dtype=bool),
        "review_state": ["accepted"] * count,
        **dict.fromkeys(
            (
                "attachment_id",
                "submitted_at",
                "prepared_by_id",
                "first_published_at",
                "last_published_at",
                "go_live_at",
                "expire_at",
                "live_revision_id",
                "latest_revision_id",
                "locked_at",
                "locked_by_id",
            ),
            nothing,
        ),
        "locked": np.zeros(count, dtype=bool),
        "expired": np.zeros(count, dtype=bool),
    }


def _draw_former_names(rng, rates, calendar, orgs: _Orgs) -> Columns:
    """Earlier names: the same organization with another ending and distinctive word."""
    eligible = orgs.registered <= calendar.today - 730
    chosen = np.nonzero(eligible & (rng.random(orgs.n) < rates.former_name))[0]
    org_type = orgs.org_type[chosen]
    first, count = _SUFFIX_FIRST[org_type], _SUFFIX_COUNT[org_type]
    step = 1 + (rng.random(len(chosen)) * (count - 1)).astype(np.int64)
    suffix = first + (orgs.suffix[chosen] - first + step) % count
    brand = rng.integers(0, len(BRANDS), len(chosen))
    names = _concat(
        orgs.prefix[chosen],
        _BRAND_WORD[brand],
        _THEME_WORD[orgs.theme[chosen]],
        _SUFFIX_WORD[suffix],
    )
    until = _between(
        rng, orgs.registered[chosen] + 365, np.full(len(chosen), calendar.today - 30)
    )
    return {
        "organization_id": orgs.first + chosen,
        "name": names,
        "until": _dates(until),
    }


def _draw_events(rng, rates, calendar, orgs: _Orgs, former_names: Columns) -> Columns:
    """Penalties, unreachable-address notices, status changes and name changes."""
    r, n = rates, orgs.n
    pieces = []

    def add(org, days, kind, references, details, fen=None):
        pieces.append((org, days, kind, references, details, fen))

    def penalty_refs(org, days):
        numbers = rng.integers(1, 300, len(org))
        return _references(PLACES.penalty_ref[orgs.place[org]], days, numbers)

    def reasons(kind, count):
        options = REASONS[kind]
        return [options[i] for i in rng.integers(0, len(options), count).tolist()]

    # Penalties while the organization existed within the window.
    start = np.maximum(orgs.registered + 30, calendar.window_start)
    end = np.where(orgs.status == ACTIVE, calendar.today, orgs.status_date)
    span = np.clip((end - start) / 365.25, 0, None)
    for kind, rate in (
        ("warning", r.warning),
        ("fine", r.fine),
        ("suspension", r.suspension),
    ):
        org = np.repeat(np.arange(n), rng.poisson(rate * span))
        days = _between(rng, start[org], end[org])
        fen = None
        if kind == "fine":
            fen = rng.choice(FINE_YUAN, size=len(org), p=FINE_P) * 100
        add(org, days, kind, penalty_refs(org, days), reasons(kind, len(org)), fen)

    # Zombies: two registered letters come back, then the abnormal-activity list.
    zombie = np.nonzero(orgs.zombie_gap > 0)[0]
    first_missed = len(calendar.years) - orgs.zombie_gap[zombie]
    letter1 = calendar.due[first_missed] + rng.integers(30, 120, len(zombie))
    letter2 = letter1 + rng.integers(20, 60, len(zombie))
    listed = letter2 + rng.integers(10, 40, len(zombie))
    for days, which in ((letter1, "第一次"), (letter2, "第二次")):
        keep = days <= calendar.today
        text = f"按登记住所寄送的挂号信被退回（{which}）"
        add(
            zombie[keep],
            days[keep],
            "mail_returned",
            [""] * keep.sum(),
            [text] * keep.sum(),
        )
    keep = listed <= calendar.today
    org, days = zombie[keep], listed[keep]
    numbers = rng.integers(1, 300, len(org))
    add(
        org,
        days,
        "list_entry",
        _references(PLACES.list_ref[orgs.place[org]], days, numbers),
        ["列入活动异常名录：通过登记的住所无法与其取得联系"] * len(org),
    )

    # The decision behind each status other than active.
    for status, kind in (
        (REVOKED, "revocation"),
        (CANCELLED, "cancellation"),
        (SUSPENDED, "suspension"),
    ):
        org = np.nonzero(orgs.status == status)[0]
        days = orgs.status_date[org]
        add(org, days, kind, penalty_refs(org, days), reasons(kind, len(org)))
    org = np.nonzero(orgs.status == DEREGISTERED)[0]
    add(
        org,
        orgs.status_date[org],
        "deregistration",
        [""] * len(org),
        reasons("deregistration", len(org)),
    )

    org = np.asarray(former_names["organization_id"]) - orgs.first
    days = former_names["until"].astype(np.int64)
    add(
        org,
        days,
        "name_change",
        [""] * len(org),
        [f"原名称：{name}" for name in former_names["name"]],
    )

    org = np.concatenate([p[0] for p in pieces]).astype(np.int64)
    order = np.argsort(org, kind="stable")
    fen = np.concatenate(
        [
            p[5] if p[5] is not None else np.zeros(len(p[0]), dtype=np.int64)
            for p in pieces
        ]
    )
    missing = np.concatenate([np.full(len(p[0]), p[5] is None) for p in pieces])
    kinds = np.concatenate([np.full(len(p[0]), p[2], dtype=object) for p in pieces])
    references = np.array([ref for p in pieces for ref in p[3]], dtype=object)
    details = np.array([text for p in pieces for text in p[4]], dtype=object)
    days = np.concatenate([p[1] for p in pieces]).astype(np.int64)
    org = org[order]
    return {
        "organization_id": orgs.first + org,
        "date": _dates(days[order]),
        "kind": kinds[order].tolist(),
        "amount": Money(fen[order], missing[order]),
        "authority": PLACES.authority[orgs.place[org]].tolist(),
        "reference": references[order].tolist(),
        "detail": details[order].tolist(),
    }


def _references(prefix: np.ndarray, days: np.ndarray, numbers: np.ndarray) -> list[str]:
    """Decision numbers in the official style, e.g. 粤民罚〔2024〕12号."""
    return [
        f"{p}〔{y}〕{num}号"
        for p, y, num in zip(
            prefix.tolist(), _year_of(days).tolist(), numbers.tolist(), strict=True
        )
    ]


def _draw_unregistered_names(rng, rates, calendar, orgs: _Orgs, seen) -> Columns:
    """Names seen in the wild that no organization is registered under.

    A third borrow a national word (中国, 中华, 全国, 国际...) without national
    registration; the rest are close variants of a registered name from this block,
    with another ending or an inserted 国际/中华/环球. Every variant ends in, or
    contains, a word no generated registered name has, so none can coincide with one.
    """
    count = rng.binomial(orgs.n, rates.unregistered_name)
    model = rng.choice(orgs.n, size=count, replace=False)
    theme = _THEME_WORD[orgs.theme[model]].tolist()
    brand = _BRAND_WORD[orgs.brand[model]].tolist()
    registered_suffix = _SUFFIX_WORD[orgs.suffix[model]].tolist()
    prefix = orgs.prefix[model].tolist()
    style = rng.integers(0, 3, count).tolist()
    national = rng.integers(0, len(NATIONAL_WORDS), count).tolist()
    inserted = rng.integers(0, len(INSERTED_WORDS), count).tolist()
    suffix = rng.integers(0, len(UNREGISTERED_SUFFIXES), count).tolist()
    names = []
    for i in range(count):
        ending = UNREGISTERED_SUFFIXES[suffix[i]]
        if style[i] == 0:
            names.append(NATIONAL_WORDS[national[i]] + brand[i] + theme[i] + ending)
        elif style[i] == 1:
            names.append(prefix[i] + brand[i] + theme[i] + ending)
        else:
            word = INSERTED_WORDS[inserted[i]]
            names.append(prefix[i] + word + brand[i] + theme[i] + registered_suffix[i])
    seen_on = _between(
        rng, np.full(count, calendar.window_start), np.full(count, calendar.today)
    )
    years = _year_of(seen_on).tolist()
    published = rng.random(count) < 0.6
    batch = rng.integers(1, 30, count).tolist()
    report = rng.integers(1, 10_000, count).tolist()
    where = rng.integers(0, len(SEEN_WHERE), count).tolist()
    # Seen where the organization they imitate is registered.
    place = orgs.place[model]
    region = PLACES.code[place].tolist()
    rows = []
    for i in range(count):
        if published[i]:
            source, reference = (
                "published_list",
                f"民政部涉嫌非法社会组织名单（第{batch[i]}批）",
            )
        else:
            source, reference = "public_report", f"举报〔{years[i]}〕{report[i]}号"
        key = (names[i], source, reference)
        if key in seen:
            continue
        seen.add(key)
        rows.append(
            (names[i], SEEN_WHERE[where[i]], seen_on[i], region[i], source, reference)
        )
    columns = list(zip(*rows, strict=True)) or [(), (), (), (), (), ()]
    return {
        "name": list(columns[0]),
        "seen_where": list(columns[1]),
        "seen_on": _dates(np.array(columns[2], dtype=np.int64)),
        "region": list(columns[3]),
        "source": list(columns[4]),
        "reference": list(columns[5]),
    }


# --- writing -------------------------------------------------------------------------

REGISTRY_MODELS = (
    RegulatoryEvent,
    Filing,
    Officer,
    FormerName,
    UnregisteredName,
    Organization,
)
BULK_BATCH = 2000


def registry_is_empty() -> bool:
    """No organization and no unregistered name is in the database."""
    return not (Organization.objects.exists() or UnregisteredName.objects.exists())


def registry_flush() -> None:
    """Delete every organization, filing, officer, event and unregistered name.

    Rows elsewhere that cascade from them (credit scores, say) go too, as they would
    with the ORM's delete, but in one TRUNCATE on PostgreSQL. A relation that does not
    cascade makes it refuse (RegistryFlushError) before deleting anything.
    """
    tables = [model._meta.db_table for model in _cascade_from(REGISTRY_MODELS)]
    # PostgreSQL will not truncate a table with deferred foreign-key checks pending
    # (rows written earlier in the same transaction): run them now.
    connection.check_constraints()
    statements = connection.ops.sql_flush(no_style(), tables, reset_sequences=True)
    connection.ops.execute_sql_flush(statements)


def _cascade_from(start) -> list:
    """``start`` and every model whose rows an ORM delete of theirs would cascade to."""
    found, pending = [], list(start)
    while pending:
        model = pending.pop(0)
        if model in found:
            continue
        found.append(model)
        for relation in model._meta.related_objects:
            if relation.many_to_many:
                pending.append(relation.through)
            elif relation.on_delete is models.CASCADE:
                pending.append(relation.related_model)
            else:
                raise RegistryFlushError(
                    f"{relation.related_model._meta.label}.{relation.field.name} "
                    f"refers to {model._meta.label} without cascading deletes"
                )
    return found


def demo_registry_seed(
    *,
    config: DemoConfig,
    flush: bool = False,
    progress: Callable[[int], None] | None = None,
    rates: DemoRates = RATES,
) -> DemoSummary:
    """Generate the demo registry and write it in one transaction.

    Raises RegistryNotEmptyError when rows exist and ``flush`` is false; ``progress``
    is called with the number of organizations written after each block.
    """
    started = time.perf_counter()
    summary = DemoSummary()
    with transaction.atomic():
        if flush:
            registry_flush()
        elif not registry_is_empty():
            raise RegistryNotEmptyError(
                "the registry already holds organizations or unregistered names"
            )
        last_id = Organization.objects.aggregate(last=Max("id"))["last"] or 0
        writer = _writer(first_id=last_id + 1, now=timezone.now())
        for block in demo_registry_generate(config=config, rates=rates):
            writer.write(block)
            summary.add(block)
            if progress:
                progress(_row_count(block.organizations))
        writer.finish()
    summary.seconds = time.perf_counter() - started
    return summary


def demo_registry_count(
    *,
    config: DemoConfig,
    progress: Callable[[int], None] | None = None,
    rates: DemoRates = RATES,
) -> DemoSummary:
    """Generate the demo registry without writing it: what a seed would write."""
    started = time.perf_counter()
    summary = DemoSummary()
    for block in demo_registry_generate(config=config, rates=rates):
        summary.add(block)
        if progress:
            progress(_row_count(block.organizations))
    summary.seconds = time.perf_counter() - started
    return summary


def _row_count(columns: Columns) -> int:
    return len(next(iter(columns.values())))


def _writer(*, first_id: int, now: dt.datetime):
    # COPY is PostgreSQL's bulk path; every other database gets bulk_create.
    if connection.vendor == "postgresql":
        return _CopyWriter(first_id=first_id, now=now)
    return _BulkCreateWriter(first_id=first_id, now=now)


def _with_ids(columns: Columns, first_id: int) -> Columns:
    """Turn positions in the run into database ids."""
    shifted = dict(columns)
    for key in ("id", "organization_id"):
        if key in shifted:
            shifted[key] = np.asarray(shifted[key]) + first_id
    return shifted


def _timestamp_fields(model) -> list[str]:
    return [
        f.attname
        for f in model._meta.concrete_fields
        if f.attname in ("created_at", "updated_at")
    ]


class _CopyWriter:
    """Stream each block into PostgreSQL with COPY, as tab-separated text."""

    def __init__(self, *, first_id: int, now: dt.datetime):
        self.first_id = first_id
        self.now = now.isoformat()
        connection.ensure_connection()
        self.cursor = connection.connection.cursor()

    def write(self, block: DemoBlock) -> None:
        for model, columns in block.tables():
            rows = _row_count(columns)
            if not rows:
                continue
            columns = _with_ids(columns, self.first_id)
            names = list(columns)
            text_columns = [_tsv_column(values) for values in columns.values()]
            for stamp in _timestamp_fields(model):
                names.append(stamp)
                text_columns.append([self.now] * rows)
            quoted = ", ".join(connection.ops.quote_name(name) for name in names)
            table = connection.ops.quote_name(model._meta.db_table)
            text = "\n".join(map("\t".join, zip(*text_columns, strict=True))) + "\n"
            with self.cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
                copy.write(text)

    def finish(self) -> None:
        # Ids were given explicitly: move the sequence past them. Then refresh the
        # planner's statistics, which a bulk load leaves stale until autovacuum.
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), [Organization]):
                cursor.execute(sql)
            for model in REGISTRY_MODELS:
                cursor.execute(
                    f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}"
                )
        self.cursor.close()


class _BulkCreateWriter:
    """Write each block with bulk_create: for SQLite and the few-thousand-row demo."""

    def __init__(self, *, first_id: int, now: dt.datetime):
        self.first_id = first_id

    def write(self, block: DemoBlock) -> None:
        for model, columns in block.tables():
            columns = _with_ids(columns, self.first_id)
            names = list(columns)
            values = [_python_column(v) for v in columns.values()]
            objects = [
                model(**dict(zip(names, row, strict=True)))
                for row in zip(*values, strict=True)
            ]
            model.objects.bulk_create(objects, batch_size=BULK_BATCH)

    def finish(self) -> None:
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), [Organization]):
                cursor.execute(sql)


def _tsv_column(values) -> list[str]:
    """One column as COPY text. Generated text never holds tabs, newlines or backslashes."""
    if isinstance(values, Money):
        text = [f"{fen / 100:.2f}" for fen in values.fen.tolist()]
        if values.missing is not None:
            for i in np.nonzero(values.missing)[0].tolist():
                text[i] = NULL
        return text
    if isinstance(values, np.ndarray):
        if values.dtype.kind == "b":
            return np.where(values, "t", "f").tolist()
        if values.dtype.kind == "M":
            text = np.datetime_as_string(values, unit="D").astype(object)
            text[np.isnat(values)] = NULL
            return text.tolist()
        return values.astype(str).tolist()
    if values and isinstance(values[0], list):
        return [json.dumps(item, ensure_ascii=False) for item in values]
    if values and values[0] is None:  # a column left NULL
        return [NULL if item is None else item for item in values]
    return values


def _python_column(values) -> list:
    """One column as Python values for model instances."""
    if isinstance(values, Money):
        amounts = [Decimal(fen).scaleb(-2) for fen in values.fen.tolist()]
        if values.missing is not None:
            for i in np.nonzero(values.missing)[0].tolist():
                amounts[i] = None
        return amounts
    if isinstance(values, np.ndarray):
        return values.tolist()  # datetime64[D] becomes date, NaT None
    return values
