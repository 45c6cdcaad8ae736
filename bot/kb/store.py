"""Every write to the knowledge base: validated like the files on disk, atomic, audited, undoable.

The YAML files stay the single source of truth; the database (bot/kb/database.py) is the
write-ahead log and the history. A write
1. takes the exclusive store lock (an flock on DATA_DIR/kb.lock: the bot and the terminal may
   write at once) and finishes any change a crash left pending,
2. validates the whole knowledge base as it would be after the change,
3. commits a batch with every changed file's exact old and new text, state `pending`,
4. replaces each file atomically (temp file, fsync, rename), then marks the batch `applied`.
A kill at any instant leaves either no batch (all old) or a pending one, which the next reader
or writer re-applies completely (all new). Readers take no lock, so they never hold up a
writer; they read between two checks that no change began (`_read`), so they never see one
half made. Undo writes back the exact old texts: files a change did not touch, and the
ones it restores, are byte-for-byte what they were.
"""

from __future__ import annotations

import fcntl
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from bot.kb import history
from bot.kb.database import Database
from bot.kb.entry_yaml import Document, dump_entry, dump_yaml, slug, version_of
from bot.kb.files import remove_temp_files, write_atomic
from bot.kb.legacy import import_legacy_files
from bot.kb.loader import (
    MAX_ID_CHARS,
    entries_dir,
    entry_path,
    entry_texts,
    knowledge_base,
    parse_documents,
    validate_entries,
)
from bot.kb.model import ConflictError, KnowledgeBase, KnowledgeBaseError, StoreError
from bot.kb.safe_yaml import load_untrusted
from bot.kb.scope import load_out_of_scope

LOCK_FILE = "kb.lock"
READ_ATTEMPTS = 5  # then a reader waits for the writers' lock instead of retrying
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Actor:
    id: str
    name: str
    guild: int | None = None


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

    # -- reading (each waits for a write in progress, and finishes one a crash left) -------
    def load(self) -> KnowledgeBase:
        texts, topics = self._read(
            lambda: (entry_texts(self.knowledge_dir), load_out_of_scope(self.knowledge_dir))
        )
        return KnowledgeBase(knowledge_base(parse_documents(texts)).entries, topics)

    def documents(self) -> dict[str, Document]:
        """id -> raw document of every entry file (the files are the source of truth)."""
        return self._read(self._documents)

    def document(self, entry_id: str) -> Document:
        document = self.documents().get(entry_id)
        if document is None:
            raise StoreError(f"There is no entry {_shown(entry_id)}.")
        return document

    def history(self, entry_id: str | None = None, limit: int = 10) -> list[dict[str, Any]]:
        return self._read(lambda: history.changes(self.database, entry_id, limit))

    def export(self) -> bytes:
        documents = self.documents()
        return dump_yaml({"entries": [documents[i] for i in sorted(documents)]}).encode()

    def recover(self) -> bool:
        """Finish a change a crash interrupted. True if there was one."""
        if not history.pending(self.database, quiet=True):
            return False
        with self._writing():
            return True

    # -- writing -----------------------------------------------------------------------------
    def add(self, document: Document, actor: Actor) -> str:
        """Add an entry; its id is derived from the question (made unique). Returns the id."""
        with self._writing():
            existing = self._documents()
            base = slug(str(document.get("question", "")))
            entry_id, n = base, 2
            while entry_id in existing:
                entry_id, n = f"{base[: MAX_ID_CHARS - 4]}-{n}", n + 1
            self._commit({entry_id: dump_entry({**document, "id": entry_id})}, actor, "add")
            return entry_id

    def edit(self, entry_id: str, document: Document, actor: Actor, version: str) -> None:
        with self._writing():
            self._check_version(entry_id, self._documents(), version)
            self._commit({entry_id: dump_entry({**document, "id": entry_id})}, actor, "edit")

    def remove(self, entry_id: str, actor: Actor, version: str) -> None:
        with self._writing():
            self._check_version(entry_id, self._documents(), version)
            self._commit({entry_id: None}, actor, "remove")

    def plan_import(self, text: str) -> ImportPlan:
        """Validate an import completely and say what it would change; writes nothing."""
        data = load_untrusted(text)
        items = data.get("entries") if isinstance(data, dict) else data
        if not isinstance(items, list) or not items:
            raise StoreError("The file must hold a list of entries (as /kb export writes it).")
        validate_entries([(f"entry {n}", item) for n, item in enumerate(items, 1)])
        incoming = {item["id"]: item for item in items}
        existing = self.documents()
        both = set(incoming) & set(existing)
        return ImportPlan(
            documents=incoming,
            added=tuple(sorted(set(incoming) - set(existing))),
            changed=tuple(sorted(i for i in both if incoming[i] != existing[i])),
            removed=tuple(sorted(set(existing) - set(incoming))),
            base={i: version_of(d) for i, d in existing.items()},
        )

    def apply_import(self, plan: ImportPlan, actor: Actor) -> None:
        with self._writing():
            current = {i: version_of(d) for i, d in self._documents().items()}
            if current != plan.base:
                raise ConflictError(
                    "The knowledge base changed after this import was previewed, so it was not "
                    "applied; preview the file again to see what it would change now."
                )
            changes: dict[str, str | None] = {
                i: dump_entry(plan.documents[i]) for i in plan.added + plan.changed
            }
            changes |= {i: None for i in plan.removed}
            self._commit(changes, actor, "import")

    def undo(self, actor: Actor) -> history.Batch:
        """Revert the latest change not yet undone; the undo is itself an audited change."""
        with self._writing():
            batch = history.last_undoable(self.database)
            if batch is None:
                raise StoreError("There is nothing to undo.")
            self._commit(dict(batch.restores), actor, "undo", undoes=batch.id)
            return batch

    # -- internals -----------------------------------------------------------------------------
    def _documents(self) -> dict[str, Document]:
        documents = parse_documents(entry_texts(self.knowledge_dir))
        return {i: d if isinstance(d, dict) else {} for i, d in documents.items()}

    def _read(self, read: Callable[[], T]) -> T:
        """`read()` as of a moment no change was being made: readers take no lock (so they
        never hold up a writer), and read again if a change began meanwhile. A pending change
        is waited for, or, if a crash left it, finished first."""
        for _ in range(READ_ATTEMPTS):
            before = history.generation(self.database)
            if before is None:  # no database to consult (DATA_DIR unusable): files as they are
                return read()
            if before[1]:
                break
            result = read()
            if history.generation(self.database) == before:
                return result
        with self._writing():
            return read()

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """The exclusive store lock (across processes), with any interrupted change finished."""
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            handle = open(self.data_dir / LOCK_FILE, "a")  # noqa: SIM115 - held across the yield
        except OSError as exc:
            raise StoreError(
                f"DATA_DIR ({self.data_dir}) is not writable ({exc.strerror}); nothing changed."
            ) from None
        with handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            for batch in history.pending(self.database):
                self._apply(batch.id, batch.writes, batch.restores)
            remove_temp_files(entries_dir(self.knowledge_dir))
            yield

    @staticmethod
    def _check_version(entry_id: str, existing: dict[str, Document], version: str) -> None:
        if entry_id not in existing:
            raise StoreError(f"There is no entry {_shown(entry_id)}; it may have just gone.")
        if version_of(existing[entry_id]) != version:
            raise ConflictError(
                f"Someone changed {entry_id!r} after you opened it, so your "
                "save was not applied; open it again to see their version."
            )

    def _commit(
        self, changes: dict[str, str | None], actor: Actor, action: str, undoes: str | None = None
    ) -> None:
        """Validate the knowledge base after `changes` (id -> new file text, None: remove),
        then log, apply and mark them. Called under the exclusive lock."""
        before = entry_texts(self.knowledge_dir)
        after = {i: t for i, t in {**before, **changes}.items() if t is not None}
        if not after:
            raise StoreError("The knowledge base cannot be left empty.")
        knowledge_base(parse_documents(after))  # raises KnowledgeBaseError: every problem
        restores = {i: before.get(i) for i in changes}
        batch = secrets.token_hex(8)
        history.begin(
            self.database,
            history.Batch(batch, _now(), actor.id, actor.name, actor.guild, action, undoes),
            changes,
            restores,
        )
        self._apply(batch, changes, restores)

    def _apply(
        self, batch: str, writes: dict[str, str | None], restores: dict[str, str | None]
    ) -> None:
        """Make the files say `writes`, then mark the batch applied. If a file cannot be
        written (a full disk), put every file back, mark the batch rolled back and refuse."""
        try:
            self._write_files(writes)
        except OSError as exc:
            try:
                self._write_files(restores)
            except OSError:
                raise StoreError(
                    f"Could not write the knowledge base ({exc.strerror or exc}); the change "
                    "will be finished when the disk allows it."
                ) from None
            history.mark(self.database, batch, "rolled back")
            raise StoreError(
                f"Could not write the knowledge base ({exc.strerror or exc}); nothing changed."
            ) from None
        history.mark(self.database, batch, "applied")

    def _write_files(self, texts: dict[str, str | None]) -> None:
        for entry_id, text in texts.items():
            path = entry_path(self.knowledge_dir, entry_id)
            if text is None:
                path.unlink(missing_ok=True)
            elif not path.is_file() or path.read_bytes() != text.encode():
                write_atomic(path, text.encode(), make_parents=False)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _shown(entry_id: str) -> str:
    """An id as typed, clipped: option text may be thousands of characters."""
    return repr(entry_id if len(entry_id) <= 90 else entry_id[:89] + "…")


def entry_problems(error: KnowledgeBaseError, entry_id: str | None = None) -> list[str]:
    """Problems as a moderator reads them: `field: message`, their entry's first."""
    ordered = sorted(error.problems, key=lambda p: p.entry_id != entry_id)
    return [f"{p.field}: {p.message}" if p.entry_id == entry_id else str(p) for p in ordered]
