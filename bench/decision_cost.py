"""What deciding costs per message, against another checkout in the same run.

    .venv/bin/python bench/decision_cost.py --baseline /path/to/older/checkout

Times the bot's matcher (blended, posts in other languages read by the multilingual model
where the checkout has it; index cached, one message at a time, as `/ask` waits) on every
message of knowledge/evaluation.yaml and, when present, ../shared/eval/*.yaml, in this
checkout and in the baseline one, alternately (the machine is shared: only the ratio of
the same run means anything). Prints p50 and p99 of each round and the ratios, for the
messages in English and, apart, for those in other languages (told apart by this checkout).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.matching.evaluation import load_cases  # noqa: E402
from bot.matching.multilingual.language import reads_as_english  # noqa: E402

ROUNDS = 3

# Run inside the checkout being measured: its own bot package first on the path.
MEASURE = """
import json, sys, tempfile, time
from pathlib import Path
root = Path(sys.argv[1]); sys.path.insert(0, str(root))
from bot.config import Settings
from bot.matching.evaluation import load_cases
from bot.startup import build_matcher
texts = [c.text for p in sys.argv[2:] for c in load_cases(Path(p))]
settings = Settings(knowledge_dir=root / "knowledge", data_dir=Path(tempfile.mkdtemp()))
matcher = build_matcher(settings, print)
for text in texts:  # warm: the index and the encoder's first passes
    matcher.match(text)
times = []
for text in texts:
    start = time.perf_counter()
    matcher.match(text)
    times.append((time.perf_counter() - start) * 1000)
print(json.dumps(times))
"""


def percentiles(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    return statistics.median(ordered), ordered[round(0.99 * (len(ordered) - 1))]


def measure(checkout: Path, files: list[str], english: list[bool]) -> dict[str, tuple]:
    """p50 and p99 of the messages in English and of the others."""
    out = subprocess.run(
        [sys.executable, "-c", MEASURE, str(checkout), *files],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    times = json.loads(out.strip().splitlines()[-1])
    return {
        language: percentiles([t for t, e in zip(times, english, strict=True) if e == wanted])
        for language, wanted in (("English", True), ("other languages", False))
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", type=Path, required=True, metavar="DIR")
    baseline = parser.parse_args().baseline.resolve()
    shared = sorted((ROOT.parent / "shared" / "eval").glob("*.yaml"))
    files = [str(ROOT / "knowledge" / "evaluation.yaml"), *map(str, shared)]
    english = [reads_as_english(c.text) for path in files for c in load_cases(Path(path))]
    print(f"{len(files)} evaluation files, {english.count(False)} of {len(english)} messages not")
    print(f"in English; baseline {baseline}")
    ratios: dict[str, list[float]] = {"English": [], "other languages": []}
    for round_ in range(1, ROUNDS + 1):
        ours, theirs = measure(ROOT, files, english), measure(baseline, files, english)
        for language, (p50, p99) in ours.items():
            base50, base99 = theirs[language]
            ratios[language].append(p99 / base99)
            print(
                f"round {round_}, {language}: this checkout p50 {p50:.2f} ms p99 {p99:.2f} ms; "
                f"baseline p50 {base50:.2f} ms p99 {base99:.2f} ms; p99 ratio {p99 / base99:.2f}x"
            )
    for language, values in ratios.items():
        print(f"{language}: median p99 ratio {statistics.median(values):.2f}x")


if __name__ == "__main__":
    main()
