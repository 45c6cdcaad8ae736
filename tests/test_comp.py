"""The compensation core: amounts, the calculator, bands, reports and the chart."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from bot.calculator import report
from bot.calculator.amounts import CompInputError, parse_amount, parse_percent
from bot.calculator.bands import BANDS_FILE, load_bands
from bot.calculator.calculator import Offer, calculate
from bot.knowledge.model import KnowledgeBaseError
from tests.conftest import KNOWLEDGE

ARTICLE = Offer(base="180,000", bonus="30,000", stock="600,000", signon="75,000")


def totals(offer: Offer) -> list[int]:
    return [year.total for year in calculate(offer).years]


@pytest.mark.parametrize(
    ("vesting", "expected"),
    [
        ("even", [435_000, 360_000, 360_000, 360_000]),
        ("5/15/40/40", [315_000, 300_000, 450_000, 450_000]),
        ("back-loaded", [315_000, 300_000, 450_000, 450_000]),
        ("33/33/22/12", [483_000, 408_000, 342_000, 282_000]),
        ("front-loaded", [483_000, 408_000, 342_000, 282_000]),
        ("40/30/20/10", [525_000, 390_000, 330_000, 270_000]),
    ],
)
def test_the_articles_package_comes_out_exactly(vesting, expected):
    breakdown = calculate(replace(ARTICLE, vesting=vesting))
    assert [y.total for y in breakdown.years] == expected
    assert breakdown.total == 1_515_000 and breakdown.first_year_total == expected[0]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("180000", 180_000),
        ("180,000", 180_000),
        ("$180k", 180_000),
        ("1.2m", 1_200_000),
        ("180K", 180_000),
        ("€ 95.5k", 95_500),
        ("USD 200000", 200_000),
    ],
)
def test_amounts_as_people_type_them(text, value):
    assert parse_amount(text, "Base") == value


@pytest.mark.parametrize("text", ["abc", "12 apples", "1..2k", "k", "5kk"])
def test_what_is_not_an_amount_is_refused(text):
    with pytest.raises(CompInputError, match=r"is not an amount\. Type it like"):
        parse_amount(text, "Base")


def test_percent_reads_with_or_without_the_sign():
    assert parse_percent("15%", "Bonus", low=Decimal(0), high=Decimal(100)) == Decimal("0.15")
    assert parse_percent("7.5", "Bonus", low=Decimal(0), high=Decimal(100)) == Decimal("0.075")
    with pytest.raises(CompInputError, match="between 0% and 100%"):
        parse_percent("150%", "Bonus", low=Decimal(0), high=Decimal(100))


@pytest.mark.parametrize(
    ("offer", "message"),
    [
        (Offer(base=""), "Base salary is missing"),
        (Offer(base="0"), "Base salary must be at least 1 a year"),
        (Offer(base="0.0001"), "Base salary must be at least 1 a year"),
        (Offer(base="-5k"), "Base salary cannot be negative"),
        (Offer(base="20m"), "too large to be real"),
        (Offer(base="180k", vesting="10/20/30"), "must add up to 100, but 10/20/30 adds up to 60"),
        (Offer(base="180k", vesting="sometimes"), "is not a schedule"),
        (Offer(base="180k", vesting="10/10/10/10/10/10/40"), "the most is 6"),
        (Offer(base="180k", vesting="even", vest_years="9"), "Vesting years must be"),
        (Offer(base="180k", vesting="5/15/40/40", vest_years="3"), "vests over 4 years"),
        (Offer(base="180k", signon="50k/25k/10k", years="2"), "split over 3 years but only 2"),
        (Offer(base="180k", bonus="lots"), "Type it like 15% or 30k"),
        (Offer(base="180k", growth="500%"), "Stock growth must be between"),
        (Offer(base="180k", cliff_months="60"), "Cliff must be a whole number from 0 to 48"),
        (Offer(base="180k", years="7"), "Years shown must be a whole number from 1 to 6"),
    ],
)
def test_bad_input_is_refused_with_one_sentence(offer, message):
    with pytest.raises(CompInputError, match=message) as caught:
        calculate(offer)
    assert "\n" not in str(caught.value)


def test_percent_bonus_follows_the_raise():
    years = calculate(Offer(base="100k", bonus="10%", raise_="10%", years="3")).years
    assert [(y.base, y.bonus) for y in years] == [
        (100_000, 10_000),
        (110_000, 11_000),
        (121_000, 12_100),
    ]


def test_a_one_year_cliff_changes_nothing_and_a_longer_one_moves_year_one():
    assert totals(Offer(base="100k", stock="400k", cliff_months="12")) == [200_000] * 4
    assert totals(Offer(base="100k", stock="400k", cliff_months="18")) == [
        100_000,
        300_000,
        200_000,
        200_000,
    ]


def test_refreshers_stack_from_year_two_and_are_labelled():
    breakdown = calculate(Offer(base="100k", refresher="40k", years="6"))
    assert [y.stock for y in breakdown.years] == [0, 10_000, 20_000, 30_000, 40_000, 40_000]
    assert any("not guaranteed" in w for w in breakdown.warnings)


def test_growth_compounds_after_year_one_and_is_called_a_scenario():
    breakdown = calculate(Offer(base="100k", stock="400k", growth="10%"))
    assert [y.stock for y in breakdown.years] == [100_000, 110_000, 121_000, 133_100]
    assert any("scenario, not a promise" in w for w in breakdown.warnings)


def test_split_signon_benefits_and_currency():
    breakdown = calculate(
        Offer(base="100k", signon="50k/25k", benefits="12k", currency="EUR", years="3")
    )
    assert [(y.signon, y.other) for y in breakdown.years] == [
        (50_000, 12_000),
        (25_000, 12_000),
        (0, 12_000),
    ]
    assert breakdown.currency == "EUR"


def test_warnings_where_they_apply():
    back = calculate(Offer(base="100k", stock="800k", vesting="5/15/40/40", signon="20k"))
    text = " ".join(back.warnings)
    assert "back-loaded" in text and "Stock is" in text and "clawback" in text
    plain = calculate(Offer(base="100k", bonus="10%"))
    assert plain.warnings == ()
    assert "Pre-tax" in plain.assumptions


def test_json_record_has_the_contract_keys():
    record = calculate(ARTICLE).record()
    assert {"years", "first_year_total", "total", "average", "warnings"} <= set(record)
    assert set(record["years"][0]) == {"year", "base", "bonus", "stock", "signon", "other", "total"}
    assert record["average"] == 378_750


def test_tables_add_up():
    table = report.year_table(calculate(ARTICLE))
    assert table.splitlines()[-1].split()[-1] == "1,515,000"
    assert "Other" not in table, "all-zero components are left out"


def test_bands_carry_the_articles_figures(tmp_path):
    bands = load_bands(KNOWLEDGE)
    assert [(lv.base_low, lv.base_high) for lv in bands.levels.values()] == [
        (100_000, 140_000),
        (130_000, 180_000),
        (160_000, 220_000),
    ]
    assert (bands.bonus_low, bands.bonus_high) == (10, 20)
    assert all(level.source for level in bands.levels.values())
    text = report.bands_text(bands, ["senior"])
    assert "160,000 to 220,000+" in text and "Example package" in text
    every = report.bands_text(bands, list(bands.levels))
    assert every.count("What moves pay") == 1 and every.count("Stock: grants") == 1
    assert all(f"{level.label}: base" in every for level in bands.levels.values())


def test_assumptions_speak_only_of_what_the_offer_has():
    base_only = calculate(Offer(base="150k"))
    assert base_only.assumptions == ("Pre-tax",)
    full = calculate(Offer(base="150k", bonus="20k", stock="400k", cliff_months="12"))
    assert {"stock at its grant value", "bonus is a fixed amount", "12-month cliff"} <= set(
        full.assumptions
    )


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ("base_low: 160000", "base_low: 260000", "base_low 260000 is above base_high 220000"),
        ("first_year_total: 435000", "first_year_total: 999", "says 999 but prices to 435000"),
        ("  low: 10\n", "  low: ten\n", "bonus_percent.low: must be a whole number"),
    ],
)
def test_invalid_bands_are_refused_with_the_problem(tmp_path, old, new, problem):
    text = (KNOWLEDGE / BANDS_FILE).read_text()
    assert old in text
    (tmp_path / BANDS_FILE).write_text(text.replace(old, new))
    with pytest.raises(KnowledgeBaseError) as caught:
        load_bands(tmp_path)
    assert any(problem in str(p) for p in caught.value.problems)


def test_the_chart_is_a_png_and_matplotlib_loads_only_for_it():
    import sys

    from bot.calculator.chart import offer_chart

    png = offer_chart([("A", calculate(ARTICLE)), ("B", calculate(Offer(base="200k")))])
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 5_000
    assert "matplotlib" in sys.modules


def test_a_comparison_chart_names_the_parts_of_both_offers():
    from bot.calculator.chart import offer_chart, shown_parts

    a = calculate(Offer(base="100k", stock="400k"))
    b = calculate(Offer(base="120k", signon="50k", benefits="5k"))
    assert [label for label, _, _ in shown_parts([("A", a), ("B", b)])] == [
        "Base",
        "Stock",
        "Sign-on",
        "Other",
    ]
    assert offer_chart([("A", a), ("B", b)]).startswith(b"\x89PNG")
