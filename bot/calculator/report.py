"""Offers, comparisons and bands as text: the terminal prints it, Discord puts it in code blocks."""

from __future__ import annotations

from bot.calculator.bands import Bands
from bot.calculator.calculator import Breakdown, Year

COLUMNS = (
    ("Base", "base"),
    ("Bonus", "bonus"),
    ("Stock", "stock"),
    ("Sign-on", "signon"),
    ("Other", "other"),
)


def money(value: int) -> str:
    return f"{value:,}"


def year_table(breakdown: Breakdown) -> str:
    """Year rows and a total row; components that are zero in every year are left out."""
    shown = [
        (label, key)
        for label, key in COLUMNS
        if key == "base" or any(getattr(y, key) for y in breakdown.years)
    ]
    header = ["Year", *(label for label, _ in shown), "Total"]

    def cells(year: Year) -> list[str]:
        return [str(year.year), *(money(getattr(year, key)) for _, key in shown), money(year.total)]

    rows = [cells(y) for y in breakdown.years]
    sums = [money(sum(getattr(y, key) for y in breakdown.years)) for _, key in shown]
    rows.append(["All", *sums, money(breakdown.total)])
    return _grid(header, rows)


def _grid(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(cell.rjust(w) for cell, w in zip(row, widths, strict=True))
        for row in [header, *rows]
    ]
    return "\n".join(lines)


def summary(breakdown: Breakdown) -> list[tuple[str, str]]:
    c, n = breakdown.currency, len(breakdown.years)
    return [
        ("First year", f"{c} {money(breakdown.first_year_total)}"),
        (f"Total over {n} year{'s' * (n != 1)}", f"{c} {money(breakdown.total)}"),
        ("Average per year", f"{c} {money(breakdown.average)}"),
    ]


def offer_text(breakdown: Breakdown) -> str:
    lines = [
        f"Total compensation by year ({breakdown.currency}, pre-tax)",
        "",
        year_table(breakdown),
        "",
    ]
    lines += [f"{label}: {value}" for label, value in summary(breakdown)]
    lines += [f"! {warning}" for warning in breakdown.warnings]
    lines.append("Assumptions: " + "; ".join(breakdown.assumptions) + ".")
    return "\n".join(lines)


def compare_table(a: Breakdown, b: Breakdown) -> str:
    header = ["Year", "Offer A", "Offer B", "B - A"]
    rows = [
        [str(ya.year), money(ya.total), money(yb.total), f"{yb.total - ya.total:+,}"]
        for ya, yb in zip(a.years, b.years, strict=True)
    ]
    rows.append(["All", money(a.total), money(b.total), f"{b.total - a.total:+,}"])
    return _grid(header, rows)


def compare_verdict(a: Breakdown, b: Breakdown) -> str:
    n = len(a.years)
    difference = b.total - a.total
    if difference == 0:
        return f"Both offers are worth the same over {n} years."
    better, worse = ("B", "A") if difference > 0 else ("A", "B")
    return (
        f"Offer {better} is worth {a.currency} {money(abs(difference))} more than offer "
        f"{worse} over {n} year{'s' * (n != 1)} (pre-tax)."
    )


def compare_text(a: Breakdown, b: Breakdown) -> str:
    lines = [
        f"Offer A vs offer B ({a.currency}, pre-tax)",
        "",
        compare_table(a, b),
        "",
        compare_verdict(a, b),
    ]
    for label, breakdown in (("A", a), ("B", b)):
        lines += [f"! Offer {label}: {warning}" for warning in breakdown.warnings]
    return "\n".join(lines)


def bands_text(bands: Bands, level_keys: list[str]) -> str:
    """Each level's band, then once what applies to all of them."""
    c = bands.currency
    lines = []
    for key in level_keys:
        level = bands.levels[key]
        low_cash = level.base_low * (100 + bands.bonus_low) // 100
        high_cash = level.base_high * (100 + bands.bonus_high) // 100
        lines.append(
            f"{level.label}: base {c} {money(level.base_low)} to {money(level.base_high)}+; "
            f"with bonus about {c} {money(low_cash)} to {money(high_cash)}+ a year. "
            f"Source: {level.source}."
        )
        if key == bands.illustrative_level:
            o = bands.illustrative
            lines.append(
                f"  Example package: base {money(int(o.base))}, bonus {money(int(o.bonus))}, "
                f"a {money(int(o.stock))} grant over {o.vest_years} years and a "
                f"{money(int(o.signon))} sign-on. Try /comp offer with these numbers."
            )
    lines += [
        "",
        f"Bonus: typically {bands.bonus_low} to {bands.bonus_high}% of base.",
        "Stock: grants can be a large share of the package; for senior roles at successful "
        "companies they can be worth hundreds of thousands or more over the vesting years. "
        f"Sign-on: {bands.signon_summary}.",
        "What moves pay:",
    ]
    lines += [
        f"- {name.replace('_', ' ').capitalize()}: {text}" for name, text in bands.factors.items()
    ]
    lines.append(bands.source_note)
    return "\n".join(lines)
