"""orgs.charts: the profile's chart geometry from tables of numbers (no database)."""

import pytest

from orgs import charts
from orgs.charts import Series, nice_ceiling, ratio_chart, stacked_bar_chart


@pytest.mark.parametrize(
    ("value", "ceiling"),
    [
        (0, 1),
        (-5, 1),
        (1, 1),
        (1.2, 2),
        (2, 2),
        (2.1, 2.5),
        (3, 5),
        (7, 10),
        (900_000, 1_000_000),
        (1_000_001, 2_000_000),
        (0.8, 1),
        (0.03, 0.05),
    ],
)
def test_nice_ceiling(value, ceiling):
    assert nice_ceiling(value) == pytest.approx(ceiling)


def income_chart():
    return stacked_bar_chart(
        years=[2021, 2022, 2023],
        series=[
            Series("donations", "Donations", [600.0, None, 300.0]),
            Series("grants", "Grants", [200.0, None, 0.0]),
        ],
    )


def test_bars_stack_series_in_order_on_one_axis():
    chart = income_chart()
    assert chart.ticks[-1].value == 1000  # largest total 800 → axis to 1,000
    first = chart.bars[0]
    donations, grants = first.segments
    assert (donations.key, grants.key) == ("donations", "grants")
    # Heights are proportional to the values on the same scale.
    assert donations.height == pytest.approx(3 * grants.height)
    assert donations.height == pytest.approx(charts.PLOT_HEIGHT * 0.6)
    # Donations sit on the baseline, grants directly on top of them.
    assert donations.y + donations.height == pytest.approx(chart.baseline)
    assert grants.y + grants.height == pytest.approx(donations.y)
    assert first.total == 800


def test_a_year_without_figures_has_an_empty_slot_and_zero_draws_nothing():
    chart = income_chart()
    assert chart.bars[1].segments == () and chart.bars[1].total is None
    assert [s.key for s in chart.bars[2].segments] == ["donations"]
    xs = [bar.x for bar in chart.bars]
    assert xs == sorted(xs) and chart.left < xs[0] and xs[-1] < chart.right


def test_series_differ_by_pattern_as_well_as_colour():
    chart = income_chart()
    assert [entry.pattern for entry in chart.legend] == ["solid", "stripes"]
    assert len({entry.slot for entry in chart.legend}) == 2


def test_nothing_to_draw_gives_no_chart():
    assert stacked_bar_chart(years=[2023], series=[Series("x", "X", [None])]) is None
    assert stacked_bar_chart(years=[2023], series=[Series("x", "X", [0.0])]) is None
    assert stacked_bar_chart(years=[], series=[]) is None


def test_series_of_the_wrong_length_is_refused_with_its_name():
    with pytest.raises(ValueError, match="'donations' has 1 values for 2 years"):
        stacked_bar_chart(years=[2022, 2023], series=[Series("donations", "D", [1])])


def test_ratio_bars_and_minimum_marks_share_the_percentage_axis():
    chart = ratio_chart(
        years=[2022, 2023, 2024], ratios=[0.8, 0.5, None], minimums=[0.7, 0.7, 0.7]
    )
    assert chart.ticks[-1].value == 1.0  # 0-100%
    met, short, missing = chart.points
    assert (met.meets, short.meets, missing.meets) == (True, False, None)
    assert met.bar_height == pytest.approx(charts.PLOT_HEIGHT * 0.8)
    assert met.minimum_y == pytest.approx(chart.top + charts.PLOT_HEIGHT * 0.3)
    # The 70% mark is above the 50% bar's top (smaller y) and below the 80% bar's.
    assert met.bar_y < met.minimum_y < short.bar_y
    assert missing.bar_height == 0 and missing.minimum_y == met.minimum_y


def test_ratio_axis_grows_past_100_percent_and_minimum_may_be_absent():
    chart = ratio_chart(years=[2023, 2024], ratios=[1.6, 0.2], minimums=[None, None])
    assert chart.ticks[-1].value == pytest.approx(2.0)
    assert all(p.minimum_y is None and p.meets is None for p in chart.points)


def test_ratio_chart_takes_compliance_decided_on_amounts():
    chart = ratio_chart(years=[2024], ratios=[0.6999999], minimums=[0.7], meets=[True])
    assert chart.points[0].meets is True


def test_ratio_chart_without_any_ratio_is_none_and_lengths_are_checked():
    assert ratio_chart(years=[2024], ratios=[None], minimums=[0.7]) is None
    with pytest.raises(ValueError, match="one value per year"):
        ratio_chart(years=[2024], ratios=[0.1, 0.2], minimums=[0.7])


def test_svg_coordinates_are_never_localized_and_labels_are_escaped():
    """A locale with a decimal comma must not break the SVG, and a series label is
    text, not markup."""
    import re

    from django.utils import translation

    from orgs.templatetags.profile_charts import ratio_chart_svg, stacked_chart_svg

    chart = stacked_bar_chart(
        years=[2022, 2023], series=[Series("d", "<b>Gifts</b>", [1234.5, 333.3])]
    )
    ratios = ratio_chart(years=[2023], ratios=[0.333], minimums=[0.7])
    with translation.override("de"):
        svg = stacked_chart_svg(chart, "c") + ratio_chart_svg(ratios, "r", True)
    assert "&lt;b&gt;Gifts&lt;/b&gt;" in svg and "<b>" not in svg
    coordinates = re.findall(r' (?:x|y|x1|x2|y1|y2|width|height)="([^"]*)"', svg)
    assert coordinates and all(re.fullmatch(r"\d+(\.\d+)?", c) for c in coordinates)
    assert "33%" in svg and ">below<" in svg  # value and word, not colour alone
    assert "1.500" in svg  # tick labels are localized (German grouping)
