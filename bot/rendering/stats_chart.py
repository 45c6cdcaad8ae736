"""A PNG of questions over time, stacked by what the bot did: per day up to two months, per
week up to six, per month beyond, with the years on the labels. matplotlib is imported only
here, when a chart is drawn."""

from __future__ import annotations

import io
from collections import Counter
from datetime import date, timedelta
from typing import TYPE_CHECKING

from bot.records.stats import Stats

if TYPE_CHECKING:
    from matplotlib.figure import Figure

COLOURS = {
    "answer": ("answered", "#55a868"),
    "suggest": ("offered choices", "#dd8452"),
    "decline": ("declined", "#8c8c8c"),
}
DAILY_UP_TO, WEEKLY_UP_TO = 60, 180  # days in the window
MAX_TICKS = 8
BAR_DAYS = {"day": 0.8, "week": 5.6, "month": 24.0}  # a bar's width, in days
TICK_FORMAT = {"day": "%b %d", "week": "%b %d\n%Y", "month": "%b\n%Y"}


def binned(stats: Stats) -> tuple[str, list[tuple[date, Counter[str]]]]:
    """The unit ("day", "week" or "month") and each bin's first day in the window with its
    counts, oldest first."""
    unit = "day" if stats.days <= DAILY_UP_TO else "week" if stats.days <= WEEKLY_UP_TO else "month"
    bins: dict[date, Counter[str]] = {}
    for day, counts in stats.per_day:
        start = (
            day
            if unit == "day"
            else day - timedelta(days=day.weekday())
            if unit == "week"
            else day.replace(day=1)
        )
        bins.setdefault(max(start, stats.per_day[0][0]), Counter()).update(counts)
    return unit, list(bins.items())


def partial(unit: str, bins: list[tuple[date, Counter[str]]], last_day: date) -> list[bool]:
    """Which bins hold only part of their week or month (the window starts or ends inside
    it): drawn apart, so a short bin does not read as a collapse."""
    if unit == "day":
        return [False] * len(bins)
    flags = []
    for n, (start, _) in enumerate(bins):
        end = bins[n + 1][0] if n + 1 < len(bins) else last_day + timedelta(days=1)
        whole = start - timedelta(days=start.weekday()) if unit == "week" else start.replace(day=1)
        following = (
            whole + timedelta(days=7)
            if unit == "week"
            else (whole.replace(day=28) + timedelta(days=4)).replace(day=1)
        )
        flags.append(start != whole or end != following)
    return flags


def ticks(starts: list[date]) -> list[date]:
    """At most MAX_TICKS bin starts, the first one first: every tick is inside the window."""
    step = max(1, -(-len(starts) // MAX_TICKS))
    return starts[::step]


def stats_chart(stats: Stats) -> bytes:
    from matplotlib import pyplot as plt

    figure = draw(stats)
    try:
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
        return buffer.getvalue()
    finally:
        plt.close(figure)


def draw(stats: Stats) -> Figure:
    """The chart as a matplotlib figure (the caller closes it)."""
    import matplotlib

    matplotlib.use("Agg")  # no display: render straight to PNG bytes
    from matplotlib import pyplot as plt
    from matplotlib.dates import DateFormatter
    from matplotlib.patches import Patch

    unit, bins = binned(stats)
    starts = [start for start, _ in bins]
    short = partial(unit, bins, stats.per_day[-1][0])
    figure, axes = plt.subplots(figsize=(7.5, 3.8), dpi=100)
    bottom = [0] * len(bins)
    for decision, (label, colour) in COLOURS.items():
        values = [counts[decision] for _, counts in bins]
        bars = axes.bar(
            starts,
            values,
            BAR_DAYS[unit],
            bottom=bottom,
            color=colour,
            label=label,
            align="edge" if unit != "day" else "center",
        )
        for bar, part in zip(bars, short, strict=True):
            if part:
                bar.set_alpha(0.45)
                bar.set_hatch("//")
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    handles, _ = axes.get_legend_handles_labels()
    if any(short):
        handles.append(Patch(facecolor="none", hatch="//", label=f"part of a {unit} only"))
    axes.set_ylabel("questions")
    axes.set_title(f"Questions per {unit}, last {stats.days} day{'s' * (stats.days != 1)}")
    if not stats.questions:  # no axis running up to a stray 1: say it
        axes.set_ylim(0, 1)
        axes.set_yticks([0])
        axes.text(
            0.5, 0.5, "No questions yet", transform=axes.transAxes, ha="center", color="#8c8c8c"
        )
    else:
        axes.set_ylim(bottom=0, top=max(bottom) * 1.15)
        axes.yaxis.get_major_locator().set_params(integer=True)
    axes.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.14),
        ncol=len(handles),
        fontsize=8,
        frameon=False,
    )
    axes.set_xticks(ticks(starts))
    axes.xaxis.set_major_formatter(DateFormatter(TICK_FORMAT[unit]))
    end = max(stats.per_day[-1][0] + timedelta(days=1), starts[-1] + timedelta(BAR_DAYS[unit]))
    axes.set_xlim(starts[0] - timedelta(days=1), end)  # the current week or month whole
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    return figure
