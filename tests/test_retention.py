"""Members' questions and votes are kept RETENTION_DAYS, then deleted in small batches; all
that came from one member can be deleted on request; the file shrinks when rows go."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import UTC, datetime, timedelta

import pytest

from bot.config import ConfigError, load_settings
from bot.knowledge.database import Database
from bot.records.activity import record_unanswered
from bot.records.feedback import feedback_report, record_question, vote
from bot.records.forum_posts import finish_posts, posts_to_catch_up, take_post
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


def member_rows(database: Database) -> dict[str, list]:
    with database.transaction(write=False) as db:
        return {
            "questions": db.execute("SELECT question FROM questions ORDER BY id").fetchall(),
            "unanswered": db.execute("SELECT question FROM unanswered ORDER BY id").fetchall(),
            "forum": db.execute("SELECT thread FROM forum_threads ORDER BY thread").fetchall(),
            "votes": db.execute("SELECT question, vote FROM feedback ORDER BY id").fetchall(),
        }


def test_forget_deletes_every_row_from_one_member_and_nothing_else(tmp_path, lexical):
    database = Database(tmp_path)
    for who, post in ((OTHER, 1_000), (MEMBER, 2_000), (MEMBER, 3_000)):  # forum posts
        take_post(database, post, who)
    finish_posts(database, [1_000, 2_000])  # 3_000 was left taken by a crash
    phd, own, pizza = "do I need a PhD to work in ML?", "is my own CV ok?", "best pizza topping"
    for reference, who, text in ((1, MEMBER, phd), (2, OTHER, phd), (3, MEMBER, own)):
        record_question(database, reference, lexical.match(text), "ask", 1, 2, who)
    record_question(database, 4, lexical.match(pizza), "forum", 1, 2_000, MEMBER)
    record_unanswered(database, lexical.match(pizza), 1, 2_000, MEMBER)
    record_unanswered(database, lexical.match("bake bread"), 1, 2, OTHER)
    entry = lexical.match(phd).entry.id
    vote(database, MEMBER, entry, 1, True, 1, 2)
    vote(database, OTHER, entry, 2, False, 1, 2)  # on the wording both asked: stays
    vote(database, OTHER, entry, 3, False, 1, 2)  # quotes the member's own question: goes
    assert forget(database, MEMBER) == {
        "questions": 3,
        "unanswered": 1,
        "forum_threads": 2,
        "feedback": 1,
        "quoted": 1,
    }
    assert member_rows(database) == {
        "questions": [(phd,)],
        "unanswered": [("bake bread",)],
        "forum": [(1_000,)],
        "votes": [(phd, -1)],
    }
    # The posts done are not answered again at the next start, though their rows are gone.
    assert posts_to_catch_up(database, 9_999) == (2_000, [])
    assert set(forget(database, MEMBER).values()) == {0}


def test_a_post_forgotten_while_it_is_answered_is_not_recorded_again(tmp_path):
    database = Database(tmp_path)
    take_post(database, 1_000, MEMBER)  # taken; its reply is on its way
    finish_posts(database, [2_000], untaken={2_000: MEMBER})  # taken while the file was locked
    assert forget(database, MEMBER)["forum_threads"] == 2
    finish_posts(database, [1_000])  # the reply went out after the forget
    assert member_rows(database)["forum"] == []


def test_forget_works_on_a_database_where_nobody_has_voted(tmp_path, lexical):
    env = {"DATA_DIR": str(tmp_path / "data")}
    fresh = run("kb", "forget", str(MEMBER), env=env)
    assert fresh.returncode == 0, fresh.stderr
    database = Database(tmp_path / "data")
    record_question(database, 1, lexical.match("do I need a PhD?"), "ask", 1, 2, MEMBER)
    record_question(database, 2, lexical.match("do I need a PhD?"), "ask", 1, 2, OTHER)
    with database.transaction() as db:  # a question kept before authors were recorded
        db.execute(
            "INSERT INTO questions (time, source, question, decision, answers) "
            "VALUES ('2026-01-01', 'ask', 'old', 'decline', '')"
        )
    once = run("kb", "forget", str(MEMBER), env=env)
    assert once.returncode == 0, once.stderr
    assert once.stdout.startswith(
        f"Removed what came from member {MEMBER}: 1 question, 0 unanswered questions, "
        "0 forum posts, 0 votes, 0 votes of others quoting them. 1 question kept "
        "from before authors were recorded cannot be told apart"
    )
    assert member_rows(database)["questions"] == [("do I need a PhD?",), ("old",)]


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
    assert ", 1 vote," in forgotten.stdout and forgotten.returncode == 0, forgotten.stderr
    bad = run("kb", "forget", "someone", env=env)
    assert bad.returncode == 2 and "Discord user id" in bad.stderr
