"""What members asked, kept in DATA_DIR: unanswered questions for moderators, and how often
each entry was answered (so autocomplete can open on the most-asked ones)."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rapidfuzz import fuzz

from bot.kb.files import append_line, write_atomic
from bot.kb.matcher import Decision, Match
from bot.kb.model import Entry, KnowledgeBase
from bot.kb.text import canonical

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


SAME_QUESTION = 75  # token_set_ratio at which two unanswered questions count as one


@dataclass(frozen=True, slots=True)
class UnansweredGroup:
    count: int
    example: str  # the most recent wording
    best: str | None  # the entry the bot thought closest, if any


def read_unanswered(data_dir: Path, days: int | None = None) -> list[dict[str, object]]:
    path = data_dir / UNANSWERED_FILE
    if not path.is_file():
        return []
    since = datetime.now(UTC) - timedelta(days=days) if days else None
    records = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line)
            when = datetime.fromisoformat(record["time"])
        except (ValueError, KeyError, TypeError):
            continue  # a torn or foreign line is skipped
        if since is None or when >= since:
            records.append(record)
    return records


def group_unanswered(records: list[dict[str, object]]) -> list[UnansweredGroup]:
    """Similar questions grouped (rapidfuzz on normalised text), most frequent first."""
    groups: list[tuple[str, list[dict[str, object]]]] = []  # (key text, members)
    for record in reversed(records):  # newest first, so each group's example is the latest
        text = canonical(str(record.get("question", "")))
        if not text:
            continue
        for key, members in groups:
            if fuzz.token_set_ratio(text, key) >= SAME_QUESTION:
                members.append(record)
                break
        else:
            groups.append((text, [record]))
    ranked = sorted(groups, key=lambda g: -len(g[1]))
    return [
        UnansweredGroup(
            len(members),
            str(members[0]["question"]),
            Counter(str(m.get("best")) for m in members).most_common(1)[0][0]
            if any(m.get("best") for m in members)
            else None,
        )
        for _, members in ranked
    ]


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
