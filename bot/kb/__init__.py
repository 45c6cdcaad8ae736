"""The knowledge-base core: entries, validation, matching. Imports no adapter."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from bot.kb.lexical import LexicalScorer
from bot.kb.matcher import Matcher, Thresholds
from bot.kb.model import KnowledgeBase

if TYPE_CHECKING:
    from bot.kb.encoder import SentenceEncoder

# Both calibrated on knowledge/evaluation.yaml (README, "Tuning the matcher").
LEXICAL_THRESHOLDS = Thresholds(answer=0.49, margin=0.05, suggest=0.49)
SEMANTIC_WEIGHT = 0.6  # the rest is lexical; best of a 0.5-1.0 sweep (0.65-0.7 fall to 88% right)
BLENDED_THRESHOLDS = Thresholds(answer=0.44, margin=0.03, suggest=0.44)


def lexical_matcher(kb: KnowledgeBase) -> Matcher:
    return Matcher(kb, [(LexicalScorer(kb.entries), 1.0)], LEXICAL_THRESHOLDS)


def blended_matcher(kb: KnowledgeBase, encoder: SentenceEncoder, cache_dir: Path | None) -> Matcher:
    """Embeddings for paraphrases blended with rapidfuzz for typos and short queries."""
    from bot.kb.semantic import SemanticScorer

    scorers = [
        (SemanticScorer(kb.entries, encoder, cache_dir), SEMANTIC_WEIGHT),
        (LexicalScorer(kb.entries), 1 - SEMANTIC_WEIGHT),
    ]
    return Matcher(kb, scorers, BLENDED_THRESHOLDS)
