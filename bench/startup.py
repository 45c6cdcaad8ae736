"""Start-up benchmark: building the matcher's indexes against reading them from
DATA_DIR/index, and what one edited entry costs, at 10,000 and 100,000 synthetic entries.

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
from bot.matching.build import blended_matcher, lexical_matcher  # noqa: E402


class StandInEncoder:
    model_hash = "stand-in"
    dimensions = 384
    encoded = 0

    def encode(self, texts: list[str]) -> np.ndarray:
        self.encoded += len(texts)
        vectors = np.random.default_rng(len(texts)).standard_normal((len(texts), 384))
        return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def seconds(work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def bench(size: int) -> None:
    kb, _ = synthetic_kb(size)
    first = kb.entries[0]
    edited = replace(first, phrasings=("an edited wording", *first.phrasings[1:]))
    edited_kb = replace(kb, entries=(edited, *kb.entries[1:]))
    encoder = StandInEncoder()
    with tempfile.TemporaryDirectory() as lexical_dir, tempfile.TemporaryDirectory() as data_dir:
        lexical_build = seconds(lambda: lexical_matcher(kb, Path(lexical_dir)))
        lexical_start = seconds(lambda: lexical_matcher(kb, Path(lexical_dir)))
        blended_build = seconds(lambda: blended_matcher(kb, encoder, Path(data_dir)))
        blended_start = seconds(lambda: blended_matcher(kb, encoder, Path(data_dir)))
        encoder.encoded = 0
        edit = seconds(lambda: blended_matcher(edited_kb, encoder, Path(data_dir)))
    wordings = sum(len(e.texts) for e in kb.entries)
    print(
        f"{size:,} entries ({wordings:,} wordings): lexical matcher built in {lexical_build:.2f} s,"
        f" from DATA_DIR/index in {lexical_start:.3f} s; blended matcher built in"
        f" {blended_build:.2f} s (stand-in encoder), from DATA_DIR/index in {blended_start:.3f} s"
    )
    print(
        f"  one entry edited: the blended matcher rebuilt in {edit:.2f} s"
        f" ({encoder.encoded} wording encoded; the lexical index is rebuilt whole)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the 100,000-entry run")
    args = parser.parse_args()
    for size in (10_000,) if args.quick else (10_000, 100_000):
        bench(size)


if __name__ == "__main__":
    main()
