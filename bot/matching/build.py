"""The matchers as the bot builds them: the fitted decision constants, and the factories."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from bot.knowledge.model import KnowledgeBase
from bot.matching.answerability.wordings import tables
from bot.matching.decision import Cascade, DecisionModel
from bot.matching.index_cache import IndexCache
from bot.matching.lexical import LexicalScorer
from bot.matching.matcher import Matcher, indexed_entries
from bot.matching.multilingual.matcher import ForeignCutoffs, MultilingualMatcher

if TYPE_CHECKING:
    from bot.matching.encoder import SentenceEncoder
    from bot.matching.multilingual.reader import MultilingualEncoder

SEMANTIC_WEIGHT = 0.6  # the rest is lexical; best of a 0.5-1.0 sweep (0.65-0.7 fall to 88% right)
# Fitted by bench/calibrate.py on the `fit` halves of knowledge/evaluation.yaml, of both
# external evaluation files and of the made-up negatives (docs/matching.md, "Tuning the
# matcher"); the `check` halves measure them.
LEXICAL_MODEL = DecisionModel(
    weights=(1.121, 1.161, -1.436, 2.557, 1.236, 1.121, 1.121, 2.35, -1.565, -1.335),
    bias=-2.222,
    answer=0.87,
    suggest=0.35,
    min_score=0.3,
    several=0.84,
    quiet=0.88,
)
BLENDED_MODEL = DecisionModel(
    weights=(1.627, 0.952, -1.223, 2.851, 1.118, 1.326, 2.079, 1.574, -1.86, -1.464),
    bias=-2.659,
    answer=0.82,
    suggest=0.25,
    min_score=0.3,
    several=0.72,
    quiet=0.95,
)

# The answer check's model (answer_check.py): the blend's ten features and the check's logit;
# only its probability and `quiet` cut-off are used. Fitted by bench/answer_check.py `fit` on
# the `fit` halves (its cut-off: the lowest keeping the channels' direct answers right out of
# fold, plus calibrate.py's margin).
ANSWER_CHECK_MODEL = DecisionModel(
    weights=(1.097, 1.141, -0.919, 2.016, 1.216, 0.509, 1.98, 1.056, -1.671, -1.289, 0.962),
    bias=-1.462,
    answer=0.95,
    suggest=0.95,
    quiet=0.95,
)

# The lexical probabilities at or above which a single question is answered, and below which
# it is declined, without the encoder: the widest that change no decision of the blend on the
# fit half (bench/calibrate.py).
DECISIVE = 0.905
HOPELESS = 0.0

# Posts in other languages (bench/calibrate_languages.py, on the `fit` halves and on
# bench/other_languages.yaml): the best entry's leads over the closest competitor and over
# the next entry, and the lead over competitors at which the English reading's agreeing is enough.
FOREIGN_CUTOFFS = ForeignCutoffs(
    answer=(0.015, 0.005), quiet=(0.015, 0.005), suggest=0.0, agreeing=0.005
)


def lexical_matcher(kb: KnowledgeBase, data_dir: Path | None = None) -> Matcher:
    """Rapidfuzz over an inverted index; the index is kept in `data_dir` when given."""
    cache = IndexCache(data_dir)
    tables(kb, cache)
    return Matcher(kb, [(LexicalScorer(indexed_entries(kb), cache), 1.0)], LEXICAL_MODEL)


def blended_matcher(
    kb: KnowledgeBase,
    encoder: SentenceEncoder,
    data_dir: Path | None,
    progress: Callable[[int, int], None] | None = None,
    multilingual: MultilingualEncoder | None = None,
    answer_check: bool = True,
) -> Matcher:
    """Embeddings for paraphrases blended with rapidfuzz for typos and short queries, and
    posts in other languages read by `multilingual` when given; `progress` hears how many
    wordings are encoded when the index is not kept yet; `answer_check`: the channels'
    second opinion (answer_check.py)."""
    from bot.matching.answerability.answer_check import AnswerCheck
    from bot.matching.multilingual.reader import ForeignReader
    from bot.matching.semantic import SemanticScorer

    cache = IndexCache(data_dir)
    tables(kb, cache)
    indexed = indexed_entries(kb)
    scorers = [
        (SemanticScorer(indexed, encoder, cache, progress), SEMANTIC_WEIGHT),
        (LexicalScorer(indexed, cache), 1 - SEMANTIC_WEIGHT),
    ]
    cascade = Cascade(LEXICAL_MODEL, DECISIVE, HOPELESS)
    if multilingual is None:
        matcher = Matcher(kb, scorers, BLENDED_MODEL, cascade)
    else:
        reader = ForeignReader(indexed, multilingual, cache, progress)
        matcher = MultilingualMatcher(kb, scorers, BLENDED_MODEL, cascade, reader, FOREIGN_CUTOFFS)
    if answer_check:
        matcher.answer_check = AnswerCheck(encoder, ANSWER_CHECK_MODEL)
    return matcher
