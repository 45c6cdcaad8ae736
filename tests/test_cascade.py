"""The encoder's micro-batching worker and the lexical-first cascade."""

from __future__ import annotations

import threading
from concurrent.futures import Future, wait
from dataclasses import replace

import numpy as np
import pytest

from bot.knowledge.model import KnowledgeBase, Overloaded
from bot.knowledge.text import spelled_out
from bot.matching.batching import MicroBatcher, packed
from bot.matching.build import BLENDED_MODEL, DECISIVE, HOPELESS, LEXICAL_MODEL, blended_matcher
from bot.matching.decision import Cascade
from bot.matching.matcher import INLINE_FINISH_ENTRIES, Decision


def test_questions_waiting_together_are_run_as_one_batch():
    release = threading.Event()
    batches: list[list[int]] = []

    def run(items: list[int]) -> list[int]:
        release.wait(5)
        batches.append(items)
        return [i * 10 for i in items]

    batcher = MicroBatcher(run, max_batch=8, max_waiting=16)
    first = batcher.submit(0)  # taken by the worker, which now waits on `release`
    while batcher.waiting:
        pass
    rest = [batcher.submit(i) for i in range(1, 6)]
    release.set()
    assert first.result(5) == 0
    assert [f.result(5) for f in rest] == [10, 20, 30, 40, 50]
    assert batches == [[0], [1, 2, 3, 4, 5]]


def test_short_questions_take_turns_with_long_posts_and_passes_keep_to_their_budget():
    """Items cost their length; a pass costs its size times its longest (padding). A question
    arriving behind a queue of long posts runs in the next pass, not after all of them."""
    release = threading.Event()
    batches: list[list[str]] = []

    def run(items: list[str]) -> list[int]:
        release.wait(5)
        batches.append(items)
        return [len(i) for i in items]

    batcher = MicroBatcher(run, max_batch=8, cost=len, budget=100, long=10)
    first = batcher.submit("x" * 40)  # taken by the worker, which now waits on `release`
    while batcher.waiting:
        pass
    posts = [batcher.submit(f"post {i} " + "x" * 34) for i in range(5)]  # 41 long: 2 a pass
    questions = [batcher.submit(f"q{i}") for i in range(3)]
    release.set()
    assert [f.result(5) for f in [first, *posts, *questions]] == [40] + [41] * 5 + [2] * 3
    assert [[len(i) for i in batch] for batch in batches] == [
        [40],
        [2, 2, 2],  # the lanes take turns: the questions went first after the pass in progress
        [41, 41],
        [41, 41],
        [41],
    ]


def test_a_full_queue_refuses_at_once_and_a_failure_reaches_every_waiter():
    release = threading.Event()

    def run(items: list[int]) -> list[int]:
        release.wait(5)
        raise ValueError("broken")

    batcher = MicroBatcher(run, max_batch=4, max_waiting=2)
    taken = batcher.submit(0)
    while batcher.waiting:
        pass
    waiting = [batcher.submit(1), batcher.submit(2)]
    with pytest.raises(Overloaded):
        batcher.submit(3)
    release.set()
    for future in [taken, *waiting]:
        with pytest.raises(ValueError):
            future.result(5)
    with pytest.raises(ValueError):  # the worker survived: a new item is still run
        batcher.submit(4).result(5)


def test_closing_finishes_what_waits_then_refuses():
    batches: list[list[int]] = []
    batcher = MicroBatcher(lambda items: batches.append(items) or items, max_batch=2)
    before = set(threading.enumerate())
    futures = [batcher.submit(i) for i in range(5)]
    (worker,) = set(threading.enumerate()) - before
    batcher.close()
    assert [f.result(0) for f in futures] == [0, 1, 2, 3, 4]
    assert not worker.is_alive()
    with pytest.raises(Overloaded):
        batcher.submit(5)


class CountingEncoder:
    """The real encoder, counting the questions it is asked to embed; `busy`/`full` stand in
    for a deep or a full queue."""

    def __init__(self, encoder) -> None:
        self.inner = encoder
        self.model_hash = encoder.model_hash
        self.dimensions = encoder.dimensions
        self.embedded: list[str] = []
        self.busy = False
        self.full = False

    def encode(self, texts: list[str]) -> np.ndarray:
        return self.inner.encode(texts)

    def submit(self, question: str) -> Future[np.ndarray]:
        if self.full:
            raise Overloaded("full")
        self.embedded.append(question)
        return self.inner.submit(question)


@pytest.fixture
def counted(kb, encoder, index_dir):
    counting = CountingEncoder(encoder)
    return counting, blended_matcher(kb, counting, index_dir)


def lexical_probability(matcher, question: str) -> float:
    overall, _ = matcher.post_judgement(question, cheap_only=True)
    return LEXICAL_MODEL.probability(overall.features)


def test_a_question_the_lexical_scores_settle_skips_the_encoder(counted, kb):
    encoder, matcher = counted
    question = kb.by_id["phd-required"].question
    assert lexical_probability(matcher, question) >= DECISIVE
    match = matcher.match(question)
    assert match.decision is Decision.ANSWER
    assert encoder.embedded == []


def test_an_unsettled_question_waits_for_the_encoder(counted):
    encoder, matcher = counted
    question = "is a doctorate a must for ML jobs?"  # shares few words with its entry
    assert lexical_probability(matcher, question) < DECISIVE
    match = matcher.match(question)
    assert encoder.embedded == [spelled_out(question)]  # chat shorthand written out
    assert match.decision is Decision.ANSWER and match.entry.id == "phd-required"


def test_once_encoded_a_question_is_finished_without_a_pass_of_its_own(counted, kb):
    encoder, matcher = counted
    question = "is a doctorate a must for ML jobs? and does it pay more?"
    started = matcher.start(question)
    assert isinstance(started, list) and started
    wait(started)
    asked = list(encoder.embedded)
    assert matcher.finishes_inline(question)  # the bot calls `finish` on its event loop
    assert matcher.finish(question) == matcher.match(question)
    assert encoder.embedded == asked
    big = KnowledgeBase(
        tuple(replace(kb.entries[0], id=f"entry-{n}") for n in range(INLINE_FINISH_ENTRIES)),
        kb.out_of_scope,
    )
    matcher.kb = big  # past this size the blend takes longer: `finish` leaves the loop
    assert not matcher.finishes_inline(question)
    matcher.cascade = None  # no cascade: `start` encodes nothing, `finish` does it all
    matcher.kb = kb
    assert not matcher.finishes_inline(question)


def test_a_busy_encoder_is_spared_when_the_lexical_answer_is_confident(counted):
    encoder, matcher = counted
    matcher.cascade = Cascade(LEXICAL_MODEL, 1.01, HOPELESS)  # never decisive when idle
    question = "what is the salary of an ML engineer at each level"
    assert LEXICAL_MODEL.answer <= lexical_probability(matcher, question)
    encoder.busy = True
    match = matcher.match(question)
    assert encoder.embedded == [] and match.decision is Decision.ANSWER


def test_a_full_queue_decides_from_the_lexical_scores(counted):
    encoder, matcher = counted
    question = "is a doctorate a must for ML jobs?"
    lexical = matcher.decide(question, *matcher.post_judgement(question, True), LEXICAL_MODEL)
    encoder.full = True
    match = matcher.match(question)
    assert encoder.embedded == []
    assert (match.decision, match.suggestions) == (lexical.decision, lexical.suggestions)
    encoder.full = False
    assert matcher.decide(question, *matcher.post_judgement(question), BLENDED_MODEL) != match


def test_texts_known_at_once_are_packed_cheapest_first_within_the_budget():
    """A pass costs its size times its dearest text: [3, 3, 3] fits 10 but not a fourth 3;
    a text dearer than the budget gets a pass of its own; `most` bounds a pass's size."""
    costs = [12, 3, 1, 3, 3, 3, 2]
    assert packed(costs, 10) == [[2, 6, 1], [3, 4, 5], [0]]
    assert packed(costs, 10, most=2) == [[2, 6], [1, 3], [4, 5], [0]]
    assert packed([], 10) == []
