"""Every write to the knowledge base: validated like the files on disk, atomic, audited, undoable.

The YAML files stay the single source of truth. A write
1. takes the store lock (a thread lock and an flock on DATA_DIR, so the bot and the terminal
   never interleave),
2. validates the whole knowledge base as it would be after the change (same rules, same
   messages as `kb validate`),
3. writes a journal of the change, then each changed file via temp file + fsync + os.replace,
   then the audit records, then removes the journal. A crash leaves every file whole; a
   journal left behind is finished on the next start, so a multi-file import is all or nothing.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import re
import secrets
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from bot.kb.files import append_line, write_atomic
from bot.kb.loader import (
    MAX_ID_CHARS,
    describe_yaml_error,
    entries_dir,
    load_knowledge_base,
    parse_yaml,
)
from bot.kb.loader import validate_entries as _validate
from bot.kb.model import KnowledgeBase, KnowledgeBaseError, Problem
from bot.kb.safe_yaml import load_untrusted

AUDIT_FILE = "audit.jsonl"
JOURNAL_FILE = "kb-journal.json"
LOCK_FILE = "kb.lock"
FIELD_ORDER = ("id", "category", "question", "phrasings", "keywords", "answer", "related", "source")

Document = dict[str, Any]


class StoreError(Exception):
    """A write that cannot be done as asked; the message is one sentence for the person."""


class ConflictError(StoreError):
    pass


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

    @property
    def empty(self) -> bool:
        return not (self.added or self.changed or self.removed)


def version_of(document: Document) -> str:
    """A short fingerprint of an entry's content (12 hex: fits a custom_id)."""
    return hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()[:12]


def slug(question: str) -> str:
    words = re.sub(r"[^a-z0-9]+", " ", question.lower()).split()
    text = "-".join(words)[:MAX_ID_CHARS].rstrip("-")
    return text or "entry"


class _BlockDumper(yaml.SafeDumper):
    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)  # indent list items, as the hand-written files do


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_BlockDumper.add_representer(str, _text)


def dump_entry(document: Document) -> str:
    ordered = {k: document[k] for k in FIELD_ORDER if k in document and document[k] != []}
    ordered |= {k: v for k, v in document.items() if k not in FIELD_ORDER}
    return yaml.dump(ordered, Dumper=_BlockDumper, sort_keys=False, allow_unicode=True, width=100)


def form_document(
    *, question: str, phrasings: str, answer: str, category: str, keywords: str, base: Document
) -> Document:
    """An entry from a moderator's form: phrasings one per line, keywords comma-separated.

    `base` supplies what the form does not show (id, related, source). Text is kept verbatim.
    """
    document = dict(base)
    document.update(
        question=question.strip(),
        phrasings=[line.strip() for line in phrasings.splitlines() if line.strip()],
        answer=answer.strip() + "\n" if "\n" in answer.strip() else answer.strip(),
        category=category.strip(),
        keywords=[k.strip() for k in re.split(r"[,\n]", keywords) if k.strip()],
    )
    return document


class KnowledgeStore:
    def __init__(self, knowledge_dir: Path, data_dir: Path) -> None:
        self.knowledge_dir = knowledge_dir
        self.data_dir = data_dir
        self._thread_lock = threading.Lock()

    # -- reading ---------------------------------------------------------------------------
    def load(self) -> KnowledgeBase:
        return load_knowledge_base(self.knowledge_dir)

    def path_of(self, entry_id: str) -> Path:
        return entries_dir(self.knowledge_dir) / f"{entry_id}.yaml"

    def documents(self) -> dict[str, Document]:
        """id -> raw document of every entry file (the files are the source of truth)."""
        found: dict[str, Document] = {}
        problems: list[Problem] = []
        for path in sorted(entries_dir(self.knowledge_dir).glob("*.y*ml")):
            try:
                data = parse_yaml(path.read_text(encoding="utf-8"))
            except (yaml.YAMLError, UnicodeDecodeError) as exc:
                problems.append(Problem(path.name, "", "file", describe_yaml_error(exc)))
                continue
            found[path.stem] = data if isinstance(data, dict) else {}
        if problems:  # a broken file on disk must be fixed before anything is written
            raise KnowledgeBaseError(problems)
        return found

    def document(self, entry_id: str) -> Document:
        document = self.documents().get(entry_id)
        if document is None:
            raise StoreError(f"There is no entry {entry_id!r}.")
        return document

    def history(self, entry_id: str | None = None, limit: int = 10) -> list[dict[str, Any]]:
        records = self._audit()
        if entry_id:
            records = [r for r in records if r["entry"] == entry_id]
        return records[-limit:][::-1]

    def _audit(self) -> list[dict[str, Any]]:
        path = self.data_dir / AUDIT_FILE
        if not path.is_file():
            return []
        records = []
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                records.append(json.loads(line))
            except ValueError:
                continue  # a torn last line from a crash is skipped, never fatal
        return records

    # -- writing ---------------------------------------------------------------------------
    def add(self, document: Document, actor: Actor) -> str:
        """Add an entry; its id is derived from the question (made unique). Returns the id."""
        with self._locked():
            existing = self.documents()
            base = slug(str(document.get("question", "")))
            entry_id, n = base, 2
            while entry_id in existing:
                entry_id, n = f"{base[: MAX_ID_CHARS - 4]}-{n}", n + 1
            self._commit({entry_id: {**document, "id": entry_id}}, actor, "add", existing)
            return entry_id

    def edit(self, entry_id: str, document: Document, actor: Actor, version: str) -> None:
        with self._locked():
            existing = self.documents()
            self._check_version(entry_id, existing, version)
            self._commit({entry_id: {**document, "id": entry_id}}, actor, "edit", existing)

    def remove(self, entry_id: str, actor: Actor, version: str) -> None:
        with self._locked():
            existing = self.documents()
            self._check_version(entry_id, existing, version)
            self._commit({entry_id: None}, actor, "remove", existing)

    def plan_import(self, text: str) -> ImportPlan:
        """Validate an import completely and say what it would change; writes nothing."""
        data = load_untrusted(text)
        items = data.get("entries") if isinstance(data, dict) else data
        if not isinstance(items, list) or not items:
            raise StoreError("The file must hold a list of entries (as /kb export writes it).")
        parsed = [(f"entry {n}", item) for n, item in enumerate(items, 1)]
        _validate(parsed)  # raises KnowledgeBaseError with every problem
        incoming = {item["id"]: item for item in items}
        existing = self.documents()
        return ImportPlan(
            documents=incoming,
            added=tuple(sorted(set(incoming) - set(existing))),
            changed=tuple(
                sorted(
                    i
                    for i in set(incoming) & set(existing)
                    if version_of(incoming[i]) != version_of(existing[i])
                )
            ),
            removed=tuple(sorted(set(existing) - set(incoming))),
        )

    def apply_import(self, plan: ImportPlan, actor: Actor) -> None:
        with self._locked():
            changes: dict[str, Document | None] = {
                i: plan.documents[i] for i in plan.added + plan.changed
            }
            changes |= {i: None for i in plan.removed}
            self._commit(changes, actor, "import", self.documents())

    def undo(self, actor: Actor) -> dict[str, Any]:
        """Revert the latest change not yet undone; the undo is itself an audited change."""
        with self._locked():
            records = self._audit()
            undone = {r.get("undoes") for r in records if r.get("undoes")}
            batches = [
                r["batch"] for r in records if r["action"] != "undo" and r["batch"] not in undone
            ]
            if not batches:
                raise StoreError("There is nothing to undo.")
            batch = batches[-1]
            undone_records = [r for r in records if r["batch"] == batch]
            changes = {r["entry"]: r["before"] for r in undone_records}
            self._commit(changes, actor, "undo", self.documents(), undoes=batch)
            return undone_records[0]

    def export(self) -> bytes:
        documents = self.documents()
        return yaml.dump(
            {"entries": [documents[i] for i in sorted(documents)]},
            Dumper=_BlockDumper,
            sort_keys=False,
            allow_unicode=True,
            width=100,
        ).encode()

    def recover(self) -> bool:
        """Finish a change a crash interrupted (see the module docstring). True if one was."""
        if not (self.data_dir / JOURNAL_FILE).is_file():
            return False  # the common case: no lock taken, nothing written
        with self._locked():  # taking the lock finishes the journal
            return True

    # -- internals -------------------------------------------------------------------------
    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with self._thread_lock, open(self.data_dir / LOCK_FILE, "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                self._finish_journal()
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    @staticmethod
    def _check_version(entry_id: str, existing: Mapping[str, Document], version: str) -> None:
        if entry_id not in existing:
            raise StoreError(f"There is no entry {entry_id!r}; it may have just been removed.")
        if version_of(existing[entry_id]) != version:
            raise ConflictError(
                f"Someone changed {entry_id!r} after you opened it, so your "
                "save was not applied; open it again to see their version."
            )

    def _commit(
        self,
        changes: dict[str, Document | None],
        actor: Actor,
        action: str,
        existing: dict[str, Document],
        undoes: str | None = None,
    ) -> None:
        after = {**existing, **changes}
        after = {i: d for i, d in after.items() if d is not None}
        if not after:
            raise StoreError("The knowledge base cannot be left empty.")
        _validate([(f"{i}.yaml", d) for i, d in after.items()])
        now = datetime.now(UTC).isoformat(timespec="seconds")
        batch = secrets.token_hex(8)
        records = [
            {
                "time": now,
                "guild": actor.guild,
                "actor_id": actor.id,
                "actor": actor.name,
                "action": action,
                "entry": entry_id,
                "before": existing.get(entry_id),
                "after": document,
                "batch": batch,
                **({"undoes": undoes} if undoes else {}),
            }
            for entry_id, document in changes.items()
        ]
        write_atomic(self.data_dir / JOURNAL_FILE, json.dumps(records).encode())
        self._finish_journal()

    def _finish_journal(self) -> bool:
        journal = self.data_dir / JOURNAL_FILE
        if not journal.is_file():
            return False
        records = json.loads(journal.read_text(encoding="utf-8"))
        for record in records:
            path = self.path_of(record["entry"])
            if record["after"] is None:
                path.unlink(missing_ok=True)
            else:
                write_atomic(path, dump_entry(record["after"]).encode())
        logged = {r["batch"] for r in self._audit()}
        for record in records:
            if record["batch"] not in logged:
                append_line(self.data_dir / AUDIT_FILE, json.dumps(record, ensure_ascii=False))
        journal.unlink()
        return True


def entry_problems(error: KnowledgeBaseError, entry_id: str | None = None) -> list[str]:
    """Problems as a moderator reads them: `field: message`, their entry's first."""
    ordered = sorted(error.problems, key=lambda p: p.entry_id != entry_id)
    return [f"{p.field}: {p.message}" if p.entry_id == entry_id else str(p) for p in ordered]
