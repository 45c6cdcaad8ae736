"""Turn a member's post into answers, "did you mean" suggestions, or a decline.

The pipeline: split the post into the parts that ask something (parts.py) → score the whole
post and what it asks against the entries and their competitors (out-of-scope examples and
`not:` examples) → a calibrated model (decision.py) weighs the scores with what the asked
text names that the entry never mentions (vocabulary.py) → answer, suggest or decline. A
post whose parts confidently ask about different entries gets each answered. Text in other
scripts than Latin is matched on its words: the encoder reads only Latin script.

A cascade spares the encoder: when the cheap (lexical) scores alone are decisive, or the
encoder is busy and they are confident, or its queue is full, the cheap scores decide.
"""

from __future__ import annotations

import math
from concurrent.futures import Future, wait

import numpy as np

from bot.knowledge.model import Entry, KnowledgeBase, Overloaded
from bot.knowledge.text import content_tokens, latin_script
from bot.matching.answerability.answer_check import AnswerCheck
from bot.matching.answerability.kinds import (
    reads_as_follow_up,
    unanswered_kinds,
    unquote,
)
from bot.matching.answerability.wordings import tables, verbatim
from bot.matching.decision import MARGIN_FLOOR, Cascade, DecisionModel, Judgement
from bot.matching.parts import split_post
from bot.matching.result import Decision, Match, Scorer  # re-exported: the matcher's results

MAX_QUESTION_CHARS = 4000  # a forum post; its question is often the last sentence
SUGGESTIONS = 3
SUGGEST_SPREAD = 0.15  # "did you mean" offers entries this close to the best one
MAX_ANSWERS = 3
INLINE_FINISH_ENTRIES = 2000  # indexed: `finish` costs what `start` does, 1-2 ms, up to here


def indexed_entries(kb: KnowledgeBase) -> tuple[Entry, ...]:
    """What the scorers index: the entries, then their competitors (the matcher's tables)."""
    return kb.entries + tables(kb).rivals


class Matcher:
    def __init__(
        self,
        kb: KnowledgeBase,
        scorers: list[tuple[Scorer, float]],
        model: DecisionModel,
        cascade: Cascade | None = None,
    ) -> None:
        self.kb = kb
        self.scorers = scorers
        self.model = model
        self.cascade = cascade
        self.answer_check: AnswerCheck | None = None  # a second opinion for channels
        self._weights = np.asarray([weight for _, weight in scorers], dtype=np.float32)
        cheap = np.asarray([0.0 if s.costly else w for s, w in scorers], dtype=np.float32)
        self._cheap_weights = cheap / max(float(cheap.sum()), 1e-9)
        read = tables(kb)  # competitors, vocabularies, exact wordings, kinds (wordings.py)
        self._rivals, self.vocabulary, self.topics = read.rivals, read.vocabulary, read.topics
        self._not_of, self._refused, self._verbatim = read.not_of, read.refused, read.verbatim
        self.kinds = read.kinds  # the kinds of question each entry answers, by index

    @property
    def mode(self) -> str:
        return "+".join(scorer.name for scorer, _ in self.scorers)

    def scores(self, question: str, cheap_only: bool = False) -> np.ndarray:
        """Each scorer's scores of every indexed entry (entries, then competitors): a row
        per scorer; zeros for a costly scorer when `cheap_only`."""
        size = len(self.kb) + len(self._rivals)
        return np.stack(
            [
                np.zeros(size, np.float32)
                if cheap_only and scorer.costly
                else scorer.score(question)
                for scorer, _ in self.scorers
            ]
        )

    def blended(self, question: str) -> np.ndarray:
        """The blended score of every indexed entry (entries, then competitors)."""
        return self._weights @ self.scores(question)

    def judge(
        self, rows: np.ndarray, length: int, asked: str, cheap_only: bool = False
    ) -> Judgement:
        """The scores of one text (`rows`, per scorer); `asked` is what it asks."""
        n = len(self.kb)
        weights = self._cheap_weights if cheap_only else self._weights
        vector = weights @ rows
        entries = vector[:n]
        order = np.argsort(-entries, kind="stable")
        best = float(entries[order[0]])
        runner_up = float(entries[order[1]]) if n > 1 else 0.0
        topic_index = max(self.topics, key=lambda i: vector[i], default=None)
        topic_score = float(vector[topic_index]) if topic_index is not None else 0.0
        not_index = self._not_of.get(self.kb.entries[order[0]].id)
        rival = max(topic_score, float(vector[not_index]) if not_index is not None else 0.0)
        margin = math.log(best - runner_up + MARGIN_FLOOR)
        counted = [row for row, w in zip(rows, weights, strict=True) if w > 0] or [vector]
        first, last = float(counted[0][order[0]]), float(counted[-1][order[0]])
        coverage = self.vocabulary.coverage(content_tokens(asked), order[0])
        unfamiliar = len(self.vocabulary.unfamiliar(asked, order[0]))
        features = (best, margin, rival, best - rival, math.log1p(length), first, last)
        best_entry = self.kb.entries[order[0]]
        missed = len(unanswered_kinds(asked, best_entry, self.kinds[int(order[0])]))
        features += (coverage, math.log1p(unfamiliar), float(missed))
        topic = (
            self.topics[topic_index] if topic_index is not None and topic_score >= best else None
        )
        return Judgement(order, entries, features, topic, topic_score, asked)

    def post_judgement(
        self, question: str, cheap_only: bool = False
    ) -> tuple[Judgement, list[Judgement]]:
        """The post as a whole (each entry's better score of the whole text and of what it
        asks), and, when it asks several things, each of them."""
        post = split_post(question)
        length = len(content_tokens(question))
        asked = [self.scores(q, cheap_only) for q in post.questions]  # the encoder's texts
        parts = (
            [
                self.judge(rows, len(content_tokens(q)), q, cheap_only)
                for q, rows in zip(post.questions, asked, strict=True)
            ]
            if post.several
            else []
        )
        whole = np.maximum.reduce(asked)
        if post.focus != question:  # the backstory too, for the scorers that are cheap,
            # where it agrees on what the post is about (a story may name another topic)
            with_story = np.maximum(whole, self.scores(question, cheap_only=True))
            weights, n = self._cheap_weights if cheap_only else self._weights, len(self.kb)
            if np.argmax(weights @ with_story[:, :n]) == np.argmax(weights @ whole[:, :n]):
                whole = with_story
        return self.judge(whole, length, post.focus, cheap_only), parts

    def match(self, question: str, top: int = 5) -> Match:
        started = self.start(question, top)
        if isinstance(started, Match):
            return started
        wait(started)
        return self.finish(question, top)

    def start(self, question: str, top: int = 5) -> Match | list[Future[np.ndarray]]:
        """The match, when the cheap scores settle it; else the encodings it waits for
        (then call `finish`). Cheap: an event loop may call it inline."""
        question = unquote(question.strip())[:MAX_QUESTION_CHARS]
        if not content_tokens(question):  # empty, emoji, punctuation or pure small talk
            return Match(question, Decision.DECLINE, (), 0, (), ())
        cascade = self.cascade
        if cascade is None:  # all or nothing: `finish` does the costly work
            if any(scorer.costly for scorer, _ in self.scorers):
                return []
            return self.decide(question, *self.post_judgement(question), self.model, top)
        cheap = self.post_judgement(question, cheap_only=True)
        busy = any(scorer.busy for scorer, _ in self.scorers)
        if not self.settled_cheaply(question, cheap, busy):
            asked = split_post(question).questions
            try:
                return [f for scorer, _ in self.scorers for f in scorer.prepare(asked)]
            except Overloaded:
                pass
        return self.decide(question, *cheap, cascade.model, top)

    def settled_cheaply(
        self, question: str, cheap: tuple[Judgement, list[Judgement]], busy: bool = False
    ) -> bool:
        """Whether the cascade decides on the cheap judgement `cheap`. The encoder reads
        Latin script only: other scripts are always matched on their words."""
        return self.cascade is not None and (
            not latin_script(question) or self.cascade.decides(*cheap, busy)
        )

    def finish(self, question: str, top: int = 5) -> Match:
        """The blended match of a question `start` could not settle."""
        question = unquote(question.strip())[:MAX_QUESTION_CHARS]
        if self.cascade is None or latin_script(question):
            try:
                return self.decide(question, *self.post_judgement(question), self.model, top)
            except Overloaded:  # evicted meanwhile, and the queue is full now
                if self.cascade is None:
                    raise
        cheap = self.post_judgement(question, cheap_only=True)
        return self.decide(question, *cheap, self.cascade.model, top)

    def finishes_inline(self, question: str) -> bool:
        """Whether `finish`, once `start`'s encodings are done, is as cheap as `start` (no
        model pass of its own, a base the blend scores in a ms or two): an event loop may
        call it inline then, sparing a thread's hop each way."""
        if self.cascade is None:  # `start` encodes nothing: `finish` does
            return False
        return len(self.kb) + len(self._rivals) <= INLINE_FINISH_ENTRIES

    def checks(self, match: Match) -> bool:
        """Whether `unasked` would ask the answer check (else it is instant)."""
        return self.answer_check is not None and self.answer_check.could_confirm(match)

    def unasked(self, match: Match) -> Match:
        """What a channel where nobody asked the bot shows of `match` (an answer the
        stricter cut-off or the answer check backs). Blocks when `checks(match)`."""
        if self.answer_check is not None:  # instant when it cannot help (`checks`)
            match = self.answer_check.confirm(match)
        return match.unasked()

    def decide(
        self,
        question: str,
        overall: Judgement,
        parts: list[Judgement],
        model: DecisionModel,
        top: int = 5,
    ) -> Match:
        """The answer, suggestions or decline the judgements call for under `model` (cheap:
        calibration tries many models on the same judgements)."""
        entries = self.kb.entries
        ranking = tuple(
            (entries[i], round(float(overall.scores[i]) * 100)) for i in overall.order[:top]
        )
        score = round(float(overall.scores[overall.best]) * 100)
        key = verbatim(question)
        if self._refused.get(key) is not None:  # worded as an out-of-scope example
            return Match(question, Decision.DECLINE, (), score, (), ranking, self._refused[key])
        exact = self._verbatim.get(key)
        if exact is not None:
            answers: tuple[Entry, ...] = (entries[exact],)
        elif reads_as_follow_up(question):  # "and for seniors?" is not answered on its own
            answers = ()
        else:
            answers = self._several_answers(overall, parts, model) or (
                (entries[overall.best],) if model.answers(overall) else ()
            )
        # "Did you mean" for what was not answered: the post when nothing was, else each
        # part whose best entry was not.
        unsure = (
            [overall, *parts]
            if not answers
            else [p for p in parts if entries[p.best] not in answers]
        )
        suggestions = self._suggestions(unsure, answers, model)
        if answers:
            judgements = [overall, *parts]
            backed = {entries[j.best].id for j in judgements if model.speaks_unasked(j)}
            behind = [  # judgements behind an answer no sure one backs
                j
                for j in judgements
                if entries[j.best] in answers and entries[j.best].id not in backed
            ]
            confident = exact is not None or not behind
            # The answer check was fitted on the blend's features, not the cheap model's.
            checkable = not confident and model is self.model
            doubts = tuple((j.asked, entries[j.best], j.features) for j in behind if checkable)
            found = (answers, score, suggestions, ranking, None, confident, doubts)
            return Match(question, Decision.ANSWER, *found)
        if suggestions:
            return Match(question, Decision.SUGGEST, (), score, suggestions, ranking)
        return Match(question, Decision.DECLINE, (), score, (), ranking, overall.pointer)

    def _several_answers(
        self, overall: Judgement, parts: list[Judgement], model: DecisionModel
    ) -> tuple[Entry, ...]:
        """Each part's entry, when parts confidently ask about different ones that are also
        among the post's own best (so one question cut in two isn't); a part standing alone
        needs the answer cut-off, not the lower one for several."""
        plausible = set(overall.order[:MAX_ANSWERS].tolist())
        confident: dict[int, float] = {}
        for part in parts:
            if model.answers(part, part=True) and part.best in plausible:
                probability = model.probability(part.features)
                confident[part.best] = max(confident.get(part.best, 0.0), probability)
        if len(confident) == 1:  # one part sure enough on its own; the rest get suggestions
            only = next(iter(confident))
            return (self.kb.entries[only],) if confident[only] >= model.answer else ()
        if not confident:
            return ()
        ranked = sorted(confident, key=lambda i: -confident[i])[:MAX_ANSWERS]
        return tuple(self.kb.entries[i] for i in ranked)

    def _suggestions(
        self, judgements: list[Judgement], answers: tuple[Entry, ...], model: DecisionModel
    ) -> tuple[Entry, ...]:
        """For each unsure judgement, the entries close to its best, best first."""
        offered: list[Entry] = []
        for judgement in judgements:
            if not model.in_scope(judgement) or judgement.topic is not None:
                continue
            floor = float(judgement.scores[judgement.best]) - SUGGEST_SPREAD
            for i in judgement.order[:SUGGESTIONS]:
                entry = self.kb.entries[i]
                if judgement.scores[i] >= floor and entry not in answers and entry not in offered:
                    offered.append(entry)
        return tuple(offered[:SUGGESTIONS])
