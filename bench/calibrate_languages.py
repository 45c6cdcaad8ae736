"""Fit the cut-offs of posts in other languages (bot/matching/build.py's FOREIGN_CUTOFFS).

    .venv/bin/python bench/calibrate_languages.py

The posts are the cases of every evaluation file that do not read as English (whatever their
kind), with bench/other_languages.yaml (written by the team, fit only). Fitted on the `fit`
halves: the answer cut-off is the one that answers the most covered posts right with at most
WRONG of the answers wrong or uncalled-for, on a grid; the quiet one (answer channels,
forums) allows none; then the lead at which the English reading agreeing is enough, under
the same bar. The `check` halves are only reported.
"""

from __future__ import annotations

import itertools
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.config import Settings  # noqa: E402
from bot.knowledge.loader import load_knowledge_base  # noqa: E402
from bot.matching.build import FOREIGN_CUTOFFS, blended_matcher  # noqa: E402
from bot.matching.evaluation import Case, load_cases  # noqa: E402
from bot.matching.multilingual.language import reads_as_english  # noqa: E402
from bot.matching.multilingual.matcher import ForeignCutoffs, MultilingualMatcher  # noqa: E402
from bot.startup import load_encoder, load_multilingual  # noqa: E402

SHARED_EVAL = ROOT.parent / "shared" / "eval"
FILES = (
    ROOT / "knowledge" / "evaluation.yaml",
    SHARED_EVAL / "external.yaml",
    SHARED_EVAL / "external-2.yaml",
    ROOT / "bench" / "other_languages.yaml",
)
GRID = [round(float(x), 3) for x in np.arange(0.0, 0.061, 0.0025)]
WRONG = 0.03  # of the posts answered: wrong entry, or one that must not be answered
NEVER = 1.0  # an `agreeing` lead no post reaches: no answer by agreement


def main() -> None:
    kb = load_knowledge_base(ROOT / "knowledge")
    cases = [
        (path.name, case)
        for path in FILES
        if path.is_file()
        for case in load_cases(path)
        if not reads_as_english(case.text)
    ]
    with tempfile.TemporaryDirectory() as cache:
        multilingual = load_multilingual(Settings(), sys.exit)  # says why it cannot run
        matcher = blended_matcher(
            kb, load_encoder(Settings()), Path(cache), multilingual=multilingual
        )
        assert isinstance(matcher, MultilingualMatcher)
        leads = {case.text: read(matcher, case.text) for _, case in cases}
    fit = [case for _, case in cases if case.split == "fit"]
    answer = best_cutoff(fit, leads, WRONG)
    quiet = best_cutoff(fit, leads, 0.0)
    agreeing = max(GRID, key=lambda c: quality(fit, leads, cutoffs_of(answer, c), WRONG))
    cutoffs = ForeignCutoffs(
        answer=answer, quiet=max(answer, quiet), suggest=0.0, agreeing=agreeing
    )
    print(f"Fitted on {len(fit)} posts: {cutoffs}\nShipped: {FOREIGN_CUTOFFS}")
    for title, shown in (("fitted", cutoffs), ("shipped", FOREIGN_CUTOFFS)):
        print(f"With the {title} cut-offs:")
        for name, split in itertools.product([p.name for p in FILES], ("fit", "check")):
            mine = [case for file, case in cases if file == name and case.split == split]
            if mine:
                print(f"  {name:22} {split:5} {figures(mine, leads, shown)}")


Read = tuple[str, float, float, bool]  # best entry, its two leads, the English reading agrees


def read(matcher: MultilingualMatcher, text: str) -> Read:
    _, order, (over_rival, over_next) = matcher.read_scores(text)
    agrees = matcher.post_judgement(text)[0].best == order[0]
    return matcher.kb.entries[order[0]].id, over_rival, over_next, agrees


def cutoffs_of(answer: tuple[float, float], agreeing: float = NEVER) -> ForeignCutoffs:
    return ForeignCutoffs(answer=answer, quiet=answer, suggest=0.0, agreeing=agreeing)


def outcomes(
    cases: list[Case], leads: dict[str, Read], answered: Callable[[Read], bool]
) -> tuple[int, int]:
    """(answered right, answered wrong or uncalled-for)."""
    right = wrong = 0
    for case in cases:
        if answered(read := leads[case.text]):
            right += read[0] in case.expected
            wrong += read[0] not in case.expected
    return right, wrong


def answered_by(cutoffs: ForeignCutoffs) -> Callable[[Read], bool]:
    """As the bot decides where asked (`MultilingualMatcher.read_foreign`)."""
    return lambda read: cutoffs.answers(read[1:3], lambda: read[3])


def quality(
    cases: list[Case], leads: dict[str, Read], cutoffs: ForeignCutoffs, wrong_share: float
) -> tuple[bool, int, float]:
    right, wrong = outcomes(cases, leads, answered_by(cutoffs))
    return (
        wrong <= wrong_share * max(right + wrong, 1),
        right,
        sum(cutoffs.answer) + cutoffs.agreeing,
    )


def best_cutoff(
    cases: list[Case], leads: dict[str, Read], wrong_share: float
) -> tuple[float, float]:
    return max(
        itertools.product(GRID, GRID),
        key=lambda c: quality(cases, leads, cutoffs_of(c), wrong_share),
    )


def figures(cases: list[Case], leads: dict[str, Read], cutoffs: ForeignCutoffs) -> str:
    covered = [c for c in cases if c.expected]
    right, wrong = outcomes(covered, leads, answered_by(cutoffs))
    uncalled = outcomes([c for c in cases if not c.expected], leads, answered_by(cutoffs))[1]
    quiet_right, quiet_wrong = outcomes(
        cases, leads, lambda read: cutoffs.clears(read[1:3], quiet=True)
    )
    return (
        f"covered {len(covered):3}: right {right:3} wrong {wrong:2} | "
        f"not to answer {len(cases) - len(covered):3}: answered {uncalled:2} | "
        f"quiet: right {quiet_right:3} wrong {quiet_wrong:2}"
    )


if __name__ == "__main__":
    main()
