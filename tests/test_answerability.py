"""What kind of question is asked, set against what an entry answers; follow-ups."""

from __future__ import annotations

import pytest

from bot.knowledge.model import ANSWER_KINDS
from bot.matching.answerability.kinds import (
    PATTERNS,
    answered_kinds,
    asked_kinds,
    reads_as_follow_up,
    unanswered_kinds,
    unquote,
    with_earlier,
)
from bot.matching.explain import examine
from bot.matching.matcher import Decision
from tests.test_loader import edit, problems_of


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("why do tech hubs pay more", "why"),
        ("how much do junior MLEs make in Berlin", "figure"),
        ("what's the exact dollar gap between two cities", "figure"),
        ("is 150k a good base", "figure"),
        ("PyTorch vs JAX for a first job", "compare"),
        ("what's the difference between a DS and an MLE", "compare"),
        ("do I really need calculus", "need"),
        ("how do I get into ML from accounting", "how-to"),
        ("any good books on probability for ML?", "how-to"),
        ("can you draft a 10 week course plan on statistics", "how-to"),
        ("when did everyone start hiring for LLMs", "when"),
        ("how long does it take to learn ML", "when"),
        ("will MLE pay hold up in five years", "future"),
        ("which roles are getting commoditized", "decline"),
    ],
)
def test_the_kind_asked_is_read(text, kind):
    assert kind in asked_kinds(text)


def test_a_plain_question_asks_no_unexpected_kind_and_other_languages_none():
    assert asked_kinds("why are ML engineers paid so much") == {"why"}
    assert asked_kinds("¿Por qué los ingenieros de ML ganan tanto?") == frozenset()
    assert set(PATTERNS) == set(ANSWER_KINDS)


def test_an_entry_answers_its_declared_kinds_and_those_its_wordings_ask(kb):
    city = kb.by_id["salary-by-city"]
    assert {"why", "compare"} <= set(city.answers) <= answered_kinds(city)
    assert "when" not in answered_kinds(city) and "how-to" not in answered_kinds(city)
    assert unanswered_kinds("since when do cities pay so differently?", city) == ["when"]
    scarcity = kb.by_id["talent-scarcity"]
    assert unanswered_kinds("how long does it take to become an ML engineer", scarcity) == []


def test_answers_names_only_known_kinds(knowledge_copy):
    edit(knowledge_copy, "phd-required", answers=["why", "gossip"])
    (problem,) = problems_of(knowledge_copy)
    assert problem.startswith("phd-required.yaml: phd-required: answers: 'gossip' is not a kind")
    assert "how-to" in problem  # names what is allowed


@pytest.mark.parametrize(
    ("text", "follows"),
    [
        ("and for seniors?", True),
        ("same q but for data engineers", True),
        ("what about Berlin?", True),
        ("is that true for startups too?", True),
        ("and what is MLOps?", False),
        ("why are ML engineers paid so much?", False),
        ("what about the future of ML pay over the next ten years, will it last?", False),
    ],
)
def test_a_follow_up_is_told_from_a_question_that_stands_alone(text, follows):
    assert reads_as_follow_up(text) is follows


def test_a_follow_up_is_declined_alone_and_answered_with_the_earlier_question(lexical, kb):
    earlier = kb.by_id["salary-ranges-by-level"].question
    assert lexical.match("and for seniors?").decision is not Decision.ANSWER
    combined = with_earlier(earlier, "and for seniors?")
    assert combined == f"{earlier.rstrip('?')}, for seniors?"
    assert lexical.match(combined).entry == kb.by_id["salary-ranges-by-level"]


@pytest.mark.parametrize(
    ("message", "asked"),
    [
        ("> how much do seniors make?\nand in Berlin?", "how much do seniors make, in Berlin?"),
        ("> how much do seniors make?\n+1", "how much do seniors make?"),
        (
            ">>> my lead says a PhD is a must\nso true\n\nwhy?",
            "my lead says a PhD is a must so true why?",
        ),
        ("> my lead says a PhD is a must\nwhy is python so popular?", "why is python so popular?"),
        ("x > y? which is bigger", "x > y? which is bigger"),  # not a quote: no quote line
    ],
)
def test_a_message_quoting_an_earlier_one_asks_its_own_words_or_follows_the_quote_up(
    message, asked
):
    assert unquote(message) == asked


def test_a_quoting_message_is_matched_on_what_it_asks(lexical, kb):
    phd, levels = kb.by_id["phd-required"], kb.by_id["salary-ranges-by-level"]
    assert lexical.match(f"> {phd.question}\n+1").entry == phd
    story = "> my cousin is a data engineer at a bank\n" + phd.question
    assert lexical.match(story).entry == phd
    followed = lexical.match(f"> {levels.question}\nand for seniors?")
    assert followed.question == with_earlier(levels.question, "and for seniors?")
    assert followed.entry == levels
    assert any("read as" in line for line in examine(lexical, f"> {phd.question}\n+1").why)


def test_kb_test_says_which_kind_is_asked_and_which_the_entry_answers(lexical):
    why = examine(lexical, "when did the demand for ML engineers start growing?").why
    assert any(line.startswith("asks when; demand-growth answers ") for line in why)
    assert any("in answer channels and forums" in line for line in why)
    alone = examine(lexical, "and for seniors?").why
    assert any("follow-up" in line for line in alone)


def test_channels_nobody_asked_in_show_only_sure_answers(lexical):
    exact = lexical.match("Do I need a PhD to become a well-paid ML engineer?")
    assert exact.confident and exact.unasked().answers == exact.answers
    unsure = lexical.match("do i need a phd or something")
    shown = unsure.unasked()
    assert shown.suggestions == () and (unsure.confident or shown.decision is Decision.DECLINE)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\t ",
        "why " * 1000,  # 4,000 characters
        "😀🔥💯" * 50,
        "```python\ndef f(x):\n    return x or y?\n```",
        "ML engineer salary 为什么 так высоко? and for seniors?",
        "and for " + "seniors " * 600,
        ">>> \n> \n>",
        "> " + "why " * 1000 + "\nand for seniors?",
    ],
    ids=[
        "empty",
        "whitespace",
        "4000 chars",
        "emoji",
        "code",
        "mixed scripts",
        "long follow",
        "empty quotes",
        "long quote",
    ],
)
def test_odd_messages_get_a_decision_never_an_error(lexical, blended, text):
    for matcher in (lexical, blended):
        match = matcher.match(text)
        assert match.decision in tuple(Decision)
        assert isinstance(match.unasked().decision, Decision)
