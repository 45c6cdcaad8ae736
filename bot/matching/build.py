"""The knowledge-base core: entries, validation, matching. Imports no adapter."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from bot.knowledge.model import KnowledgeBase
from bot.matching.decision import Cascade, DecisionModel
from bot.matching.index_cache import IndexCache
from bot.matching.lexical import LexicalScorer
from bot.matching.matcher import Matcher, indexed_entries

if TYPE_CHECKING:
    from bot.matching.encoder import SentenceEncoder

SEMANTIC_WEIGHT = 0.6  # the rest is lexical; best of a 0.5-1.0 sweep (0.65-0.7 fall to 88% right)
# Fitted by bench/calibrate.py on the `fit` half of knowledge/evaluation.yaml (README, "Tuning
# the matcher"); the `check` half measures them.
LEXICAL_MODEL = DecisionModel(
    weights=(1.445, 1.149, -1.939, 3.384, 1.095, 1.445, 1.445, 2.265, -1.295),
    bias=-2.542,
    answer=0.88,
    suggest=0.45,
    min_score=0.3,
    several=0.88,
)
BLENDED_MODEL = DecisionModel(
    weights=(1.85, 1.074, -1.662, 3.512, 0.778, 1.616, 2.201, 1.392, -1.204),
    bias=-1.94,
    answer=0.74,
    suggest=0.2,
    min_score=0.3,
    several=0.74,
)

# The lexical probabilities at or above which a single question is answered, and below which
# it is declined, without the encoder: the widest that change no decision of the blend on the
# fit half (bench/calibrate.py).
DECISIVE = 0.88
HOPELESS = 0.05


def lexical_matcher(kb: KnowledgeBase, data_dir: Path | None = None) -> Matcher:
    """Rapidfuzz over an inverted index; the index is kept in `data_dir` when given."""
    cache = IndexCache(data_dir)
    return Matcher(kb, [(LexicalScorer(indexed_entries(kb), cache), 1.0)], LEXICAL_MODEL)


def blended_matcher(kb: KnowledgeBase, encoder: SentenceEncoder, data_dir: Path | None) -> Matcher:
    """Embeddings for paraphrases blended with rapidfuzz for typos and short queries."""
    from bot.matching.semantic import SemanticScorer

    indexed = indexed_entries(kb)
    cache = IndexCache(data_dir)
    scorers = [
        (SemanticScorer(indexed, encoder, cache), SEMANTIC_WEIGHT),
        (LexicalScorer(indexed, cache), 1 - SEMANTIC_WEIGHT),
    ]
    return Matcher(kb, scorers, BLENDED_MODEL, Cascade(LEXICAL_MODEL, DECISIVE, HOPELESS))
