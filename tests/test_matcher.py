from __future__ import annotations

import pytest

from bot.kb.evaluation import EVALUATION_FILE, evaluate, load_labelled_set
from bot.kb.matcher import Decision
from tests.conftest import KNOWLEDGE


def test_lexical_matcher_meets_the_evaluation_bars(lexical, kb):
    labelled = load_labelled_set(KNOWLEDGE / EVALUATION_FILE)
    assert len(labelled.in_scope) >= 120 and len(labelled.off_topic) >= 40
    report = evaluate(lexical, labelled)
    assert report.right_pct >= 70, report.summary()
    assert report.wrong_pct <= 3, report.summary()
    assert report.top3_pct >= 90, report.summary()
    assert report.declined_pct >= 95, report.summary()


def test_evaluation_questions_are_not_copied_into_phrasings(kb):
    from bot.kb.text import clean

    labelled = load_labelled_set(KNOWLEDGE / EVALUATION_FILE)
    wordings = {clean(w) for e in kb.entries for w in e.texts}
    copied = [q for q, _ in labelled.in_scope if clean(q) in wordings]
    assert not copied


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Do I need a PhD for ML?", "phd-required"),
        ("what are RSUs", "total-comp-components"),
        ("do i need a phd for machien lerning", "phd-required"),  # typos
        ("MLE vs DS pay", "mle-vs-data-scientist-pay"),  # abbreviations
        ("mlops", "skill-mlops-production"),  # one word
    ],
)
def test_answers_directly(lexical, question, expected):
    match = lexical.match(question)
    assert match.decision is Decision.ANSWER
    assert match.entry is not None and match.entry.id == expected
    assert expected not in [s.id for s in match.suggestions]
    assert 0 <= match.score <= 100


@pytest.mark.parametrize(
    "question",
    [
        "",
        "   ",
        "hello",
        "thanks!",
        "🙂🙂🙂",
        "asdfghjkl",
        "how do I install PyTorch",
        "how much does a nurse make",
        "こんにちは",
        "\x00\x07\x1b[31m",
        "ok lol",
    ],
)
def test_declines_what_it_cannot_answer(lexical, question):
    match = lexical.match(question)
    assert match.decision is Decision.DECLINE
    assert match.entry is None and match.suggestions == ()


def test_unsure_questions_get_suggestions_not_a_guess(lexical):
    match = lexical.match("ml pay")
    assert match.decision is Decision.SUGGEST
    assert match.entry is None
    assert 1 <= len(match.suggestions) <= 3
    assert "salary-ranges-by-level" in [s.id for s in match.suggestions]


def test_huge_input_is_handled_quickly_and_sanely(lexical):
    match = lexical.match("Do I need a PhD? " * 600)  # ~10,000 characters
    assert match.entry is not None and match.entry.id == "phd-required"


def test_ranking_is_ordered_and_bounded(lexical):
    match = lexical.match("ml engineer salary in san francisco", top=5)
    scores = [score for _, score in match.ranking]
    assert len(scores) == 5 and scores == sorted(scores, reverse=True)
    assert match.ranking[0][0].id == "salary-by-city"
