"""What the matcher reads off a knowledge base before any question: the competitors, each
entry's vocabulary, the wordings a question may repeat word for word, and the kinds of
question each entry answers.

They are kept for the last knowledge base built for (one with the same content gets the same
tables): a command computes them while the model loads beside it, and the matcher built once
the model is there finds them ready (~40 ms of `ask`)."""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

from bot.knowledge.model import Entry, KnowledgeBase, OutOfScopeTopic
from bot.knowledge.scope import competitors
from bot.knowledge.text import content_tokens
from bot.matching.answerability.kinds import answered_kinds
from bot.matching.answerability.vocabulary import Vocabulary


class Tables(NamedTuple):
    rivals: tuple[Entry, ...]  # indexed after the entries: topics, then `not:` examples
    vocabulary: Vocabulary
    topics: dict[int, OutOfScopeTopic]  # by index among the indexed entries
    not_of: dict[str, int]  # entry id -> the index of its `not:` examples
    refused: dict[str, OutOfScopeTopic | None]  # an out-of-scope or `not:` wording -> its topic
    verbatim: dict[str, int]  # an entry's wording -> the entry's index
    # By entry: ~1.5 ms each (its wordings read by the kinds' patterns), once here, not in
    # the answer to the first question that judges it.
    kinds: tuple[frozenset[str], ...]


def verbatim(text: str) -> str:
    """The words that count when a question is compared word for word with a wording."""
    return " ".join(content_tokens(text))


def tables(kb: KnowledgeBase) -> Tables:
    try:
        hash(kb)
    except TypeError:  # a base made of lists (a tool's, a test's): built, not kept
        return _built(kb)
    return _kept(kb)


@lru_cache(maxsize=1)
def _kept(kb: KnowledgeBase) -> Tables:
    return _built(kb)


def _built(kb: KnowledgeBase) -> Tables:
    rivals = competitors(kb.entries, kb.out_of_scope)
    n = len(kb.entries)
    topics = {n + i: t for i, t in enumerate(kb.out_of_scope)}
    not_of = {e.id.removeprefix("not:"): n + i for i, e in enumerate(rivals) if e.id[:4] == "not:"}
    # A question worded as an out-of-scope example is declined, and one worded as an
    # entry's wording is answered by it, whatever else resembles them.
    refused = {
        verbatim(text): topics.get(n + i) for i, rival in enumerate(rivals) for text in rival.texts
    }
    exact: dict[str, int] = {}
    for i, entry in enumerate(kb.entries):
        for text in entry.texts:
            if (key := verbatim(text)) not in refused:
                exact[key] = i
    kinds = tuple(answered_kinds(entry) for entry in kb.entries)
    return Tables(rivals, Vocabulary(kb.entries), topics, not_of, refused, exact, kinds)
