"""The matcher's types: what matching a post gives (answer, suggest or decline, with what
the reply shows), and what the matcher asks of a scorer (lexical.py, semantic.py)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from bot.knowledge.model import Entry, OutOfScopeTopic

if TYPE_CHECKING:
    from concurrent.futures import Future

    import numpy as np


class Decision(StrEnum):
    ANSWER = "answer"
    SUGGEST = "suggest"
    DECLINE = "decline"


@dataclass(frozen=True, slots=True)
class Match:
    question: str
    decision: Decision
    answers: tuple[Entry, ...]  # answered directly, best first (several when a post asks several)
    score: int  # 0-100: the best entry's blended score
    suggestions: tuple[Entry, ...]  # best first, never including an answer
    ranking: tuple[tuple[Entry, int], ...]  # the top entries and their scores, for moderators
    topic: OutOfScopeTopic | None = None  # declined as clearly about this out-of-scope topic
    confident: bool = False  # its answers clear the stricter cut-off of unasked channels
    # When not: the (asked text, entry, features) of each judgement behind an answer that
    # cut-off did not back, for the answer check's second opinion (answer_check.py).
    unsure: tuple[tuple[str, Entry, tuple[float, ...]], ...] = ()

    def unasked(self) -> Match:
        """What a channel where nobody asked the bot shows (answer channels, help forums):
        only answers that clear the stricter cut-off, never "did you mean"."""
        if self.decision is Decision.ANSWER and self.confident:
            return dataclasses.replace(self, suggestions=())
        return dataclasses.replace(self, decision=Decision.DECLINE, answers=(), suggestions=())

    @property
    def entry(self) -> Entry | None:
        """The (first) entry answered directly."""
        return self.answers[0] if self.answers else None


class Scorer(Protocol):
    name: str
    costly: bool  # the encoder: run on what a post asks, not on its whole text
    busy: bool  # a costly scorer with questions waiting: spare it if the cheap ones are sure

    def prepare(self, questions: list[str]) -> list[Future[np.ndarray]]:
        """Start the slow work `score` will need for these; what to wait for."""
        ...

    def score(self, question: str) -> np.ndarray:
        """A score in [0, 1] for every indexed entry, in index order."""
        ...
