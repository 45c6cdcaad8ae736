"""The knowledge-base core: entries, validation, matching. Imports no adapter."""

from __future__ import annotations

from bot.kb.lexical import LexicalScorer
from bot.kb.matcher import Matcher, Thresholds
from bot.kb.model import KnowledgeBase

# Calibrated on knowledge/evaluation.yaml (README, "Tuning the matcher").
LEXICAL_THRESHOLDS = Thresholds(answer=0.49, margin=0.05, suggest=0.49)


def lexical_matcher(kb: KnowledgeBase) -> Matcher:
    return Matcher(kb, [(LexicalScorer(kb.entries), 1.0)], LEXICAL_THRESHOLDS)
