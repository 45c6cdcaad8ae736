"""What matching a post gives: answer, suggest or decline, with what the reply shows."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import StrEnum

from bot.knowledge.model import Entry, OutOfScopeTopic


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
