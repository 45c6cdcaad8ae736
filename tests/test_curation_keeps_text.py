"""Curation never loses a moderator's text: a write refuses a file it cannot read or that
does not validate (naming the file and line, changing nothing), an out-of-scope example is
a one-line diff, and undo puts back the exact bytes a change replaced, valid or not."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from bot.knowledge.model import KnowledgeBaseError
from bot.knowledge.scope import OUT_OF_SCOPE_FILE
from bot.knowledge.store import Actor, KnowledgeStore
from bot.knowledge.transaction import OUT_OF_SCOPE
from tests.conftest import recorded_changes
from tests.synthetic import snapshot
from tests.test_cli import run

MOD = Actor("42", "mod", guild=1)
QUESTION = "how are RSUs taxed in Germany"
TAXES = (
    '  taxes:\n    pointer: "Tax questions depend on where you live; ask a tax professional."\n'
    "    examples:\n"
)
BROKEN = {  # what a slip of the keyboard does to the file
    "examples directly under the topic": lambda t: t.replace(TAXES, "  taxes:\n"),
    "topics mistyped": lambda t: t.replace("\ntopics:\n", "\ntopcis:\n"),
    "a missing closing quote": lambda t: t.replace('professional."', "professional."),
}


@pytest.fixture
def store(knowledge_copy: Path, tmp_path: Path) -> KnowledgeStore:
    return KnowledgeStore(knowledge_copy, tmp_path / "data")


def scope_file(store: KnowledgeStore) -> Path:
    return store.knowledge_dir / OUT_OF_SCOPE_FILE


def break_file(store: KnowledgeStore, how: str) -> bytes:
    path = scope_file(store)
    broken = BROKEN[how](path.read_text(encoding="utf-8"))
    assert broken != path.read_text(encoding="utf-8")
    path.write_text(broken, encoding="utf-8")
    return path.read_bytes()


@pytest.mark.parametrize("how", sorted(BROKEN))
def test_an_out_of_scope_add_never_replaces_a_file_it_cannot_read(store, how):
    broken = break_file(store, how)
    others = snapshot(store.knowledge_dir)
    with pytest.raises(KnowledgeBaseError) as refused:
        store.add_out_of_scope(QUESTION, "taxes", MOD)
    assert OUT_OF_SCOPE_FILE in str(refused.value) and "line " in str(refused.value)
    assert scope_file(store).read_bytes() == broken, "not one example lost"
    assert snapshot(store.knowledge_dir) == others and recorded_changes(store.database) == []


@pytest.mark.parametrize("how", sorted(BROKEN))
def test_the_terminal_says_file_line_and_problem_and_changes_nothing(knowledge_copy, tmp_path, how):
    store = KnowledgeStore(knowledge_copy, tmp_path / "data")
    broken = break_file(store, how)
    env = {"KNOWLEDGE_DIR": str(knowledge_copy), "DATA_DIR": str(tmp_path / "data")}
    done = run("kb", "out-of-scope", "add", QUESTION, "--topic", "taxes", env=env)
    assert done.returncode != 0 and "Added" not in done.stdout
    assert f"{OUT_OF_SCOPE_FILE} line " in done.stderr or "at line " in done.stderr
    assert "Traceback" not in done.stderr and "Nothing changed." in done.stderr
    assert scope_file(store).read_bytes() == broken


def test_undo_puts_back_the_exact_bytes_a_change_replaced_even_invalid_ones(store):
    """A change made by an older version over a broken file (it treated it as empty): the
    history kept the broken text, and undo brings it back byte for byte."""
    broken = break_file(store, "examples directly under the topic")
    store.files.commit(
        {OUT_OF_SCOPE: "topics:\n  taxes:\n    examples:\n      - what is tax\n"},
        MOD,
        "out-of-scope",
    )
    store.undo(MOD)
    assert scope_file(store).read_bytes() == broken


def test_undo_still_refuses_to_break_a_file_it_does_not_restore(store):
    store.add_phrasing("phd-required", "is a doctorate a must for ML jobs", MOD)
    other = store.knowledge_dir / "entries" / "total-comp-components.yaml"
    other.write_text(other.read_text(encoding="utf-8") + "unknown: field\n", encoding="utf-8")
    with pytest.raises(KnowledgeBaseError, match="total-comp-components"):
        store.undo(MOD)


def test_one_out_of_scope_example_is_a_one_line_diff(store):
    """Comments, quoting and the order of topics stay as the moderators wrote them."""
    before = scope_file(store).read_text(encoding="utf-8").splitlines()
    store.add_out_of_scope(QUESTION, "taxes", MOD)
    after = scope_file(store).read_text(encoding="utf-8").splitlines()
    changed = [line for line in difflib.unified_diff(before, after, lineterm="", n=0)][2:]
    assert [line for line in changed if line[:1] in "+-"] == [f"+      - {QUESTION}"]
    store.add_out_of_scope("how do I file taxes as a freelancer", "tax-filing", MOD)
    final = scope_file(store).read_text(encoding="utf-8").splitlines()
    assert final[: len(after)] == after, "a new topic is added at the end, nothing else moves"
    assert final[len(after) :] == [
        "  tax-filing:",
        "    examples:",
        "      - how do I file taxes as a freelancer",
    ]
