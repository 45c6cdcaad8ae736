"""A generated knowledge base of any size, each answer stamped with a version marker, so a
reader can tell an all-old, all-new or mixed state at a glance."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from bot.knowledge.entry_yaml import dump_entry, dump_yaml

MARKER = re.compile(r"version (\w+)\.")


def entry(n: int, marker: str) -> dict[str, Any]:
    return {
        "id": f"topic-{n}",
        "category": f"Category {n % 7}",
        "question": f"What about synthetic topic number {n}?",
        "phrasings": [f"synthetic topic {n} wording {k}" for k in range(6)],
        "answer": f"Answer for topic {n}, version {marker}.",
        "source": "generated for tests",
    }


def write_knowledge(folder: Path, size: int, marker: str = "A") -> None:
    entries = folder / "entries"
    entries.mkdir(parents=True)
    for n in range(size):
        (entries / f"topic-{n}.yaml").write_text(dump_entry(entry(n, marker)))


def export_text(size: int, marker: str) -> str:
    return dump_yaml({"entries": [entry(n, marker) for n in range(size)]})


def markers(documents: dict[str, dict[str, Any]]) -> set[str]:
    """The versions the knowledge base's answers carry: one if consistent."""
    found = (MARKER.search(str(d.get("answer", ""))) for d in documents.values())
    return {m.group(1) if m else "?" for m in found}


def snapshot(knowledge_dir: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((knowledge_dir / "entries").iterdir())}
