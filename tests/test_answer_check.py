"""The answer check: a cross-encoder's second opinion that lets answer channels and forums
answer what `/ask` answers when the stricter cut-off alone does not back it."""

from __future__ import annotations

import dataclasses
import logging

import numpy as np
import pytest

from bot.matching.answerability import answer_check
from bot.matching.answerability.answer_check import AnswerCheck
from bot.matching.build import ANSWER_CHECK_MODEL
from bot.matching.matcher import Decision, Matcher

# Answered by /ask, below the channels' own cut-off, backed by the check.
BACKED = "how heavy is the maths in day to day machine learning engineering work?"


@pytest.fixture
def check(blended: Matcher, monkeypatch: pytest.MonkeyPatch) -> AnswerCheck:
    """A check of this test's own on the shared matcher (its counters start at 0)."""
    own = AnswerCheck(blended.answer_check.encoder, ANSWER_CHECK_MODEL)
    monkeypatch.setattr(blended, "answer_check", own)
    return own


def test_the_check_reads_the_answer_not_only_the_question(check, kb):
    """A question's logit changes with the answer it is read with: its own entry's answer
    reads higher than the typical other answer for most entries (it leans on the question,
    docs/matching.md), and far higher for a question only one answer speaks to."""
    above = 0
    for i, entry in enumerate(kb.entries):
        logits = check.logits([(entry.question, other.answer) for other in kb.entries])
        above += logits[i] > np.median(np.delete(logits, i))
        if entry.id == "phd-required":
            assert logits.argmax() == i and logits[i] > np.median(logits) + 1
    assert above > len(kb.entries) / 2


def test_an_answer_left_unsure_by_the_stricter_cut_off_is_shown_when_the_check_backs_it(
    blended, check, kb
):
    match = blended.match(BACKED)
    assert match.decision is Decision.ANSWER and not match.confident
    assert match.unasked().decision is Decision.DECLINE, "without the check: silence"
    assert [e.id for _, e, _ in match.unsure] == ["skill-math-statistics"]
    assert blended.checks(match)
    shown = blended.unasked(match)
    assert shown.decision is Decision.ANSWER
    assert shown.answers == (kb.by_id["skill-math-statistics"],)
    assert shown.suggestions == () and check.pairs == 1, "one pair an answer"


def test_the_check_runs_only_where_its_logit_could_change_the_outcome(blended, check):
    sure = blended.match("Do I need a PhD to become a well-paid ML engineer?")
    assert sure.confident and not blended.checks(sure), "already backed"
    for text in ("what is the best pizza topping?", "ml engineer pay?", "and for seniors?"):
        match = blended.match(text)
        assert match.decision is not Decision.ANSWER and not blended.checks(match), text
        assert blended.unasked(match).decision is Decision.DECLINE
    out_of_reach = AnswerCheck(check.encoder, dataclasses.replace(ANSWER_CHECK_MODEL, quiet=1.0))
    blended.answer_check = out_of_reach
    unsure = blended.match(BACKED)
    assert not blended.checks(unsure), "even the highest logit would not back it"
    assert blended.unasked(unsure).decision is Decision.DECLINE
    assert check.pairs == out_of_reach.pairs == 0, "nothing was read"


def test_a_check_that_cannot_load_leaves_the_channels_as_they_were(
    blended, check, monkeypatch, tmp_path, caplog
):
    (tmp_path / "broken.onnx").write_bytes(b"not a model")
    monkeypatch.setattr(answer_check, "GRAPH", tmp_path / "broken.onnx")
    match = blended.match(BACKED)
    with caplog.at_level(logging.ERROR, logger=answer_check.__name__):
        assert blended.unasked(match).decision is Decision.DECLINE
        assert blended.unasked(match).decision is Decision.DECLINE
    assert len(caplog.records) == 1, "said once, then the check is left alone"
    assert not blended.checks(match)


def test_several_questions_each_need_a_backed_answer(blended, check, kb):
    post = f"{BACKED}? also what is MLOps and why does production matter?"
    match = blended.match(post)
    shown = blended.unasked(match)
    assert set(shown.answers) <= set(match.answers)
    if shown.answers:  # all of them, or none: a channel never answers half a post
        assert shown.answers == match.answers


def test_answer_check_off_leaves_the_channels_to_the_stricter_cut_off(tmp_path):
    from bot.config import Settings
    from bot.startup import build_matcher
    from tests.conftest import KNOWLEDGE

    on = build_matcher(Settings(knowledge_dir=KNOWLEDGE, data_dir=tmp_path), pytest.fail)
    assert on.answer_check is not None and on.checks(on.match(BACKED))
    settings = Settings(knowledge_dir=KNOWLEDGE, data_dir=tmp_path, answer_check=False)
    off = build_matcher(settings, pytest.fail)
    match = off.match(BACKED)
    assert off.answer_check is None and not off.checks(match)
    assert off.unasked(match).decision is Decision.DECLINE
