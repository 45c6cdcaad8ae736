"""What members asked, kept in DATA_DIR: unanswered questions for moderators, and how often
each entry was answered (so autocomplete can open on the most-asked ones)."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from bot.kb.files import append_line, write_atomic
from bot.kb.matcher import Decision, Match
from bot.kb.model import Entry, KnowledgeBase

UNANSWERED_FILE = "unanswered.jsonl"
ASKED_FILE = "asked.json"


def record_unanswered(
    data_dir: Path, match: Match, guild_id: int | None, channel_id: int | None
) -> None:
    """Append a declined or unsure question; no user id is kept."""
    best = match.ranking[0][0].id if match.ranking else None
    record = {
        "time": datetime.now(UTC).isoformat(timespec="seconds"),
        "guild": guild_id,
        "channel": channel_id,
        "question": match.question,
        "decision": match.decision.value,
        "best": best,
        "score": match.score,
    }
    append_line(data_dir / UNANSWERED_FILE, json.dumps(record, ensure_ascii=False))


class AskCounts:
    """Answers given per entry id, saved atomically when asked to (not on every answer)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.counts: Counter[str] = Counter()
        self.dirty = False
        try:
            stored = json.loads(path.read_text(encoding="utf-8"))
            self.counts.update({k: v for k, v in stored.items() if isinstance(v, int)})
        except (OSError, ValueError, AttributeError):
            pass  # missing or unreadable: counting starts again

    def record(self, match: Match) -> None:
        if match.decision is Decision.ANSWER and match.entry is not None:
            self.counts[match.entry.id] += 1
            self.dirty = True

    def save(self) -> None:
        if self.dirty:
            write_atomic(self.path, json.dumps(dict(self.counts), sort_keys=True).encode())
            self.dirty = False

    def most_asked(self, kb: KnowledgeBase, limit: int) -> list[Entry]:
        """Most-answered first; never-asked entries follow in knowledge-base order."""
        order = {entry.id: n for n, entry in enumerate(kb.entries)}
        ranked = sorted(kb.entries, key=lambda e: (-self.counts[e.id], order[e.id]))
        return ranked[:limit]
