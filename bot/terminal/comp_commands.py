"""`python -m bot comp …` and the console's `/comp …` lines: one parser, one set of answers."""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import shlex
from collections.abc import Callable
from dataclasses import fields
from pathlib import Path
from typing import TYPE_CHECKING

from bot.calculator.amounts import CompInputError
from bot.knowledge.model import KnowledgeBaseError

if TYPE_CHECKING:
    from bot.calculator.calculator import Offer

OFFER_OPTIONS = {  # option -> help; the Offer field is the option with "-" -> "_"
    "base": "base salary, e.g. 180k",
    "bonus": "annual bonus, e.g. 15%% or 30k",
    "stock": "TOTAL stock grant over the whole vesting, not per year, e.g. 600k",
    "vesting": "even, back-loaded, front-loaded, front-loaded-40, or e.g. 10/20/30/40",
    "vest-years": "years of even vesting (1-6, default 4)",
    "cliff-months": "cliff in months, e.g. 12",
    "signon": "sign-on bonus, e.g. 75k, or split per year: 50k/25k",
    "refresher": "yearly refresher grant from year 2 (not guaranteed), e.g. 100k",
    "benefits": "yearly value of benefits, e.g. 10k",
}
SHARED_OPTIONS = {
    "growth": "stock growth per year, e.g. 10%% (a scenario)",
    "raise": "yearly raise of base, e.g. 3%%",
    "years": "years shown (1-6, default the vesting length)",
    "currency": "currency label, e.g. EUR (no conversion; default USD)",
}
PER_OFFER = (
    "base",
    "bonus",
    "stock",
    "vesting",
    "vest-years",
    "cliff-months",
    "signon",
    "refresher",
    "benefits",
)


class _Parser(argparse.ArgumentParser):
    """Turns argparse's complaints into CompInputError (one sentence, exit 2 / a console line)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise CompInputError(f"{message[0].upper()}{message[1:]}. Try `comp --help`.")


def _field(option: str) -> str:
    return "raise_" if option == "raise" else option.replace("-", "_")


def add_comp_parser(commands: argparse._SubParsersAction) -> None:
    comp = commands.add_parser("comp", help="price an offer, compare two, show pay bands")
    _add_actions(comp)


def _add_actions(comp: argparse.ArgumentParser) -> None:
    """offer, compare and bands, under `python -m bot comp` or the console's `/comp`."""
    actions = comp.add_subparsers(
        dest="comp_command", metavar="{offer,compare,bands}", required=True, parser_class=_Parser
    )
    offer = actions.add_parser("offer", help="an offer's year-by-year total compensation")
    for option, text in {**OFFER_OPTIONS, **SHARED_OPTIONS}.items():
        offer.add_argument(
            f"--{option}",
            dest=_field(option),
            metavar=option.upper().replace("-", "_"),
            default="",
            required=option == "base",
            help=text,
        )
    compare = actions.add_parser("compare", help="two offers side by side (--a-… and --b-…)")
    for side in ("a", "b"):
        for option in PER_OFFER:
            compare.add_argument(
                f"--{side}-{option}",
                dest=_field(f"{side}-{option}"),
                metavar=f"{side}_{option}".upper().replace("-", "_"),
                default="",
                required=option == "base",
                help=f"offer {side.upper()}: {OFFER_OPTIONS[option]}",
            )
    for option, text in SHARED_OPTIONS.items():
        compare.add_argument(
            f"--{option}",
            dest=_field(option),
            metavar=option.upper().replace("-", "_"),
            default="",
            help=f"both offers: {text}",
        )
    for action in (offer, compare):
        action.add_argument("--json", action="store_true", help="print one JSON object")
        action.add_argument("--chart", type=Path, metavar="FILE.png", help="save a PNG chart")
    bands = actions.add_parser("bands", help="typical pay by level, with sources")
    bands.add_argument("--level", default="", help="entry, mid or senior (default: all)")


def offer_from(args: argparse.Namespace, prefix: str = "") -> Offer:
    values = {_field(o): getattr(args, _field(prefix + o), "") or "" for o in PER_OFFER}
    shared = {_field(o): getattr(args, _field(o), "") or "" for o in SHARED_OPTIONS}
    from bot.calculator.calculator import Offer

    known = {f.name for f in fields(Offer)}
    return Offer(**{k: v for k, v in {**values, **shared}.items() if k in known})


def run_comp(args: argparse.Namespace, knowledge_dir: Path, write: Callable[[str], None]) -> int:
    """Raises CompInputError for input that cannot be priced; KnowledgeBaseError for bands."""
    # Here, not at the top: the parser that every command builds needs only the options.
    from bot.calculator import report
    from bot.calculator.bands import load_bands
    from bot.calculator.calculator import calculate, compare_offers

    if args.comp_command == "bands":
        bands = load_bands(knowledge_dir)
        level = args.level.strip().lower()
        if level and level not in bands.levels:
            raise CompInputError(
                f"Level must be one of {', '.join(bands.levels)}, not {args.level!r}."
            )
        write(report.bands_text(bands, [level] if level else list(bands.levels)))
        return 0
    if args.comp_command == "offer":
        breakdown = calculate(offer_from(args))
        offers = [("Offer", breakdown)]
        text, record = report.offer_text(breakdown), breakdown.record()
    else:
        a, b = compare_offers(offer_from(args, "a-"), offer_from(args, "b-"))
        offers = [("A", a), ("B", b)]
        text = report.compare_text(a, b)
        record = {"a": a.record(), "b": b.record(), "difference": b.total - a.total}
    if args.chart:
        from bot.calculator.chart import offer_chart

        try:
            args.chart.write_bytes(offer_chart(offers))
        except OSError as exc:
            raise CompInputError(
                f"Could not save the chart to {args.chart}: {exc.strerror or exc}."
            ) from None
    write(json.dumps(record) if args.json else text)
    if args.chart and not args.json:
        write(f"Chart saved to {args.chart}.")
    return 0


CONSOLE_USAGE = (
    "Say what to price: `/comp offer --base 180k --stock 600k`, `/comp compare --a-base 180k "
    "--b-base 200k`, or `/comp bands`. `/comp offer --help` lists every option."
)


def join_negative_values(words: list[str]) -> list[str]:
    """`--growth -60%` as `--growth=-60%`: argparse takes `-60%` for an option otherwise."""
    joined: list[str] = []
    for word in words:
        previous = joined[-1] if joined else ""
        negative = word[:1] == "-" and word[1:2].isdigit()
        if negative and previous.startswith("--") and "=" not in previous:
            joined[-1] = f"{previous}={word}"
        else:
            joined.append(word)
    return joined


def console_comp(line: str, knowledge_dir: Path) -> str:
    """Answer a console line such as `/comp offer --base 180k --stock 600k`."""
    parser = _Parser(prog="/comp", description="Price an offer, compare two, show pay bands.")
    _add_actions(parser)
    printed = io.StringIO()  # what --help prints
    try:
        words = join_negative_values(shlex.split(line)[1:])
        if not words:
            return CONSOLE_USAGE
        with contextlib.redirect_stdout(printed):
            args = parser.parse_args(words)
        out: list[str] = []
        run_comp(args, knowledge_dir, out.append)
        return "\n".join(out)
    except (CompInputError, ValueError) as exc:
        return str(exc)
    except KnowledgeBaseError as exc:  # compensation.yaml is broken: say so, keep the console
        return f"The pay bands file has problems: {exc.problems[0]}"
    except SystemExit:
        return printed.getvalue().rstrip()
