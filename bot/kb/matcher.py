"""Turn a member's question into an answer, "did you mean" suggestions, or a decline.

Scorers each give every entry a score in [0, 1]; the matcher blends them with fixed
weights and applies thresholds calibrated on `knowledge/evaluation.yaml`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

import numpy as np
from rapidfuzz import fuzz, process, utils

from bot.kb.model import Entry, KnowledgeBase
from bot.kb.text import content_tokens

MAX_QUESTION_CHARS = 500  # longer input is cut: no real question needs more to be matched
SUGGESTIONS = 3
PARTIAL_WEIGHT = 0.25  # autocomplete: how much a half-typed word counts beside the lexical score


class Scorer(Protocol):
    name: str

    def score(self, question: str) -> np.ndarray:
        """A score in [0, 1] for every entry, in knowledge-base order."""
        ...


class Decision(StrEnum):
    ANSWER = "answer"
    SUGGEST = "suggest"
    DECLINE = "decline"


@dataclass(frozen=True, slots=True)
class Thresholds:
    answer: float  # the best entry must reach this to be answered directly...
    margin: float  # ...and lead the runner-up by this much, or it is too close to call
    suggest: float  # entries at or above this are offered as "did you mean"


@dataclass(frozen=True, slots=True)
class Match:
    question: str
    decision: Decision
    entry: Entry | None  # set when answered directly
    score: int  # 0-100: the best entry's blended score
    suggestions: tuple[Entry, ...]  # best first, never including `entry`
    ranking: tuple[tuple[Entry, int], ...]  # the top entries and their scores, for moderators


class Matcher:
    def __init__(
        self,
        kb: KnowledgeBase,
        scorers: list[tuple[Scorer, float]],
        thresholds: Thresholds,
    ) -> None:
        self.kb = kb
        self.scorers = scorers
        self.thresholds = thresholds

    @property
    def mode(self) -> str:
        return "+".join(scorer.name for scorer, _ in self.scorers)

    def scores(self, question: str) -> np.ndarray:
        total = np.zeros(len(self.kb), dtype=np.float32)
        for scorer, weight in self.scorers:
            total += weight * scorer.score(question)
        return total

    def match(self, question: str, top: int = 5) -> Match:
        question = question.strip()[:MAX_QUESTION_CHARS]
        if not content_tokens(question):  # empty, emoji, punctuation or pure small talk
            return Match(question, Decision.DECLINE, None, 0, (), ())
        scores = self.scores(question)
        order = np.argsort(-scores, kind="stable")[: max(top, SUGGESTIONS + 1)]
        ranking = tuple((self.kb.entries[i], round(float(scores[i]) * 100)) for i in order)
        best = float(scores[order[0]])
        runner_up = float(scores[order[1]]) if len(order) > 1 else 0.0
        t = self.thresholds
        if best >= t.answer and best - runner_up >= t.margin:
            decision, entry, rest = Decision.ANSWER, ranking[0][0], order[1:]
        elif best >= t.suggest:
            decision, entry, rest = Decision.SUGGEST, None, order
        else:
            return Match(question, Decision.DECLINE, None, round(best * 100), (), ranking[:top])
        suggestions = tuple(
            self.kb.entries[i] for i in rest[:SUGGESTIONS] if scores[i] >= t.suggest
        )
        return Match(question, decision, entry, round(best * 100), suggestions, ranking[:top])

    def complete(self, text: str, limit: int = 25) -> list[Entry]:
        """Autocomplete: the entries whose questions best fit a half-typed question.

        Lexical scores only, so a keystroke never waits for the encoder; `partial_ratio`
        against the questions lets a word still being typed ("salar") count.
        """
        text = text.strip()[:MAX_QUESTION_CHARS]
        lexical = [scorer for scorer, _ in self.scorers if scorer.name == "lexical"]
        scores = lexical[0].score(text) if lexical else np.zeros(len(self.kb), np.float32)
        questions = [entry.question for entry in self.kb.entries]
        partial = process.cdist(
            [text], questions, scorer=fuzz.partial_ratio, processor=utils.default_process
        )[0]
        scores = scores + PARTIAL_WEIGHT * partial / 100.0
        order = np.argsort(-scores, kind="stable")[:limit]
        return [self.kb.entries[i] for i in order]
