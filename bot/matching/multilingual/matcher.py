"""The matcher, with posts in other languages read by the multilingual model.

An English post goes through the usual pipeline. One in another language is scored by the
multilingual model alone (the lexical scores and the question-kind reader know English
words only) and decided on two leads of its best entry: over the closest competitor (an
out-of-scope or `not:` example: is it about us at all?) and over the next entry (which
one?). A post whose best entry leads the competitors but not the next entry clearly is
answered when the usual pipeline, reading its words, picks the same entry: two readers
agreeing. The cut-offs are fitted by bench/calibrate_languages.py on the `fit` halves.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass

import numpy as np

from bot.knowledge.model import KnowledgeBase, Overloaded
from bot.knowledge.text import content_tokens
from bot.matching.answerability.kinds import unquote
from bot.matching.decision import Cascade, DecisionModel
from bot.matching.matcher import MAX_QUESTION_CHARS, SUGGESTIONS, Matcher
from bot.matching.multilingual.language import reads_as_english
from bot.matching.multilingual.reader import ForeignReader
from bot.matching.parts import split_post
from bot.matching.result import Decision, Match, Scorer

log = logging.getLogger(__name__)
ASKED_CHARS = 600  # about 150 tokens: a long question, at about 0.3 ms a token
SPREAD = 0.02  # "did you mean" offers entries this close to the best one (cosines are close)


@dataclass(frozen=True, slots=True)
class ForeignCutoffs:
    answer: tuple[float, float]  # answered at (lead over competitors, lead over next entry)
    quiet: tuple[float, float]  # ...where nobody asked the bot (answer channels, forums)
    suggest: float  # "did you mean" from this lead over competitors
    agreeing: float  # answered from this lead over competitors when the English reading agrees

    def answer_and_quiet(self) -> tuple[str, str]:
        return tuple(" and ".join(f"{c:.3f}" for c in pair) for pair in (self.answer, self.quiet))

    def clears(self, leads: tuple[float, float], quiet: bool = False) -> bool:
        wanted = self.quiet if quiet else self.answer
        return all(lead >= cutoff for lead, cutoff in zip(leads, wanted, strict=True))

    def answers(self, leads: tuple[float, float], agrees: Callable[[], bool]) -> bool:
        """Answered where asked: both leads clear their cut-offs, or the lead over the
        competitors clears `agreeing` and `agrees()` (the usual pipeline, reading the post's
        words: names, jargon, cognates, finds the same entry; asked only then)."""
        return self.clears(leads) or (leads[0] >= self.agreeing and agrees())


class MultilingualMatcher(Matcher):
    def __init__(
        self,
        kb: KnowledgeBase,
        scorers: list[tuple[Scorer, float]],
        model: DecisionModel,
        cascade: Cascade | None,
        reader: ForeignReader,
        cutoffs: ForeignCutoffs,
    ) -> None:
        super().__init__(kb, scorers, model, cascade)
        self.reader = reader
        self.cutoffs = cutoffs
        self._failed = False

    def start(self, question: str, top: int = 5) -> Match | list[Future[np.ndarray]]:
        post = _foreign(question)
        if post:
            try:
                return self.reader.submit(_asked(post))
            except Overloaded:  # read as an English post is: on its words
                pass
        return super().start(question, top)

    def finish(self, question: str, top: int = 5) -> Match:
        post = _foreign(question)
        if post and self.reader.ready(_asked(post)):  # else `start` found the queue full
            try:
                return self.read_foreign(post, top)
            except Exception:  # a model that cannot run must not cost the member a reply
                if not self._failed:  # the traceback once; it fails alike for every post
                    log.exception("the multilingual model failed; reading the post as English")
                self._failed = True
        return super().finish(question, top)

    def finishes_inline(self, question: str) -> bool:
        # a post in another language may ask its English reading to agree: an encoder pass
        return _foreign(question) is None and super().finishes_inline(question)

    def blended(self, question: str) -> np.ndarray:
        """Every indexed entry's score as the post is read: by the multilingual model when
        it is not in English (`kb test` names the nearest out-of-scope topic from it)."""
        post = _foreign(question)
        if post is None:
            return super().blended(question)
        return self.read_scores(post)[0]

    def read_foreign(self, post: str, top: int = 5) -> Match:
        """The answer, suggestions or decline for a post in another language."""
        scores, order, leads = self.read_scores(post)
        entries = self.kb.entries
        ranking = tuple((entries[i], round(float(scores[i]) * 100)) for i in order[:top])
        score = ranking[0][1]
        if self.cutoffs.answers(leads, lambda: self.post_judgement(post)[0].best == order[0]):
            confident = self.cutoffs.clears(leads, quiet=True)
            answer = (entries[order[0]],)
            return Match(post, Decision.ANSWER, answer, score, (), ranking, None, confident)
        if leads[0] >= self.cutoffs.suggest:
            floor = float(scores[order[0]]) - SPREAD
            offered = tuple(entries[i] for i in order[:SUGGESTIONS] if scores[i] >= floor)
            return Match(post, Decision.SUGGEST, (), score, offered, ranking)
        return Match(post, Decision.DECLINE, (), score, (), ranking)

    def foreign_reasons(self, question: str) -> tuple[str, ...]:
        """What `kb test` shows of a post in another language (nothing for English)."""
        post = _foreign(question)
        if not post:
            return ()
        _, order, (over_rival, over_next) = self.read_scores(post)
        entry, (answer, quiet) = self.kb.entries[order[0]].id, self.cutoffs.answer_and_quiet()
        return (
            "not in English: read by the multilingual model",
            f"{entry} leads the closest competitor by {over_rival:.3f} and the next entry by "
            f"{over_next:.3f} (answered from {answer} in /ask and mentions, {quiet} in "
            "answer channels and forums; from a lead of "
            f"{self.cutoffs.agreeing:.3f} over the competitors in /ask when the English "
            "reading finds the same entry)",
        )

    def read_scores(self, post: str) -> tuple[np.ndarray, np.ndarray, tuple[float, float]]:
        """The scores, the entries best first, and the best one's two leads."""
        scores = self.reader.scores(_asked(post))
        n = len(self.kb)
        order = np.argsort(-scores[:n], kind="stable")
        best = float(scores[order[0]])
        runner_up = float(scores[order[1]]) if n > 1 else 0.0
        return scores, order, (best - float(scores[n:].max(initial=0.0)), best - runner_up)


def _asked(post: str) -> str:
    """What the model reads of a post: the sentences that ask (a long post's story costs
    time and reads no better), at most ASKED_CHARS of them."""
    return split_post(post).focus[:ASKED_CHARS]


def _foreign(question: str) -> str | None:
    """The post to read with the multilingual model, when it is not in English."""
    post = unquote(question.strip())[:MAX_QUESTION_CHARS]
    return post if content_tokens(post) and not reads_as_english(post) else None
