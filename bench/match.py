"""Matcher benchmark: latency, index build time, memory, and ratios against two baselines.

Run with `make bench` (or `.venv/bin/python bench/match.py [--quick]`). Prints figures only;
tests never assert on time. Baselines run on the same data in the same run:
`difflib.get_close_matches` and a plain Python loop over `fuzz.WRatio`.
"""

from __future__ import annotations

import argparse
import difflib
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from rapidfuzz import fuzz, utils

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.kb import lexical_matcher  # noqa: E402
from bot.kb.evaluation import EVALUATION_FILE, load_cases  # noqa: E402
from bot.kb.loader import load_knowledge_base  # noqa: E402
from bot.kb.model import Entry, KnowledgeBase  # noqa: E402


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return statistics.median(ordered), p99


def time_each(fn: Callable[[str], object], questions: list[str]) -> list[float]:
    samples = []
    for question in questions:
        start = time.perf_counter()
        fn(question)
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def synthetic_kb(size: int, seed: int = 7) -> tuple[KnowledgeBase, list[str]]:
    """`size` entries of 6 phrasings each over a 20,000-word vocabulary, and 200 queries
    made from their phrasings with a dropped word and a typo (deterministic)."""
    rng = random.Random(seed)
    letters = "abcdefghijklmnopqrstuvwxyz"
    vocabulary = ["".join(rng.choices(letters, k=rng.randint(4, 9))) for _ in range(20_000)]
    entries = []
    for n in range(size):
        wordings = [" ".join(rng.choices(vocabulary, k=rng.randint(4, 9))) for _ in range(7)]
        entries.append(
            Entry(f"entry-{n}", "synthetic", wordings[0], tuple(wordings[1:]), "answer", "bench")
        )
    queries = []
    for _ in range(200):
        words = rng.choice(entries[rng.randrange(size)].texts).split()
        words.pop(rng.randrange(len(words)))
        i = rng.randrange(len(words))
        words[i] = words[i][:-1] + "x"
        queries.append(" ".join(words))
    return KnowledgeBase(tuple(entries)), queries


def baselines(kb: KnowledgeBase) -> dict[str, Callable[[str], object]]:
    choices = [utils.default_process(t) for e in kb.entries for t in e.texts]

    def difflib_baseline(question: str) -> object:
        return difflib.get_close_matches(utils.default_process(question), choices, n=3)

    def wratio_loop(question: str) -> object:
        q = utils.default_process(question)
        return max(choices, key=lambda c: fuzz.WRatio(q, c))

    return {"difflib.get_close_matches": difflib_baseline, "python loop over WRatio": wratio_loop}


def report(name: str, samples: list[float], p99: bool = False) -> float:
    """Print p50 and p99; return the p50, or the p99 when asked."""
    median, tail = percentiles(samples)
    print(f"  {name:28} p50 {median:8.3f} ms   p99 {tail:8.3f} ms   (n={len(samples)})")
    return tail if p99 else median


def bench_kb(label: str, kb: KnowledgeBase, questions: list[str], baseline_n: int) -> None:
    start = time.perf_counter()
    matcher = lexical_matcher(kb)
    build = (time.perf_counter() - start) * 1000
    print(
        f"{label}: {len(kb):,} entries, index build {build:,.0f} ms,"
        f" peak RSS {peak_rss_mb():.0f} MB"
    )
    matcher.match(questions[0])  # warm-up
    ours = report("matcher", time_each(matcher.match, questions))
    for name, fn in baselines(kb).items():
        theirs = report(name, time_each(fn, questions[:baseline_n]))
        print(f"  {'':28} -> matcher is {theirs / ours:,.0f}x faster (p50)")


def bench_semantic(kb: KnowledgeBase, questions: list[str]) -> None:
    from bot.kb import blended_matcher
    from bot.kb.encoder import SentenceEncoder, default_model_dir
    from bot.kb.semantic import SemanticScorer

    start = time.perf_counter()
    encoder = SentenceEncoder(default_model_dir())
    print(f"semantic: model load (sha256 check included) {time.perf_counter() - start:.3f} s")
    with tempfile.TemporaryDirectory() as cache_dir:
        start = time.perf_counter()
        scorer = SemanticScorer(kb.entries, encoder, Path(cache_dir))
        build = time.perf_counter() - start
        start = time.perf_counter()
        SemanticScorer(kb.entries, encoder, Path(cache_dir))
        cached = time.perf_counter() - start
        print(
            f"  embedding cache build: {scorer.embedded} wordings in {build:.3f} s;"
            f" start from cache {cached * 1000:.1f} ms"
        )
        matcher = blended_matcher(kb, encoder, Path(cache_dir))
        matcher.match(questions[0])
        blended = report("blended matcher", time_each(matcher.match, questions))
        lexical = report("lexical matcher", time_each(lexical_matcher(kb).match, questions))
        print(f"  {'':28} -> the blend costs {blended / lexical:,.0f}x the lexical time (p50)")


def bench_long_posts(kb: KnowledgeBase, questions: list[str], posts: list[str]) -> None:
    """Long forum posts against short questions, same matcher, same run."""
    from bot.kb import blended_matcher
    from bot.kb.encoder import SentenceEncoder, default_model_dir

    encoder = SentenceEncoder(default_model_dir())
    with tempfile.TemporaryDirectory() as cache_dir:
        for name, matcher in (
            ("blended", blended_matcher(kb, encoder, Path(cache_dir))),
            ("lexical", lexical_matcher(kb)),
        ):
            matcher.match(questions[0])
            short = report(f"{name}, short questions", time_each(matcher.match, questions), True)
            long = report(f"{name}, long posts", time_each(matcher.match, posts), True)
            print(f"  {'':28} -> a long post's p99 is {long / short:.1f}x a short one's")


def cli_wall_time(semantic: str, fresh_cache: bool, runs: int = 5) -> None:
    samples = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as data_dir:
            env = {**os.environ, "SEMANTIC": semantic}
            if fresh_cache:
                env["DATA_DIR"] = data_dir
            start = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "bot", "ask", "Do I need a PhD for ML?"],
                cwd=ROOT,
                env=env,
                capture_output=True,
                check=True,
            )
            samples.append(time.perf_counter() - start)
    cache = "no embedding cache yet" if fresh_cache else "embedding cache present"
    print(
        f"`python -m bot ask` wall time, SEMANTIC={semantic}, {cache}: "
        f"median {statistics.median(samples):.3f} s, max {max(samples):.3f} s"
    )


def bot_peak_rss_mb() -> float:
    """The bot's own high-water mark. Read from /proc inside the child: getrusage would
    count the pages a fork inherits from this (much larger) benchmark process."""
    code = (
        "from bot.__main__ import main; main(['ask', 'Do I need a PhD for ML?']);"
        "print(next(l for l in open('/proc/self/status') if l.startswith('VmHWM')))"
    )
    env = {**os.environ, "SEMANTIC": "on"}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout
    return int(out.strip().splitlines()[-1].split()[1]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="skip the 100,000-entry run")
    args = parser.parse_args()
    kb = load_knowledge_base(ROOT / "knowledge")
    cases = load_cases(ROOT / "knowledge" / EVALUATION_FILE)
    questions = [c.text for c in cases if c.kind in ("existing", "short") and c.text]
    posts = [c.text for c in cases if c.kind == "long"]
    bench_kb("real knowledge base", kb, questions, len(questions))
    for size, baseline_n in ((1_000, 50), (10_000, 10), (100_000, 3)):
        if args.quick and size > 10_000:
            continue
        synthetic, queries = synthetic_kb(size)
        bench_kb(f"synthetic {size:,}", synthetic, queries, baseline_n)
    bench_semantic(kb, questions)
    bench_long_posts(kb, questions, posts)
    cli_wall_time("off", fresh_cache=False)
    cli_wall_time("on", fresh_cache=True)
    cli_wall_time("on", fresh_cache=False)  # ./data: the first run fills the cache
    print(f"peak RSS of a whole bot process with the model (`ask`): {bot_peak_rss_mb():.0f} MB")
    print(f"peak RSS of this benchmark process: {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
