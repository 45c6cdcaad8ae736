"""The curation store: validation, atomic writes, audit, undo, conflicts, imports, crashes."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
import yaml

from bot.knowledge import history
from bot.knowledge.entry_yaml import form_document, version_of
from bot.knowledge.files import write_atomic
from bot.knowledge.loader import entry_path, load_knowledge_base
from bot.knowledge.model import KnowledgeBaseError
from bot.knowledge.safe_yaml import UnsafeYaml, load_untrusted
from bot.knowledge.store import Actor, ConflictError, KnowledgeStore, StoreError
from tests.conftest import recorded_changes
from tests.synthetic import snapshot, write_knowledge

MOD = Actor("42", "mod", guild=1)


@pytest.fixture
def store(knowledge_copy: Path, tmp_path: Path) -> KnowledgeStore:
    return KnowledgeStore(knowledge_copy, tmp_path / "data")


def new_entry(question: str = "How do I negotiate an ML offer?") -> dict:
    return form_document(
        question=question,
        phrasings="\n".join(f"negotiation wording number {n} for {question}" for n in range(6)),
        answer="Ask for the whole package in writing, then negotiate each part.",
        category="Pay and offers",
        keywords="negotiate, offer",
        base={"source": "moderator"},
    )


def audit(store: KnowledgeStore) -> list[dict]:
    return recorded_changes(store.database)


def test_add_derives_the_id_writes_one_file_and_audits(store):
    before = snapshot(store.knowledge_dir)
    entry_id = store.add(new_entry(), MOD)
    assert entry_id == "how-do-i-negotiate-an-ml-offer"
    after = snapshot(store.knowledge_dir)
    assert set(after) - set(before) == {f"{entry_id}.yaml"}
    assert all(after[name] == data for name, data in before.items()), "others byte-for-byte"
    assert load_knowledge_base(store.knowledge_dir).by_id[entry_id].keywords == (
        "negotiate",
        "offer",
    )
    (record,) = audit(store)
    assert record["action"] == "add" and record["actor_id"] == "42" and record["before"] is None
    assert record["after"] == after[f"{entry_id}.yaml"].decode(), "the exact file text is kept"
    assert record["state"] == "applied"


def test_a_rejected_write_changes_nothing_and_says_what_to_fix(store):
    before = snapshot(store.knowledge_dir)
    bad = {**new_entry(), "phrasings": ["only one"]}
    with pytest.raises(KnowledgeBaseError) as caught:
        store.add(bad, MOD)
    assert any("write at least 6" in str(p) for p in caught.value.problems)
    assert snapshot(store.knowledge_dir) == before
    assert audit(store) == []


def test_edit_remove_and_undo_walk_back(store):
    original = store.document("phd-required")
    edited = {**original, "answer": "A shorter answer."}
    store.edit("phd-required", edited, MOD, version_of(original))
    assert store.document("phd-required")["answer"] == "A shorter answer."
    links = [i for i, d in store.documents().items() if "phd-required" in d.get("related", [])]
    for linking in links:  # removing needs the links gone first, exactly as on disk
        document = store.document(linking)
        document["related"] = [r for r in document["related"] if r != "phd-required"]
        store.edit(linking, document, MOD, version_of(store.document(linking)))
    store.remove("phd-required", MOD, version_of(edited))
    assert "phd-required" not in store.documents()
    store.undo(MOD)
    assert store.document("phd-required")["answer"] == "A shorter answer."
    for _ in links:
        store.undo(MOD)
    store.undo(MOD)
    assert store.document("phd-required") == original
    assert [r["action"] for r in store.history(limit=2)] == ["undo", "undo"]
    assert load_knowledge_base(store.knowledge_dir)


def test_removing_a_linked_entry_is_refused(store):
    with pytest.raises(KnowledgeBaseError, match="'phd-required' is not an entry"):
        store.remove("phd-required", MOD, version_of(store.document("phd-required")))


def test_nothing_to_undo(store):
    with pytest.raises(StoreError, match="nothing to undo"):
        store.undo(MOD)


def test_two_edits_of_the_same_entry_give_one_save_and_one_conflict(store):
    opened = version_of(store.document("phd-required"))
    first = {**store.document("phd-required"), "answer": "First moderator's answer."}
    second = {**store.document("phd-required"), "answer": "Second moderator's answer."}
    store.edit("phd-required", first, MOD, opened)
    with pytest.raises(ConflictError, match="changed 'phd-required' after you opened it"):
        store.edit("phd-required", second, Actor("7", "other"), opened)
    assert store.document("phd-required")["answer"] == "First moderator's answer."
    assert len(audit(store)) == 1


def test_fifty_concurrent_edits_of_different_entries_all_land(tmp_path):
    # Twenty small entries, as many as the real base has: each edit reads and checks them all.
    write_knowledge(tmp_path / "knowledge", 20)
    store = KnowledgeStore(tmp_path / "knowledge", tmp_path / "data")
    store.files.lock_wait = 600  # all of them wait their turn (a busy store is tested apart)
    ids = sorted(store.documents())
    targets = [(ids[n % len(ids)], n) for n in range(50)]
    errors: list[BaseException] = []

    def edit(entry_id: str, n: int) -> None:
        for _ in range(100):  # edits of the same entry retry on conflict, as a moderator would
            document = store.document(entry_id)
            try:
                store.edit(
                    entry_id,
                    {**document, "source": f"edit {n}"},
                    Actor(str(n), "m"),
                    version_of(document),
                )
                return
            except ConflictError:
                continue
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)
                return

    threads = [threading.Thread(target=edit, args=target) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    records = audit(store)
    assert len(records) == 50 and {r["actor_id"] for r in records} == {str(n) for n in range(50)}
    load_knowledge_base(store.knowledge_dir)


def test_a_crash_between_temp_file_and_replace_leaves_the_old_file(store, monkeypatch):
    before = snapshot(store.knowledge_dir)

    def crash(src, dst):
        raise KeyboardInterrupt("killed")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(
            entry_path(store.knowledge_dir, "phd-required"), b"id: phd-required\nbroken: ["
        )
    monkeypatch.undo()
    assert snapshot(store.knowledge_dir) == before, "no torn file, no temp file left"
    load_knowledge_base(store.knowledge_dir)


@pytest.mark.parametrize("crash_at", [1, 2, 11, 20])  # which os.replace: the first .. the last
def test_a_crash_mid_import_is_finished_before_anyone_reads(store, monkeypatch, crash_at):
    old = snapshot(store.knowledge_dir)
    exported = load_untrusted(store.export().decode())
    for entry in exported["entries"]:
        entry["category"] = "Breaking in"
    plan = store.plan_import(yaml.safe_dump(exported))
    assert len(plan.changed) == 20 and not plan.added and not plan.removed
    calls = {"n": 0}
    real_replace = os.replace

    def crash(src, dst):
        calls["n"] += 1
        if calls["n"] == crash_at:
            raise KeyboardInterrupt("killed")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        store.apply_import(plan, MOD)
    monkeypatch.undo()
    assert history.pending(store.database), "the change is logged before any file changes"
    reader = KnowledgeStore(store.knowledge_dir, store.data_dir)  # the next process
    assert {d["category"] for d in reader.documents().values()} == {"Breaking in"}
    assert not history.pending(store.database)
    assert not list((store.knowledge_dir / "entries").glob(".*.tmp")), "no temp file left"
    assert [r["entries"] for r in reader.history(limit=5)] == [list(plan.changed)]
    reader.undo(MOD)
    assert snapshot(store.knowledge_dir) == old, "undo is exact, byte for byte"


def test_import_then_undo_leaves_every_file_byte_for_byte(store):
    old = snapshot(store.knowledge_dir)
    exported = load_untrusted(store.export().decode())
    exported["entries"][0]["answer"] = "Changed by an import."
    store.apply_import(store.plan_import(yaml.safe_dump(exported)), MOD)
    changed = snapshot(store.knowledge_dir)
    assert [n for n in old if old[n] != changed[n]] == [f"{exported['entries'][0]['id']}.yaml"]
    batch = store.undo(MOD)
    assert batch.entries == (exported["entries"][0]["id"],)
    assert snapshot(store.knowledge_dir) == old


def test_an_import_previewed_before_another_edit_is_refused_on_confirm(store):
    exported = load_untrusted(store.export().decode())
    exported["entries"][0]["answer"] = "From the import."
    plan = store.plan_import(yaml.safe_dump(exported))
    other = store.document("phd-required")
    store.edit("phd-required", {**other, "answer": "Another moderator."}, MOD, version_of(other))
    with pytest.raises(ConflictError, match="changed after this import was previewed"):
        store.apply_import(plan, MOD)
    assert store.document("phd-required")["answer"] == "Another moderator."


def test_import_plans_adds_changes_and_removals_and_refuses_bad_files(store):
    exported = load_untrusted(store.export().decode())
    exported["entries"] = [e for e in exported["entries"] if e["id"] != "future-outlook"]
    exported["entries"][0]["answer"] = "Changed."
    for entry in exported["entries"]:
        entry["related"] = [r for r in entry.get("related", []) if r != "future-outlook"]
    plan = store.plan_import(yaml.safe_dump(exported))
    assert "future-outlook" in plan.removed and exported["entries"][0]["id"] in plan.changed
    before = snapshot(store.knowledge_dir)
    with pytest.raises(KnowledgeBaseError):
        store.plan_import("entries:\n  - id: x\n    question: too thin\n")
    assert snapshot(store.knowledge_dir) == before


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: &x [1]\nb: *x\n", "anchors and aliases"),
        ("a: !!python/object:os.system x\n", "tags"),
        ("a: " + "[" * 20 + "]" * 20 + "\n", "nested more than"),
        ("a: [\n", "not valid YAML at line"),
        ("x: " + "y" * 1_000_001, "over 1 MB"),
    ],
)
def test_untrusted_yaml_is_refused(text, message):
    with pytest.raises(UnsafeYaml, match=message):
        load_untrusted(text)


def test_the_writers_lock_is_free_after_every_change(knowledge_copy, tmp_path, monkeypatch):
    from bot.knowledge import transaction

    taken: list = []

    class KeptLock(transaction.FileLock):  # kept alive here, so only a release frees it
        def acquire(self, *args, **kwargs):
            taken.append(self)
            return super().acquire(*args, **kwargs)

    monkeypatch.setattr(transaction, "FileLock", KeptLock)
    store = KnowledgeStore(knowledge_copy, tmp_path / "data")
    store.add_phrasing("phd-required", "is a doctorate a must for ML", Actor("1", "mod"))
    with pytest.raises(StoreError):
        store.add_phrasing("no-such-entry", "anything", Actor("1", "mod"))
    assert taken and not any(lock.is_locked for lock in taken)


def test_a_one_line_change_is_a_one_line_diff(knowledge_copy, tmp_path):
    """Moderators review the knowledge base in git: comments, quotes, flow lists and block
    answers stay as written, and only what changed changes."""
    import difflib

    path = knowledge_copy / "entries" / "phd-required.yaml"
    path.write_text("# Reviewed by the mods, 2026-11.\n" + path.read_text())
    store = KnowledgeStore(knowledge_copy, tmp_path / "data")
    mod = Actor("1", "mod")
    before = path.read_text().splitlines()
    store.add_phrasing("phd-required", "is a doctorate a must for ML jobs", mod)
    after = path.read_text().splitlines()
    diff = difflib.unified_diff(before, after, lineterm="", n=0)
    assert [line for line in diff if line[:1] in "+-"][2:] == [
        "+  - is a doctorate a must for ML jobs"
    ]
    document = store.document("phd-required")
    edited = {**document, "keywords": [*document["keywords"], "thesis"]}
    store.edit("phd-required", edited, mod, version_of(document))
    final = path.read_text().splitlines()
    changed = [n for n, (a, b) in enumerate(zip(after, final, strict=True)) if a != b]
    assert len(changed) == 1 and final[changed[0]].startswith("keywords: [")
    assert final[changed[0]].endswith(", thesis]") and final[0].startswith("# Reviewed")
