"""What moderators see of a decision: the nearest out-of-scope topic, and why an entry was
or was not answered (`kb test "Q"`, `/kb test`)."""

from __future__ import annotations

from rapidfuzz import fuzz, process, utils

from bot.knowledge.model import OutOfScopeTopic
from bot.matching.matcher import Matcher


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
