"""A PNG stacked-bar chart of the years. matplotlib is imported only when a chart is drawn."""

from __future__ import annotations

import io

from bot.comp.calculator import Breakdown

PARTS = (
    ("Base", "base", "#4c72b0"),
    ("Bonus", "bonus", "#55a868"),
    ("Stock", "stock", "#c44e52"),
    ("Sign-on", "signon", "#dd8452"),
    ("Other", "other", "#8172b3"),
)


def offer_chart(offers: list[tuple[str, Breakdown]]) -> bytes:
    """One stacked bar per year per offer, side by side when comparing."""
    import matplotlib

    matplotlib.use("Agg")  # no display: render straight to PNG bytes
    from matplotlib import pyplot as plt
    from matplotlib.ticker import FuncFormatter

    figure, axes = plt.subplots(figsize=(7, 4), dpi=100)
    try:
        width = 0.8 / len(offers)
        years = max(len(b.years) for _, b in offers)
        for n, (name, breakdown) in enumerate(offers):
            positions = [y.year + (n - (len(offers) - 1) / 2) * width for y in breakdown.years]
            bottom = [0] * len(breakdown.years)
            for label, key, colour in PARTS:
                values = [getattr(y, key) for y in breakdown.years]
                if not any(values):
                    continue
                axes.bar(
                    positions,
                    values,
                    width * 0.9,
                    bottom=bottom,
                    color=colour,
                    label=label if n == 0 else None,
                    alpha=1.0 if n == 0 else 0.6,
                )
                bottom = [b + v for b, v in zip(bottom, values, strict=True)]
            if len(offers) > 1:
                for x, top in zip(positions, bottom, strict=True):
                    axes.annotate(name, (x, top), ha="center", va="bottom", fontsize=8)
        currency = offers[0][1].currency
        axes.set_xticks(range(1, years + 1), [f"Year {y}" for y in range(1, years + 1)])
        axes.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v / 1000:,.0f}k"))
        axes.set_ylabel(f"{currency}, pre-tax")
        axes.set_title("Total compensation by year")
        axes.legend(
            loc="upper center",
            bbox_to_anchor=(0.5, -0.1),
            ncol=len(PARTS),
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
