"""Members' questions and votes are kept RETENTION_DAYS, then deleted in small batches; one
member's votes can be deleted on request; the file shrinks when rows go."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import UTC, datetime, timedelta

import pytest

from bot.config import ConfigError, load_settings
from bot.knowledge.database import Database
from bot.records.feedback import feedback_report, vote
from bot.records.retention import BATCH, forget, prune
from bot.records.stats import read_stats
from tests.test_cli import run
from tests.test_feedback import MEMBER, OTHER, asked

LATER = datetime.now(UTC) + timedelta(days=200)  # "now" for the pruning: all is 200 days old


def counts(database: Database) -> dict[str, int]:
    with database.transaction(write=False) as db:
        return {
            table: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("questions", "unanswered", "feedback", "ask_counts")
        }


def checkpoint(database: Database) -> None:
    """Move the write-ahead log into the file, so its size tells what is kept."""
    with closing(sqlite3.connect(database.path)) as connection:  # outside any transaction
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def test_prune_deletes_what_is_older_than_the_window_and_keeps_the_rest(tmp_path, lexical):
    database = Database(tmp_path)
    answered = asked(database, lexical, "do I need a PhD to work in ML?", 1)
    asked(database, lexical, "what is the best pizza topping", 2)
    vote(database, MEMBER, answered.entry.id, 1, True, 1, 2)
    with database.transaction() as db:
        db.execute("INSERT INTO ask_counts VALUES ('phd-required', 3)")
    assert prune(database, 365, now=LATER) == {"questions": 0, "unanswered": 0, "feedback": 0}
    assert prune(database, 180, now=LATER) == {"questions": 2, "unanswered": 1, "feedback": 1}
    assert counts(database) == {"questions": 0, "unanswered": 0, "feedback": 0, "ask_counts": 1}
    assert read_stats(database, 7).questions == 0 and feedback_report(database, 7) == []
    with pytest.raises(ValueError):
        prune(database, 0)


def test_prune_works_in_batches_and_the_file_shrinks(tmp_path):
    database = Database(tmp_path)
    old = "2020-01-01T00:00:00"
    with database.transaction() as db:
        db.executemany(
            "INSERT INTO questions (time, source, question, decision, answers) "
            "VALUES (?, 'ask', ?, 'decline', '')",
            [(old, "x" * 500 + str(i)) for i in range(3 * BATCH + 7)],
        )
    with database.transaction(write=False) as db:
        assert db.execute("PRAGMA auto_vacuum").fetchone()[0] == 2  # incremental
    checkpoint(database)
    before = database.path.stat().st_size
    assert prune(database, 30)["questions"] == 3 * BATCH + 7
    with database.transaction(write=False) as db:
        assert db.execute("PRAGMA freelist_count").fetchone()[0] == 0
    checkpoint(database)
    assert database.path.stat().st_size < before / 2


def test_forget_deletes_one_members_votes_only(tmp_path, lexical):
    database = Database(tmp_path)
    answered = asked(database, lexical, "do I need a PhD to work in ML?", 1)
    vote(database, MEMBER, answered.entry.id, 1, True, 1, 2)
    vote(database, OTHER, answered.entry.id, 1, False, 1, 2)
    assert forget(database, MEMBER) == 1
    assert forget(database, MEMBER) == 0
    assert counts(database)["feedback"] == 1 and counts(database)["questions"] == 1


def test_retention_days_is_a_setting_with_a_default(tmp_path):
    assert load_settings({}, tmp_path / "none").retention_days == 180
    assert load_settings({"RETENTION_DAYS": "30"}, tmp_path / "none").retention_days == 30
    for bad in ("0", "-5", "a year", "4000"):
        with pytest.raises(ConfigError, match="RETENTION_DAYS"):
            load_settings({"RETENTION_DAYS": bad}, tmp_path / "none")


def test_kb_prune_and_forget_from_the_terminal(tmp_path, lexical):
    env = {"DATA_DIR": str(tmp_path)}
    database = Database(tmp_path)
    answered = asked(database, lexical, "do I need a PhD to work in ML?", 1)
    vote(database, MEMBER, answered.entry.id, 1, True, 1, 2)
    kept = run("kb", "prune", env=env)
    assert kept.returncode == 0, kept.stderr
    assert kept.stdout.strip() == (
        "Removed what was older than 180 days: 0 questions asked, 0 unanswered questions, 0 votes."
    )
    forgotten = run("kb", "forget", str(MEMBER), env=env)
    assert forgotten.stdout.strip() == f"Removed 1 vote of member {MEMBER}."
    bad = run("kb", "forget", "someone", env=env)
    assert bad.returncode == 2 and "Discord user id" in bad.stderr
