"""The rapidfuzz-based lexical scorer: typos, abbreviations and shared wording.

Scores every entry in [0, 1] as a blend of two signals:
- coverage: how much of the question's information (IDF-weighted content tokens, typos
  corrected against the vocabulary) the entry's wordings and keywords account for;
- similarity: rapidfuzz `token_sort_ratio` against the entry's closest wording.
Coverage comes from an inverted index in numpy, so it is cheap at 100,000 entries; the
rapidfuzz pass runs only on the best `CANDIDATES` entries by coverage.
"""

from __future__ import annotations

import functools
import math
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict

import numpy as np
from rapidfuzz import fuzz, process

from bot.knowledge import text
from bot.knowledge.model import Entry
from bot.knowledge.text import SYNONYMS, content_tokens
from bot.matching.index_cache import IndexCache, content_key, source_hash

KIND = "lexical"
SOURCE = source_hash(__file__, text.__file__)  # a change to the tokens rebuilds the index

CANDIDATES = 40
RECENT_QUESTIONS = 256  # scores kept per scorer: a question is scored cheap, then blended
RESOLVED_WORDS = 4096  # query words kept with the vocabulary word they stand for
COVERAGE_WEIGHT = 0.5
TYPO_CUTOFF = 80  # fuzz.ratio a misspelt word needs to count as a vocabulary word
INCIDENTAL_STRENGTH = 0.5
IDF_FLOOR = 1.0  # words every entry shares (ML, engineer) still mark the domain
UNKNOWN_WEIGHT = 1.3  # times the rarest known word
TYPO_DISCOUNT = 0.9  # a corrected word counts a little less than an exact one


def _strength(topical: bool, wordings: int) -> float:
    """How much an entry's use of a word says about its topic.

    A keyword or a word of the canonical question is the topic; a word in several
    phrasings nearly so; a word in one phrasing may be incidental ("time", "spend").
    """
    if topical:
        return 1.0
    return INCIDENTAL_STRENGTH if wordings < 2 else (1 + INCIDENTAL_STRENGTH) / 2


def _utf8(value: str) -> np.ndarray:
    return np.frombuffer(value.encode(), dtype=np.uint8)


def _build(entries: tuple[Entry, ...]) -> dict[str, np.ndarray]:
    """The index as flat arrays (saved as they are): per vocabulary word, the entries that
    use it, how strongly, and its IDF; and every wording's content tokens, sorted."""
    postings: dict[str, list[int]] = defaultdict(list)
    strengths: dict[str, list[float]] = defaultdict(list)
    texts: list[str] = []
    text_start = [0]
    for index, entry in enumerate(entries):
        seen: Counter[str] = Counter()
        for wording in entry.texts:
            words = content_tokens(wording)
            seen.update(set(words))
            texts.append(" ".join(sorted(words)))  # token_sort_ratio's sorting, done once
        text_start.append(len(texts))
        topical = set(content_tokens(entry.question))
        for keyword in entry.keywords:
            topical.update(content_tokens(keyword))
        for token in sorted(seen.keys() | topical):  # not set order: typo ties break alike
            postings[token].append(index)
            strengths[token].append(_strength(token in topical, seen[token]))
    n = len(entries)
    vocabulary = list(postings)
    sizes = [len(postings[t]) for t in vocabulary]
    return {
        "vocabulary": _utf8("\n".join(vocabulary)),
        "offsets": np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64),
        "ids": np.array([i for t in vocabulary for i in postings[t]], dtype=np.int32),
        "strengths": np.array([x for t in vocabulary for x in strengths[t]], dtype=np.float32),
        "idf": np.array([max(IDF_FLOOR, math.log((n + 1) / (s + 0.5))) for s in sizes]),
        "texts": _utf8("\n".join(texts)),
        "text_start": np.asarray(text_start, dtype=np.int64),
    }


class LexicalScorer:
    name = "lexical"
    costly = False
    busy = False

    def __init__(self, entries: tuple[Entry, ...], cache: IndexCache | None = None) -> None:
        self.entries = entries
        key = content_key(
            [SOURCE],
            ("\n".join((e.question, *e.phrasings, "", *e.keywords)) for e in entries),
        )
        arrays = cache.load(KIND, key) if cache else None
        if arrays is None:
            arrays = _build(entries)
            if cache:
                cache.save(KIND, key, arrays)
        self._adopt(arrays)
        self._recent = functools.lru_cache(maxsize=RECENT_QUESTIONS)(self._read_only)
        # a word outside the vocabulary costs a pass over all of it: looked up once
        self._resolved = functools.lru_cache(maxsize=RESOLVED_WORDS)(self._resolve)

    def _adopt(self, arrays: dict[str, np.ndarray]) -> None:
        joined = arrays["vocabulary"].tobytes().decode()
        vocabulary = joined.split("\n") if joined else []
        offsets, ids, strengths = arrays["offsets"], arrays["ids"], arrays["strengths"]
        self._postings = {t: ids[offsets[i] : offsets[i + 1]] for i, t in enumerate(vocabulary)}
        self._strengths = {
            t: strengths[offsets[i] : offsets[i + 1]] for i, t in enumerate(vocabulary)
        }
        self._idf = dict(zip(vocabulary, arrays["idf"].tolist(), strict=True))
        # A word no entry uses weighs as much as the rarest known word: it is information
        # the knowledge base cannot account for.
        self._unknown_weight = UNKNOWN_WEIGHT * max(self._idf.values(), default=1.0)
        # Typos are corrected towards the vocabulary and towards words that synonyms fold
        # away ("machien" -> "machine" -> "ml").
        self._typo_targets = {t: t for t in self._postings}
        for source, target in SYNONYMS.items():
            folded = content_tokens(target)
            if " " not in source and len(folded) == 1 and folded[0] in self._postings:
                self._typo_targets.setdefault(source, folded[0])
        # by length (stable), so the words a typo could be are one slice (`_typo_words_near`)
        self._typo_words = sorted(self._typo_targets, key=len)
        self._typo_lengths = [len(word) for word in self._typo_words]
        texts = arrays["texts"].tobytes().decode().split("\n")  # wordings' sorted tokens
        self._texts = np.array(texts, dtype=object)
        start = arrays["text_start"]  # entry i's wordings: [start[i], start[i+1])
        self._owner = np.repeat(np.arange(len(start) - 1), np.diff(start))  # of each wording

    def prepare(self, questions: list[str]) -> list:
        return []  # nothing slow to start

    def _resolve(self, token: str) -> tuple[str | None, float]:
        """The vocabulary word a query word stands for, and how much to trust it."""
        if token in self._postings:
            return token, 1.0
        if len(token) >= 4:
            found = process.extractOne(
                token,
                self._typo_words_near(len(token)),
                scorer=fuzz.ratio,
                score_cutoff=TYPO_CUTOFF,
            )
            if found is not None:
                return self._typo_targets[found[0]], TYPO_DISCOUNT
        return None, 0.0

    def _typo_words_near(self, length: int) -> list[str]:
        """The typo targets a word of `length` letters could reach TYPO_CUTOFF with: fuzz.ratio
        is at most 200 x the shorter length / both lengths. Handing rapidfuzz this fifth of
        the vocabulary makes a word it does not know 2.5x cheaper to correct."""
        shortest = -(-length * TYPO_CUTOFF // (200 - TYPO_CUTOFF))
        longest = length * (200 - TYPO_CUTOFF) // TYPO_CUTOFF
        lengths = self._typo_lengths
        return self._typo_words[bisect_left(lengths, shortest) : bisect_right(lengths, longest)]

    def score(self, question: str) -> np.ndarray:
        """Read-only; kept for recent questions (the cascade's cheap pass, then the blend)."""
        return self._recent(question)

    def _read_only(self, question: str) -> np.ndarray:
        scores = self._score(question)
        scores.flags.writeable = False  # shared by every caller of the cache
        return scores

    def _score(self, question: str) -> np.ndarray:
        n = len(self.entries)
        coverage = np.zeros(n, dtype=np.float32)
        tokens = list(dict.fromkeys(content_tokens(question)))
        if not tokens or n == 0:
            return coverage
        total_weight = 0.0
        corrected: list[str] = []  # the query with typos fixed, for the rapidfuzz pass
        for token in tokens:
            word, trust = self._resolved(token)
            if word is None:
                total_weight += self._unknown_weight
                corrected.append(token)
                continue
            weight = self._idf[word]
            total_weight += weight
            coverage[self._postings[word]] += (weight * trust) * self._strengths[word]
            corrected.append(word)
        coverage /= total_weight
        scores = COVERAGE_WEIGHT * coverage
        k = min(CANDIDATES, n)
        candidates = np.argpartition(-coverage, k - 1)[:k] if k < n else np.arange(n)
        candidates = candidates[coverage[candidates] > 0]
        if len(candidates) == 0:
            return scores
        chosen = np.zeros(n, dtype=bool)
        chosen[candidates] = True
        text_ids = np.flatnonzero(chosen[self._owner])
        owners = self._owner[text_ids]
        # token_sort_ratio, its sorting done once per wording at build: fuzz.ratio of the
        # sorted tokens is the same figure (rapidfuzz sorts and joins them so), 6x cheaper
        query = " ".join(sorted(corrected))
        similarity = process.cdist([query], self._texts[text_ids].tolist(), scorer=fuzz.ratio)[0]
        best = np.zeros(n, dtype=np.float32)
        np.maximum.at(best, owners, similarity / 100.0)
        return scores + (1 - COVERAGE_WEIGHT) * best
