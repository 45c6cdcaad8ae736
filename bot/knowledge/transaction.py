"""The knowledge base's files, changed only through the write-ahead log in the database.

A change (`commit`) takes the exclusive writers' lock (DATA_DIR/kb.lock through filelock:
flock on Linux and macOS, msvcrt on Windows; so the bot and the terminal may write at once),
finishes any change a crash left pending, has the caller validate the files as they would
be, logs a pending batch with every file's exact old and new text, replaces each file
atomically, and marks the batch applied. A full disk puts every file back. Readers (`read`)
take no lock: they read again if a change began meanwhile.
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from bot.config import installed_knowledge
from bot.knowledge import history
from bot.knowledge.database import Database, DataUnavailable
from bot.knowledge.files import read_text_file, remove_temp_files, sync_folder, write_atomic
from bot.knowledge.loader import entries_dir, entry_path, entry_texts
from bot.knowledge.model import KnowledgeBaseError, Problem, StoreError
from bot.knowledge.parsing import MAX_BYTES, describe_yaml_error
from bot.knowledge.scope import OUT_OF_SCOPE_FILE


def __getattr__(name: str) -> Any:
    """`FileLock`, imported by the first change: a command that only reads never loads it."""
    if name == "FileLock":
        from filelock import FileLock

        return FileLock
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


LOCK_FILE = "kb.lock"
READ_ONLY = (
    "This is the knowledge base installed with the bot, which is read-only (an upgrade "
    "replaces it). Run `ml-career-bot init FOLDER` to get your own copy, then run the bot "
    "from that folder or set KNOWLEDGE_DIR to its knowledge/; nothing changed."
)
OUT_OF_SCOPE = "out_of_scope"  # the out-of-scope file's key among the entry ids (never an id)
READ_ATTEMPTS = 5  # then a reader waits for the writers' lock instead of retrying
HOLDER_FILE = "kb.lock.holder"  # "PID SINCE" of the change that holds the lock
LOCK_WAIT_SECONDS = 5.0  # then a change (or a reader that must wait) says "busy"
# When the caller asked (time.monotonic()), for callers that queue before they run: the
# Discord adapter sets it as a command arrives, so time spent queueing counts toward the wait.
asked_at: ContextVar[float | None] = ContextVar("asked_at", default=None)
T = TypeVar("T")
Texts = dict[str, str]  # entry id (or OUT_OF_SCOPE) -> the file's text


@dataclass(frozen=True, slots=True)
class Actor:
    id: str
    name: str
    guild: int | None = None


class KnowledgeFiles:
    def __init__(
        self,
        knowledge_dir: Path,
        data_dir: Path,
        database: Database,
        validate: Callable[[Texts], None],
    ) -> None:
        """`validate(texts)` raises KnowledgeBaseError (or StoreError) for a bad result."""
        self.knowledge_dir = knowledge_dir
        self.data_dir = data_dir
        self.database = database
        self.validate = validate
        self.lock_wait = LOCK_WAIT_SECONDS

    def path(self, key: str) -> Path:
        if key == OUT_OF_SCOPE:
            return self.knowledge_dir / OUT_OF_SCOPE_FILE
        return entry_path(self.knowledge_dir, key)

    def texts(self) -> Texts:
        """Every file the store writes: the entries, and the out-of-scope topics, exactly
        as on disk (a byte-order mark and CRLF line endings kept)."""
        texts = entry_texts(self.knowledge_dir)
        try:
            path = self.path(OUT_OF_SCOPE)
            texts[OUT_OF_SCOPE] = read_text_file(path, MAX_BYTES, inside=self.knowledge_dir)
        except FileNotFoundError:
            pass
        except OSError as exc:
            problem = Problem(OUT_OF_SCOPE_FILE, "", "file", describe_yaml_error(exc))
            raise KnowledgeBaseError([problem]) from None
        return texts

    def read(self, read: Callable[[], T]) -> T:
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
        with self.writing():
            return read()

    @contextmanager
    def writing(self) -> Iterator[list[str]]:
        """The exclusive store lock (across processes), with any interrupted change finished:
        yields the ids of the changes it finished (a change that was only in progress when
        the lock was asked for is finished by its own writer, not here)."""
        if self.knowledge_dir.resolve() == installed_knowledge():
            raise StoreError(READ_ONLY)
        from filelock import Timeout  # here: a command that only reads never loads filelock

        file_lock = globals().get("FileLock") or __getattr__("FileLock")  # a test sets it
        lock = file_lock(self.data_dir / LOCK_FILE)
        since = asked_at.get()
        wait = self.lock_wait if since is None else since + self.lock_wait - time.monotonic()
        wait = max(0.0, wait)
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            lock.acquire(timeout=wait)
        except Timeout:
            raise StoreError(self._busy()) from None
        except OSError as exc:
            raise StoreError(
                f"DATA_DIR ({self.data_dir}) is not writable ({exc.strerror}); nothing changed."
            ) from None
        with suppress(OSError):  # who holds the lock, for those who find it taken
            holder = f"{os.getpid()} {datetime.now(UTC).isoformat(timespec='seconds')}\n"
            (self.data_dir / HOLDER_FILE).write_text(holder, encoding="utf-8")
        try:
            finished = []
            for batch in history.pending(self.database):
                self._apply(batch.id, batch.writes, batch.restores)
                finished.append(batch.id)
            remove_temp_files(entries_dir(self.knowledge_dir))
            yield finished
        finally:
            lock.release()

    def _busy(self) -> str:
        """The sentence for a lock another change holds: whose, since when."""
        try:
            pid, since = read_text_file(self.data_dir / HOLDER_FILE, 200).split()[:2]
            held = f" (held by PID {pid}, since {since.replace('T', ' ')})"
        except (OSError, ValueError):
            held = ""
        return f"The knowledge base is busy with another change{held}; try again in a moment."

    def commit(
        self,
        changes: dict[str, str | None],
        actor: Actor,
        action: str,
        undoes: str | None = None,
    ) -> None:
        """Validate the knowledge base after `changes` (id -> new file text, None: remove),
        then log, apply and mark them. Called under the exclusive lock.

        An undo (`undoes`) puts back the exact texts its change replaced, valid or not: only
        problems in other files refuse it."""
        before = self.texts()
        after = {i: t for i, t in {**before, **changes}.items() if t is not None}
        try:
            self.validate(after)
        except KnowledgeBaseError as exc:
            restored = {_file_name(i) for i in changes} if undoes else set()
            others = [p for p in exc.problems if p.file not in restored]
            if others:
                raise KnowledgeBaseError(others) from None
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
            try:
                history.mark(self.database, batch, "rolled back")
            except DataUnavailable:  # still pending: the next change or read applies it
                raise StoreError(
                    f"Could not write the knowledge base ({exc.strerror or exc}); the change "
                    "will be finished when the disk allows it."
                ) from None
            raise StoreError(
                f"Could not write the knowledge base ({exc.strerror or exc}); nothing changed."
            ) from None
        # The files say the change now and the batch logs it: if it cannot be marked applied
        # (a database locked or gone this instant) it stays pending, and the next change or
        # read marks it after finding the files already written. Saved either way.
        with suppress(DataUnavailable):
            history.mark(self.database, batch, "applied")

    def _write_files(self, texts: dict[str, str | None]) -> None:
        """Each file written whole (fsynced, renamed into place); then each folder fsynced
        once, which makes every rename and removal durable before the batch is marked
        applied (a sync per file made a 300-entry import half a second slower)."""
        changed: set[Path] = set()
        for key, text in texts.items():
            path = self.path(key)
            if text is None:
                path.unlink(missing_ok=True)
            elif not path.is_file() or path.read_bytes() != text.encode():
                write_atomic(path, text.encode(), make_parents=False, sync=False)
            else:
                continue
            changed.add(path.parent)
        for folder in sorted(changed):
            sync_folder(folder)


def _file_name(key: str) -> str:
    """The file a key's problems name (as validation reports them)."""
    return OUT_OF_SCOPE_FILE if key == OUT_OF_SCOPE else f"{key}.yaml"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
