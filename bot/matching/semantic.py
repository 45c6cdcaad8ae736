"""The embedding scorer: paraphrases that share few words ("doctorate" ~ "PhD").

Every wording of every entry is embedded once; an entry scores the cosine similarity of
its closest wording. The wordings' embeddings are kept in DATA_DIR/index
(index_cache.py); after an edit only the wordings that changed are encoded.
"""

from __future__ import annotations

import hashlib
import io
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Protocol

import numpy as np

from bot.knowledge.model import Entry
from bot.knowledge.text import spelled_out
from bot.matching.encoder import SentenceEncoder
from bot.matching.index_cache import IndexCache, content_key, release_freed_memory

Progress = Callable[[int, int], None]  # (wordings encoded, of how many)
KIND = "embeddings"
KEYS = "embedding-keys"  # beside each matrix: its rows' text digests, to reuse after an edit
RECENT_QUESTIONS = 1024  # query embeddings kept: members repeat questions
DIGEST = 32  # bytes of sha256
PROGRESS_STEP = 128  # wordings encoded between two progress reports


class Encodes(Protocol):
    """What `embeddings` needs of a model (encoder.py's, or the multilingual one)."""

    model_hash: str
    dimensions: int

    def encode(self, texts: list[str]) -> np.ndarray: ...


def _digest(model_hash: str, text: str) -> bytes:
    return hashlib.sha256(f"{model_hash}\n{text}".encode()).digest()


def _npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def _mapped(path: Path | None, shape: tuple[int, int]) -> np.ndarray | None:
    try:
        matrix = np.load(path, mmap_mode="r") if path else None
    except (OSError, ValueError):
        return None
    return matrix if matrix is not None and matrix.shape == shape else None


def _previous(
    cache: IndexCache, key: str, dimensions: int, kinds: tuple[str, str]
) -> dict[bytes, np.ndarray]:
    """Digest -> vector from the newest matrix under another key (before an edit)."""
    for path in cache.others(kinds[0], key, ".npy"):
        keys_path = path.with_name(path.name.replace(*kinds, 1))
        try:
            joined = np.load(keys_path).tobytes()  # raw: a bytes array would drop trailing NULs
        except (OSError, ValueError):
            continue
        digests = [joined[i : i + DIGEST] for i in range(0, len(joined), DIGEST)]
        matrix = _mapped(path, (len(digests), dimensions))
        if matrix is not None:
            return dict(zip(digests, matrix, strict=True))
    return {}


def embeddings(
    texts: list[str],
    encoder: Encodes,
    cache: IndexCache | None,
    progress: Progress | None = None,
    kinds: tuple[str, str] = (KIND, KEYS),
) -> tuple[np.ndarray, int]:
    """Every wording's embedding (memory-mapped from the cache when the wordings are
    unchanged), and how many had to be encoded; `progress` hears of the encoding. `kinds`
    names the cache's files (the matrix, its digests): one pair per model."""
    shape = (len(texts), encoder.dimensions)
    key = content_key([encoder.model_hash], texts)
    matrix = _mapped(cache.path(kinds[0], key, ".npy"), shape) if cache else None
    if matrix is not None:
        return matrix, 0
    known = _previous(cache, key, encoder.dimensions, kinds) if cache else {}
    digests = [_digest(encoder.model_hash, text) for text in texts]
    missing = [i for i, digest in enumerate(digests) if digest not in known]
    matrix = np.empty(shape, dtype=np.float32)
    for i, digest in enumerate(digests):
        if digest in known:
            matrix[i] = known[digest]
    step = PROGRESS_STEP if progress else max(len(missing), 1)
    for start in range(0, len(missing), step):
        chunk = missing[start : start + step]
        matrix[chunk] = encoder.encode([texts[i] for i in chunk])
        if progress:
            progress(start + len(chunk), len(missing))
    if cache:
        cache.write(kinds[0], key, ".npy", _npy(matrix))
        cache.write(kinds[1], key, ".npy", _npy(np.frombuffer(b"".join(digests), dtype=np.uint8)))
    if missing:
        release_freed_memory()
    return matrix, len(missing)


class SemanticScorer:
    name = "semantic"
    costly = True

    def __init__(
        self,
        entries: tuple[Entry, ...],
        encoder: SentenceEncoder,
        cache: IndexCache | None,
        progress: Progress | None = None,
    ) -> None:
        self.encoder = encoder
        texts = [spelled_out(text) for entry in entries for text in entry.texts]
        self._owner = np.repeat(np.arange(len(entries)), [len(e.texts) for e in entries])
        self._count = len(entries)
        self._matrix, self.embedded = embeddings(texts, encoder, cache, progress)
        self._recent: OrderedDict[str, np.ndarray] = OrderedDict()  # shared by threads
        self._lock = threading.Lock()

    def _known(self, question: str) -> np.ndarray | None:
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
                future = self.encoder.submit(spelled_out(question))
                future.add_done_callback(self._remember_when_done(question))
                futures.append(future)
        return futures

    def _remember_when_done(self, question: str) -> Callable[[Future[np.ndarray]], None]:
        def done(future: Future[np.ndarray]) -> None:
            if future.exception() is None:
                self._remember(question, future.result())

        return done

    def _embed(self, question: str) -> np.ndarray:
        vector = self._known(question)
        if vector is None:
            vector = self.encoder.submit(spelled_out(question)).result()
            self._remember(question, vector)
        return vector

    @property
    def busy(self) -> bool:
        return self.encoder.busy

    def score(self, question: str) -> np.ndarray:
        # Not `@`: at this size numpy's BLAS wakes a thread per core for a 0.1 ms product, and
        # they spin on after it, taking the cores from the encoder and the event loop.
        similarity = np.einsum("ij,j->i", self._matrix, self._embed(question))
        best = np.full(self._count, -1.0, dtype=np.float32)
        np.maximum.at(best, self._owner, similarity)
        return np.clip(best, 0.0, 1.0)
