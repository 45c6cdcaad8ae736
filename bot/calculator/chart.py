"""A PNG stacked-bar chart of the years. matplotlib is imported only when a chart is drawn.

One stacked bar per year; comparing two offers, each year has a pair of bars side by side,
offer A solid and offer B hatched, each labelled and topped with its total.
"""

from __future__ import annotations

import io

from bot.calculator.calculator import Breakdown

PARTS = (
    ("Base", "base", "#4c72b0"),
    ("Bonus", "bonus", "#55a868"),
    ("Stock", "stock", "#c44e52"),
    ("Sign-on", "signon", "#dd8452"),
    ("Other", "other", "#8172b3"),
)
HATCHES = ("", "//")  # offer A, offer B


LABEL_STEP = 11  # points between the total labels of offers side by side


def shown_parts(offers: list[tuple[str, Breakdown]]) -> list[tuple[str, str, str]]:
    """The components any offer has: the legend names them all, whichever offer has them."""
    return [
        part
        for part in PARTS
        if any(getattr(y, part[1]) for _, b in offers for y in b.years) or part[1] == "base"
    ]


def short(value: float) -> str:
    """An axis or bar label: 950, 232k, 21.5M."""
    if abs(value) >= 1_000_000:
        return f"{value / 1_000_000:,.1f}".removesuffix(".0") + "M"
    if abs(value) >= 1000:
        return f"{value / 1000:,.0f}k"
    return f"{value:,.0f}"


def offer_chart(offers: list[tuple[str, Breakdown]]) -> bytes:
    import matplotlib

    matplotlib.use("Agg")  # no display: render straight to PNG bytes
    from matplotlib import pyplot as plt
    from matplotlib.patches import Patch
    from matplotlib.ticker import FuncFormatter

    parts = shown_parts(offers)
    comparing = len(offers) > 1
    figure, axes = plt.subplots(figsize=(7.5, 4.5), dpi=100)
    try:
        width = 0.8 / len(offers)
        years = max(len(b.years) for _, b in offers)
        for n, (_, breakdown) in enumerate(offers):
            positions = [y.year + (n - (len(offers) - 1) / 2) * width for y in breakdown.years]
            bottom = [0] * len(breakdown.years)
            for _, key, colour in parts:
                values = [getattr(y, key) for y in breakdown.years]
                axes.bar(
                    positions,
                    values,
                    width * 0.92,
                    bottom=bottom,
                    color=colour,
                    hatch=HATCHES[n % len(HATCHES)],
                    edgecolor="white",
                    linewidth=0.5,
                )
                bottom = [b + v for b, v in zip(bottom, values, strict=True)]
            for x, total in zip(positions, bottom, strict=True):
                # Side by side, two labels are wider than their bars: each offer's on its own
                # line (A lower, B higher), named by the legend's solid and hatched swatches.
                axes.annotate(
                    short(total),
                    (x, total),
                    ha="center",
                    va="bottom",
                    fontsize=8,
                    xytext=(0, 2 + LABEL_STEP * n),
                    textcoords="offset points",
                )
        top = max(max(y.total for y in b.years) for _, b in offers)
        axes.set_ylim(bottom=0, top=top * (1.12 + 0.06 * (len(offers) - 1)))
        axes.set_xticks(range(1, years + 1), [f"Year {y}" for y in range(1, years + 1)])
        axes.yaxis.set_major_formatter(FuncFormatter(lambda v, _: short(v)))
        axes.set_ylabel(f"{offers[0][1].currency}, pre-tax")
        axes.set_title(
            "Offer A (solid) vs offer B (hatched)" if comparing else "Total compensation by year"
        )
        handles = [Patch(facecolor=colour, label=label) for label, _, colour in parts]
        if comparing:
            handles += [
                Patch(facecolor="white", edgecolor="black", hatch=HATCHES[n], label=f"Offer {name}")
                for n, (name, _) in enumerate(offers)
            ]
        axes.legend(
            handles=handles,
            loc="upper center",
            bbox_to_anchor=(0.5, -0.1),
            ncol=len(handles),
            fontsize=8,
            frameon=False,
        )
        axes.spines[["top", "right"]].set_visible(False)
        buffer = io.BytesIO()
        figure.tight_layout()
        figure.savefig(buffer, format="png")
        return buffer.getvalue()
    finally:
        plt.close(figure)
