from __future__ import annotations

import pytest
from rapidfuzz import fuzz, process

from bot.knowledge.text import clean, content_tokens
from bot.matching.answerability.vocabulary import Vocabulary, names_in
from bot.matching.evaluation import EVALUATION_FILE, evaluate, figures, load_cases
from bot.matching.lexical import TYPO_CUTOFF
from bot.matching.matcher import Decision
from tests.conftest import KNOWLEDGE, ROOT

CASES = load_cases(KNOWLEDGE / EVALUATION_FILE)
# Messages written outside the team: read from beside the checkout, never copied into it.
EXTERNALS = [ROOT.parent / "shared" / "eval" / n for n in ("external.yaml", "external-2.yaml")]
NEGATIVES = ROOT / "bench" / "hard_negatives.yaml"  # made from the entries: fit only
OTHER_LANGUAGES = ROOT / "bench" / "other_languages.yaml"  # written by the team: fit only
NEAR_COPY = 97  # rapidfuzz ratio of the cleaned texts: a copy with a letter or two changed


def test_the_evaluation_has_every_kind_in_both_halves():
    count: dict[tuple[str, str], int] = {}
    for case in CASES:
        count[case.kind, case.split] = count.get((case.kind, case.split), 0) + 1
    wanted = {"long": 60, "short": 40, "multi": 20, "near_topic": 60, "off_topic": 40}
    wanted["languages"] = 20
    for kind, at_least in wanted.items():
        fit, check = count.get((kind, "fit"), 0), count.get((kind, "check"), 0)
        assert fit + check >= at_least and abs(fit - check) <= 1, (kind, fit, check)
    assert all(len(c.expected) >= 2 for c in CASES if c.kind == "multi")


def test_lexical_matcher_meets_its_bars_on_the_check_half(lexical):
    check = figures(evaluate(lexical.match, CASES), "check")
    assert check["long"]["right"] >= 60, check["long"]
    for kind in ("existing", "long", "short", "multi", "languages"):
        assert check[kind]["wrong"] <= 2, (kind, check[kind])
    assert check["languages"]["wrong"] == 0
    assert check["near_topic"]["answered"] <= 2, check["near_topic"]
    assert check["off_topic"]["answered"] == 0, check["off_topic"]


def copies(kb, cases) -> list[str]:
    known = [clean(w) for e in kb.entries for w in (*e.texts, *e.not_examples)]
    known += [clean(x) for topic in kb.out_of_scope for x in topic.examples]
    texts = [clean(c.text) for c in cases]
    near = process.cdist(texts, known, scorer=fuzz.ratio, score_cutoff=NEAR_COPY)
    return [c.text for c, row in zip(cases, near, strict=True) if row.any()]


def test_evaluation_questions_are_not_copied_into_what_the_matcher_knows(kb):
    assert copies(kb, CASES) == []


@pytest.mark.parametrize("external", EXTERNALS, ids=lambda path: path.name)
def test_external_messages_are_not_copied_into_the_repository(kb, external):
    if not external.is_file():
        pytest.skip(f"{external} is not beside this checkout (it is never copied into it)")
    cases = load_cases(external)
    assert copies(kb, cases) == []
    assert not any(path.name == external.name for path in ROOT.rglob("*.yaml"))
    ours = [clean(c.text) for path in (NEGATIVES, OTHER_LANGUAGES) for c in load_cases(path)]
    near = process.cdist(
        [clean(c.text) for c in cases], ours, scorer=fuzz.ratio, score_cutoff=NEAR_COPY
    )
    assert not near.any(), "a made-up negative or other-language post copies an external message"


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Do I need a PhD for ML?", "phd-required"),
        ("what are RSUs", "total-comp-components"),
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


def test_typos_still_find_the_entry(lexical):
    match = lexical.match("do i need a phd for machien lerning")
    assert (match.answers or match.suggestions)[0].id == "phd-required"


def test_a_typo_is_corrected_as_a_search_of_the_whole_vocabulary_would(lexical):
    scorer = lexical.scorers[0][0]
    words = sorted({w for w in scorer._typo_words if len(w) >= 4})
    typos = set()
    for n, word in enumerate(words):  # a letter swapped, dropped, doubled; one changed
        i = n % len(word)
        typos |= {word[:i] + word[i + 1 :], word[:i] + word[i] + word[i:]}
        typos |= {word[:i] + "xq"[n % 2] + word[i + 1 :], word[::-1], word + "ings"}
    assert len(typos) > 1000
    for typo in sorted(typos):
        nearby = process.extractOne(typo, scorer._typo_words_near(len(typo)), scorer=fuzz.ratio)
        everywhere = process.extractOne(typo, scorer._typo_words, scorer=fuzz.ratio)
        if everywhere[1] >= TYPO_CUTOFF:  # whatever could count is among the nearby
            assert nearby is not None and nearby[1] == everywhere[1], (typo, everywhere)


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
    match = lexical.match("ml engineer pay")
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


def test_what_a_question_names_that_the_entry_never_mentions(kb):
    vocabulary = Vocabulary(kb.entries)
    levels = [e.id for e in kb.entries].index("salary-ranges-by-level")
    asked = "So what does Google pay an L7 in Zurich? Asking for a friend at JAX Inc."
    assert names_in(asked) == ["Google", "L7", "Zurich", "JAX", "Inc"]
    assert names_in("WHY ARE MLES PAID SO MUCH") == [], "shouting names nothing"
    assert {"L7", "Zurich"} <= set(vocabulary.unfamiliar(asked, levels))
    assert vocabulary.unfamiliar("what do Senior ML engineers earn?", levels) == []
    assert vocabulary.coverage(content_tokens("senior base salary"), levels) == 1.0
    assert vocabulary.coverage(content_tokens("seniorr base salary"), levels) == 1.0, "typos"
    assert vocabulary.coverage(content_tokens("pizza topping"), levels) == 0.0


def test_the_lexical_similarity_is_token_sort_ratio_against_each_wording(lexical):
    """The index keeps each wording's tokens sorted so that scoring is a plain fuzz.ratio:
    the same figure as token_sort_ratio of the unsorted tokens, for every wording."""
    scorer = next(s for s, _ in lexical.scorers if s.name == "lexical")
    wordings = [t for e in scorer.entries for t in e.texts]
    assert len(scorer._texts) == len(wordings)
    asked = [c.text for c in CASES[:40]] + ["machien lerning engneer salry", "pay ml ml pay"]
    for question in asked:
        query = " ".join(sorted(content_tokens(question)))
        for stored, wording in zip(scorer._texts, wordings, strict=True):
            expected = fuzz.token_sort_ratio(question_tokens(question), question_tokens(wording))
            assert fuzz.ratio(query, stored) == expected, (question, wording)


def question_tokens(text: str) -> str:
    return " ".join(content_tokens(text))
