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
from bot.startup import _multilingual, load_encoder  # noqa: E402

SHARED_EVAL = ROOT.parent / "shared" / "eval"
FILES = (
    ROOT / "knowledge" / "evaluation.yaml",
    SHARED_EVAL / "external.yaml",
    SHARED_EVAL / "external-2.yaml",
    ROOT / "bench" / "other_languages.yaml",
)
GRID = [round(float(x), 3) for x in np.arange(0.0, 0.061, 0.0025)]
WRONG = 0.03  # of the posts answered: wrong entry, or one that must not be answered


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
        matcher = blended_matcher(
            kb, load_encoder(Settings()), Path(cache), multilingual=_multilingual()
        )
        assert isinstance(matcher, MultilingualMatcher)
        leads = {case.text: read(matcher, case.text) for _, case in cases}
    fit = [case for _, case in cases if case.split == "fit"]
    answer = best_cutoff(fit, leads, WRONG)
    quiet = best_cutoff(fit, leads, 0.0)
    agreeing = max(GRID, key=lambda c: quality(fit, leads, answer, c, WRONG))
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


def outcomes(
    cases: list[Case], leads: dict[str, Read], cutoff: tuple[float, float], agreeing: float = 1.0
) -> tuple[int, int]:
    """(answered right, answered wrong or uncalled-for)."""
    right = wrong = 0
    for case in cases:
        best, over_rival, over_next, agrees = leads[case.text]
        clears = over_rival >= cutoff[0] and over_next >= cutoff[1]
        if clears or (agrees and over_rival >= agreeing):
            right += best in case.expected
            wrong += best not in case.expected
    return right, wrong


def quality(
    cases: list[Case], leads: dict[str, Read], cutoff, agreeing: float, wrong_share: float
) -> tuple[bool, int, float]:
    right, wrong = outcomes(cases, leads, cutoff, agreeing)
    return wrong <= wrong_share * max(right + wrong, 1), right, sum(cutoff) + agreeing


def best_cutoff(
    cases: list[Case], leads: dict[str, Read], wrong_share: float
) -> tuple[float, float]:
    return max(
        itertools.product(GRID, GRID), key=lambda c: quality(cases, leads, c, 1.0, wrong_share)
    )


def figures(cases: list[Case], leads: dict[str, Read], cutoffs: ForeignCutoffs) -> str:
    covered = [c for c in cases if c.expected]
    right, wrong = outcomes(covered, leads, cutoffs.answer, cutoffs.agreeing)
    uncalled = outcomes(
        [c for c in cases if not c.expected], leads, cutoffs.answer, cutoffs.agreeing
    )[1]
    quiet_right, quiet_wrong = outcomes(cases, leads, cutoffs.quiet)
    return (
        f"covered {len(covered):3}: right {right:3} wrong {wrong:2} | "
        f"not to answer {len(cases) - len(covered):3}: answered {uncalled:2} | "
        f"quiet: right {quiet_right:3} wrong {quiet_wrong:2}"
    )


if __name__ == "__main__":
    main()
