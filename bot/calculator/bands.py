"""Market bands from knowledge/compensation.yaml: loaded, validated and checked against the
calculator (the illustrative package must price to the first-year total the file states)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.calculator.amounts import CompInputError
from bot.calculator.calculator import Offer, calculate
from bot.knowledge.model import KnowledgeBaseError, Problem
from bot.knowledge.parsing import describe_yaml_error, parse_yaml

BANDS_FILE = "compensation.yaml"


@dataclass(frozen=True, slots=True)
class Level:
    key: str
    label: str
    base_low: int
    base_high: int
    source: str


@dataclass(frozen=True, slots=True)
class Bands:
    currency: str
    levels: dict[str, Level]
    bonus_low: int  # percent of base
    bonus_high: int
    bonus_source: str
    signon_summary: str
    signon_source: str
    illustrative_level: str
    illustrative: Offer
    illustrative_source: str
    factors: dict[str, str]
    source_note: str


def load_bands(knowledge_dir: Path) -> Bands:
    """Raise KnowledgeBaseError listing every problem, like the knowledge base loader."""
    path = knowledge_dir / BANDS_FILE
    problems: list[Problem] = []

    def bad(field: str, message: str) -> None:
        problems.append(Problem(BANDS_FILE, "", field, message))

    try:
        data = parse_yaml(path.read_text(encoding="utf-8"))
    except OSError:
        raise KnowledgeBaseError([Problem(str(path), "", "file", "does not exist")]) from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise KnowledgeBaseError(
            [Problem(BANDS_FILE, "", "yaml", describe_yaml_error(exc))]
        ) from None
    if not isinstance(data, dict):
        raise KnowledgeBaseError([Problem(BANDS_FILE, "", "file", "must be a mapping")])

    def section(key: str) -> dict[str, Any]:
        value = data.get(key)
        if not isinstance(value, dict):
            bad(key, "must be a mapping")
            return {}
        return value

    def text(mapping: dict[str, Any], key: str, where: str) -> str:
        value = mapping.get(key)
        if not isinstance(value, str) or not value.strip():
            bad(f"{where}.{key}", "must be non-empty text")
            return ""
        return value.strip()

    def number(mapping: dict[str, Any], key: str, where: str) -> int:
        value = mapping.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            bad(f"{where}.{key}", "must be a whole number, 0 or more")
            return 0
        return value

    levels: dict[str, Level] = {}
    for key, level in section("levels").items():
        if not isinstance(level, dict):
            bad(f"levels.{key}", "must be a mapping")
            continue
        where = f"levels.{key}"
        low, high = number(level, "base_low", where), number(level, "base_high", where)
        if low > high:
            bad(where, f"base_low {low} is above base_high {high}")
        levels[str(key)] = Level(
            str(key), text(level, "label", where), low, high, text(level, "source", where)
        )
    if not levels and "levels" in data:
        bad("levels", "lists no level")
    bonus = section("bonus_percent")
    signon = section("signon")
    sample = section("illustrative")
    illustrative = Offer(
        base=str(number(sample, "base", "illustrative")),
        bonus=str(number(sample, "bonus", "illustrative")),
        stock=str(number(sample, "stock", "illustrative")),
        vest_years=str(number(sample, "vest_years", "illustrative")),
        signon=str(number(sample, "signon", "illustrative")),
    )
    stated = number(sample, "first_year_total", "illustrative")
    factors = {str(k): str(v).strip() for k, v in section("factors").items()}
    bands = Bands(
        currency=text(data, "currency", "file"),
        levels=levels,
        bonus_low=number(bonus, "low", "bonus_percent"),
        bonus_high=number(bonus, "high", "bonus_percent"),
        bonus_source=text(bonus, "source", "bonus_percent"),
        signon_summary=text(signon, "summary", "signon"),
        signon_source=text(signon, "source", "signon"),
        illustrative_level=text(sample, "level", "illustrative"),
        illustrative=illustrative,
        illustrative_source=text(sample, "source", "illustrative"),
        factors=factors,
        source_note=text(data, "source_note", "file"),
    )
    if not problems:
        if bands.illustrative_level not in levels:
            bad("illustrative.level", f"{bands.illustrative_level!r} is not one of the levels")
        try:
            priced = calculate(illustrative).first_year_total
        except CompInputError as exc:
            bad("illustrative", str(exc))
        else:
            if priced != stated:
                bad("illustrative.first_year_total", f"says {stated} but prices to {priced}")
    if problems:
        raise KnowledgeBaseError(problems)
    return bands
