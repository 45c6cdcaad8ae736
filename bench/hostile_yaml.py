"""How long hostile YAML takes to be refused: nesting 1,000 to 400,000 brackets deep (an
import, a file on disk) and a 1 MB flat file the depth pass must walk whole.

    .venv/bin/python bench/hostile_yaml.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.knowledge.parsing import parse_yaml, too_deep  # noqa: E402
from bot.knowledge.safe_yaml import load_untrusted  # noqa: E402


def timed(label: str, read, text: str) -> None:
    started = time.perf_counter()
    try:
        read(text)
        outcome = "read"
    except Exception as exc:  # the refusal is the point
        outcome = str(exc).splitlines()[0][:60]
    print(
        f"{label:<42} {len(text) / 1e3:8.0f} KB {time.perf_counter() - started:8.3f} s  {outcome}"
    )


def main() -> None:
    for levels in (1_000, 10_000, 100_000, 400_000):
        text = "entries: " + "[" * levels + "]" * levels
        timed(f"import nested {levels:,} deep", load_untrusted, text)
        timed(f"file on disk nested {levels:,} deep", parse_yaml, text)
    flat = "x: [" + "a, " * 330_000 + "]"
    timed("depth pass over a 1 MB flow list", too_deep, flat)
    timed("import of a 1 MB flow list", load_untrusted, flat)


if __name__ == "__main__":
    main()
