"""Knowledge-base change batches in the database: the store's write-ahead log and its history.

A batch is one change (an add, an edit, a whole import, an undo) with every touched entry
file's exact text before and after. States: `pending` (logged, files perhaps half written),
`applied`, or `rolled back` (the files could not be written and were put back).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.knowledge.database import Database, DataUnavailable

Texts = dict[str, str | None]  # entry id -> a file's text, None where there is no file


@dataclass(frozen=True, slots=True)
class Batch:
    id: str
    time: str
    actor_id: str
    actor: str
    guild: int | None
    action: str
    undoes: str | None = None
    writes: Texts = field(default_factory=dict)  # the files after the change
    restores: Texts = field(default_factory=dict)  # the files before it

    @property
    def entries(self) -> tuple[str, ...]:
        return tuple(sorted(self.writes))


_COLUMNS = "id, time, actor_id, actor, guild, action, undoes"


def begin(database: Database, batch: Batch, writes: Texts, restores: Texts) -> None:
    """Log a change as pending, with every file's text, before any file changes."""
    with database.transaction() as db:
        db.execute(
            f"INSERT INTO batches ({_COLUMNS}, state, seq) VALUES (?, ?, ?, ?, ?, ?, ?, "
            "'pending', (SELECT COALESCE(MAX(seq), 0) + 1 FROM batches))",
            (
                batch.id,
                batch.time,
                batch.actor_id,
                batch.actor,
                batch.guild,
                batch.action,
                batch.undoes,
            ),
        )
        db.executemany(
            "INSERT INTO changes VALUES (?, ?, ?, ?)",
            [(batch.id, entry, restores[entry], writes[entry]) for entry in writes],
        )


def mark(database: Database, batch_id: str, state: str) -> None:
    with database.transaction() as db:
        db.execute("UPDATE batches SET state = ? WHERE id = ?", (state, batch_id))


def generation(database: Database) -> tuple[int, bool] | None:
    """(newest batch number, whether any is pending); None if the database cannot be read.

    Files change only while a batch is pending, and every change starts a new batch: a read
    of the files between two equal generations with nothing pending saw no change at all.
    """
    try:
        with database.transaction(write=False) as db:
            newest, pending = db.execute(
                "SELECT COALESCE(MAX(seq), 0), COALESCE(MAX(state = 'pending'), 0) FROM batches"
            ).fetchone()
    except DataUnavailable:
        return None
    return newest, bool(pending)


def pending(database: Database, quiet: bool = False) -> list[Batch]:
    """Changes a crash left half made, oldest first. `quiet`: none if the database is down."""
    try:
        return _batches(database, "state = 'pending' ORDER BY seq")
    except DataUnavailable:
        if quiet:
            return []
        raise


def last_undoable(database: Database) -> Batch | None:
    """The newest applied change that is not an undo and has not been undone."""
    found = _batches(
        database,
        "state = 'applied' AND action != 'undo' AND id NOT IN "
        "(SELECT undoes FROM batches WHERE state = 'applied' AND undoes IS NOT NULL) "
        "ORDER BY seq DESC LIMIT 1",
    )
    return found[0] if found else None


def recent(database: Database, limit: int) -> list[Batch]:
    """Applied changes with their files' texts before and after, newest first."""
    return _batches(database, f"state = 'applied' ORDER BY seq DESC LIMIT {int(limit)}")


def _batches(database: Database, where: str) -> list[Batch]:
    with database.transaction(write=False) as db:
        rows = db.execute(f"SELECT {_COLUMNS} FROM batches WHERE {where}").fetchall()
        batches = []
        for row in rows:
            changes = db.execute(
                "SELECT entry, before, after FROM changes WHERE batch = ?", (row[0],)
            ).fetchall()
            writes = {entry: after for entry, _, after in changes}
            restores = {entry: before for entry, before, _ in changes}
            batches.append(Batch(*row, writes=writes, restores=restores))
    return batches


def changes(database: Database, entry_id: str | None, limit: int) -> list[dict[str, Any]]:
    """Applied changes, newest first: one record per change, or per change of one entry."""
    query = (
        "SELECT b.time, b.actor, b.action, group_concat(c.entry, ' '), count(*) "
        "FROM batches b JOIN changes c ON c.batch = b.id WHERE b.state = 'applied' "
        + ("AND c.entry = ? " if entry_id else "")
        + "GROUP BY b.id ORDER BY b.seq DESC LIMIT ?"
    )
    parameters = (entry_id, limit) if entry_id else (limit,)
    with database.transaction(write=False) as db:
        rows = db.execute(query, parameters).fetchall()
    return [
        {"time": time, "actor": actor, "action": action, "entries": sorted(ids.split())}
        for time, actor, action, ids, _ in rows
    ]
