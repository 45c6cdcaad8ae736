"""Start-up benchmark: building the indexes against reading them from DATA_DIR/index, and
what one edited entry costs, at 10,000 and 100,000 synthetic entries.

    .venv/bin/python bench/startup.py [--quick]

The embeddings are built by a stand-in encoder (random unit vectors): the real one would
need hours for 700,000 wordings, and reading a cache back does not depend on the values.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.match import synthetic_kb  # noqa: E402
from bot.kb.index_cache import IndexCache  # noqa: E402
from bot.kb.lexical import LexicalScorer  # noqa: E402
from bot.kb.matcher import indexed_entries  # noqa: E402
from bot.kb.model import Entry  # noqa: E402
from bot.kb.semantic import embeddings  # noqa: E402


class StandInEncoder:
    model_hash = "stand-in"
    dimensions = 384

    def encode(self, texts: list[str]) -> np.ndarray:
        vectors = np.random.default_rng(len(texts)).standard_normal((len(texts), 384))
        return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def seconds(work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def wordings(entries: tuple[Entry, ...]) -> list[str]:
    return [text for entry in entries for text in entry.texts]


def bench(size: int) -> None:
    kb, _ = synthetic_kb(size)
    entries = indexed_entries(kb)
    first = entries[0]
    edited = (replace(first, phrasings=("an edited wording", *first.phrasings[1:])), *entries[1:])
    with tempfile.TemporaryDirectory() as data_dir:
        cache = IndexCache(Path(data_dir))
        lexical_build = seconds(lambda: LexicalScorer(entries, cache))
        lexical_start = seconds(lambda: LexicalScorer(entries, cache))
        seconds(lambda: embeddings(wordings(entries), StandInEncoder(), cache))
        embeddings_start = seconds(lambda: embeddings(wordings(entries), StandInEncoder(), cache))
        lexical_edit = seconds(lambda: LexicalScorer(edited, cache))
        start = time.perf_counter()
        _, encoded = embeddings(wordings(edited), StandInEncoder(), cache)
        embeddings_edit = time.perf_counter() - start
    print(
        f"{size:,} entries ({len(wordings(entries)):,} wordings):"
        f" lexical index built in {lexical_build:.2f} s, read back in {lexical_start:.3f} s;"
        f" embeddings read back in {embeddings_start:.3f} s;"
        f" the matcher's indexes from cache: {lexical_start + embeddings_start:.3f} s"
    )
    print(
        f"  one entry edited: lexical index rebuilt in {lexical_edit:.2f} s,"
        f" embeddings updated in {embeddings_edit:.2f} s ({encoded} wording encoded)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the 100,000-entry run")
    args = parser.parse_args()
    for size in (10_000,) if args.quick else (10_000, 100_000):
        bench(size)


if __name__ == "__main__":
    main()
