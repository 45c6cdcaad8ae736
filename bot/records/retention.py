"""How long members' questions and votes are kept (RETENTION_DAYS), and forgetting a member.

Pruning deletes in small transactions, so an answer being recorded waits at most for one of
them; then the freed pages are given back to the file system (incremental vacuum).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.knowledge.database import Database
from bot.records.feedback import member_hash

MAX_DAYS = 3650
# Tables holding members' text or votes, each with a `time` and an integer `id`.
KEPT = {"questions": "questions asked", "unanswered": "unanswered questions", "feedback": "votes"}
BATCH = 500  # rows deleted per transaction
VACUUM_PAGES = 2000  # pages given back per transaction


def prune(database: Database, days: int, now: datetime | None = None) -> dict[str, int]:
    """Delete what is older than `days` days; how many rows of each kind went.
    Raises ValueError for days out of range, DataUnavailable when DATA_DIR fails."""
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"days must be from 1 to {MAX_DAYS}")
    cutoff = ((now or datetime.now(UTC)) - timedelta(days=days)).isoformat()
    removed = dict.fromkeys(KEPT, 0)
    for table in KEPT:
        while True:
            with database.transaction(durable=False) as db:
                gone = db.execute(
                    f"DELETE FROM {table} WHERE id IN "
                    f"(SELECT id FROM {table} WHERE time < ? ORDER BY id LIMIT {BATCH})",
                    (cutoff,),
                ).rowcount
            removed[table] += gone
            if gone < BATCH:
                break
    give_back_space(database)
    return removed


def forget(database: Database, member_id: int) -> int:
    """Delete every vote of one member (found through the salted hash); how many went.
    Their questions stay, as they always were, without anything that names them."""
    with database.transaction() as db:
        gone = db.execute(
            "DELETE FROM feedback WHERE member = ?", (member_hash(database, member_id),)
        ).rowcount
    give_back_space(database)
    return gone


def give_back_space(database: Database) -> None:
    """Shrink the file by the pages deletions freed, a little at a time (the database is
    created with auto_vacuum=INCREMENTAL)."""
    while True:
        with database.transaction(durable=False) as db:
            free = db.execute("PRAGMA freelist_count").fetchone()[0]
            if not free:
                return
            db.execute(f"PRAGMA incremental_vacuum({VACUUM_PAGES})")
            if db.execute("PRAGMA freelist_count").fetchone()[0] >= free:
                return  # auto_vacuum is off (a file made before it was set): nothing to give


def summary(removed: dict[str, int], days: int) -> str:
    parts = [f"{removed[table]:,} {what}" for table, what in KEPT.items()]
    return f"Removed what was older than {days} days: " + ", ".join(parts) + "."
