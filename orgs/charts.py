"""Geometry of the profile's charts: plain numbers in, rectangles and lines out.

The profile draws its charts as inline SVG on the server (no JavaScript, no library,
nothing fetched), so every coordinate is computed here and the template only writes
the elements. Nothing here touches the database or Django: tests give tables of
numbers and check the shapes. Each series carries a pattern name as well as a colour
slot, so a reader who cannot tell the colours apart still tells the bars apart, and
each chart is accompanied by a table of the same numbers on the page.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

# The drawing box, in SVG user units; the SVG scales to its container.
WIDTH = 640
HEIGHT = 260
LEFT = 92  # room for tick labels such as 12,000,000
RIGHT = 16
TOP = 16
BOTTOM = 44  # two lines under each bar: the year, and a word for the ratio chart
PLOT_WIDTH = WIDTH - LEFT - RIGHT
PLOT_HEIGHT = HEIGHT - TOP - BOTTOM
BAR_FILL = 0.6  # share of a year's slot the bar takes

# One pattern per series position: solid, stripes, dots, cross-hatch, waves, grid.
PATTERNS = ("solid", "stripes", "dots", "hatch", "dashes", "grid")


@dataclass(frozen=True)
class Series:
    """One named row of values, one per year (None: not filed)."""

    key: str
    label: str
    values: Sequence[float | None]


@dataclass(frozen=True)
class Segment:
    """One series' part of one year's bar."""

    key: str
    label: str
    pattern: str
    slot: int
    value: float
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Bar:
    year: int
    x: float  # centre of the year's slot
    total: float | None
    segments: tuple[Segment, ...]


@dataclass(frozen=True)
class Tick:
    value: float
    y: float


@dataclass(frozen=True)
class LegendEntry:
    key: str
    label: str
    pattern: str
    slot: int


@dataclass(frozen=True)
class ChartArea:
    """The frame every chart draws in: its size, the plot's edges and baseline."""

    width: int
    height: int
    left: int
    right: float
    top: int
    baseline: float

    @property
    def tick_x(self) -> int:
        return self.left - 6

    @property
    def year_y(self) -> float:
        return self.baseline + 16


@dataclass(frozen=True)
class StackedBarChart(ChartArea):
    bars: tuple[Bar, ...]
    ticks: tuple[Tick, ...]
    legend: tuple[LegendEntry, ...]


@dataclass(frozen=True)
class RatioPoint:
    year: int
    x: float
    ratio: float | None
    minimum: float | None
    bar_x: float
    bar_y: float
    bar_width: float
    bar_height: float
    minimum_y: float | None
    meets: bool | None  # None when either figure is missing

    @property
    def label_y(self) -> float:
        """Where the ratio's own label sits: just above the bar."""
        return self.bar_y - 4

    @property
    def bar_right(self) -> float:
        return round(self.bar_x + self.bar_width, 2)


@dataclass(frozen=True)
class RatioChart(ChartArea):
    points: tuple[RatioPoint, ...]
    ticks: tuple[Tick, ...]

    @property
    def word_y(self) -> float:
        return self.baseline + 32


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 × 10^n at or above ``value`` (1 for 0 or less):
    the top of an axis whose ticks read as round numbers."""
    if value <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if step * magnitude >= value * (1 - 1e-12):
            return step * magnitude
    return 10 * magnitude  # pragma: no cover - the loop always returns


def _ticks(top_value: float, count: int = 4) -> tuple[Tick, ...]:
    return tuple(
        Tick(value=top_value * i / count, y=_y(top_value * i / count, top_value))
        for i in range(count + 1)
    )


def _y(value: float, top_value: float) -> float:
    return round(TOP + PLOT_HEIGHT * (1 - value / top_value), 2)


def _slot_centre(index: int, count: int) -> float:
    slot = PLOT_WIDTH / count
    return round(LEFT + slot * (index + 0.5), 2)


def _bar_width(count: int) -> float:
    return round(min(PLOT_WIDTH / count * BAR_FILL, 72), 2)


def stacked_bar_chart(
    *, years: Sequence[int], series: Sequence[Series]
) -> StackedBarChart | None:
    """Bars per year stacked by series, on a shared axis from zero to a round number
    above the largest total; None when no year has a positive value (nothing to draw).
    Negative values (not allowed by the database, but defended against) count as 0."""
    if not years:
        return None
    for row in series:
        if len(row.values) != len(years):
            raise ValueError(
                f"series {row.key!r} has {len(row.values)} values for {len(years)} years"
            )
    totals = []
    for index in range(len(years)):
        present = [row.values[index] for row in series if row.values[index] is not None]
        totals.append(sum(max(v, 0) for v in present) if present else None)
    largest = max((t for t in totals if t is not None), default=0)
    if largest <= 0:
        return None
    top_value = nice_ceiling(largest)
    width = _bar_width(len(years))
    bars = []
    for index, year in enumerate(years):
        centre = _slot_centre(index, len(years))
        stacked = 0.0
        segments = []
        for slot, row in enumerate(series):
            value = row.values[index]
            if value is None or value <= 0:
                continue
            upper = _y(stacked + value, top_value)
            lower = _y(stacked, top_value)
            segments.append(
                Segment(
                    key=row.key,
                    label=row.label,
                    pattern=PATTERNS[slot % len(PATTERNS)],
                    slot=slot % len(PATTERNS),
                    value=value,
                    x=round(centre - width / 2, 2),
                    y=upper,
                    width=width,
                    height=round(lower - upper, 2),
                )
            )
            stacked += value
        bars.append(
            Bar(year=year, x=centre, total=totals[index], segments=tuple(segments))
        )
    legend = tuple(
        LegendEntry(
            key=row.key,
            label=row.label,
            pattern=PATTERNS[slot % len(PATTERNS)],
            slot=slot % len(PATTERNS),
        )
        for slot, row in enumerate(series)
    )
    return StackedBarChart(
        width=WIDTH,
        height=HEIGHT,
        left=LEFT,
        right=WIDTH - RIGHT,
        top=TOP,
        baseline=TOP + PLOT_HEIGHT,
        bars=tuple(bars),
        ticks=_ticks(top_value),
        legend=legend,
    )


def ratio_chart(
    *,
    years: Sequence[int],
    ratios: Sequence[float | None],
    minimums: Sequence[float | None],
    meets: Sequence[bool | None] | None = None,
) -> RatioChart | None:
    """One bar per year for a ratio (0.75 = 75%) and a mark at that year's minimum.

    The axis runs from 0 to 100%, or to the next round share above the largest ratio
    or minimum when one exceeds 100% (spending more than the base is possible). None
    when no year has a ratio. ``meets`` overrides the comparison per year, for a
    caller that decides compliance on amounts rather than rounded shares.
    """
    if len(ratios) != len(years) or len(minimums) != len(years):
        raise ValueError("ratios and minimums need one value per year")
    if meets is not None and len(meets) != len(years):
        raise ValueError("meets needs one value per year")
    if all(r is None for r in ratios):
        return None
    largest = max(
        [v for v in (*ratios, *minimums) if v is not None and v > 0], default=1.0
    )
    top_value = 1.0 if largest <= 1 else nice_ceiling(largest)
    width = _bar_width(len(years))
    points = []
    for index, year in enumerate(years):
        centre = _slot_centre(index, len(years))
        ratio, minimum = ratios[index], minimums[index]
        shown = max(ratio, 0) if ratio is not None else 0
        bar_y = _y(shown, top_value)
        points.append(
            RatioPoint(
                year=year,
                x=centre,
                ratio=ratio,
                minimum=minimum,
                bar_x=round(centre - width / 2, 2),
                bar_y=bar_y,
                bar_width=width,
                bar_height=round(TOP + PLOT_HEIGHT - bar_y, 2),
                minimum_y=_y(minimum, top_value) if minimum is not None else None,
                meets=(
                    meets[index]
                    if meets is not None
                    else None
                    if ratio is None or minimum is None
                    else ratio >= minimum
                ),
            )
        )
    return RatioChart(
        width=WIDTH,
        height=HEIGHT,
        left=LEFT,
        right=WIDTH - RIGHT,
        top=TOP,
        baseline=TOP + PLOT_HEIGHT,
        points=tuple(points),
        ticks=_ticks(top_value),
    )
