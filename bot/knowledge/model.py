"""The knowledge base's values: plain, frozen, free of I/O."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Entry:
    id: str
    category: str
    question: str
    phrasings: tuple[str, ...]
    answer: str
    source: str
    keywords: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    not_examples: tuple[str, ...] = ()  # `not:` questions that look like this entry but aren't
    answers: tuple[str, ...] = ()  # kinds of question its answer answers (ANSWER_KINDS)

    @property
    def texts(self) -> tuple[str, ...]:
        """Every wording the matcher indexes: the canonical question first."""
        return (self.question, *self.phrasings)


# The kinds of question an entry's answer can answer (its `answers:` field), each with what
# it means; bot/matching/answerability/kinds.py reads which of them a message asks.
ANSWER_KINDS = {
    "why": "why something is so: reasons and causes",
    "figure": "a number: what someone earns, a range, an amount in money",
    "compare": "a head-to-head of two things (X or Y, X vs Y, the difference between)",
    "which": "which ones, or the best, top or most of a group",
    "need": "whether something is needed, required or enough",
    "define": "what something is, means or involves",
    "how-to": "how to do something: steps, a plan, courses or books",
    "when": "when something happened or will, or how long it takes",
    "future": "what will happen: the outlook",
    "decline": "what falls, shrinks, loses value or is cut",
}


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the knowledge base, printed as `file: entry id: field: message`
    (`file line N: …` where the line is known)."""

    file: str
    entry_id: str
    field: str
    message: str
    line: int = 0

    def __str__(self) -> str:
        where = f"{self.file} line {self.line}" if self.line else self.file
        return f"{where}: {self.entry_id or '(no id)'}: {self.field}: {self.message}"


class StoreError(Exception):
    """A write or record that cannot be done as asked; the message is one sentence."""


class ConflictError(StoreError):
    """Someone changed what a moderator was editing since they opened it."""


class KnowledgeBaseError(Exception):
    """The knowledge base failed validation; `problems` lists every reason at once."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(map(str, problems)))


@dataclass(frozen=True, slots=True)
class OutOfScopeTopic:
    """Questions the bot must not answer (knowledge/out_of_scope.yaml), with an optional
    one-line pointer to where they are answered."""

    name: str
    examples: tuple[str, ...]
    pointer: str = ""


@dataclass(frozen=True)
class KnowledgeBase:
    entries: tuple[Entry, ...]
    out_of_scope: tuple[OutOfScopeTopic, ...] = ()
    # id -> the fingerprint of its file's content as loaded (entry_yaml.version_of), so a
    # form opens from what is loaded and a save still detects a change made since
    versions: dict[str, str] = field(default_factory=dict, repr=False, compare=False)
    by_id: dict[str, Entry] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_id", {e.id: e for e in self.entries})

    def __len__(self) -> int:
        return len(self.entries)

    def categories(self) -> dict[str, list[Entry]]:
        """Entries grouped by category, both in a stable (sorted) order."""
        groups: dict[str, list[Entry]] = {}
        for entry in sorted(self.entries, key=lambda e: (e.category, e.question)):
            groups.setdefault(entry.category, []).append(entry)
        return groups


class Overloaded(Exception):
    """A costly scorer's queue is full: decide from the cheap scores now."""
