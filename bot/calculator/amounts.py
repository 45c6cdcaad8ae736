"""Read amounts and percentages the way people type them: 180000, 180,000, $180k, 1.2m, 15%."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

AMOUNT_EXAMPLE = "180000, 180k, $180,000 or 1.2m"
_AMOUNT = re.compile(
    r"^(?P<sign>-)?\s*(?:[$€£¥₹]|[a-z]{3}\s)?\s*(?P<number>\d[\d,_]*(?:\.\d+)?|\.\d+)"
    r"\s*(?P<suffix>[km])?$",
    re.IGNORECASE,
)
_PERCENT = re.compile(r"^(?P<sign>-)?\s*(?P<number>\d+(?:\.\d+)?|\.\d+)\s*%$")
_MULTIPLIERS = {"": 1, "k": 1_000, "m": 1_000_000}


class CompInputError(ValueError):
    """Input a member typed that cannot be priced; the message says what to type instead."""


def parse_amount(
    text: str, what: str, *, maximum: Decimal | None = None, example: str = AMOUNT_EXAMPLE
) -> Decimal:
    """A non-negative amount; `what` names the field in the error message."""
    if not text.strip():
        raise CompInputError(f"{what} is missing. Type it like {example}.")
    match = _AMOUNT.match(text.strip())
    if not match:
        raise CompInputError(f"{what}: {text.strip()!r} is not an amount. Type it like {example}.")
    if match["sign"]:
        raise CompInputError(f"{what} cannot be negative. Type it like {example}.")
    try:
        number = Decimal(match["number"].replace(",", "").replace("_", ""))
    except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
        raise CompInputError(f"{what}: {text!r} is not an amount.") from None
    value = number * _MULTIPLIERS[(match["suffix"] or "").lower()]
    if maximum is not None and value > maximum:
        raise CompInputError(
            f"{what} of {value:,.0f} is too large to be real (the limit is "
            f"{maximum:,.0f}). Check the zeros: 180k means 180,000."
        )
    return value


def parse_percent(text: str, what: str, *, low: Decimal, high: Decimal) -> Decimal:
    """A percentage such as `15%` or `15`, returned as a fraction (0.15)."""
    cleaned = text.strip()
    match = _PERCENT.match(cleaned if cleaned.endswith("%") else cleaned + "%")
    if not match:
        raise CompInputError(f"{what}: {cleaned!r} is not a percentage. Type it like 10%.")
    value = Decimal(match["number"]) * (-1 if match["sign"] else 1)
    if not low <= value <= high:
        raise CompInputError(f"{what} must be between {low}% and {high}%, not {value}%.")
    return value / 100


def is_percent(text: str) -> bool:
    return text.strip().endswith("%")


def percent(fraction: Decimal) -> str:
    return f"{(fraction * 100).normalize():f}%"


def whole(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))
