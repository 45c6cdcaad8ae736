"""The one-time import of what older versions kept in DATA_DIR as plain files.

`audit.jsonl` (change history), `kb-journal.json` (a change a crash interrupted),
`unanswered.jsonl`, `asked.json` and `commands.sha256` move into the database when it is
created, so a running deployment keeps its history. A malformed line is reported and skipped,
never fatal. The old files are left where they are; they are never read again.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from bot.knowledge.entry_yaml import dump_entry

AUDIT_FILE = "audit.jsonl"
JOURNAL_FILE = "kb-journal.json"
UNANSWERED_FILE = "unanswered.jsonl"
ASKED_FILE = "asked.json"
SYNC_HASH_FILE = "commands.sha256"
CHANGE_KEYS = ("time", "actor_id", "actor", "action", "entry", "batch")


def import_legacy_files(data_dir: Path, connection: sqlite3.Connection) -> list[str]:
    """Copy the old files' records into a freshly created schema; returns what was skipped."""
    notes: list[str] = []
    changes = [(r, "applied") for r in _records(data_dir / AUDIT_FILE, notes, CHANGE_KEYS)]
    # The old journal is a change whose files may be half written: import it as pending, and
    # the store's recovery finishes it before anyone reads.
    journal = data_dir / JOURNAL_FILE
    if journal.is_file():
        try:
            pending = json.loads(journal.read_text(encoding="utf-8"))
            valid = isinstance(pending, list) and all(_is_change(r) for r in pending)
        except (OSError, ValueError):
            valid = False
        if valid:
            changes += [(r, "pending") for r in pending]
        else:
            notes.append(f"{JOURNAL_FILE}: not a change journal; skipped")
    _import_changes(connection, changes)
    for record in _records(data_dir / UNANSWERED_FILE, notes, ("time", "question", "decision")):
        connection.execute(
            "INSERT INTO unanswered (time, guild, channel, question, decision, best, score) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [record.get(k) for k in ("time", "guild", "channel", "question", "decision")]
            + [record.get("best"), record.get("score")],
        )
    try:
        asked = json.loads((data_dir / ASKED_FILE).read_text(encoding="utf-8"))
        rows = [(k, v) for k, v in asked.items() if isinstance(v, int) and v > 0]
        connection.executemany("INSERT INTO ask_counts VALUES (?, ?)", rows)
    except FileNotFoundError:
        pass
    except (OSError, ValueError, AttributeError):
        notes.append(f"{ASKED_FILE}: not a table of counts; skipped")
    try:
        digest = (data_dir / SYNC_HASH_FILE).read_text(encoding="utf-8").strip()
        connection.execute("INSERT INTO settings VALUES ('commands_hash', ?)", (digest,))
    except (OSError, UnicodeDecodeError):
        pass
    return notes


def _records(path: Path, notes: list[str], required: tuple[str, ...]) -> list[dict[str, Any]]:
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []
    records = []
    for number, line in enumerate(lines, 1):
        try:
            record = json.loads(line)
        except ValueError:
            record = None
        if isinstance(record, dict) and all(isinstance(record.get(k), str) for k in required):
            records.append(record)
        elif line.strip():
            notes.append(f"{path.name} line {number}: not a valid record; skipped")
    return records


def _is_change(record: Any) -> bool:
    return isinstance(record, dict) and all(isinstance(record.get(k), str) for k in CHANGE_KEYS)


def _file_text(document: Any) -> str | None:
    return dump_entry(document) if isinstance(document, dict) else None


def _import_changes(
    connection: sqlite3.Connection, changes: list[tuple[dict[str, Any], str]]
) -> None:
    for seq, (record, state) in enumerate(changes, 1):
        batch = record["batch"]
        connection.execute(
            "INSERT INTO batches (id, time, guild, actor_id, actor, action, undoes, state, seq) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET state = excluded.state",
            (
                batch,
                record["time"],
                record.get("guild") if isinstance(record.get("guild"), int) else None,
                record["actor_id"],
                record["actor"],
                record["action"],
                record.get("undoes") if isinstance(record.get("undoes"), str) else None,
                state,
                seq,
            ),
        )
        connection.execute(
            "INSERT OR REPLACE INTO changes VALUES (?, ?, ?, ?)",
            (
                batch,
                record["entry"],
                _file_text(record.get("before")),
                _file_text(record.get("after")),
            ),
        )
