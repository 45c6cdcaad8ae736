"""What /kb reload, /kb export and opening the /kb edit form cost at 10,000 and 100,000
entry files (lexical matching; the semantic index comes from its cache, see startup.py).

    .venv/bin/python bench/kb_admin.py [--quick]

/kb reload and /kb export are deferred first ("thinking…"), so Discord gives them 15
minutes; they are measured here for how long a moderator waits. The edit form must be the
first reply within 3 s: it now opens from the loaded knowledge base; the old path, reading
every entry file, is timed beside it.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.match import synthetic_kb  # noqa: E402
from bench.startup import seconds  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.knowledge.entry_yaml import dump_entry, entry_document  # noqa: E402
from bot.knowledge.store import KnowledgeStore  # noqa: E402
from bot.startup import build_matcher  # noqa: E402


def bench(size: int) -> None:
    kb, _ = synthetic_kb(size)
    with tempfile.TemporaryDirectory() as folder:
        knowledge, data = Path(folder) / "knowledge", Path(folder) / "data"
        (knowledge / "entries").mkdir(parents=True)
        for entry in kb.entries:
            (knowledge / "entries" / f"{entry.id}.yaml").write_text(
                dump_entry(entry_document(entry))
            )
        settings = Settings(knowledge_dir=knowledge, data_dir=data, semantic=False)
        store = KnowledgeStore(knowledge, data)
        first = seconds(lambda: build_matcher(settings, print, store))
        matcher = build_matcher(settings, print, store)
        reload = seconds(lambda: build_matcher(settings, print, store))
        export = seconds(store.export)
        size_mb = len(store.export()) / 2**20
        old_form = seconds(lambda: store.document("entry-0"))
        loaded = matcher.kb
        new_form = seconds(lambda: (entry_document(loaded.by_id["entry-0"]), loaded.versions))
    print(
        f"{size:,} entries: first start {first:.1f} s; /kb reload {reload:.1f} s; "
        f"/kb export {export:.1f} s ({size_mb:.1f} MiB); "
        f"edit form's entry {new_form * 1000:.3f} ms (reading every file: {old_form:.1f} s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the 100,000-entry run")
    args = parser.parse_args()
    for size in (10_000,) if args.quick else (10_000, 100_000):
        bench(size)


if __name__ == "__main__":
    main()
