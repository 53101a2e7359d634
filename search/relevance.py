"""A judged query set over a small fixture registry: how well search finds the
organization people mean. Used by ``tests/search/test_relevance.py`` (which creates the
registry with factories and asserts the figures) and by ``manage.py search_benchmark``
(which reports them for each backend).

Each query names the one organization expected (by its key in ``REGISTRY``); MRR counts
1/rank of that organization within the first ten results, recall@10 whether it is there.
Queries are grouped by kind so a report shows where a backend is weak.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from orgs.identifiers import USCC_CHARSET, make_org_id, uscc_check_character

from .query import SearchQuery

_TYPE_DIGIT = {"social_group": "1", "social_service_agency": "2", "foundation": "3"}


def uscc(serial: int, *, org_type: str, region: str) -> str:
    """A valid civil-affairs unified social credit code, deterministic per serial."""
    body = ""
    n = serial
    for _ in range(9):
        n, digit = divmod(n, len(USCC_CHARSET))
        body = USCC_CHARSET[digit] + body
    first17 = "5" + _TYPE_DIGIT.get(org_type, "1") + region + body
    return first17 + uscc_check_character(first17)


@dataclass(frozen=True)
class FixtureOrganization:
    key: str
    name: str
    name_en: str = ""
    registry: str = "CN-MCA"
    org_type: str = "social_group"
    region: str = "440300"
    status: str = "active"
    former_names: tuple[str, ...] = ()
    purpose: str = ""
    identifier: str = ""  # EINs are given; civil-affairs codes are generated

    def fields(self, serial: int) -> dict:
        """Model fields of this organization (``serial`` makes its code unique)."""
        identifier = self.identifier or uscc(
            1000 + serial * 7919, org_type=self.org_type, region=self.region
        )
        return {
            "registry": self.registry,
            "identifier": identifier,
            "org_id": make_org_id(self.registry, identifier),
            "name": self.name,
            "name_en": self.name_en,
            "org_type": self.org_type,
            "region": self.region,
            "status": self.status,
            "purpose": self.purpose,
        }


def _cn(key, name, name_en="", **kw) -> FixtureOrganization:
    return FixtureOrganization(key=key, name=name, name_en=name_en, **kw)


def _us(key, name, ein, region="NY", **kw) -> FixtureOrganization:
    kw.setdefault("org_type", "public_charity")
    return FixtureOrganization(
        key=key, name=name, registry="US-IRS", identifier=ein, region=region, **kw
    )


# fmt: off
JUDGED = [
    _cn("sz_charity", "深圳市慈善会", "Shenzhen Charity Federation", purpose="募集善款，扶贫济困"),
    _cn("sz_charity_vol", "深圳市慈善会志愿者协会", "Shenzhen Charity Volunteers Association"),
    _cn("sz_ns_charity", "深圳市南山区慈善会", region="440305"),
    _cn("sz_social_work", "深圳市社会工作者协会", "Shenzhen Association of Social Workers"),
    _cn("gz_redcross", "广州市红十字会", "Guangzhou Red Cross Society", region="440100"),
    _cn("cn_redcross_fd", "中国红十字基金会", "Chinese Red Cross Foundation", org_type="foundation",
        region="110000", former_names=("中国红十字会基金",)),
    _cn("bj_youth", "北京市青少年发展基金会", "Beijing Youth Development Foundation",
        org_type="foundation", region="110000"),
    _cn("cn_youth", "中国青少年发展基金会", "China Youth Development Foundation",
        org_type="foundation", region="110000", former_names=("中国青少年基金会",)),
    _cn("sh_children", "上海市儿童基金会", "Shanghai Children's Foundation", org_type="foundation",
        region="310000"),
    _cn("zj_education", "浙江省教育基金会", "Zhejiang Education Foundation", org_type="foundation",
        region="330000"),
    _cn("hz_xihu_center", "杭州市西湖区社区服务中心", org_type="social_service_agency",
        region="330106", former_names=("杭州市西湖区邻里服务中心",)),
    _cn("cd_elderly", "成都市老年协会", "Chengdu Association for the Elderly", region="510100"),
    _cn("wh_volunteer", "武汉市志愿者协会", "Wuhan Volunteers Association", region="420100"),
    _cn("nj_env", "南京市环境保护协会", "Nanjing Environmental Protection Association",
        region="320100", former_names=("南京市环保志愿者联合会",)),
    _cn("nj_env_old", "南京市环境保护协会", region="320100", status="deregistered"),
    _cn("sz_ymca", "深圳市基督教青年会", "YMCA of Shenzhen", former_names=("深圳基督教青年会",)),
    _cn("gd_poverty", "广东省扶贫基金会", "Guangdong Poverty Alleviation Foundation",
        org_type="foundation", region="440000", former_names=("广东省扶贫开发协会",)),
    _cn("fs_shunde_fd", "佛山市顺德区和的慈善基金会", "Shunde Hede Charity Foundation",
        org_type="foundation", region="440606"),
    _cn("xa_culture", "西安市文化遗产保护协会", "Xi'an Cultural Heritage Protection Association",
        region="610100"),
    _cn("cq_disabled", "重庆市残疾人福利基金会", "Chongqing Disabled Welfare Foundation",
        org_type="foundation", region="500000"),
    _cn("km_rural", "昆明市乡村教育发展促进会", region="530100",
        former_names=("昆明市农村教育促进会",)),
    _cn("sz_autism", "深圳市自闭症研究会", "Shenzhen Autism Society", status="revoked"),
    _cn("qd_ocean", "青岛市海洋环保志愿服务中心", "Qingdao Ocean Conservation Volunteer Center",
        org_type="social_service_agency", region="370200"),
    _cn("zz_women", "郑州市妇女儿童发展基金会", org_type="foundation", region="410100"),
    _cn("hk_shelter", "海口市流浪动物救助协会", "Haikou Stray Animal Rescue Association",
        region="460100"),
    _us("us_redcross", "American National Red Cross", "530196605", region="DC",
        former_names=("American Red Cross",)),
    _us("us_habitat", "Habitat for Humanity International", "911914868", region="GA"),
    _us("us_savechildren", "Save the Children Federation", "060726487", region="CT"),
    _us("us_unitedway", "United Way Worldwide", "131635294", region="VA",
        former_names=("United Way of America",)),
    _us("us_feeding", "Feeding America", "363673599", region="IL",
        former_names=("America's Second Harvest",)),
    _us("us_msf", "Doctors Without Borders USA", "133433452"),
    _us("us_wwf", "World Wildlife Fund", "521693387", region="DC"),
    _us("us_bgca", "Boys & Girls Clubs of America", "135562976", region="GA"),
    _us("us_stjude", "St. Jude Children's Research Hospital", "620646012", region="TN"),
    _us("us_salvation", "The Salvation Army", "135562351"),
    _us("us_goodwill", "Goodwill Industries International", "530196517", region="MD"),
    _us("us_makeawish", "Make-A-Wish Foundation of America", "860481941", region="AZ"),
    _us("us_nature", "The Nature Conservancy", "530242652", region="VA"),
    _us("us_directrelief", "Direct Relief", "951831116", region="CA"),
    _us("us_ymca", "YMCA of the USA", "362167801", region="IL",
        former_names=("National Council of Young Men's Christian Associations",)),
    _us("us_redcross_chapter", "Red Cross Chapter of Greater Springfield", "222333444",
        region="MA", status="removed"),
]

CITIES = [
    ("深圳市", "440300"), ("广州市", "440100"), ("北京市", "110000"), ("上海市", "310000"),
    ("杭州市", "330100"), ("成都市", "510100"), ("武汉市", "420100"), ("南京市", "320100"),
    ("西安市", "610100"), ("长沙市", "430100"),
]
CAUSES = [
    "慈善", "教育", "环境保护", "扶贫", "助残", "养老服务", "青少年发展", "文化交流",
    "体育", "科技创新", "心理健康", "社区服务", "红十字", "志愿服务", "儿童关爱",
]
KINDS = [("协会", "social_group"), ("促进会", "social_group"), ("基金会", "foundation"),
         ("服务中心", "social_service_agency"), ("研究会", "social_group")]
US_PLACES = ["Springfield", "Riverside", "Franklin", "Greenville", "Fairview", "Madison"]
US_CAUSES = ["Animal Rescue", "Youth Soccer", "Food Bank", "Literacy", "Arts Council",
             "Hospice", "Historical Society", "Children's Fund", "Veterans Support"]
US_KINDS = ["League", "Foundation", "Association", "Alliance", "Trust"]
# fmt: on


def _fillers(count_cn: int = 240, count_us: int = 80) -> list[FixtureOrganization]:
    """Plausible organizations around the judged ones: same cities, causes and words,
    so a query has to rank, not just match."""
    rng = random.Random(20261129)  # noqa: S311 (fixture data, not secrets)
    taken = {o.name for o in JUDGED}
    fillers = []
    while len(fillers) < count_cn:
        city, region = rng.choice(CITIES)
        cause = rng.choice(CAUSES)
        kind, org_type = rng.choice(KINDS)
        name = f"{city}{cause}{kind}"
        if name in taken:
            name = f"{city}{rng.choice(['南区', '北区', '东区', '西区'])}{cause}{kind}"
        if name in taken:
            continue
        taken.add(name)
        fillers.append(
            _cn(
                f"cn_filler_{len(fillers)}",
                name,
                org_type=org_type,
                region=region,
                status=rng.choice(["active"] * 6 + ["deregistered", "revoked"]),
            )
        )
    us_count = 0
    while us_count < count_us:
        name = f"{rng.choice(US_PLACES)} {rng.choice(US_CAUSES)} {rng.choice(US_KINDS)}"
        if name in taken:
            continue
        taken.add(name)
        ein = f"{rng.randrange(10, 99)}{rng.randrange(1000000, 9999999)}"
        fillers.append(
            _us(
                f"us_filler_{us_count}",
                name,
                ein,
                region=rng.choice(["MA", "OH", "TX"]),
            )
        )
        us_count += 1
    return fillers


REGISTRY: list[FixtureOrganization] = JUDGED + _fillers()


@dataclass(frozen=True)
class JudgedQuery:
    kind: str
    text: str | Callable[[dict], str]  # a callable gets the expected org's fields
    expected: str
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)
    typo: bool = False  # needs typo tolerance (the SQLite fallback has none)

    def search_query(self, fields_by_key: dict[str, dict]) -> SearchQuery:
        text = (
            self.text(fields_by_key[self.expected])
            if callable(self.text)
            else self.text
        )
        return SearchQuery(text=text, page_size=10, **self.filters)


def _q(kind, text, expected, typo=False, **filters) -> JudgedQuery:
    return JudgedQuery(
        kind, text, expected, {k: tuple(v) for k, v in filters.items()}, typo
    )


QUERIES: list[JudgedQuery] = [
    # exact names
    _q("exact name", "深圳市慈善会", "sz_charity"),
    _q("exact name", "中国红十字基金会", "cn_redcross_fd"),
    _q("exact name", "北京市青少年发展基金会", "bj_youth"),
    _q("exact name", "中国青少年发展基金会", "cn_youth"),
    _q("exact name", "上海市儿童基金会", "sh_children"),
    _q("exact name", "杭州市西湖区社区服务中心", "hz_xihu_center"),
    _q("exact name", "南京市环境保护协会", "nj_env"),
    _q("exact name", "深圳市社会工作者协会", "sz_social_work"),
    _q("exact name", "广东省扶贫基金会", "gd_poverty"),
    _q("exact name", "重庆市残疾人福利基金会", "cq_disabled"),
    _q("exact name", "Habitat for Humanity International", "us_habitat"),
    _q("exact name", "The Salvation Army", "us_salvation"),
    _q("exact name", "Feeding America", "us_feeding"),
    _q("exact name", "World Wildlife Fund", "us_wwf"),
    # codes
    _q("code", lambda o: o["identifier"], "sz_charity"),
    _q("code", lambda o: o["identifier"], "cq_disabled"),
    _q("code", lambda o: o["identifier"].lower(), "hz_xihu_center"),
    _q("code", lambda o: o["org_id"], "nj_env"),
    _q("code", "530196605", "us_redcross"),
    _q("code", "13-5562351", "us_salvation"),
    _q("code", "US-EIN-911914868", "us_habitat"),
    # partial codes
    _q("partial code", lambda o: o["identifier"][:16], "sz_charity"),
    _q("partial code", lambda o: o["identifier"][:16], "bj_youth"),
    _q("partial code", lambda o: o["identifier"][-8:], "gz_redcross"),
    _q("partial code", lambda o: o["identifier"][-8:], "wh_volunteer"),
    _q("partial code", "36367", "us_feeding"),
    _q("partial code", "0646012", "us_stjude"),
    # Chinese fragments
    _q("chinese fragment", "红十字基金", "cn_redcross_fd"),
    _q("chinese fragment", "西湖区社区", "hz_xihu_center"),
    _q("chinese fragment", "和的慈善", "fs_shunde_fd"),
    _q("chinese fragment", "文化遗产", "xa_culture"),
    _q("chinese fragment", "残疾人福利", "cq_disabled"),
    _q("chinese fragment", "乡村教育", "km_rural"),
    _q("chinese fragment", "自闭症", "sz_autism"),
    _q("chinese fragment", "海洋环保", "qd_ocean"),
    _q("chinese fragment", "妇女儿童发展", "zz_women"),
    _q("chinese fragment", "流浪动物", "hk_shelter"),
    _q("chinese fragment", "基督教青年会", "sz_ymca"),
    # English names and parts of them
    _q("english", "Shenzhen Charity Federation", "sz_charity"),
    _q("english", "habitat humanity", "us_habitat"),
    _q("english", "doctors without borders", "us_msf"),
    _q("english", "Save the Children", "us_savechildren"),
    _q("english", "St Jude Children's Research", "us_stjude"),
    _q("english", "Make-A-Wish", "us_makeawish"),
    _q("english", "nature conservancy", "us_nature"),
    _q("english", "Qingdao Ocean Conservation", "qd_ocean"),
    _q("english", "Wuhan volunteers", "wh_volunteer"),
    # misspellings (Latin text)
    _q("misspelling", "Habitat for Humanty", "us_habitat", typo=True),
    _q("misspelling", "Salvaton Army", "us_salvation", typo=True),
    _q("misspelling", "Feding America", "us_feeding", typo=True),
    _q("misspelling", "Doctors Witout Borders", "us_msf", typo=True),
    _q("misspelling", "Nature Conservency", "us_nature", typo=True),
    _q("misspelling", "Goodwil Industries", "us_goodwill", typo=True),
    _q("misspelling", "Direct Releif", "us_directrelief", typo=True),
    _q("misspelling", "Chengdu Elderly Asociation", "cd_elderly", typo=True),
    # former names
    _q("former name", "中国红十字会基金", "cn_redcross_fd"),
    _q("former name", "杭州市西湖区邻里服务中心", "hz_xihu_center"),
    _q("former name", "南京市环保志愿者联合会", "nj_env"),
    _q("former name", "广东省扶贫开发协会", "gd_poverty"),
    _q("former name", "America's Second Harvest", "us_feeding"),
    _q("former name", "United Way of America", "us_unitedway"),
    _q("former name", "昆明市农村教育促进会", "km_rural"),
    # filters
    _q("with filters", "慈善会", "sz_ns_charity", region=["440305"]),
    _q(
        "with filters",
        "慈善会",
        "sz_charity",
        region=["440300"],
        org_type=["social_group"],
    ),
    _q("with filters", "red cross", "us_redcross", registry=["US-IRS"]),
    _q(
        "with filters",
        "red cross",
        "gz_redcross",
        registry=["CN-MCA"],
        region=["440000"],
    ),
    _q(
        "with filters",
        "青少年发展基金会",
        "cn_youth",
        org_type=["foundation"],
        region=["110000"],
    ),
    _q("with filters", "ymca", "us_ymca", registry=["US-IRS"]),
    _q("with filters", "自闭症", "sz_autism", status=["revoked"]),
    # full-width input
    _q("full-width", "ＹＭＣＡ ｏｆ Ｓｈｅｎｚｈｅｎ", "sz_ymca"),
    _q(
        "full-width",
        lambda o: "".join(
            chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() else c
            for c in o["identifier"]
        ),
        "zj_education",
    ),
    _q("full-width", "Ｆｅｅｄｉｎｇ Ａｍｅｒｉｃａ", "us_feeding"),
]


@dataclass
class RelevanceReport:
    queries: int = 0
    reciprocal_ranks: float = 0.0
    found: int = 0
    by_kind: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    misses: list[str] = field(default_factory=list)

    @property
    def mrr(self) -> float:
        return self.reciprocal_ranks / self.queries if self.queries else 0.0

    @property
    def recall_at_10(self) -> float:
        return self.found / self.queries if self.queries else 0.0

    def kind_mrr(self) -> dict[str, float]:
        return {kind: sum(rr) / len(rr) for kind, rr in self.by_kind.items()}


def evaluate(
    run: Callable[[SearchQuery], list[str]],
    fields_by_key: dict[str, dict],
    queries: Iterable[JudgedQuery] = QUERIES,
) -> RelevanceReport:
    """Run each judged query through ``run`` (a search returning org_ids, best first)."""
    report = RelevanceReport()
    for judged in queries:
        query = judged.search_query(fields_by_key)
        org_ids = run(query)[:10]
        expected = fields_by_key[judged.expected]["org_id"]
        rank = org_ids.index(expected) + 1 if expected in org_ids else None
        rr = 1 / rank if rank else 0.0
        report.queries += 1
        report.reciprocal_ranks += rr
        report.found += rank is not None
        report.by_kind[judged.kind].append(rr)
        if rank != 1:
            report.misses.append(f"{judged.kind}: {query.text!r} -> rank {rank}")
    return report
