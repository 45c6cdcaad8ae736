"""What moderators see of a decision (`kb test "Q"`, `/kb test`): the ranking, the nearest
out-of-scope topic, and why the best entry was or was not answered."""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz, process, utils

from bot.knowledge.model import OutOfScopeTopic
from bot.matching.answerability.kinds import reads_as_follow_up, unanswered_kinds, unquote
from bot.matching.matcher import Match, Matcher
from bot.matching.multilingual.matcher import MultilingualMatcher
from bot.matching.parts import split_post


@dataclass(frozen=True, slots=True)
class Tested:
    match: Match
    nearest: tuple[OutOfScopeTopic, str, int] | None  # topic, its closest example, score
    why: tuple[str, ...]


def nearest_out_of_scope(
    matcher: Matcher, question: str
) -> tuple[OutOfScopeTopic, str, int] | None:
    """The closest out-of-scope topic, its closest example and score."""
    topics = matcher.topics
    if not topics:
        return None
    vector = matcher.blended(question)
    index = max(topics, key=lambda i: vector[i])
    topic = topics[index]
    example = process.extractOne(
        question, topic.examples, scorer=fuzz.token_set_ratio, processor=utils.default_process
    )
    return topic, example[0] if example else topic.examples[0], round(float(vector[index]) * 100)


def reasons(matcher: Matcher, question: str) -> tuple[str, ...]:
    """The decision model's view of the best entry, one line per thing it weighs."""
    if isinstance(matcher, MultilingualMatcher) and (foreign := matcher.foreign_reasons(question)):
        return foreign
    cheap = matcher.cascade is not None and matcher.settled_cheaply(
        question, matcher.post_judgement(question, cheap_only=True)
    )
    model = matcher.cascade.model if cheap and matcher.cascade else matcher.model
    overall, _ = matcher.post_judgement(question, cheap_only=cheap)
    best, rival, coverage = overall.features[0], overall.features[2], overall.features[7]
    entry = matcher.kb.entries[overall.best]
    focus = split_post(question).focus
    unfamiliar = matcher.vocabulary.unfamiliar(focus, overall.best)
    lines = [
        f"confidence {model.probability(overall.features):.2f} that {entry.id} answers it "
        f"(answered from {model.answer:.2f} in /ask and mentions, "
        f"{max(model.quiet, model.answer):.2f} in answer channels and forums)",
        f"closest competitor (out-of-scope or not: example) {round(rival * 100)} "
        f"against {round(best * 100)} for {entry.id}",
        f"{entry.id} uses {coverage:.0%} of the asked words",
    ]
    if unfamiliar:
        lines.append(f"{entry.id} never mentions: {', '.join(unfamiliar)}")
    kinds = matcher.kinds[overall.best]
    if missed := unanswered_kinds(focus, entry, kinds):
        lines.append(
            f"asks {' and '.join(missed)}; {entry.id} answers {', '.join(sorted(kinds))} "
            "(its `answers:` and what its wordings ask)"
        )
    if reads_as_follow_up(question):
        lines.append("reads as a follow-up to an earlier message: not answered on its own")
    if cheap:
        lines.append(
            "decided on the words alone (the encoder reads Latin script only, "
            "and is not asked when the words settle it)"
        )
    return tuple(lines)


def examine(matcher: Matcher, question: str) -> Tested:
    """Everything `kb test "Q"` shows."""
    asked = unquote(question.strip())
    quoting = (
        (f"quotes an earlier message: read as {asked!r}",) if asked != question.strip() else ()
    )
    match = matcher.match(asked)
    return Tested(
        match,
        nearest_out_of_scope(matcher, asked),
        quoting + reasons(matcher, asked) + second_opinion(matcher, match),
    )


def second_opinion(matcher: Matcher, match: Match) -> tuple[str, ...]:
    """What the answer check says, where it is asked: an answer below the channels' cut-off."""
    if not matcher.checks(match):
        return ()
    backed = matcher.unasked(match).answers
    return (
        f"below the channels' cut-off; the answer check (reading the question with the "
        f"answer) {'backs it: answered' if backed else 'does not back it: silent'} "
        "in answer channels and forums",
    )
