import pytest

from orgs.regions import province_code, region_label


@pytest.mark.parametrize(
    ("code", "zh", "en"),
    [
        ("440305", "广东省 深圳市 南山区", "南山区, Shenzhen, Guangdong"),
        ("440000", "广东省", "Guangdong"),
        ("110105", "北京市 朝阳区", "朝阳区, Beijing"),
        ("100000", "全国", "National"),
        ("659999", "新疆维吾尔自治区 659999", "659999, Xinjiang"),
        ("DE", "DE", "DE"),
    ],
)
def test_region_labels(code, zh, en):
    assert region_label(code, "zh-hans") == zh
    assert region_label(code, "en") == en


def test_province_code():
    assert province_code("440305") == "440000"
    assert province_code("DE") == "DE"


def test_search_region_facets_are_labelled_by_name():
    from django.utils import translation

    from search.query import facet_label

    with translation.override("zh-hans"):
        assert facet_label("region", "440000") == "广东省"
    with translation.override("en"):
        assert facet_label("region", "440000") == "Guangdong"
