"""What members asked, kept in the database: unanswered questions for moderators, and how often
each entry was answered (so autocomplete can open on the most-asked ones)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from rapidfuzz import fuzz, process

from bot.knowledge.database import QUICK_SECONDS, Database
from bot.knowledge.model import Entry, KnowledgeBase
from bot.knowledge.text import canonical
from bot.matching.result import Decision, Match
from bot.records.members import salted

MAX_DAYS = 3650  # how far back a report may look (ten years)


def record_unanswered(
    database: Database,
    match: Match,
    guild_id: int | None,
    channel_id: int | None,
    member_id: int | None = None,
) -> None:
    """Keep a declined or unsure question, with its author's salted hash (never the id; for
    `kb forget`). Raises DataUnavailable.

    `best` is the entry the bot offered first, when it was unsure; a declined question has
    none (the nearest entry of an off-topic question means nothing)."""
    unsure = match.decision is Decision.SUGGEST and match.suggestions
    best = match.suggestions[0].id if unsure else None
    with database.transaction(durable=False, wait=QUICK_SECONDS) as db:
        db.execute(
            "INSERT INTO unanswered "
            "(time, guild, channel, question, decision, best, score, member) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                datetime.now(UTC).isoformat(timespec="seconds"),
                guild_id,
                channel_id,
                match.question,
                match.decision.value,
                best,
                match.score,
                None if member_id is None else salted(db, member_id),
            ),
        )


SAME_QUESTION = 75  # token_set_ratio at which two unanswered questions count as one
RARE_WORDS = 3  # a question meets the groups that share one of its rarest words


@dataclass(frozen=True, slots=True)
class UnansweredGroup:
    count: int
    example: str  # the most recent wording
    best: str | None  # the entry the bot thought closest, if any


def since(days: int | None) -> str:
    """The start of the last `days` (1 to MAX_DAYS; None: all time) as stored times sort."""
    if days is None:
        return ""
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"days must be from 1 to {MAX_DAYS}")
    return (datetime.now(UTC) - timedelta(days=days)).isoformat()


def read_unanswered(
    database: Database, days: int | None = None, start: str | None = None
) -> list[dict[str, object]]:
    """Unanswered questions of the last `days` (1 to MAX_DAYS; None: all), or from `start`
    (a stored time's prefix), oldest first."""
    start = since(days) if start is None else start
    with database.transaction(write=False) as db:
        rows = db.execute(
            "SELECT time, guild, channel, question, decision, best, score FROM unanswered "
            "WHERE time >= ? ORDER BY id",
            (start,),
        ).fetchall()
    keys = ("time", "guild", "channel", "question", "decision", "best", "score")
    return [dict(zip(keys, row, strict=True)) for row in rows]


def group_unanswered(records: list[dict[str, object]]) -> list[UnansweredGroup]:
    """Similar questions grouped (rapidfuzz on normalised text), most frequent first.

    Near-linear: identical texts are counted once, and a new text is compared only with the
    groups that share one of its rarest words (an inverted index), never with every group."""
    by_text: dict[str, list[dict[str, object]]] = {}
    cleaned: dict[str, str] = {}  # a question asked again is cleaned once
    for record in reversed(records):  # newest first, so each group's example is the latest
        raw = str(record.get("question", ""))
        text = cleaned.get(raw)
        if text is None:
            text = cleaned[raw] = canonical(raw)
        if text:
            by_text.setdefault(text, []).append(record)
    keys: list[str] = []
    members: list[list[dict[str, object]]] = []
    holders: dict[str, list[int]] = {}  # word -> the groups whose key uses it
    for text, same in by_text.items():
        words = set(text.split())
        shared = sorted((w for w in words if w in holders), key=lambda w: (len(holders[w]), w))
        candidates = dict.fromkeys(g for w in shared[:RARE_WORDS] for g in holders[w])
        found = process.extractOne(
            text,
            {g: keys[g] for g in candidates},
            scorer=fuzz.token_set_ratio,
            score_cutoff=SAME_QUESTION,
        )
        if found is not None:
            members[found[2]] += same
            continue
        keys.append(text)
        members.append(same)
        for word in words:
            holders.setdefault(word, []).append(len(keys) - 1)
    ranked = sorted(members, key=lambda m: -len(m))  # ties: the newest question first
    return [UnansweredGroup(len(m), str(m[0]["question"]), _closest(m)) for m in ranked]


def _closest(members: list[dict[str, object]]) -> str | None:
    """The entry most often offered for the group; only suggestions count (older versions
    also kept the nearest entry of declined questions)."""
    offered = Counter(
        str(m["best"]) for m in members if m.get("best") and m["decision"] == "suggest"
    )
    return offered.most_common(1)[0][0] if offered else None


class AskCounts:
    """Answers given per entry id, counted in memory and added to the database on `save()`."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.counts: Counter[str] = Counter()
        self._unsaved: Counter[str] = Counter()

    def load(self) -> None:
        """Read the saved counts. Raises DataUnavailable (counting then starts from zero)."""
        with self.database.transaction(write=False) as db:
            self.counts.update(dict(db.execute("SELECT entry, count FROM ask_counts")))

    def record(self, match: Match) -> None:
        if match.decision is Decision.ANSWER and match.entry is not None:
            self.counts[match.entry.id] += 1
            self._unsaved[match.entry.id] += 1

    def save(self) -> None:
        """Add the counts since the last save. Raises DataUnavailable (they are kept for later)."""
        if not self._unsaved:
            return
        with self.database.transaction(durable=False, wait=QUICK_SECONDS) as db:
            db.executemany(
                "INSERT INTO ask_counts VALUES (?, ?) "
                "ON CONFLICT (entry) DO UPDATE SET count = count + excluded.count",
                self._unsaved.items(),
            )
        self._unsaved.clear()

    def most_asked(self, kb: KnowledgeBase, limit: int) -> list[Entry]:
        """Most-answered first; never-asked entries follow in knowledge-base order."""
        order = {entry.id: n for n, entry in enumerate(kb.entries)}
        ranked = sorted(kb.entries, key=lambda e: (-self.counts[e.id], order[e.id]))
        return ranked[:limit]
