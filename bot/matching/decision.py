"""The matcher's decision: how sure it is that the best entry is what was asked.

A logistic regression over a few features of a judgement (the scores of one text), with
cut-offs on its probability; fitted on the evaluation's `fit` half by bench/calibrate.py.
The cascade's rule, when the cheap scores alone may decide, lives here too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from bot.knowledge.model import OutOfScopeTopic

FEATURES = (
    "best",
    "log margin",
    "competitor",
    "lead over competitor",
    "log length",
    "first scorer's best",  # the scorers disagree in telling ways: typos vs paraphrases
    "last scorer's best",
    "coverage",  # the share of the asked words the entry's texts use
    "log unfamiliar names",  # names, acronyms, codes asked about that the entry never mentions
    "unanswered kinds",  # kinds of question asked (when, how to, a figure...) it does not answer
)
MARGIN_FLOOR = 0.02  # log(margin + this): a near tie says much more than a wide lead
CLEAR_MARGIN = math.log(0.1 + MARGIN_FLOOR)  # the log margin of a clear winner


# A decline names an out-of-scope topic (its pointer, "try #offers") only from this score:
# below it the nearest topic of chatter or gibberish is a guess. Fitted on the `fit` halves:
# at 0.40 no off-topic message gets a pointer, and a clearly-about-it near-topic one keeps it.
POINTER_MIN = 0.40


@dataclass(frozen=True, slots=True)
class Judgement:
    """What the scores of one text say about its best entry."""

    order: np.ndarray  # entry indices, best first
    scores: np.ndarray  # per entry
    features: tuple[float, ...]
    topic: OutOfScopeTopic | None  # the out-of-scope topic that outscored the best entry
    topic_score: float = 0.0  # ...and its score
    asked: str = ""  # the text judged (what it asks)

    @property
    def pointer(self) -> OutOfScopeTopic | None:
        """The topic to name in a decline: only one the text is clearly about."""
        return self.topic if self.topic_score >= POINTER_MIN else None

    @property
    def best(self) -> int:
        return int(self.order[0])


@dataclass(frozen=True, slots=True)
class DecisionModel:
    """Logistic regression over a judgement's features, and the two cut-offs on its
    probability; fitted on the evaluation's `fit` half (bench/calibrate.py)."""

    weights: tuple[float, ...]  # one per FEATURES
    bias: float
    answer: float  # answer directly at or above this probability...
    suggest: float  # offer "did you mean" at or above this
    min_score: float = 0.0  # ...and only when the best entry scores at least this
    several: float = 0.0  # a post's part is answered at this (its other parts back it up)
    quiet: float = 0.0  # where nobody asked the bot (answer channels, forums): at least this

    def probability(self, features: tuple[float, ...]) -> float:
        z = self.bias + sum(w * f for w, f in zip(self.weights, features, strict=True))
        return 1.0 / (1.0 + math.exp(-z))

    def speaks_unasked(self, judgement: Judgement) -> bool:
        """Sure enough to answer where nobody asked the bot (a stricter cut-off)."""
        return self.probability(judgement.features) >= max(self.quiet, self.answer)

    def in_scope(self, judgement: Judgement) -> bool:
        """Worth a "did you mean": the probability the question would have if its best
        entry stood clearly ahead (a near tie says which, not whether)."""
        features = list(judgement.features)
        features[1] = max(features[1], CLEAR_MARGIN)
        return judgement.features[3] > 0 and self.probability(tuple(features)) >= self.suggest

    def answers(self, judgement: Judgement, part: bool = False) -> bool:
        """Confident enough to answer directly (`part`: as one of several questions in a
        post). Never when a competitor (an out-of-scope example, a `not:` example) is at
        least as close as the best entry."""
        best, lead = judgement.features[0], judgement.features[3]
        cutoff = self.several if part and self.several else self.answer
        return (
            lead > 0 and best >= self.min_score and self.probability(judgement.features) >= cutoff
        )


@dataclass(frozen=True, slots=True)
class Cascade:
    """When the cheap scorers alone decide (under `model`, their own decision model)."""

    model: DecisionModel
    decisive: float  # a single question this probable is answered without the encoder...
    hopeless: float  # ...and one less probable than this is declined without it

    def decides(self, overall: Judgement, parts: list[Judgement], busy: bool) -> bool:
        if parts:
            return False
        probability = self.model.probability(overall.features)
        if probability < self.hopeless:
            return True
        return self.model.answers(overall) and (busy or probability >= self.decisive)
