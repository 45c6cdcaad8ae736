"""The store when the world misbehaves: full disks, an unusable DATA_DIR, files that vanish or
are not files, and input crafted to pass one check and break another."""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path

import pytest

from bot.knowledge import history, loader
from bot.knowledge.database import Database, DataUnavailable
from bot.knowledge.entry_yaml import dump_entry, form_document, version_of
from bot.knowledge.loader import entries_dir, load_knowledge_base
from bot.knowledge.model import KnowledgeBaseError
from bot.knowledge.store import Actor, KnowledgeStore, StoreError
from bot.records.activity import read_unanswered, record_unanswered
from tests.conftest import recorded_changes
from tests.synthetic import snapshot
from tests.test_store import new_entry

MOD = Actor("42", "mod", guild=1)


@pytest.fixture
def store(knowledge_copy: Path, tmp_path: Path) -> KnowledgeStore:
    return KnowledgeStore(knowledge_copy, tmp_path / "data")


class FullDisk(sqlite3.Connection):
    """Writes fail as SQLite fails them when the disk is full (SQLITE_FULL)."""

    def execute(self, sql: str, *args: object) -> sqlite3.Cursor:  # type: ignore[override]
        if sql.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            raise sqlite3.OperationalError("database or disk is full")
        return super().execute(sql, *args)

    executemany = execute  # type: ignore[assignment]


def full_database(monkeypatch: pytest.MonkeyPatch) -> None:
    real_connect = sqlite3.connect
    monkeypatch.setattr(sqlite3, "connect", lambda *a, **k: real_connect(*a, **k, factory=FullDisk))


def test_a_disk_full_while_writing_files_puts_every_file_back(store, monkeypatch):
    before = snapshot(store.knowledge_dir)
    exported = store.documents()
    changes = {i: {**d, "source": "changed"} for i, d in list(exported.items())[:5]}
    calls = {"n": 0}
    import bot.knowledge.transaction as store_module

    real_write = store_module.write_atomic

    def write(path, data, make_parents=True, sync=True):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_write(path, data, make_parents, sync)

    monkeypatch.setattr(store_module, "write_atomic", write)
    plan = store.plan_import(
        "entries:\n"
        + "".join(
            "  - " + dump_entry(changes.get(i, d)).replace("\n", "\n    ").rstrip() + "\n"
            for i, d in exported.items()
        )
    )
    with pytest.raises(StoreError, match=r"No space left on device.*nothing changed"):
        store.apply_import(plan, MOD)
    assert snapshot(store.knowledge_dir) == before
    assert [r["state"] for r in recorded_changes(store.database)] == ["rolled back"] * 5
    assert store.history() == [], "a change that did not happen is not in the history"


def test_a_full_data_dir_refuses_writes_in_one_sentence_and_changes_nothing(store, monkeypatch):
    store.documents()  # the database exists, as on a running deployment
    before = snapshot(store.knowledge_dir)
    full_database(monkeypatch)
    with pytest.raises(StoreError, match=r"DATA_DIR .* cannot be used: database or disk is full"):
        store.add(new_entry(), MOD)
    assert snapshot(store.knowledge_dir) == before
    assert not history.pending(store.database)
    assert len(store.load()) == len(before), "reading goes on"
    match = load_knowledge_base(store.knowledge_dir)
    assert match


def test_a_fault_after_the_files_are_written_still_reports_the_change_saved(store, monkeypatch):
    """The database refuses the last step (marking the batch applied) for an instant: the
    change was made, so it is reported made, and the next writer finishes the record."""
    real_mark = history.mark

    def locked(database, batch_id, state):
        raise DataUnavailable("DATA_DIR (data) cannot be used: database is locked")

    monkeypatch.setattr(history, "mark", locked)
    entry_id = store.add(new_entry(), MOD)  # no error: it was saved
    monkeypatch.setattr(history, "mark", real_mark)
    assert [b.id for b in history.pending(store.database)], "left for the next writer to mark"
    assert entry_id in store.load().by_id, "a reader finishes it and sees it"
    store.remove(entry_id, MOD, version_of(store.document(entry_id)))
    assert [r["action"] for r in store.history()] == ["remove", "add"]
    assert not history.pending(store.database)


def test_recording_a_question_on_a_full_disk_raises_one_typed_error(tmp_path, lexical, monkeypatch):
    database = Database(tmp_path)
    database.problem()
    full_database(monkeypatch)
    with pytest.raises(DataUnavailable, match="full"):
        record_unanswered(database, lexical.match("how do I bake bread"), 1, 2)
    monkeypatch.undo()
    assert read_unanswered(database) == [], "the failed transaction left nothing behind"


@pytest.mark.parametrize("kind", ["a file", "inside a file"])
def test_an_unusable_data_dir_refuses_writes_but_reads_and_answers(knowledge_copy, tmp_path, kind):
    blocker = tmp_path / "blocker"
    blocker.write_text("not a folder")
    data_dir = blocker if kind == "a file" else blocker / "data"
    store = KnowledgeStore(knowledge_copy, data_dir)
    assert "DATA_DIR" in (store.database.problem() or "")
    assert len(store.load()) == 20 and "phd-required" in store.documents()
    with pytest.raises(StoreError, match="DATA_DIR"):
        store.add(new_entry(), MOD)
    with pytest.raises(StoreError, match="DATA_DIR"):
        store.history()


def test_files_that_vanish_or_are_folders_are_not_entries(store, monkeypatch):
    (entries_dir(store.knowledge_dir) / "folder.yaml").mkdir()
    ghost = entries_dir(store.knowledge_dir) / "ghost.yaml"
    ghost.write_text("id: ghost\n")
    real_read = loader.read_text_file

    def vanish(path: Path, *args, **kwargs) -> str:
        if path == ghost:
            path.unlink()
        return real_read(path, *args, **kwargs)

    monkeypatch.setattr(loader, "read_text_file", vanish)
    documents = store.documents()
    assert "ghost" not in documents and "folder" not in documents and len(documents) == 20
    assert store.export()


def test_a_deleted_entries_folder_refuses_writes_instead_of_shrinking_the_knowledge_base(store):
    folder = entries_dir(store.knowledge_dir)
    for path in folder.iterdir():
        path.unlink()
    folder.rmdir()
    with pytest.raises(KnowledgeBaseError, match="has no entries/ folder"):
        store.add(new_entry(), MOD)
    assert not folder.exists()


def test_a_broken_file_on_disk_names_the_file_on_edit(store):
    (entries_dir(store.knowledge_dir) / "broken.yaml").write_text("id: [\n")
    with pytest.raises(KnowledgeBaseError, match=r"broken.yaml: .*not valid YAML"):
        store.document("phd-required")


def test_an_unknown_entry_is_named_clipped(store):
    with pytest.raises(StoreError) as caught:
        store.document("x" * 3000)
    assert len(str(caught.value)) < 200


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"related": ["salary-factors", "salary-factors"]}, "lists an entry twice"),
        ({"related": [f"r{n}" for n in range(6)]}, "the limit is 5"),
        ({"phrasings": [f"wording {n} " + "x" * 500 for n in range(9)]}, "limit is 4000"),
        ({"keywords": ["k" * 1001]}, "limit is 1000"),
        ({"keywords": ["a, b"]}, "holds a comma"),
        ({"phrasings": ["one\ntwo", "a", "b", "c", "d", "e"]}, "spans several lines"),
    ],
)
def test_validation_keeps_every_entry_editable_in_the_discord_form(store, change, message):
    document = {**store.document("phd-required"), **change}
    with pytest.raises(KnowledgeBaseError, match=message):
        store.edit("phd-required", document, MOD, version_of(store.document("phd-required")))


def test_an_id_with_a_trailing_line_break_is_refused(store):
    exported = store.export().decode().replace("id: phd-required\n", 'id: "phd-required\\n"\n')
    with pytest.raises(KnowledgeBaseError, match="kebab-case"):
        store.plan_import(exported)


def test_a_key_written_twice_is_refused_with_its_line(store):
    path = entries_dir(store.knowledge_dir) / "phd-required.yaml"
    path.write_text(path.read_text() + "answer: a second answer\n")
    with pytest.raises(KnowledgeBaseError, match=r"'answer' is written twice.*|line \d+"):
        load_knowledge_base(store.knowledge_dir)


def test_the_form_drops_invisible_formatting_characters():
    document = form_document(
        question="Do I need a\u200b PhD?\u202e",
        phrasings="a\u2066b\nc",
        answer="Yes\ufeff.",
        category="Getting\u200e in",
        keywords="ph\u200bd",
        base={},
    )
    assert document["question"] == "Do I need a PhD?" and document["phrasings"] == ["ab", "c"]
    assert (document["answer"], document["category"], document["keywords"]) == (
        "Yes.",
        "Getting in",
        ["phd"],
    )


def test_temp_files_left_by_a_kill_are_removed_by_the_next_writer(store):
    leftover = entries_dir(store.knowledge_dir) / ".phd-required.yaml.abc123.tmp"
    leftover.write_text("half")
    store.add(new_entry(), MOD)
    assert not leftover.exists()
