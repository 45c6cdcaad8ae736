"""The help-forum posts the bot has taken on, so each gets at most one reply across restarts.

A post is taken before it is answered and marked done after (answered, or passed over); one
left taken by a crash is finished later, after checking the bot has not already replied. At
start-up the posts made while the bot was away are those newer than the start of the last
catch-up that finished (before any: the last post done): post ids are snowflakes, so they sort
by creation time. Not the newest post done: posts answered live while a catch-up was cut
short by a stop are newer than the ones it had still to answer.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime

from bot.knowledge.database import QUICK_SECONDS, Database
from bot.records.members import salted

WATCHING_SINCE = "forum_watching_since"  # the first post id the bot could have seen
CAUGHT_UP = "forum_caught_up_to"  # every post older than this id was handled


class Taken(enum.Enum):
    NEW = "new"  # never seen: answer it
    UNFINISHED = "unfinished"  # taken before, never done: answer unless already replied
    DONE = "done"  # answered or passed over: leave it


def take_post(database: Database, thread_id: int, member_id: int | None = None) -> Taken:
    """Take on a post (`member_id`: its author, kept as a salted hash for `kb forget`).
    Raises DataUnavailable (also after a short wait on a locked database)."""
    with database.transaction(wait=QUICK_SECONDS) as db:
        member = None if member_id is None else salted(db, member_id)
        taken = db.execute(
            "INSERT OR IGNORE INTO forum_threads (thread, time, done, member) VALUES (?, ?, 0, ?)",
            (thread_id, datetime.now(UTC).isoformat(timespec="seconds"), member),
        )
        if taken.rowcount == 1:
            return Taken.NEW
        (done,) = db.execute(
            "SELECT done FROM forum_threads WHERE thread = ?", (thread_id,)
        ).fetchone()
    return Taken.DONE if done else Taken.UNFINISHED


def finish_posts(
    database: Database, thread_ids: list[int], untaken: dict[int, int | None] | None = None
) -> None:
    """Mark posts done. `untaken`: those whose taking could not be saved (post -> author), so
    they are recorded now; any other post whose row is gone (`kb forget` removed it while it
    was being answered) stays gone. Raises DataUnavailable."""
    untaken = untaken or {}
    now = datetime.now(UTC).isoformat(timespec="seconds")
    with database.transaction(wait=QUICK_SECONDS) as db:
        db.executemany(
            "UPDATE forum_threads SET done = 1 WHERE thread = ?",
            [(t,) for t in thread_ids if t not in untaken],
        )
        db.executemany(
            "INSERT INTO forum_threads (thread, time, done, member) VALUES (?, ?, 1, ?) "
            "ON CONFLICT (thread) DO UPDATE SET done = 1",
            [(t, now, None if m is None else salted(db, m)) for t, m in untaken.items()],
        )


def posts_to_catch_up(database: Database, now_id: int) -> tuple[int, list[int]]:
    """At start-up: the id after which new posts were missed, and the posts left unfinished.

    The first time (no post ever taken), watching starts now: a new install does not answer
    a forum's old posts. Raises DataUnavailable."""
    with database.transaction() as db:
        db.execute(
            "INSERT OR IGNORE INTO settings SELECT ?, ? "
            "WHERE NOT EXISTS (SELECT 1 FROM forum_threads)",
            (WATCHING_SINCE, str(now_id)),
        )
        # Where the last finished catch-up began (else the last post done), or WATCHING_SINCE
        # when later (`kb forget` moves it on when it deletes the last posts done, so they
        # are not answered again).
        (since,) = db.execute(
            "WITH marks (caught_up, done, watching, first) AS (SELECT"
            " (SELECT CAST(value AS INTEGER) FROM settings WHERE key = :caught_up),"
            " (SELECT max(thread) FROM forum_threads WHERE done = 1),"
            " (SELECT CAST(value AS INTEGER) FROM settings WHERE key = :watching),"
            " (SELECT min(thread) - 1 FROM forum_threads)) "
            "SELECT coalesce(max(coalesce(caught_up, done), watching),"
            " caught_up, done, watching, first) FROM marks",
            {"caught_up": CAUGHT_UP, "watching": WATCHING_SINCE},
        ).fetchone()
        unfinished = [t for (t,) in db.execute("SELECT thread FROM forum_threads WHERE done = 0")]
    return since, sorted(unfinished)


def caught_up(database: Database, thread_id: int) -> None:
    """A catch-up finished: every post older than `thread_id` (the start it began at) has
    been handled. Raises DataUnavailable."""
    with database.transaction(wait=QUICK_SECONDS) as db:
        db.execute("INSERT OR REPLACE INTO settings VALUES (?, ?)", (CAUGHT_UP, str(thread_id)))
