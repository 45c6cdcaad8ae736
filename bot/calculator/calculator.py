"""Price an offer year by year: base, bonus, stock, sign-on, other (benefits), total.

All arithmetic is in Decimal; each component is rounded to whole currency units per year,
and totals are sums of the rounded figures, so every table adds up exactly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from bot.calculator.amounts import (
    CompInputError,
    is_percent,
    parse_amount,
    parse_percent,
    whole,
)
from bot.calculator.notes import assumptions_for, warnings_for

MAX_BASE = Decimal(10_000_000)
MAX_AMOUNT = Decimal(1_000_000_000)  # a grant, sign-on or benefit beyond this is a typo
MAX_YEARS = 6
REFRESHER_VEST_YEARS = 4
PRESETS: dict[str, tuple[int, ...]] = {
    "back-loaded": (5, 15, 40, 40),
    "front-loaded": (33, 33, 22, 12),
    "front-loaded-40": (40, 30, 20, 10),
}
VESTING_EXAMPLE = (
    "even, back-loaded (5/15/40/40), front-loaded (33/33/22/12), "
    "front-loaded-40 (40/30/20/10), or your own such as 10/20/30/40"
)


@dataclass(frozen=True, slots=True)
class Offer:
    """An offer as typed: every field is the member's text, or empty when not given."""

    base: str
    bonus: str = ""
    stock: str = ""  # the whole grant, not per year
    vesting: str = "even"
    vest_years: str = ""
    cliff_months: str = ""
    signon: str = ""
    refresher: str = ""
    growth: str = ""
    raise_: str = ""
    benefits: str = ""
    years: str = ""
    currency: str = ""


@dataclass(frozen=True, slots=True)
class Year:
    year: int
    base: int
    bonus: int
    stock: int
    signon: int
    other: int

    @property
    def total(self) -> int:
        return self.base + self.bonus + self.stock + self.signon + self.other


@dataclass(frozen=True, slots=True)
class Breakdown:
    years: tuple[Year, ...]
    currency: str
    schedule: tuple[Decimal, ...]  # the grant's share vesting each year
    warnings: tuple[str, ...] = ()
    assumptions: tuple[str, ...] = field(default=())

    @property
    def first_year_total(self) -> int:
        return self.years[0].total

    @property
    def total(self) -> int:
        return sum(year.total for year in self.years)

    @property
    def average(self) -> int:
        return whole(Decimal(self.total) / len(self.years))

    def record(self) -> dict[str, object]:
        """The JSON form (`comp offer --json`)."""
        return {
            "currency": self.currency,
            "years": [
                {
                    "year": y.year,
                    "base": y.base,
                    "bonus": y.bonus,
                    "stock": y.stock,
                    "signon": y.signon,
                    "other": y.other,
                    "total": y.total,
                }
                for y in self.years
            ],
            "first_year_total": self.first_year_total,
            "total": self.total,
            "average": self.average,
            "warnings": list(self.warnings),
        }


def _integer(text: str, what: str, low: int, high: int, default: int) -> int:
    if not text.strip():
        return default
    digits = text.strip()
    if not (digits.isascii() and digits.isdigit()) or not low <= int(digits) <= high:
        raise CompInputError(
            f"{what} must be a whole number from {low} to {high}, not {text.strip()!r}."
        )
    return int(digits)


def parse_schedule(text: str, vest_years: str) -> tuple[Decimal, ...]:
    """The share of the grant vesting in each year, as fractions summing to 1."""
    name = text.strip().lower() or "even"
    if name == "even":
        years = _integer(vest_years, "Vesting years", 1, MAX_YEARS, 4)
        return tuple(Decimal(1) / years for _ in range(years))
    if name in PRESETS:
        percents = [Decimal(p) for p in PRESETS[name]]
    else:
        parts = [p for p in re.split(r"[\s/,;]+", name.replace("%", "")) if p]
        try:
            percents = [Decimal(p) for p in parts]
        except ArithmeticError:
            percents = []
        if not percents or any(not p.is_finite() or p < 0 for p in percents):
            raise CompInputError(
                f"Vesting: {text.strip()!r} is not a schedule. Type {VESTING_EXAMPLE}."
            )
        if len(percents) > MAX_YEARS:
            raise CompInputError(f"Vesting has {len(percents)} years; the most is {MAX_YEARS}.")
        if sum(percents) != 100:
            raise CompInputError(
                f"Vesting percentages must add up to 100, but "
                f"{'/'.join(parts)} adds up to {sum(percents)}. "
                "For example: 10/20/30/40."
            )
    if vest_years.strip() and _integer(vest_years, "Vesting years", 1, MAX_YEARS, 0) != len(
        percents
    ):
        raise CompInputError(
            f"The {name} schedule vests over {len(percents)} years, but vesting "
            f"years says {vest_years.strip()}: leave vesting years empty."
        )
    return tuple(p / 100 for p in percents)


def _signon(text: str, years: int) -> list[Decimal]:
    parts = [p for p in text.split("/") if p.strip()] if text.strip() else []
    amounts = [parse_amount(p, "Sign-on", maximum=MAX_AMOUNT) for p in parts]
    if len(amounts) > years:
        raise CompInputError(
            f"The sign-on is split over {len(amounts)} years but only {years} "
            f"{'year is' if years == 1 else 'years are'} shown: add years or "
            "shorten the split (e.g. 50k/25k)."
        )
    return amounts + [Decimal(0)] * (years - len(amounts))


def _vested_with_cliff(schedule: tuple[Decimal, ...], cliff_months: int) -> list[Decimal]:
    """Shares per year once a cliff holds back everything scheduled before it.

    Each year's share vests through that year; a cliff of C months releases everything
    scheduled up to then at month C. So cliffs up to 12 months change nothing year by year,
    and a longer one moves the earlier years' shares into the year the cliff ends.
    """
    shares = list(schedule)
    cliff_year = max(1, -(-cliff_months // 12))  # the year in which the cliff ends
    if cliff_year > 1:
        held = sum(shares[: cliff_year - 1], Decimal(0))
        shares[: cliff_year - 1] = [Decimal(0)] * (cliff_year - 1)
        shares[cliff_year - 1] += held
    return shares


def calculate(offer: Offer, years_override: int | None = None) -> Breakdown:
    """Raise CompInputError with one sentence for anything that cannot be priced."""
    base = parse_amount(offer.base, "Base salary", maximum=MAX_BASE)
    if base < 1:  # shown in whole units, anything less prices as a row of zeros
        raise CompInputError("Base salary must be at least 1 a year. Type it like 180k.")
    schedule = parse_schedule(offer.vesting, offer.vest_years)
    years = years_override or _integer(offer.years, "Years shown", 1, MAX_YEARS, len(schedule))
    cliff = _integer(offer.cliff_months, "Cliff", 0, len(schedule) * 12, 0)
    grant = (
        parse_amount(offer.stock, "Stock grant", maximum=MAX_AMOUNT)
        if offer.stock.strip()
        else Decimal(0)
    )
    refresher = (
        parse_amount(offer.refresher, "Refresher", maximum=MAX_AMOUNT)
        if offer.refresher.strip()
        else Decimal(0)
    )
    benefits = (
        parse_amount(offer.benefits, "Benefits", maximum=MAX_AMOUNT)
        if offer.benefits.strip()
        else Decimal(0)
    )
    growth = (
        parse_percent(offer.growth, "Stock growth", low=Decimal(-90), high=Decimal(100))
        if offer.growth.strip()
        else Decimal(0)
    )
    raise_ = (
        parse_percent(offer.raise_, "Yearly raise", low=Decimal(-50), high=Decimal(50))
        if offer.raise_.strip()
        else Decimal(0)
    )
    bonus_text = offer.bonus.strip()
    if is_percent(bonus_text):
        bonus_rate = parse_percent(bonus_text, "Bonus", low=Decimal(0), high=Decimal(200))
        bonus_amount = None
    else:
        bonus_rate = None
        bonus_amount = (
            parse_amount(bonus_text, "Bonus", maximum=MAX_AMOUNT, example="15% or 30k")
            if bonus_text
            else Decimal(0)
        )
    signon = _signon(offer.signon, years)
    currency = offer.currency.strip()[:12] or "USD"

    shares = _vested_with_cliff(schedule, cliff)
    rows: list[Year] = []
    for n in range(1, years + 1):
        year_base = base * (1 + raise_) ** (n - 1)
        year_bonus = year_base * bonus_rate if bonus_rate is not None else bonus_amount
        stock = grant * shares[n - 1] if n <= len(shares) else Decimal(0)
        stock *= (1 + growth) ** (n - 1)
        for granted in range(2, n + 1):  # one refresher at the start of each year from year 2
            if n - granted < REFRESHER_VEST_YEARS:
                stock += refresher / REFRESHER_VEST_YEARS * (1 + growth) ** (n - granted)
        rows.append(
            Year(
                n,
                whole(year_base),
                whole(year_bonus or Decimal(0)),
                whole(stock),
                whole(signon[n - 1]),
                whole(benefits),
            )
        )

    totals, stock = [row.total for row in rows], sum(row.stock for row in rows)
    return Breakdown(
        tuple(rows),
        currency,
        schedule,
        warnings=warnings_for(
            totals, stock, schedule, signon, growth, refresher, years, len(schedule)
        ),
        assumptions=assumptions_for(
            bonus_rate is not None, bool(bonus_text), raise_, growth, cliff, grant, refresher
        ),
    )


def compare_offers(a: Offer, b: Offer) -> tuple[Breakdown, Breakdown]:
    """Price both over the same years: the one asked for, else the longer vesting."""
    first, second = calculate(a), calculate(b)
    if a.years.strip():
        return first, second
    years = max(len(first.schedule), len(second.schedule))
    return calculate(a, years), calculate(b, years)
