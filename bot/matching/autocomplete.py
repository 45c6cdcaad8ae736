"""Autocomplete: the entries whose questions best fit a half-typed question."""

from __future__ import annotations

import numpy as np
from rapidfuzz import fuzz, process, utils

from bot.knowledge.model import Entry
from bot.matching.matcher import MAX_QUESTION_CHARS, Matcher

PARTIAL_WEIGHT = 0.25  # how much a half-typed word counts beside the lexical score


def complete(matcher: Matcher, text: str, limit: int = 25) -> list[Entry]:
    """Lexical scores only, so a keystroke never waits for the encoder; `partial_ratio`
    against the questions lets a word still being typed ("salar") count."""
    text = text.strip()[:MAX_QUESTION_CHARS]
    entries = matcher.kb.entries
    lexical = [scorer for scorer, _ in matcher.scorers if scorer.name == "lexical"]
    scores = lexical[0].score(text)[: len(entries)] if lexical else np.zeros(len(entries))
    partial = process.cdist(
        [text],
        [e.question for e in entries],
        scorer=fuzz.partial_ratio,
        processor=utils.default_process,
    )[0]
    order = np.argsort(-(scores + PARTIAL_WEIGHT * partial / 100.0), kind="stable")[:limit]
    return [entries[i] for i in order]
