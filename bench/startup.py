"""Start-up benchmark: building the matcher's indexes against reading them from
DATA_DIR/index, and what one edited entry costs, at 10,000 and 100,000 synthetic entries;
and the wall time of `python -m bot ask` with its index cached (the real knowledge base),
against a baseline commit checked out in a temporary git worktree, runs alternating.

    .venv/bin/python bench/startup.py [--quick] [--ask-only] [--baseline REV] [--runs 10]

The embeddings are built by a stand-in encoder (random unit vectors): the real one would
need hours for 700,000 wordings, and reading a cache back does not depend on the values.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.match import ask_seconds, synthetic_kb  # noqa: E402
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


ASKED = ("how much do ML engineers make", "do I need a PhD for ML?")


def bench_ask(baseline: str, runs: int) -> None:
    with tempfile.TemporaryDirectory(prefix="ask-bench-") as scratch:
        codes = {"this tree": ROOT}
        if baseline != "none":
            base = Path(scratch) / "base"
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(base), baseline],
                check=True,
            )
            codes[f"baseline {baseline}"] = base
        try:
            # Each code as a user runs it: from bytecode. Python writes none where
            # PYTHONDONTWRITEBYTECODE is set, and a fresh worktree has none: every `ask`
            # would compile every module (measured: ~0.1 s of the baseline's 0.5).
            for root in codes.values():
                subprocess.run(
                    [sys.executable, "-m", "compileall", "-q", "bot"], cwd=root, check=True
                )
            for semantic in ("on", "off"):
                times: dict[tuple[str, str], list[float]] = {}
                for n, root in enumerate(codes.values()):
                    ask_seconds(root, Path(scratch) / f"data-{n}-{semantic}", ASKED[0], semantic)
                for _ in range(runs):  # the first ask above built each index
                    for n, (code, root) in enumerate(codes.items()):
                        data_dir = Path(scratch) / f"data-{n}-{semantic}"
                        for question in ASKED:
                            took = ask_seconds(root, data_dir, question, semantic)
                            times.setdefault((code, question), []).append(took)
                for (code, question), samples in times.items():
                    print(
                        f"`ask` with its index cached, SEMANTIC={semantic}, {code:18}"
                        f" {question!r:34} median {statistics.median(samples):.3f} s,"
                        f" fastest {min(samples):.3f} s ({runs} runs, alternating)"
                    )
        finally:
            if len(codes) > 1:
                subprocess.run(
                    ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base)],
                    check=False,
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the 100,000-entry run")
    parser.add_argument("--ask-only", action="store_true", help="only time `ask`")
    parser.add_argument("--baseline", default="none", help="a git revision for `ask`'s ratio")
    parser.add_argument("--runs", type=int, default=10, help="`ask` runs per code and question")
    args = parser.parse_args()
    if not args.ask_only:
        for size in (10_000,) if args.quick else (10_000, 100_000):
            bench(size)
    bench_ask(args.baseline, args.runs)


if __name__ == "__main__":
    main()
