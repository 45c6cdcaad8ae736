"""The database: schema and migrations, and the one-time import of older versions' files,
including the damage those files could hold (findings F1-F3)."""

from __future__ import annotations

import json
import sqlite3

import pytest

from bot.knowledge import history
from bot.knowledge.database import SCHEMA_VERSION, Database, DataUnavailable
from bot.knowledge.entry_yaml import dump_entry
from bot.knowledge.store import Actor, KnowledgeStore, open_database
from bot.records.activity import read_unanswered
from tests.synthetic import snapshot

MOD = Actor("42", "mod", guild=1)


def change(batch: str, entry: str, before: dict | None, after: dict | None, **extra) -> dict:
    return {
        "time": "2026-01-01T00:00:00+00:00",
        "guild": 1,
        "actor_id": "42",
        "actor": "mod",
        "action": "edit",
        "entry": entry,
        "before": before,
        "after": after,
        "batch": batch,
        **extra,
    }


def test_a_new_database_is_wal_versioned_and_full_sync(tmp_path):
    database = Database(tmp_path)
    assert database.problem() is None
    with database.transaction(write=False) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"batches", "changes", "unanswered", "ask_counts", "feedback", "settings"} <= tables
    assert Database(tmp_path).problem() is None, "opening again migrates nothing"


def test_reading_an_up_to_date_database_writes_nothing(tmp_path):
    """Every command opens the database: one already at the schema's version is not written
    (setting the version again cost a write and an fsync at every start)."""
    Database(tmp_path).set_setting("seen", "yes")
    held = sqlite3.connect(tmp_path / "bot.sqlite3")  # open, so the WAL file stays to look at
    held.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    wal = tmp_path / "bot.sqlite3-wal"
    assert Database(tmp_path).setting("seen") == "yes"
    assert history.pending(Database(tmp_path)) == []
    assert wal.stat().st_size == 0
    held.close()


def test_putting_a_new_file_in_wal_mode_waits_out_a_lock_sqlite_does_not_wait_for():
    """Two connections switching a new file to WAL at the same moment (the bot and `kb`, or
    two of the bot's threads): SQLite answers one "locked" at once, without its busy
    handler, to avoid a deadlock. It is tried again until `wait` runs out."""

    class Racing:  # a connection told "locked" (or another error) for its first tries
        def __init__(self, error: str, locked_tries: int) -> None:
            self.error, self.tries, self.locked_tries = error, 0, locked_tries

        def execute(self, statement: str) -> Racing:
            assert statement == "PRAGMA journal_mode = WAL"
            self.tries += 1
            if self.tries <= self.locked_tries:
                raise sqlite3.OperationalError(self.error)
            return self

        def fetchone(self) -> tuple[str]:
            return ("wal",)

    racing = Racing("database is locked", 2)
    assert Database._wal(racing, wait=5) == "wal" and racing.tries == 3
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        Database._wal(Racing("database is locked", 10**9), wait=0.05)
    broken = Racing("disk I/O error", 1)
    with pytest.raises(sqlite3.OperationalError, match="disk"):
        Database._wal(broken, wait=5)
    assert broken.tries == 1, "only a lock is waited out"


def test_a_database_from_a_newer_bot_is_refused_not_damaged(tmp_path):
    with sqlite3.connect(tmp_path / "bot.sqlite3") as connection:
        connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with (
        pytest.raises(DataUnavailable, match="newer version of the bot"),
        Database(tmp_path).transaction(),
    ):
        pass


def test_a_transaction_that_fails_leaves_nothing(tmp_path):
    database = Database(tmp_path)
    with pytest.raises(RuntimeError), database.transaction() as db:
        db.execute("INSERT INTO settings VALUES ('half', 'done')")
        raise RuntimeError("crash inside the transaction")
    assert database.setting("half") is None


def test_old_files_are_imported_once_and_damaged_lines_are_reported(knowledge_copy, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    phd = KnowledgeStore(knowledge_copy, tmp_path / "scratch").document("phd-required")
    edited = {**phd, "answer": "Edited once."}
    lines = [
        json.dumps(change("b1", "phd-required", phd, edited)),
        "{}",  # F3: these wedged every write before
        "null",
        # F2: a half line from a full disk, with the next record glued onto it
        '{"time": "2026-01-02", "actor"' + json.dumps(change("b2", "x", None, None)),
        json.dumps(change("b3", "phd-required", edited, {**phd, "answer": "Edited twice."})),
    ]
    (data / "audit.jsonl").write_text("\n".join(lines) + "\n")
    (data / "unanswered.jsonl").write_text(
        json.dumps({"time": "2026-11-01T00:00:00+00:00", "question": "q?", "decision": "decline"})
        + "\n[1, 2]\n"
    )
    (data / "asked.json").write_text(json.dumps({"phd-required": 3, "bad": "x"}))
    (data / "commands.sha256").write_text("abc\n")
    store = KnowledgeStore(knowledge_copy, data)
    notes = []
    assert store.database.problem() is None
    notes = store.database.take_notes()
    assert notes == [
        "audit.jsonl line 2: not a valid record; skipped",
        "audit.jsonl line 3: not a valid record; skipped",
        "audit.jsonl line 4: not a valid record; skipped",
        "unanswered.jsonl line 2: not a valid record; skipped",
    ]
    assert [r["entries"] for r in store.history()] == [["phd-required"], ["phd-required"]]
    assert [r["question"] for r in read_unanswered(store.database)] == ["q?"]
    assert store.database.setting("commands_hash") == "abc"
    with store.database.transaction(write=False) as db:
        assert dict(db.execute("SELECT entry, count FROM ask_counts")) == {"phd-required": 3}
    (data / "audit.jsonl").write_text("")  # never read again
    assert Database(data).problem() is None and len(store.history()) == 2


def test_an_old_interrupted_journal_is_finished_completely(knowledge_copy, tmp_path):
    """F1: a crash while an old batch's audit lines were appended left some of them logged."""
    data = tmp_path / "data"
    data.mkdir()
    store = KnowledgeStore(knowledge_copy, tmp_path / "scratch")
    documents = store.documents()
    targets = sorted(documents)[:3]
    records = [
        change("b1", i, documents[i], {**documents[i], "source": "imported"}, action="import")
        for i in targets
    ]
    (data / "audit.jsonl").write_text(json.dumps(records[0]) + "\n")  # one of three logged
    (data / "kb-journal.json").write_text(json.dumps(records))
    path = knowledge_copy / "entries" / f"{targets[0]}.yaml"
    path.write_text(dump_entry(records[0]["after"]))  # the first file was written
    fresh = KnowledgeStore(knowledge_copy, data, open_database(data))
    after = fresh.documents()
    assert all(after[i]["source"] == "imported" for i in targets)
    assert not history.pending(fresh.database)
    assert fresh.history()[0]["entries"] == targets
    fresh.undo(MOD)
    assert {i: fresh.document(i) for i in targets} == {i: documents[i] for i in targets}


def test_history_and_undo_agree_after_many_changes(knowledge_copy, tmp_path):
    store = KnowledgeStore(knowledge_copy, tmp_path / "data")
    old = snapshot(knowledge_copy)
    for n in range(5):
        document = store.document("phd-required")
        from bot.knowledge.entry_yaml import version_of

        store.edit("phd-required", {**document, "source": f"v{n}"}, MOD, version_of(document))
    assert [r["action"] for r in store.history(limit=10)] == ["edit"] * 5
    for _ in range(5):
        store.undo(MOD)
    assert snapshot(knowledge_copy) == old
    assert len(store.history(limit=20)) == 10
