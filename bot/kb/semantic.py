"""The embedding scorer: paraphrases that share few words ("doctorate" ~ "PhD").

Every wording of every entry is embedded once; an entry scores the cosine similarity of
its closest wording. Embeddings are cached in DATA_DIR per (model hash, text), so an edit
re-embeds only the wordings that changed.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import threading
from collections import OrderedDict
from concurrent.futures import Future
from pathlib import Path

import numpy as np

from bot.kb.encoder import SentenceEncoder
from bot.kb.files import write_atomic
from bot.kb.model import Entry

CACHE_FILE = "embeddings.npz"
RECENT_QUESTIONS = 1024  # query embeddings kept: members repeat questions, and a picked
# autocomplete choice is an entry's own question, whose embedding is already known


def _text_key(model_hash: str, text: str) -> str:
    return hashlib.sha256(f"{model_hash}\n{text}".encode()).hexdigest()


class EmbeddingCache:
    """An .npz of key -> vector, rewritten atomically (temp file + os.replace)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.vectors: dict[str, np.ndarray] = {}
        try:
            with np.load(path) as stored:
                self.vectors = dict(zip(stored["keys"].tolist(), stored["vectors"], strict=True))
        except (OSError, ValueError, KeyError):
            pass  # missing or unreadable: rebuilt on the next save

    def save(self, keys: list[str]) -> None:
        """Keep only `keys` (the current wordings), so the cache never grows stale."""
        buffer = io.BytesIO()
        np.savez(buffer, keys=np.array(keys), vectors=np.stack([self.vectors[k] for k in keys]))
        write_atomic(self.path, buffer.getvalue())


class SemanticScorer:
    name = "semantic"
    costly = True

    def __init__(
        self, entries: tuple[Entry, ...], encoder: SentenceEncoder, cache_dir: Path | None
    ) -> None:
        self.encoder = encoder
        texts = [text for entry in entries for text in entry.texts]
        self._owner = np.repeat(np.arange(len(entries)), [len(e.texts) for e in entries])
        self._count = len(entries)
        keys = [_text_key(encoder.model_hash, text) for text in texts]
        cache = EmbeddingCache(cache_dir / CACHE_FILE) if cache_dir else None
        known = cache.vectors if cache else {}
        missing = [i for i, key in enumerate(keys) if key not in known]
        self.embedded = len(missing)  # how many wordings this start had to embed
        fresh = dict(
            zip(
                [keys[i] for i in missing], encoder.encode([texts[i] for i in missing]), strict=True
            )
        )
        self._matrix = np.stack([known[k] if k in known else fresh[k] for k in keys])
        self._wording_rows = {text: row for row, text in enumerate(texts)}
        self._recent: OrderedDict[str, np.ndarray] = OrderedDict()  # shared by threads
        self._lock = threading.Lock()
        if cache is not None and (missing or len(known) != len(set(keys))):
            cache.vectors = {**known, **fresh}
            with contextlib.suppress(OSError):  # a read-only DATA_DIR costs time, not answers
                cache.save(keys)

    def _known(self, question: str) -> np.ndarray | None:
        row = self._wording_rows.get(question)
        if row is not None:
            return self._matrix[row]
        with self._lock:
            vector = self._recent.get(question)
            if vector is not None:
                self._recent.move_to_end(question)
            return vector

    def _remember(self, question: str, vector: np.ndarray) -> None:
        with self._lock:
            self._recent[question] = vector
            if len(self._recent) > RECENT_QUESTIONS:
                self._recent.popitem(last=False)

    def prepare(self, questions: list[str]) -> list[Future[np.ndarray]]:
        """Start encoding the questions not yet known; `score` finds them once done (raises
        Overloaded when the encoder's queue is full)."""
        futures = []
        for question in dict.fromkeys(questions):
            if self._known(question) is None:
                future = self.encoder.submit(question)
                future.add_done_callback(
                    lambda f, q=question: f.exception() or self._remember(q, f.result())
                )
                futures.append(future)
        return futures

    def _embed(self, question: str) -> np.ndarray:
        vector = self._known(question)
        if vector is None:
            vector = self.encoder.submit(question).result()
            self._remember(question, vector)
        return vector

    @property
    def busy(self) -> bool:
        return self.encoder.busy

    def score(self, question: str) -> np.ndarray:
        similarity = self._matrix @ self._embed(question)
        best = np.full(self._count, -1.0, dtype=np.float32)
        np.maximum.at(best, self._owner, similarity)
        return np.clip(best, 0.0, 1.0)
