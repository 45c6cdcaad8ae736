"""A form opens from the loaded knowledge base: each entry's version is kept at load, and the
loaded entry gives back its file's values, so a save from it is checked and kept exact."""

from __future__ import annotations

import pytest

from bot.knowledge.entry_yaml import entry_document, version_of
from bot.knowledge.loader import parse_entry
from bot.knowledge.model import ConflictError
from bot.knowledge.store import Actor, KnowledgeStore

MOD = Actor("1", "mod", None)


def test_a_loaded_entry_carries_its_files_version_and_values(knowledge_copy, tmp_path):
    store = KnowledgeStore(knowledge_copy, tmp_path / "data")
    kb = store.load()
    documents = store.documents()
    assert kb.versions == {i: version_of(d) for i, d in documents.items()}
    for entry in kb.entries:
        assert parse_entry(entry_document(entry), f"{entry.id}.yaml", []) == entry


def test_an_edit_from_the_loaded_entry_saves_and_a_change_since_is_a_conflict(
    knowledge_copy, tmp_path
):
    store = KnowledgeStore(knowledge_copy, tmp_path / "data")
    kb = store.load()
    document = {**entry_document(kb.by_id["phd-required"]), "answer": "Skills matter more."}
    store.edit("phd-required", document, MOD, kb.versions["phd-required"])
    assert store.document("phd-required")["answer"] == "Skills matter more."
    stale = kb.versions["phd-required"]  # the form was opened before that save
    with pytest.raises(ConflictError, match="after you opened it"):
        store.edit("phd-required", {**document, "answer": "Mine."}, MOD, stale)
