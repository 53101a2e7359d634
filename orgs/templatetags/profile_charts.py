"""Tags and filters that write the profile's charts (orgs/charts.py) as inline SVG.

The markup is built here in Python rather than in template loops: a chart has a few
hundred coordinates, and the template engine would localize each one (slow, and wrong
for a locale whose decimal separator is a comma, which SVG does not read). Coordinates
are written plainly; only the tick labels and values a reader sees are localized.
Every text is escaped.
"""

from django import template
from django.utils.formats import get_format
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from orgs.charts import RatioChart, StackedBarChart

register = template.Library()

MEETS_FILL = 'class="chart-c0"'

# The marks drawn over a series' colour, by pattern name (orgs.charts.PATTERNS).
PATTERN_MARKS = {
    "solid": "",
    "stripes": '<path d="M-2,2 l4,-4 M0,8 l8,-8 M6,10 l4,-4" class="chart-mark"/>',
    "dots": '<circle cx="4" cy="4" r="1.6" class="chart-dot"/>',
    "hatch": '<path d="M0,0 L8,8 M8,0 L0,8" class="chart-mark"/>',
    "dashes": '<path d="M0,4 h5" class="chart-mark"/>',
    "grid": '<path d="M4,0 v8 M0,4 h8" class="chart-mark"/>',
}


@register.filter
def percent(value, digits: int = 0) -> str:
    """A share as a percentage for the reader's locale: 0.705 → "71%" (digits=0)."""
    if value is None or value == "":
        return "—"
    text = f"{float(value) * 100:.{int(digits)}f}"
    return text.replace(".", get_format("DECIMAL_SEPARATOR")) + "%"


@register.filter
def amount(value) -> str:
    """A whole amount with the locale's thousands separator: 1234567.8 → "1,234,568"
    ("—" when not filed). The profile writes a few hundred of these, and
    ``floatformat`` costs some 50 µs each; the languages the portal offers (English,
    simplified Chinese) both group by three, which this assumes."""
    if value is None or value == "":
        return "—"
    return f"{round(float(value)):,}".replace(",", get_format("THOUSAND_SEPARATOR"))


_amount = amount


def _n(value: float) -> str:
    """A coordinate, never localized."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _pattern(chart_id: str, name: str, slot: int) -> str:
    return (
        f'<pattern id="{chart_id}-{name}" width="8" height="8" '
        f'patternUnits="userSpaceOnUse"><rect width="8" height="8" '
        f'class="chart-c{slot}"/>{PATTERN_MARKS[name]}</pattern>'
    )


def _open(chart, chart_id: str) -> list[str]:
    return [
        f'<svg class="chart-svg" viewBox="0 0 {chart.width} {chart.height}" '
        f'role="img" aria-labelledby="{chart_id}-caption" focusable="false">'
    ]


def _axis(chart, label) -> list[str]:
    parts = []
    for tick in chart.ticks:
        y = _n(tick.y)
        parts.append(
            f'<line class="chart-grid" x1="{chart.left}" x2="{_n(chart.right)}" '
            f'y1="{y}" y2="{y}"/><text class="chart-tick" x="{chart.tick_x}" '
            f'y="{y}" text-anchor="end" dominant-baseline="middle">'
            f"{escape(label(tick.value))}</text>"
        )
    return parts


def _baseline(chart) -> str:
    y = _n(chart.baseline)
    return (
        f'<line class="chart-axis" x1="{chart.left}" x2="{_n(chart.right)}" '
        f'y1="{y}" y2="{y}"/>'
    )


def _url(chart_id: str, pattern: str) -> str:
    return f'fill="url(#{chart_id}-{pattern})"'


def _swatch(fill: str) -> str:
    return (
        '<svg width="18" height="14" aria-hidden="true" focusable="false">'
        f'<rect width="18" height="14" {fill}/></svg>'
    )


@register.simple_tag
def stacked_chart_svg(chart: StackedBarChart, chart_id: str) -> str:
    """The SVG of a stacked bar chart and its legend (words beside each pattern)."""
    parts = _open(chart, chart_id)
    parts.append(
        "<defs>"
        + "".join(_pattern(chart_id, e.pattern, e.slot) for e in chart.legend)
        + "</defs>"
    )
    parts += _axis(chart, _amount)
    for bar in chart.bars:
        for s in bar.segments:
            parts.append(
                f'<rect class="chart-segment" x="{_n(s.x)}" y="{_n(s.y)}" '
                f'width="{_n(s.width)}" height="{_n(s.height)}" '
                f'fill="url(#{chart_id}-{s.pattern})"><title>{bar.year}, '
                f"{escape(s.label)}: {_amount(s.value)}</title></rect>"
            )
        star = "*" if bar.total is None else ""
        parts.append(
            f'<text class="chart-year" x="{_n(bar.x)}" y="{_n(chart.year_y)}" '
            f'text-anchor="middle">{bar.year}{star}</text>'
        )
    parts.append(_baseline(chart) + "</svg>")
    legend = [
        f"<li>{_swatch(_url(chart_id, e.pattern))} {escape(e.label)}</li>"
        for e in chart.legend
    ]
    legend.append(f"<li>* {escape(_('no filing for that year'))}</li>")
    parts.append(f'<ul class="chart-legend">{"".join(legend)}</ul>')
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


@register.simple_tag
def ratio_chart_svg(chart: RatioChart, chart_id: str, show_minimum: bool) -> str:
    """The SVG of the programme-spending ratio chart and its legend: a bar per year,
    cross-hatched and marked "below" under the minimum, the minimum a dashed line."""
    below_fill = f'fill="url(#{chart_id}-hatch)"'
    parts = _open(chart, chart_id)
    parts.append(f"<defs>{_pattern(chart_id, 'hatch', 1)}</defs>")
    parts += _axis(chart, percent)
    words = {True: _("meets"), False: _("below"), None: ""}
    for p in chart.points:
        if p.ratio is not None:
            fill = below_fill if p.meets is False else MEETS_FILL
            title = f"{p.year}: {percent(p.ratio, 1)}"
            if p.minimum is not None:
                title += f", {_('minimum')} {percent(p.minimum, 1)}"
            parts.append(
                f'<rect x="{_n(p.bar_x)}" y="{_n(p.bar_y)}" '
                f'width="{_n(p.bar_width)}" height="{_n(p.bar_height)}" {fill}>'
                f"<title>{escape(title)}</title></rect>"
                f'<text class="chart-value" x="{_n(p.x)}" y="{_n(p.label_y)}" '
                f'text-anchor="middle">{escape(percent(p.ratio))}</text>'
            )
        if p.minimum_y is not None:
            y = _n(p.minimum_y)
            parts.append(
                f'<line class="chart-minimum" x1="{_n(p.bar_x)}" '
                f'x2="{_n(p.bar_right)}" y1="{y}" y2="{y}"/>'
            )
        word = _("no data") if p.ratio is None else words[p.meets]
        parts.append(
            f'<text class="chart-year" x="{_n(p.x)}" y="{_n(chart.year_y)}" '
            f'text-anchor="middle">{p.year}</text><text class="chart-word" '
            f'x="{_n(p.x)}" y="{_n(chart.word_y)}" text-anchor="middle">'
            f"{escape(word)}</text>"
        )
    parts.append(_baseline(chart) + "</svg>")
    meets = _("programme spending at or above the minimum (“meets”)")
    below = _("below the minimum (cross-hatched, “below”)")
    legend = [
        f"<li>{_swatch(MEETS_FILL)} {escape(meets)}</li>",
        f"<li>{_swatch(below_fill)} {escape(below)}</li>",
    ]
    if show_minimum:
        legend.append(
            '<li><svg width="18" height="14" aria-hidden="true" focusable="false">'
            '<line x1="0" x2="18" y1="7" y2="7" class="chart-minimum"/></svg> '
            f"{escape(_('dashed line: the legal minimum'))}</li>"
        )
    parts.append(f'<ul class="chart-legend">{"".join(legend)}</ul>')
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
