"""Moderators clearing the unanswered report: a group of similar questions dismissed (or
taught) leaves the report, and only that group."""

from __future__ import annotations

from rapidfuzz import fuzz, process

from bot.knowledge.database import Database
from bot.knowledge.text import canonical
from bot.records.activity import SAME_QUESTION, since


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
