"""Text crafted to mislead a moderator or break a reader: terminal escape sequences, masked
links, invisible and direction-control characters, hostile YAML, host paths, duplicates."""

from __future__ import annotations

import pytest

from bot.discord_adapter.failures import failure_text
from bot.knowledge.database import Database, DataUnavailable
from bot.knowledge.entry_yaml import dump_entry
from bot.knowledge.loader import load_knowledge_base
from bot.knowledge.model import KnowledgeBaseError
from bot.knowledge.store import Actor, KnowledgeStore, StoreError
from bot.matching.build import lexical_matcher
from bot.records.activity import record_unanswered
from bot.records.feedback import record_question, vote
from tests.test_cli import run

MOD = Actor("42", "mod", guild=1)
ESCAPES = "\x1b[2J\x1b]8;;https://evil.example\x07click\x1b]8;;\x07\x9b31m"
BILLION_LAUGHS = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{n}: &{n} [{', '.join([f'*{p}'] * 9)}]\n" for p, n in zip("abcdefgh", "bcdefghi", strict=True)
)


def test_members_escape_sequences_never_reach_the_terminal(knowledge_copy, tmp_path):
    env = {"KNOWLEDGE_DIR": str(knowledge_copy), "DATA_DIR": str(tmp_path / "data")}
    database = Database(tmp_path / "data")
    matcher = lexical_matcher(load_knowledge_base(knowledge_copy))
    hostile = f"do I need a PhD? {ESCAPES}"
    record_question(database, 7, matcher.match(hostile), "ask", 1, 2)
    vote(database, 1, "phd-required", 7, False, 1, 2)
    record_unanswered(database, matcher.match(f"pizza toppings {ESCAPES}"), 1, 2)
    for report in ("unanswered", "feedback", "stats"):
        output = run("kb", report, env=env).stdout
        assert "click" in output, f"kb {report} shows the question"
        assert not any(c in output for c in "\x1b\x07\x9b"), f"kb {report}: {output!r}"


def test_invisible_and_direction_control_characters_are_refused_in_files_and_imports(
    knowledge_copy, tmp_path
):
    store = KnowledgeStore(knowledge_copy, tmp_path / "data")
    document = store.document("phd-required")
    reordered = {**document, "answer": "Yes\u202e.oN"}
    (knowledge_copy / "entries" / "phd-required.yaml").write_text(dump_entry(reordered))
    with pytest.raises(KnowledgeBaseError) as refused:
        load_knowledge_base(knowledge_copy)
    assert "answer: holds an invisible or direction-control character (U+202E)" in str(
        refused.value.problems[0]
    )
    (knowledge_copy / "entries" / "phd-required.yaml").write_text(dump_entry(document))
    hidden = {**document, "phrasings": [*document["phrasings"], "phd\u200b required?"]}
    text = "entries:\n  - " + dump_entry(hidden).replace("\n", "\n    ").rstrip() + "\n"
    exported = store.export().decode()
    with pytest.raises(KnowledgeBaseError, match="U\\+200B"):
        store.plan_import(exported.replace("entries:\n", text, 1))


def test_a_members_question_taught_as_a_phrasing_loses_its_invisible_characters(store_copy):
    store_copy.add_phrasing("phd-required", "is a doc\u202etorate\u200b needed", MOD)
    assert "is a doctorate needed" in store_copy.document("phd-required")["phrasings"]


def test_a_wording_the_entry_already_has_is_refused(store_copy):
    question = store_copy.document("phd-required")["question"]
    for wording in (question, f"  {question.upper()} "):
        with pytest.raises(StoreError, match="already has that wording; nothing changed"):
            store_copy.add_phrasing("phd-required", wording, MOD)
    document = store_copy.document("phd-required")
    twice = {**document, "phrasings": [*document["phrasings"], document["phrasings"][0]]}
    (store_copy.knowledge_dir / "entries" / "phd-required.yaml").write_text(dump_entry(twice))
    with pytest.raises(KnowledgeBaseError, match="repeats the question or another phrasing"):
        load_knowledge_base(store_copy.knowledge_dir)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (BILLION_LAUGHS, "anchors and aliases"),
        ("a: " + "[" * 50_000 + "]" * 50_000 + "\n", "nest"),
        ("a: " + "[" * 11 + "]" * 11 + "\n", "nested more than 10 levels"),
        ("a: '" + "x" * 1_000_001 + "'\n", "over 1 MB"),
    ],
)
def test_a_hostile_yaml_file_on_disk_is_one_problem(knowledge_copy, tmp_path, text, problem):
    (knowledge_copy / "entries" / "hostile.yaml").write_text(text)
    store = KnowledgeStore(knowledge_copy, tmp_path / "data")
    for read in (lambda: load_knowledge_base(knowledge_copy), lambda: store.document("hostile")):
        with pytest.raises(KnowledgeBaseError) as refused:
            read()
        assert problem in str(refused.value.problems[0])


def test_discord_replies_name_no_path_on_the_host():
    error = DataUnavailable("DATA_DIR (/srv/ml-bot/data) cannot be used: disk I/O error")
    text = failure_text("Not saved:", error)
    assert "/srv" not in text
    assert text == "Not saved: DATA_DIR (a path on the bot's host) cannot be used: disk I/O error"


@pytest.fixture
def store_copy(knowledge_copy, tmp_path) -> KnowledgeStore:
    return KnowledgeStore(knowledge_copy, tmp_path / "data")
