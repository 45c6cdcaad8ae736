"""For moderators reviewing: a group of similar unanswered questions dismissed (or taught)
leaves the report, and only that group; the votes on each answer, newest first."""

from __future__ import annotations

from rapidfuzz import fuzz, process

from bot.knowledge.database import Database
from bot.knowledge.text import canonical
from bot.records.activity import SAME_QUESTION, since

Votes = dict[str, list[tuple[str, str, int, str | None]]]


def dismiss_unanswered(database: Database, example: str, days: int | None) -> int:
    """Delete the unanswered questions of the last `days` that group with `example` (as
    group_unanswered groups them). Returns how many went. Raises DataUnavailable."""
    text = canonical(example)
    if not text:
        return 0
    with database.transaction() as db:
        rows = db.execute(
            "SELECT id, question FROM unanswered WHERE time >= ?", (since(days),)
        ).fetchall()
        choices = {row_id: canonical(question) for row_id, question in rows}
        same = process.extract(
            text, choices, scorer=fuzz.token_set_ratio, score_cutoff=SAME_QUESTION, limit=None
        )
        ids = [(key,) for _, _, key in same]
        db.executemany("DELETE FROM unanswered WHERE id = ?", ids)
    return len(ids)


def recent_votes(database: Database, days: int, per_entry: int = 20) -> Votes:
    """entry id -> its latest votes (time, question, 1 or -1, reason), newest first."""
    with database.transaction(write=False) as db:
        rows = db.execute(
            "SELECT entry, time, question, vote, reason FROM ("
            "  SELECT *, row_number() OVER (PARTITION BY entry ORDER BY time DESC, id DESC) AS n"
            "  FROM feedback WHERE time >= ?"
            ") WHERE n <= ? ORDER BY entry, time DESC, id DESC",
            (since(days), per_entry),
        ).fetchall()
    found: Votes = {}
    for entry, time, question, value, reason in rows:
        found.setdefault(entry, []).append((time, question, value, reason))
    return found
