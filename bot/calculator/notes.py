"""What a priced offer warns about and assumes: the sentences shown beside its figures."""

from __future__ import annotations

from decimal import Decimal

from bot.calculator.amounts import percent, whole

STOCK_WARNING_SHARE = Decimal("0.4")  # stock above this share of the total gets a warning


def warnings_for(
    totals: list[int],
    stock: int,
    schedule: tuple[Decimal, ...],
    signon: list[Decimal],
    growth: Decimal,
    refresher: Decimal,
    years: int,
    vest_years: int,
) -> tuple[str, ...]:
    """`totals` and `stock` are each year's total and the stock over all years."""
    warnings: list[str] = []
    total = sum(totals)
    back_loaded = len(schedule) > 1 and schedule[0] < schedule[-1]
    if back_loaded and totals[0] < whole(Decimal(total) / len(totals)):
        warnings.append(
            "The vesting is back-loaded: year 1 pays less than the average year, "
            "and the later years assume you stay."
        )
    if total and Decimal(stock) / total > STOCK_WARNING_SHARE:
        share = whole(Decimal(stock) * 100 / total)
        warnings.append(
            f"Stock is {share}% of the total: its value moves with the share "
            "price, and private-company stock may not be sellable."
        )
    if any(signon):
        warnings.append(
            "Sign-on bonuses usually have a clawback: leave within a year or two "
            "and you may have to pay some or all of it back."
        )
    if refresher:
        warnings.append(
            "Refresher grants are not guaranteed; they depend on performance and company policy."
        )
    if growth and stock:
        warnings.append(f"Stock growth of {percent(growth)} a year is a scenario, not a promise.")
    if years > vest_years and not refresher and stock:
        warnings.append(
            f"The grant is fully vested after year {vest_years}; later years show "
            "no stock unless you add refreshers."
        )
    return tuple(warnings)


def assumptions_for(
    bonus_is_percent: bool,
    has_bonus: bool,
    raise_: Decimal,
    growth: Decimal,
    cliff: int,
    grant: Decimal,
    refresher: Decimal,
) -> tuple[str, ...]:
    """What the figures assume, about the parts this offer has."""
    notes = ["Pre-tax"]
    if grant or refresher:
        notes.append(
            f"stock value grows {percent(growth)} a year after year 1"
            if growth
            else "stock at its grant value"
        )
    if raise_:
        notes.append(f"base rises {percent(raise_)} a year")
    if has_bonus and not bonus_is_percent:
        notes.append("bonus is a fixed amount")
    if cliff and grant:
        notes.append(f"{cliff}-month cliff")
    if refresher:
        notes.append("a refresher each year from year 2, vesting evenly over 4 years")
    return tuple(notes)
