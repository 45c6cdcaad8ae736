"""Fit the matcher's decision model on the `fit` half of knowledge/evaluation.yaml.

    .venv/bin/python bench/calibrate.py

For each mode (blended, lexical-only): score every case once, fit a logistic regression on
the `fit` cases (is the best entry the one asked about?), then pick the answer and suggest
cut-offs that give the most right answers on `fit` while keeping its wrong answers, answered
near-topic questions and suggested off-topic ones at zero. Prints the DecisionModel lines
for bot/matching/build.py and the per-kind figures on both halves; `check` is never used to fit.

Then the cascade: the lowest lexical probability at which the lexical answer equals the
blend's decision on every `fit` case it would skip the encoder for (DECISIVE).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.config import Settings  # noqa: E402
from bot.knowledge.loader import load_knowledge_base  # noqa: E402
from bot.matching.build import BLENDED_MODEL, LEXICAL_MODEL, blended_matcher, lexical_matcher  # noqa: E402
from bot.matching.decision import Cascade, DecisionModel, Judgement  # noqa: E402
from bot.matching.evaluation import EVALUATION_FILE, Case, KindReport, Outcome, load_cases  # noqa: E402
from bot.matching.matcher import Matcher  # noqa: E402
from bot.startup import load_encoder  # noqa: E402

ANSWERED = ("existing", "long", "short")  # the kinds whose right answers are maximised
L2 = 0.5
MIN_SCORE = 0.3  # a sanity floor, not fitted: a 30-case split would overfit it
WRONG_SHARE = 0.02  # the bars: existing <= 1%, short <= 2%
Judged = tuple[Case, Judgement, list[Judgement]]


def judge_all(matcher: Matcher, cases: list[Case]) -> list[Judged]:
    return [(case, *matcher.post_judgement(case.text)) for case in cases]


def training_set(matcher: Matcher, judged: list[Judged]) -> tuple[np.ndarray, np.ndarray]:
    rows, labels = [], []
    for case, overall, parts in judged:
        if case.split != "fit":
            continue
        for judgement in [overall, *parts]:
            rows.append(judgement.features)
            labels.append(float(matcher.kb.entries[judgement.best].id in case.expected))
    return np.asarray(rows), np.asarray(labels)


def fit_logistic(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """Newton's method with a little L2 on the weights (not the bias)."""
    xb = np.hstack([x, np.ones((len(x), 1))])
    w = np.zeros(xb.shape[1])
    ridge = np.eye(len(w)) * L2
    ridge[-1, -1] = 0
    for _ in range(100):
        p = 1 / (1 + np.exp(-xb @ w))
        gradient = xb.T @ (p - y) + ridge @ w
        hessian = xb.T @ (xb * (p * (1 - p))[:, None]) + ridge
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-9:
            break
    return w[:-1], float(w[-1])


def reports(matcher: Matcher, judged: list[Judged], model: DecisionModel, split: str):
    grouped: dict[str, list[Outcome]] = {}
    for case, overall, parts in judged:
        if case.split == split:
            match = matcher.decide(case.text, overall, parts, model)
            grouped.setdefault(case.kind, []).append(Outcome(case, match))
    return {kind: KindReport(kind, split, tuple(o)) for kind, o in grouped.items()}


def acceptable(found: dict[str, KindReport]) -> bool:
    """The issue's bars, on the fit half: at most 2% wrong, no wrong answer in another
    language or a multi-question post, no near-topic answer, every off-topic one declined."""
    asked = [o for kind in ANSWERED for o in found[kind].asked]
    strict = [o for kind in ("languages", "multi") for o in found[kind].asked]
    uncovered = [o for r in found.values() for o in r.uncovered]
    return (
        sum(o.wrong for o in asked) <= WRONG_SHARE * len(asked)
        and not any(o.wrong for o in strict)
        and not any(o.answered for o in uncovered)
        and all(o.declined for kind in ("off_topic", "existing") for o in found[kind].uncovered)
    )


def score(found: dict[str, KindReport]) -> tuple[int, int]:
    right = sum(o.right for kind in ANSWERED for o in found[kind].asked)
    in_reply = sum(o.covered for r in found.values() for o in r.asked)
    return right, in_reply


def calibrate(name: str, matcher: Matcher, cases: list[Case]) -> None:
    judged = judge_all(matcher, cases)
    weights, bias = fit_logistic(*training_set(matcher, judged))
    best: tuple[tuple[int, int], DecisionModel] | None = None
    for answer in np.arange(0.30, 0.991, 0.02):
        for suggest in np.arange(0.04, answer, 0.04):
            model = DecisionModel(tuple(weights), bias, float(answer), float(suggest), MIN_SCORE)
            found = reports(matcher, judged, model, "fit")
            if acceptable(found) and (best is None or score(found) > best[0]):
                best = (score(found), model)
    if best is None:
        print(f"{name}: no cut-offs meet the bars on the fit half")
        return
    model = best[1]
    rounded = DecisionModel(
        tuple(round(float(w), 3) for w in model.weights),
        round(model.bias, 3),
        round(model.answer, 2),
        round(model.suggest, 2),
        round(model.min_score, 2),
    )
    print(f"{name.upper()}_MODEL = {rounded!r}")
    for split in ("fit", "check"):
        for report in reports(matcher, judged, rounded, split).values():
            print("  " + report.line())


def calibrate_cascade(matcher: Matcher, cases: list[Case]) -> None:
    """The lowest DECISIVE and the highest HOPELESS that change none of the blend's
    decisions on the fit half."""
    judged = [
        (case, matcher.post_judgement(case.text, True), matcher.post_judgement(case.text))
        for case in cases
    ]

    def same(case: Case, cheap: tuple[Judgement, list[Judgement]], full) -> bool:
        fast = matcher.decide(case.text, *cheap, LEXICAL_MODEL)
        slow = matcher.decide(case.text, *full, BLENDED_MODEL)
        return (fast.decision, fast.answers) == (slow.decision, slow.answers)

    def skipped(cascade: Cascade, split: str) -> list:
        return [j for j in judged if j[0].split == split and cascade.decides(*j[1], busy=False)]

    def harmless(cascade: Cascade) -> bool:
        return all(same(*j) for j in skipped(cascade, "fit"))

    decisive = next(
        float(d) for d in np.arange(0.80, 1.0, 0.005) if harmless(Cascade(LEXICAL_MODEL, d, 0))
    )
    hopeless = next(
        float(h) for h in np.arange(0.30, 0.0, -0.005) if harmless(Cascade(LEXICAL_MODEL, 1.01, h))
    )
    cascade = Cascade(LEXICAL_MODEL, decisive, hopeless)
    print(f"DECISIVE = {decisive:.3f}\nHOPELESS = {hopeless:.3f}")
    for split in ("fit", "check"):
        mine = [j for j in judged if j[0].split == split]
        skips = skipped(cascade, split)
        changed = sum(not same(*j) for j in skips)
        print(
            f"  {split}: {len(skips)}/{len(mine)} cases skip the encoder"
            f" ({len(skips) / len(mine):.0%}), {changed} of them decided otherwise than the blend"
        )


def main() -> None:
    cases = load_cases(ROOT / "knowledge" / EVALUATION_FILE)
    kb = load_knowledge_base(ROOT / "knowledge")
    calibrate("lexical", lexical_matcher(kb), cases)
    with tempfile.TemporaryDirectory() as cache:
        encoder = load_encoder(Settings())
        blended = blended_matcher(kb, encoder, Path(cache))
        calibrate("blended", blended, cases)
        calibrate_cascade(blended, cases)


if __name__ == "__main__":
    main()
