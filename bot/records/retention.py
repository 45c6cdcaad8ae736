"""How long members' questions and votes are kept (RETENTION_DAYS), and forgetting a member.

Pruning deletes in small transactions, so an answer being recorded waits at most for one of
them; then the freed pages are given back to the file system (incremental vacuum).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.knowledge.database import Database
from bot.records.forum_posts import WATCHING_SINCE
from bot.records.members import salted

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


# What `kb forget` deletes, by kind: (one, several).
FORGOTTEN = {
    "questions": ("question", "questions"),
    "unanswered": ("unanswered question", "unanswered questions"),
    "forum_threads": ("forum post", "forum posts"),
    "feedback": ("vote", "votes"),
    "quoted": ("vote of another member quoting them", "votes of others quoting them"),
}


def counted(count: int, names: tuple[str, str]) -> str:
    return f"{count:,} {names[count != 1]}"


def forget(database: Database, member_id: int) -> dict[str, int]:
    """Delete every row that came from one member (found through the salted hash): their
    questions, unanswered questions, forum posts and votes, and other members' votes that
    quote a question only they asked; how many rows of each kind went. One transaction:
    all of it or nothing. Raises DataUnavailable."""
    with database.transaction() as db:
        member = salted(db, member_id)
        removed = {
            # Others' votes keep the question's text: theirs unless someone else asked it too.
            "quoted": db.execute(
                "DELETE FROM feedback WHERE member != ?1 AND question != '' AND question IN "
                "(SELECT question FROM questions WHERE member = ?1) AND question NOT IN "
                "(SELECT question FROM questions WHERE member IS NULL OR member != ?1)",
                (member,),
            ).rowcount
        }
        # Posts done before are not to be caught up again once their rows are gone.
        db.execute(
            "INSERT INTO settings SELECT ?1, max(thread) FROM forum_threads "
            "WHERE member = ?2 AND done = 1 HAVING count(*) > 0 "
            "ON CONFLICT (key) DO UPDATE SET value = "
            "max(CAST(value AS INTEGER), CAST(excluded.value AS INTEGER))",
            (WATCHING_SINCE, member),
        )
        for table in ("questions", "unanswered", "forum_threads", "feedback"):
            removed[table] = db.execute(f"DELETE FROM {table} WHERE member = ?", (member,)).rowcount
    give_back_space(database)
    return {kind: removed[kind] for kind in FORGOTTEN}


def unattributed(database: Database) -> int:
    """Questions kept from before authors were recorded: `kb forget` cannot find them."""
    with database.transaction(write=False) as db:
        return sum(
            db.execute(f"SELECT count(*) FROM {table} WHERE member IS NULL").fetchone()[0]
            for table in ("questions", "unanswered")
        )


def forgotten_summary(removed: dict[str, int], member_id: int, unattributed: int) -> str:
    parts = [counted(removed[kind], names) for kind, names in FORGOTTEN.items()]
    text = f"Removed what came from member {member_id}: " + ", ".join(parts) + "."
    if unattributed:
        kept = counted(unattributed, ("question", "questions"))
        text += (
            f" {kept} kept from before authors were recorded cannot be told apart; they "
            "are deleted with the rest after RETENTION_DAYS."
        )
    return text


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
