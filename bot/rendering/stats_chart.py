"""A PNG of questions per day, stacked by what the bot did. matplotlib is imported only here,
when a chart is drawn."""

from __future__ import annotations

import io
from datetime import timedelta

from bot.records.stats import Stats

COLOURS = {
    "answer": ("answered", "#55a868"),
    "suggest": ("offered choices", "#dd8452"),
    "decline": ("declined", "#8c8c8c"),
}


def stats_chart(stats: Stats) -> bytes:
    import matplotlib

    matplotlib.use("Agg")  # no display: render straight to PNG bytes
    from matplotlib import pyplot as plt
    from matplotlib.dates import DateFormatter, DayLocator

    days = [day for day, _ in stats.per_day]
    figure, axes = plt.subplots(figsize=(7.5, 3.8), dpi=100)
    try:
        bottom = [0] * len(days)
        for decision, (label, colour) in COLOURS.items():
            values = [counts[decision] for _, counts in stats.per_day]
            axes.bar(days, values, 0.8, bottom=bottom, color=colour, label=label)
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
        axes.set_ylim(bottom=0, top=max(max(bottom, default=0), 1) * 1.15)
        axes.set_ylabel("questions")
        axes.set_title(f"Questions per day, last {stats.days} day{'s' * (stats.days != 1)}")
        axes.legend(
            loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=3, fontsize=8, frameon=False
        )
        axes.yaxis.get_major_locator().set_params(integer=True)
        axes.xaxis.set_major_locator(DayLocator(interval=max(1, len(days) // 7)))
        axes.set_xlim(days[0] - timedelta(days=1), days[-1] + timedelta(days=1))
        axes.xaxis.set_major_formatter(DateFormatter("%b %d"))
        axes.spines[["top", "right"]].set_visible(False)
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
        return buffer.getvalue()
    finally:
        plt.close(figure)
