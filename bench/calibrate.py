"""Fit the matcher's decision models on the `fit` halves of the evaluation files.

    .venv/bin/python bench/calibrate.py

The shipped constants are fitted on the `fit` halves of knowledge/evaluation.yaml, of the
two files of messages written outside the team (../shared/eval/external.yaml and
external-2.yaml, beside the checkout; never copied into it) and on the questions
bench/hard_negatives.py makes from the entries' own wordings (fit only). Without the
external files it still fits, but says that its constants are not the ones to ship.
`--eval PATH` (repeatable) adds more files. For each mode (lexical, blended): score every case
once; fit a logistic regression on every `fit` case (is the best entry the one asked
about?); choose the answer and suggest cut-offs by 5-fold cross-validation on the fit
cases (each fold judged by weights fitted without it), as the cut-offs that answer most
right while the bars hold, then move the answer cut-off up by a margin. The `check` halves
are only reported. Prints the DecisionModel lines for bot/matching/build.py and the
per-kind figures of every file and half.

Then the cascade: the widest DECISIVE and HOPELESS that change no blended decision on the
fit cases.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.config import Settings  # noqa: E402
from bot.knowledge.loader import load_knowledge_base  # noqa: E402
from bot.knowledge.text import latin_script  # noqa: E402
from bot.matching.build import BLENDED_MODEL, LEXICAL_MODEL, blended_matcher, lexical_matcher  # noqa: E402
from bot.matching.decision import Cascade, DecisionModel, Judgement  # noqa: E402
from bot.matching.evaluation import (  # noqa: E402
    EVALUATION_FILE,
    Case,
    Outcome,
    evaluate,
    load_cases,
)
from bot.matching.matcher import Matcher  # noqa: E402
from bot.startup import load_encoder  # noqa: E402

L2 = 1.0  # see the README: a stronger one looked better out of fold, not on writing we did not fit
FOLDS = 5
MARGIN = 0.03  # added to the cross-validated answer cut-off: unseen writing scores lower
MIN_SCORE = 0.3  # a sanity floor, not fitted
UNCOVERED_ANSWERED = 0.02  # the bars, on the pooled out-of-fold decisions
WRONG = 0.015
OFF_TOPIC_SUGGESTED = 0.08  # 0.1 offered "did you mean" for a pizza question
QUIET_PRECISION = 0.985  # direct answers right, where nobody asked the bot
NEGATIVES = "hard_negatives.yaml"
NEGATIVES_WEIGHT = 20.0  # all of them together, against about 700 real messages (10-40 tried)
SHARED_EVAL = ROOT.parent / "shared" / "eval"
SHIPPED_FIT = (
    ROOT / "knowledge" / EVALUATION_FILE,
    ROOT / "bench" / NEGATIVES,
    SHARED_EVAL / "external.yaml",
    SHARED_EVAL / "external-2.yaml",
)
ANSWERED = ("existing", "long", "short", "multi", "languages")  # kinds with right answers
Judged = tuple[str, Case, Judgement, list[Judgement]]  # (file, case, post, parts)


def judge_all(matcher: Matcher, files: dict[str, list[Case]], latin: bool = False) -> list[Judged]:
    """Every case's judgements; with `latin`, only the Latin-script cases (the blend decides
    only those: other scripts are matched on their words)."""
    return [
        (name, case, *matcher.post_judgement(case.text))
        for name, cases in files.items()
        for case in cases
        if not latin or latin_script(case.text)
    ]


def training_set(
    matcher: Matcher, judged: list[Judged]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Features, labels (is the best entry the one asked about?) and weights: the made-up
    negatives weigh NEGATIVES_WEIGHT together, every real message 1."""
    made = sum(len(parts) + 1 for file, _, _, parts in judged if file == NEGATIVES)
    rows, labels, weights = [], [], []
    for file, case, overall, parts in judged:
        for judgement in [overall, *parts]:
            rows.append(judgement.features)
            labels.append(float(matcher.kb.entries[judgement.best].id in case.expected))
            weights.append(NEGATIVES_WEIGHT / made if file == NEGATIVES else 1.0)
    return np.asarray(rows), np.asarray(labels), np.asarray(weights)


def fit_logistic(x: np.ndarray, y: np.ndarray, weight: np.ndarray) -> tuple[np.ndarray, float]:
    """Newton's method with a little L2 on the weights (not the bias)."""
    xb = np.hstack([x, np.ones((len(x), 1))])
    w = np.zeros(xb.shape[1])
    ridge = np.eye(len(w)) * L2
    ridge[-1, -1] = 0
    for _ in range(100):
        p = 1 / (1 + np.exp(-xb @ w))
        gradient = xb.T @ (weight * (p - y)) + ridge @ w
        hessian = xb.T @ (xb * (weight * p * (1 - p))[:, None]) + ridge
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-9:
            break
    return w[:-1], float(w[-1])


def outcomes(matcher: Matcher, judged: list[Judged], model: DecisionModel) -> list[Outcome]:
    return [
        Outcome(case, matcher.decide(case.text, overall, parts, model))
        for _, case, overall, parts in judged
    ]


def acceptable(found: list[Outcome]) -> bool:
    asked = [o for o in found if o.case.expected and o.case.kind in ANSWERED]
    uncovered = [o for o in found if not o.case.expected]
    off_topic = [o for o in uncovered if o.case.kind in ("off_topic", "existing")]
    return (
        sum(o.wrong for o in asked) <= WRONG * len(asked)
        and sum(bool(o.answered) for o in uncovered) <= UNCOVERED_ANSWERED * len(uncovered)
        and sum(not o.declined for o in off_topic) <= OFF_TOPIC_SUGGESTED * len(off_topic)
    )


def precise(found: list[Outcome]) -> bool:
    """The bar of channels where nobody asked the bot: its direct answers are right."""
    answered = [o for o in found if o.answered]
    return sum(o.right for o in answered) >= QUIET_PRECISION * len(answered)


def score(found: list[Outcome]) -> tuple[int, int]:
    asked = [o for o in found if o.case.expected and o.case.kind in ANSWERED]
    return sum(o.right and o.complete for o in asked), sum(o.covered for o in asked)


def folds(judged: list[Judged]) -> list[list[Judged]]:
    """Every fifth case in each (file, kind) to a fold, so each fold has every kind."""
    parts: list[list[Judged]] = [[] for _ in range(FOLDS)]
    seen: dict[tuple[str, str], int] = {}
    for item in judged:
        key = (item[0], item[1].kind)
        parts[seen.get(key, 0) % FOLDS].append(item)
        seen[key] = seen.get(key, 0) + 1
    return parts


def cutoffs(matcher: Matcher, fit: list[Judged]) -> tuple[float, float, float, float] | None:
    """The answer, suggest and several cut-offs that answer most right on the out-of-fold
    decisions while the bars hold: answer and suggest first, then several."""
    held_out = []
    negatives = [j for j in fit if j[0] == NEGATIVES]  # for fitting only, never held out
    parts = folds([j for j in fit if j[0] != NEGATIVES])
    for i, fold in enumerate(parts):
        rest = [j for k, other in enumerate(parts) if k != i for j in other] + negatives
        weights, bias = fit_logistic(*training_set(matcher, rest))
        held_out.append((fold, tuple(weights), bias))

    def found(answer: float, suggest: float, several: float, quiet: float = 0) -> list[Outcome]:
        return [
            o
            for fold, weights, bias in held_out
            for o in outcomes(
                matcher,
                fold,
                DecisionModel(weights, bias, answer, suggest, MIN_SCORE, several, quiet),
            )
        ]

    best: tuple[tuple[int, int], float, float] | None = None
    for answer in np.arange(0.30, 0.991, 0.01):
        for suggest in np.arange(0.05, answer, 0.05):
            outcome = found(answer, suggest, answer)
            if acceptable(outcome) and (best is None or score(outcome) > best[0]):
                best = (score(outcome), float(answer), float(suggest))
    if best is None:
        return None
    _, answer, suggest = best
    several = max(
        (s for s in np.arange(0.30, answer + 0.001, 0.01) if acceptable(found(answer, suggest, s))),
        key=lambda s: (score(found(answer, suggest, s)), s),
    )
    print(f"  out-of-fold: {summary(found(answer, suggest, several))}")

    def unasked(quiet: float) -> list[Outcome]:
        return [Outcome(o.case, o.match.unasked()) for o in found(answer, suggest, several, quiet)]

    quiet = next((float(q) for q in np.arange(answer, 0.991, 0.01) if precise(unasked(q))), 0.99)
    print(f"  out-of-fold where nobody asked: {summary(unasked(quiet))}")
    return answer, suggest, float(several), quiet


def summary(found: list[Outcome]) -> str:
    """The fit halves' pooled out-of-fold figures: what compares two designs fairly."""
    asked = [o for o in found if o.case.expected]
    uncovered = [o for o in found if not o.case.expected]
    right, in_reply = score(found)
    return (
        f"right {right}/{len(asked)}, in reply {in_reply}, "
        f"wrong {sum(o.wrong for o in asked)}, "
        f"uncovered answered {sum(bool(o.answered) for o in uncovered)}/{len(uncovered)}"
    )


def report(matcher: Matcher, files: dict[str, list[Case]]) -> None:
    """Every file's figures per kind and half, as the bot decides (cascade included)."""
    for file, cases in files.items():
        for split in ("fit", "check"):
            for kind_report in evaluate(matcher.match, [c for c in cases if c.split == split]):
                print(f"  {file:16} " + kind_report.line())


def calibrate(name: str, matcher: Matcher, judged: list[Judged]) -> DecisionModel | None:
    fit = [j for j in judged if j[1].split == "fit"]
    found = cutoffs(matcher, fit)
    if found is None:
        print(f"{name}: no cut-offs meet the bars on the fit halves")
        return None
    weights, bias = fit_logistic(*training_set(matcher, fit))
    answer, suggest = min(found[0] + MARGIN, 0.99), found[1]
    model = DecisionModel(
        tuple(round(float(w), 3) for w in weights),
        round(bias, 3),
        round(answer, 2),
        round(suggest, 2),
        MIN_SCORE,
        round(min(found[2] + MARGIN, answer), 2),
        round(min(max(found[3] + MARGIN, answer), 0.99), 2),
    )
    print(f"{name.upper()}_MODEL = {model!r}")
    return model


def calibrate_cascade(
    matcher: Matcher, files: dict[str, list[Case]], lexical: DecisionModel, blended: DecisionModel
) -> Cascade:
    """The lowest DECISIVE and the highest HOPELESS that change none of the blend's
    decisions on the fit cases."""
    judged = [
        (case, matcher.post_judgement(case.text, True), matcher.post_judgement(case.text))
        for cases in files.values()
        for case in cases
        if latin_script(case.text)
    ]

    def same(case: Case, cheap: tuple[Judgement, list[Judgement]], full) -> bool:
        fast = matcher.decide(case.text, *cheap, lexical)
        slow = matcher.decide(case.text, *full, blended)
        return (fast.decision, fast.answers) == (slow.decision, slow.answers)

    def skipped(cascade: Cascade, split: str) -> list:
        return [j for j in judged if j[0].split == split and cascade.decides(*j[1], busy=False)]

    def harmless(cascade: Cascade) -> bool:
        return all(same(*j) for j in skipped(cascade, "fit"))

    decisive = next(
        (
            float(d)
            for d in np.arange(lexical.answer, 1.0, 0.005)
            if harmless(Cascade(lexical, d, 0))
        ),
        1.0,
    )
    hopeless = next(
        (float(h) for h in np.arange(0.30, 0.0, -0.005) if harmless(Cascade(lexical, 1.01, h))),
        0.0,
    )
    cascade = Cascade(lexical, decisive, hopeless)
    print(f"DECISIVE = {decisive:.3f}\nHOPELESS = {hopeless:.3f}")
    for split in ("fit", "check"):
        mine = [j for j in judged if j[0].split == split]
        skips = skipped(cascade, split)
        changed = sum(not same(*j) for j in skips)
        print(
            f"  {split}: {len(skips)}/{len(mine)} cases skip the encoder"
            f" ({len(skips) / len(mine):.0%}), {changed} of them decided otherwise than the blend"
        )
    return cascade


def evaluation_files(extra: list[Path]) -> dict[str, list[Case]]:
    """The files the shipped constants were fitted on, and `extra`; says which are missing."""
    missing = [path for path in SHIPPED_FIT[1:] if not path.is_file()]
    for path in missing:
        print(f"{path} is missing: these constants are NOT the ones to ship (see docs/matching.md)")
    paths = [path for path in SHIPPED_FIT if path not in missing] + extra
    print("Fitted on the fit halves of: " + ", ".join(path.name for path in paths))
    return {path.name: load_cases(path) for path in paths}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--eval", type=Path, action="append", default=[], metavar="PATH")
    files = evaluation_files(parser.parse_args().eval)
    kb = load_knowledge_base(ROOT / "knowledge")
    lexical = lexical_matcher(kb)
    lexical_model = calibrate("lexical", lexical, judge_all(lexical, files)) or LEXICAL_MODEL
    report(Matcher(kb, lexical.scorers, lexical_model), files)
    with tempfile.TemporaryDirectory() as cache:
        blended = blended_matcher(kb, load_encoder(Settings()), Path(cache))
        judged = judge_all(blended, files, latin=True)
        blended_model = calibrate("blended", blended, judged) or BLENDED_MODEL
        cascade = calibrate_cascade(blended, files, lexical_model, blended_model)
        report(Matcher(kb, blended.scorers, blended_model, cascade), files)


if __name__ == "__main__":
    main()
