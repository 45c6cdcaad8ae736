"""Every change to the knowledge base, as moderators make it: validated like the files on
disk, atomic, audited, undoable.

The YAML files stay the single source of truth; bot/knowledge/transaction.py changes them through
the write-ahead log in the database, so a kill at any instant leaves all-old or all-new
files and a history that agrees, and readers never see a change half made. Undo writes back
the exact old texts: files a change did not touch, and those it restores, stay byte-for-byte
what they were.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.knowledge import history
from bot.knowledge.database import Database
from bot.knowledge.entry_yaml import (
    Document,
    dump_entry,
    dump_yaml,
    entry_documents,
    out_of_scope_text,
    rewritten,
    slug,
    version_of,
)
from bot.knowledge.legacy import import_legacy_files
from bot.knowledge.loader import (
    MAX_ID_CHARS,
    entry_texts,
    knowledge_base,
    parse_documents,
    validate_entries,
)
from bot.knowledge.model import ConflictError, KnowledgeBase, KnowledgeBaseError, StoreError
from bot.knowledge.parsing import parse_yaml
from bot.knowledge.safe_yaml import load_untrusted
from bot.knowledge.scope import (
    load_out_of_scope,
    parse_out_of_scope,
    validate_out_of_scope,
)
from bot.knowledge.text import canonical, strip_invisible
from bot.knowledge.transaction import OUT_OF_SCOPE, Actor, KnowledgeFiles, Texts


@dataclass(frozen=True, slots=True)
class ImportPlan:
    documents: dict[str, Document]  # the whole knowledge base after the import
    added: tuple[str, ...]
    changed: tuple[str, ...]
    removed: tuple[str, ...]
    base: dict[str, str]  # id -> version of the knowledge base the plan was made against

    @property
    def empty(self) -> bool:
        return not (self.added or self.changed or self.removed)


def open_database(data_dir: Path) -> Database:
    """The database, importing older versions' files the first time it is created."""
    return Database(data_dir, lambda connection: import_legacy_files(data_dir, connection))


class KnowledgeStore:
    def __init__(self, knowledge_dir: Path, data_dir: Path, database: Database | None = None):
        self.knowledge_dir = knowledge_dir
        self.data_dir = data_dir
        self.database = database or open_database(data_dir)
        self.files = KnowledgeFiles(knowledge_dir, data_dir, self.database, validate_texts)

    # -- reading (each waits for a write in progress, and finishes one a crash left) -------
    def load(self) -> KnowledgeBase:
        texts, topics = self.files.read(
            lambda: (entry_texts(self.knowledge_dir), load_out_of_scope(self.knowledge_dir))
        )
        documents = parse_documents(texts)
        kb = knowledge_base(documents, topics)
        versions = {i: version_of(d) for i, d in documents.items() if i in kb.by_id}
        return KnowledgeBase(kb.entries, kb.out_of_scope, versions)

    def documents(self) -> dict[str, Document]:
        """id -> raw document of every entry file (the files are the source of truth)."""
        return self.files.read(self._documents)

    def document(self, entry_id: str) -> Document:
        document = self.documents().get(entry_id)
        if document is None:
            raise StoreError(f"There is no entry {_shown(entry_id)}.")
        return document

    def history(self, entry_id: str | None = None, limit: int = 10) -> list[dict[str, Any]]:
        return self.files.read(lambda: history.changes(self.database, entry_id, limit))

    def batches(self, limit: int = 50) -> list[history.Batch]:
        """Recent changes with every file's text before and after (for diffs), newest first."""
        return self.files.read(lambda: history.recent(self.database, limit))

    def undoable(self) -> history.Batch | None:
        """The change `undo` would revert now."""
        return self.files.read(lambda: history.last_undoable(self.database))

    def export(self) -> bytes:
        """The entries and the out-of-scope topics, as one YAML file `import` takes."""
        contents = self._contents(self.files.read(self.files.texts))
        scope = contents.pop(OUT_OF_SCOPE, None)
        exported: dict[str, Any] = {"entries": [contents[i] for i in sorted(contents)]}
        if scope is not None:
            exported["out_of_scope"] = scope
        return dump_yaml(exported).encode()

    def recover(self) -> bool:
        """Finish a change a crash interrupted; True if this call finished one."""
        if not history.pending(self.database, quiet=True):
            return False
        with self.files.writing() as finished:
            return bool(finished)

    # -- writing -----------------------------------------------------------------------------
    def add(self, document: Document, actor: Actor) -> str:
        """Add an entry; its id is derived from the question (made unique). Returns the id."""
        with self.files.writing():
            existing = self._documents()
            base = slug(str(document.get("question", "")))
            entry_id, n = base, 2
            while entry_id in existing:
                entry_id, n = f"{base[: MAX_ID_CHARS - 4]}-{n}", n + 1
            self.files.commit({entry_id: dump_entry({**document, "id": entry_id})}, actor, "add")
            return entry_id

    def edit(self, entry_id: str, document: Document, actor: Actor, version: str) -> None:
        with self.files.writing():
            self._check_version(entry_id, self._documents(), version)
            text = self._entry_text(entry_id, {**document, "id": entry_id})
            self.files.commit({entry_id: text}, actor, "edit")

    def remove(self, entry_id: str, actor: Actor, version: str) -> None:
        with self.files.writing():
            self._check_version(entry_id, self._documents(), version)
            self.files.commit({entry_id: None}, actor, "remove")

    def plan_import(self, text: str) -> ImportPlan:
        """Validate an import completely and say what it would change; writes nothing.
        Out-of-scope topics are replaced when the file has them, kept when it has none."""
        data = load_untrusted(text)
        items = data.get("entries") if isinstance(data, dict) else data
        if items == []:  # an import replaces every entry: the knowledge base would be empty
            raise StoreError("The file's list of entries is empty; nothing changed.")
        if not isinstance(items, list):
            raise StoreError("The file must hold a list of entries (as /kb export writes it).")
        validate_entries([(f"entry {n}", item) for n, item in enumerate(items, 1)])
        incoming = {item["id"]: item for item in items}
        existing = self._contents(self.files.read(self.files.texts))
        if isinstance(data, dict) and data.get("out_of_scope") is not None:
            validate_out_of_scope(data["out_of_scope"])
            incoming[OUT_OF_SCOPE] = data["out_of_scope"]
        elif OUT_OF_SCOPE in existing:
            incoming[OUT_OF_SCOPE] = existing[OUT_OF_SCOPE]
        both = set(incoming) & set(existing)
        return ImportPlan(
            documents=incoming,
            added=tuple(sorted(set(incoming) - set(existing))),
            changed=tuple(sorted(i for i in both if incoming[i] != existing[i])),
            removed=tuple(sorted(set(existing) - set(incoming))),
            base={i: version_of(d) for i, d in existing.items()},
        )

    def apply_import(self, plan: ImportPlan, actor: Actor) -> None:
        with self.files.writing():
            current = {i: version_of(d) for i, d in self._contents(self.files.texts()).items()}
            if current != plan.base:
                raise ConflictError(
                    "The knowledge base changed after this import was previewed, so it was not "
                    "applied; preview the file again to see what it would change now."
                )
            changes: dict[str, str | None] = {
                i: _file_text(i, plan.documents[i]) for i in plan.added + plan.changed
            }
            changes |= {i: None for i in plan.removed}
            self.files.commit(changes, actor, "import")

    def add_not_example(self, entry_id: str, question: str, actor: Actor) -> None:
        """Teach the matcher that `question` looks like the entry but is not it."""
        self._append(entry_id, "not", question, actor)

    def add_phrasing(self, entry_id: str, question: str, actor: Actor) -> None:
        """Teach the matcher that `question` asks for this entry."""
        self._append(entry_id, "phrasings", question, actor)

    def _append(self, entry_id: str, field: str, question: str, actor: Actor) -> None:
        with self.files.writing():
            document = self._documents(self.files.texts()).get(entry_id)
            if document is None:
                raise StoreError(f"There is no entry {_shown(entry_id)}.")
            question = " ".join(strip_invisible(question).split())  # one space between words
            wordings = [document.get("question", ""), *document.get("phrasings", [])]
            if field == "phrasings" and canonical(question) in {canonical(w) for w in wordings}:
                raise StoreError(f"{_shown(entry_id)} already has that wording; nothing changed.")
            values = [*document.get(field, []), question]
            action = "not" if field == "not" else "phrasing"
            text = self._entry_text(entry_id, {**document, field: values})
            self.files.commit({entry_id: text}, actor, action)

    def add_out_of_scope(self, question: str, topic: str, actor: Actor) -> None:
        """Add `question` to an out-of-scope topic (made when new)."""
        example = " ".join(strip_invisible(question).split())

        def add(topics: dict[str, Any]) -> None:
            body = topics.get(topic) or {}
            topics[topic] = {**body, "examples": [*body.get("examples", []), example]}

        self._change_out_of_scope(add, actor)

    def set_out_of_scope_topic(
        self, topic: str, pointer: str, examples: list[str], actor: Actor
    ) -> None:
        """Replace one out-of-scope topic's pointer and examples (none: remove the topic)."""
        cleaned = [strip_invisible(e).strip() for e in examples if e.strip()]
        body = {"pointer": strip_invisible(pointer).strip(), "examples": cleaned}

        def put(topics: dict[str, Any]) -> None:
            if cleaned:
                topics[topic] = body if body["pointer"] else {"examples": cleaned}
            else:
                topics.pop(topic, None)

        self._change_out_of_scope(put, actor)

    def _change_out_of_scope(self, change: Callable[[dict[str, Any]], None], actor: Actor) -> None:
        """Change the topics; a file that does not validate is refused, never replaced."""
        with self.files.writing():
            text = out_of_scope_text(self.files.texts().get(OUT_OF_SCOPE), change)
            self.files.commit({OUT_OF_SCOPE: text}, actor, "out-of-scope")

    def undo(self, actor: Actor) -> history.Batch:
        """Revert the latest change not yet undone; the undo is itself an audited change."""
        with self.files.writing():
            batch = history.last_undoable(self.database)
            if batch is None:
                raise StoreError("There is nothing to undo.")
            self.files.commit(dict(batch.restores), actor, "undo", undoes=batch.id)
            return batch

    # -- internals -----------------------------------------------------------------------------
    def _entry_text(self, entry_id: str, document: Document) -> str:
        """An existing entry's file saying `document`, its formatting and comments kept."""
        old = self.files.texts().get(entry_id)
        return rewritten(old, document, dump_entry) if old else dump_entry(document)

    def _documents(self, texts: dict[str, str] | None = None) -> dict[str, Document]:
        """The entries' documents (of `texts`, else of the files now)."""
        texts = self.files.texts() if texts is None else texts
        return entry_documents({i: t for i, t in texts.items() if i != OUT_OF_SCOPE})

    def _contents(self, texts: Texts) -> dict[str, Any]:
        """The entries' documents and, under OUT_OF_SCOPE, the out-of-scope file's."""
        contents: dict[str, Any] = dict(self._documents(texts))
        if OUT_OF_SCOPE in texts:
            contents[OUT_OF_SCOPE] = parse_yaml(texts[OUT_OF_SCOPE])
        return contents

    @staticmethod
    def _check_version(entry_id: str, existing: dict[str, Document], version: str) -> None:
        if entry_id not in existing:
            raise StoreError(f"There is no entry {_shown(entry_id)}; it may have just gone.")
        if version_of(existing[entry_id]) != version:
            raise ConflictError(
                f"Someone changed {entry_id!r} after you opened it, so your "
                "save was not applied; open it again to see their version."
            )


def validate_texts(texts: Texts) -> None:
    """The whole knowledge base as the files would be: every problem at once."""
    entries = {i: t for i, t in texts.items() if i != OUT_OF_SCOPE}
    if not entries:
        raise StoreError("The knowledge base cannot be left empty.")
    knowledge_base(parse_documents(entries))  # raises KnowledgeBaseError
    if OUT_OF_SCOPE in texts:
        parse_out_of_scope(texts[OUT_OF_SCOPE])


def _file_text(key: str, document: Document) -> str:
    return dump_yaml(document) if key == OUT_OF_SCOPE else dump_entry(document)


def _shown(entry_id: str) -> str:
    """An id as typed, clipped: option text may be thousands of characters."""
    return repr(entry_id if len(entry_id) <= 90 else entry_id[:89] + "…")


def entry_problems(error: KnowledgeBaseError, entry_id: str | None = None) -> list[str]:
    """Problems as a moderator reads them: `field: message`, their entry's first."""
    ordered = sorted(error.problems, key=lambda p: p.entry_id != entry_id)
    return [f"{p.field}: {p.message}" if p.entry_id == entry_id else str(p) for p in ordered]
