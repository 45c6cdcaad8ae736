"""The journal of questions not yet recorded: kept across a stop, replayed once."""

from __future__ import annotations

from bot.knowledge.database import Database
from bot.records.activity import read_unanswered
from bot.records.members import member_hash
from bot.records.pending import (
    JOURNAL_FILE,
    keep_in_journal,
    question_record,
    read_journal,
    replay_journal,
    write_records,
)


def questions(database: Database) -> list[tuple[int, str]]:
    with database.transaction(write=False) as db:
        return list(db.execute("SELECT id, question FROM questions ORDER BY id"))


def test_a_journal_is_merged_replayed_once_and_removed(tmp_path, lexical):
    database = Database(tmp_path)
    phd = question_record(lexical.match("Do I need a PhD?"), 1, "ask", 5, 6)
    pizza = question_record(lexical.match("best pizza topping"), 2, "mention", 5, 6)
    keep_in_journal(tmp_path, [phd])
    keep_in_journal(tmp_path, [phd, pizza])  # kept again at a later stop: once
    with (tmp_path / JOURNAL_FILE).open("a") as journal:
        journal.write("not a record\n")  # edited by hand: skipped
    assert read_journal(tmp_path) == [phd, pizza]
    write_records(database, [pizza])  # the background retry landed before the stop
    assert replay_journal(database, tmp_path) == 2
    assert questions(database) == [(1, "Do I need a PhD?"), (2, "best pizza topping")]
    assert [u["question"] for u in read_unanswered(database)] == ["best pizza topping"]
    assert not (tmp_path / JOURNAL_FILE).exists()
    assert replay_journal(database, tmp_path) == 0


def test_the_journal_keeps_who_asked_as_the_salted_hash_never_the_id(tmp_path, lexical):
    database = Database(tmp_path)
    member_id = 412345678901234567
    salt_owner = question_record(lexical.match("what is an RSU?"), 3, "ask", 5, 6, member_id)
    write_records(database, [salt_owner])  # the salt exists once anything was recorded
    asked = question_record(lexical.match("best pizza topping"), 4, "ask", 5, 6, member_id)
    keep_in_journal(tmp_path, [asked], database)
    assert str(member_id) not in (tmp_path / JOURNAL_FILE).read_text()
    replay_journal(database, tmp_path)
    with database.transaction(write=False) as db:
        members = {m for (m,) in db.execute("SELECT member FROM questions")}
        unanswered = {m for (m,) in db.execute("SELECT member FROM unanswered")}
    assert members == unanswered == {member_hash(database, member_id)}
