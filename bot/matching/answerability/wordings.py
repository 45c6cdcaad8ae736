"""What the matcher reads off a knowledge base before any question: the competitors, each
entry's vocabulary, the wordings a question may repeat word for word, and the kinds of
question each entry answers.

They are kept for the last knowledge base built for (one with the same content gets the same
tables), and on disk (`DATA_DIR/index/tables-*.json`, keyed by what they are read from and
the code that reads them): reading 1,400 wordings' words and kinds is ~50 ms of every `ask`,
reading them back ~3 ms."""

from __future__ import annotations

from typing import NamedTuple

from bot.knowledge import scope
from bot.knowledge import text as text_module
from bot.knowledge.model import Entry, KnowledgeBase, OutOfScopeTopic
from bot.knowledge.scope import competitors
from bot.knowledge.text import content_tokens
from bot.matching.answerability import kinds as kinds_module
from bot.matching.answerability import vocabulary as vocabulary_module
from bot.matching.answerability.kinds import answered_kinds
from bot.matching.answerability.vocabulary import Vocabulary
from bot.matching.index_cache import IndexCache, content_key, source_hash

KIND = "tables"
SOURCE = source_hash(
    *(m.__file__ for m in (text_module, scope, kinds_module, vocabulary_module)), __file__
)


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


_last: list[tuple[KnowledgeBase, Tables]] = []  # the last base's tables


def tables(kb: KnowledgeBase, cache: IndexCache | None = None) -> Tables:
    """The tables of `kb`: the last ones when it is the last base, else read back from
    `cache` or built (and kept there)."""
    try:
        hash(kb)
    except TypeError:  # a base made of lists (a tool's, a test's): built, not kept
        return _built(kb, None)
    if _last and _last[0][0] == kb:
        return _last[0][1]
    read = _built(kb, cache)
    _last[:] = [(kb, read)]
    return read


def _built(kb: KnowledgeBase, cache: IndexCache | None) -> Tables:
    rivals = competitors(kb.entries, kb.out_of_scope)
    key = _key(kb, rivals) if cache else ""
    kept = cache.load_json(KIND, key) if cache else None
    if isinstance(kept, dict):
        try:
            return _tables(kb, rivals, kept)
        except (TypeError, ValueError, KeyError, IndexError):  # not ours: read again
            pass
    reading = _reading(kb, rivals)
    if cache:
        cache.save_json(KIND, key, reading)
    return _tables(kb, rivals, reading)


def _tables(kb: KnowledgeBase, rivals: tuple[Entry, ...], reading: dict[str, list]) -> Tables:
    n = len(kb.entries)
    if len(reading["words"]) != n or len(reading["kinds"]) != n:
        raise ValueError("a reading of another base")
    topics = {n + i: t for i, t in enumerate(kb.out_of_scope)}
    not_of = {e.id.removeprefix("not:"): n + i for i, e in enumerate(rivals) if e.id[:4] == "not:"}
    refused = {str(text): topics.get(n + int(i)) for text, i in reading["refused"]}
    exact = {str(text): int(i) for text, i in reading["exact"]}
    if any(not 0 <= i < n for i in exact.values()):
        raise ValueError("a reading of another base")
    vocabulary = Vocabulary(kb.entries, [list(map(str, words)) for words in reading["words"]])
    kinds = tuple(frozenset(map(str, answered)) for answered in reading["kinds"])
    return Tables(rivals, vocabulary, topics, not_of, refused, exact, kinds)


def _reading(kb: KnowledgeBase, rivals: tuple[Entry, ...]) -> dict[str, list]:
    """What the tables read off the texts, as JSON: the slow part."""
    # A question worded as an out-of-scope example is declined, and one worded as an
    # entry's wording is answered by it, whatever else resembles them.
    refused = {verbatim(text): i for i, rival in enumerate(rivals) for text in rival.texts}
    exact: dict[str, int] = {}
    for i, entry in enumerate(kb.entries):
        for text in entry.texts:
            if (key := verbatim(text)) not in refused:
                exact[key] = i
    return {
        "refused": list(refused.items()),
        "exact": list(exact.items()),
        "words": Vocabulary(kb.entries).sorted_words,
        "kinds": [sorted(answered_kinds(entry)) for entry in kb.entries],
    }


def _key(kb: KnowledgeBase, rivals: tuple[Entry, ...]) -> str:
    read = (
        "\n".join((e.category, e.answer, *e.texts, "", *e.keywords, "", *e.answers))
        for e in kb.entries
    )
    return content_key([SOURCE], read, ("\n".join(rival.texts) for rival in rivals))
