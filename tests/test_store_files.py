"""The store's files as a host expects them: modes and owners kept, files that are not
entries (a string, a list, a link out of the knowledge folder) invalid everywhere, and no
false "interrupted change" when another writer was only busy."""

from __future__ import annotations

import logging
import os
import stat
import threading
from pathlib import Path

import pytest

from bot.knowledge import history
from bot.knowledge.entry_yaml import dump_entry
from bot.knowledge.model import KnowledgeBaseError
from bot.knowledge.store import Actor, KnowledgeStore
from tests.synthetic import export_text, markers, snapshot, write_knowledge
from tests.test_store import new_entry

MOD = Actor("1", "mod")
ROOT_ONLY = pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0, reason="only root can give files away"
)


@pytest.fixture
def store(knowledge_copy: Path, tmp_path: Path) -> KnowledgeStore:
    return KnowledgeStore(knowledge_copy, tmp_path / "data")


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("kept", [0o644, 0o640, 0o664])
def test_a_rewritten_file_keeps_its_mode(store, kept, umask_022):
    path = store.knowledge_dir / "entries" / "phd-required.yaml"
    path.chmod(kept)
    store.add_phrasing("phd-required", "is a doctorate a must for ML jobs", MOD)
    assert mode(path) == kept
    store.undo(MOD)
    assert mode(path) == kept


def test_a_new_file_gets_the_umask_default(store, umask_022):
    entry_id = store.add(new_entry(), MOD)
    assert mode(store.knowledge_dir / "entries" / f"{entry_id}.yaml") == 0o644


@ROOT_ONLY
def test_root_keeps_the_owner_and_warns_when_the_bot_could_not_read(store, caplog):
    folder = store.knowledge_dir / "entries"
    for path in [folder, *folder.iterdir()]:
        os.chown(path, 4321, 4321)  # the bot's user owns the knowledge base
    store.add_phrasing("phd-required", "is a doctorate a must for ML jobs", MOD)
    assert (folder / "phd-required.yaml").stat().st_uid == 4321
    old = os.umask(0o077)  # an admin's strict umask, running `kb` as root
    try:
        with caplog.at_level(logging.WARNING):
            entry_id = store.add(new_entry(), MOD)
    finally:
        os.umask(old)
    assert f"{entry_id}.yaml: written with mode 0600 by user 0" in caplog.text
    assert "user 4321 (who owns its folder) cannot read it" in caplog.text


@pytest.mark.parametrize("text", ["just a sentence\n", "- a\n- list\n"])
def test_an_entry_file_that_is_not_a_mapping_is_invalid_everywhere(store, text):
    (store.knowledge_dir / "entries" / "stray.yaml").write_text(text)
    for read in (store.documents, store.export, lambda: store.plan_import(store_export(store))):
        with pytest.raises(KnowledgeBaseError, match=r"stray\.yaml.*must be a mapping of fields"):
            read()


def store_export(store: KnowledgeStore) -> str:
    (store.knowledge_dir / "entries" / "stray.yaml").rename(store.knowledge_dir / "stray")
    try:
        return store.export().decode()
    finally:
        (store.knowledge_dir / "stray").rename(store.knowledge_dir / "entries" / "stray.yaml")


def test_a_link_out_of_the_knowledge_folder_is_refused_on_read_and_write(store, tmp_path):
    outside = tmp_path / "elsewhere" / "linked.yaml"
    outside.parent.mkdir()
    outside.write_text(dump_entry({**new_entry(), "id": "linked"}))  # a valid entry
    link = store.knowledge_dir / "entries" / "linked.yaml"
    link.symlink_to(outside)
    before = snapshot(store.knowledge_dir)
    with pytest.raises(KnowledgeBaseError, match=r"linked\.yaml.*link to a file outside"):
        store.load()
    with pytest.raises(KnowledgeBaseError, match="link to a file outside"):
        store.add_phrasing("phd-required", "is a doctorate a must for ML jobs", MOD)
    assert link.is_symlink() and snapshot(store.knowledge_dir) == before
    (store.knowledge_dir / "entries" / "inside.txt").write_text(outside.read_text())
    link.unlink()
    link.symlink_to("inside.txt")  # a link inside the knowledge folder is fine
    assert "linked" in store.load().by_id


def test_a_change_in_progress_elsewhere_is_not_reported_as_interrupted(store):
    """Another writer holds the lock with its change logged but not yet applied: a reader
    that waits for it finds nothing to finish."""
    began, go_on = threading.Event(), threading.Event()

    def writer() -> None:
        other = KnowledgeStore(store.knowledge_dir, store.data_dir)
        with other.files.writing():
            path = "phd-required"
            text = other.files.texts()[path]
            batch = history.Batch("b" * 16, "2026-12-07T10:00:00+00:00", "1", "mod", None, "edit")
            changed = text.replace("Getting in", "Getting in!")
            history.begin(other.database, batch, {path: changed}, {path: text})
            began.set()
            go_on.wait(10)
            other.files._apply(batch.id, {path: changed}, {path: text})

    thread = threading.Thread(target=writer)
    thread.start()
    began.wait(10)
    threading.Timer(0.3, go_on.set).start()
    try:
        assert store.recover() is False
    finally:
        go_on.set()
        thread.join()
    assert store.document("phd-required")["category"] == "Getting in!"


def test_an_import_makes_each_file_durable_and_syncs_the_folder_once(tmp_path, monkeypatch):
    """Every written file is fsynced before its rename; the folder once after them all, before
    the change is marked applied (a sync per file made an import of 300 half a second slower)."""
    write_knowledge(tmp_path / "knowledge", 30, "A")
    store = KnowledgeStore(tmp_path / "knowledge", tmp_path / "data")
    plan = store.plan_import(export_text(30, "B"))
    synced: list[str] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        real_fsync(fd)
        if stat.S_ISDIR(os.fstat(fd).st_mode):
            synced.append("folder")
        elif history.pending(store.database):  # an entry file, written while the change is open
            synced.append("file")

    monkeypatch.setattr(os, "fsync", fsync)
    store.apply_import(plan, MOD)
    assert synced == ["file"] * 30 + ["folder"]
    assert markers(store.documents()) == {"B"}
    assert not history.pending(store.database), "marked applied after the folder's sync"
