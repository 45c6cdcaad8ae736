"""What an entry's texts talk about, to judge whether its answer answers what is asked.

A question close to an entry in meaning may still ask about something the entry never
mentions: a company ("Google"), a place ("Bangalore"), a level code ("L7"), a tool ("JAX").
Two measures of the asked text against an entry's wordings, keywords and answer:
- coverage: the share of its content words the entry's texts contain;
- unfamiliar names: names, acronyms and codes in it that the entry's texts never contain.
"""

from __future__ import annotations

import re

from rapidfuzz import fuzz, process

from bot.knowledge.model import Entry
from bot.knowledge.text import content_tokens

# A capitalised word (a name), an acronym (PR, JAX, LLMs), or a level code (L7, E5, ICT4).
_NAME = re.compile(r"\b(?:[A-Z][a-z]*[A-Z][A-Za-z]*|[A-Z][a-z]+|[A-Z]{1,5}\d{1,3})\b")
TYPO_SIMILARITY = 85  # a word this close to one the entry uses counts as used ("lerning")
MIN_TYPO_CHARS = 5
# Where a capitalised word only starts a sentence, it names nothing.
_SENTENCE_START = re.compile(r"(?:^|[.!?:;\n\"'(\[]|\s-)\s*$")


def entry_words(entry: Entry) -> frozenset[str]:
    texts = (*entry.texts, *entry.keywords, entry.category, entry.answer)
    return frozenset(content_tokens(" ".join(texts)))


def names_in(text: str) -> list[str]:
    """The names, acronyms and codes in `text` (not a sentence's first word; nothing from a
    message written all in capitals, where case says nothing)."""
    letters = [c for c in text if c.isalpha()]
    if letters and sum(c.isupper() for c in letters) > 0.6 * len(letters):
        return []
    return [
        m.group(0) for m in _NAME.finditer(text) if not _SENTENCE_START.search(text[: m.start()])
    ]


class Vocabulary:
    """Each entry's words, in the matcher's index order."""

    def __init__(self, entries: tuple[Entry, ...], words: list[list[str]] | None = None) -> None:
        """`words`: each entry's `entry_words`, sorted, as `sorted_words` gave them (kept)."""
        self._sorted = words if words is not None else [sorted(entry_words(e)) for e in entries]
        self._words = [frozenset(words) for words in self._sorted]

    @property
    def sorted_words(self) -> list[list[str]]:
        return self._sorted

    def coverage(self, tokens: list[str], index: int) -> float:
        """The share of `tokens` (content tokens) that entry `index` uses; 1 when none."""
        if not tokens:
            return 1.0
        words, choices = self._words[index], self._sorted[index]
        used = sum(
            token in words
            or (
                len(token) >= MIN_TYPO_CHARS
                and process.extractOne(
                    token, choices, scorer=fuzz.ratio, score_cutoff=TYPO_SIMILARITY
                )
                is not None
            )
            for token in tokens
        )
        return used / len(tokens)

    def unfamiliar(self, text: str, index: int) -> list[str]:
        """The names in `text` that entry `index` never mentions."""
        words = self._words[index]
        return [
            name for name in dict.fromkeys(names_in(text)) if not set(content_tokens(name)) <= words
        ]
