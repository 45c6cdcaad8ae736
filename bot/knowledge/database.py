"""The bot's runtime records in one SQLite database, `DATA_DIR/bot.sqlite3`.

It holds the knowledge-base change batches (the store's write-ahead log and its history),
the questions asked (and the unanswered ones apart), answer counts per entry, member
feedback, the forum posts answered, and small settings such as the command-sync hash.
WAL with synchronous=FULL: a committed transaction survives a kill or a power cut. Each
operation opens its own short connection, so any thread or process may use it; a busy
database is waited for (BUSY_SECONDS), never failed at once.

Any failure to open or write (DATA_DIR unwritable, disk full, a file that is not a database) is
raised as DataUnavailable: one sentence, and the transaction is rolled back.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path

from bot.knowledge.model import StoreError

DATABASE_FILE = "bot.sqlite3"
BUSY_SECONDS = 30
QUICK_SECONDS = 1.0  # what a write in a member's path waits for a busy database

# Each migration brings the schema from version n to n + 1 (PRAGMA user_version). Never edit a
# released one: add the next. Statements run one by one inside one transaction.
Migration = tuple[str, ...]
MIGRATIONS: tuple[Migration, ...] = (
    (
        """CREATE TABLE batches (
            id TEXT PRIMARY KEY,
            time TEXT NOT NULL,
            guild INTEGER,
            actor_id TEXT NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            undoes TEXT,
            state TEXT NOT NULL CHECK (state IN ('pending', 'applied', 'rolled back')),
            seq INTEGER NOT NULL UNIQUE
        )""",
        # Each changed entry file's exact text before and after; NULL where it did not exist.
        """CREATE TABLE changes (
            batch TEXT NOT NULL REFERENCES batches(id),
            entry TEXT NOT NULL,
            before TEXT,
            after TEXT,
            PRIMARY KEY (batch, entry)
        )""",
        "CREATE INDEX changes_by_entry ON changes(entry)",
        """CREATE TABLE unanswered (
            id INTEGER PRIMARY KEY,
            time TEXT NOT NULL,
            guild INTEGER,
            channel INTEGER,
            question TEXT NOT NULL,
            decision TEXT NOT NULL,
            best TEXT,
            score INTEGER
        )""",
        "CREATE INDEX unanswered_by_time ON unanswered(time)",
        "CREATE TABLE ask_counts (entry TEXT PRIMARY KEY, count INTEGER NOT NULL)",
        # One vote per member per answer: `member` is a salted hash, never a Discord id.
        """CREATE TABLE feedback (
            id INTEGER PRIMARY KEY,
            time TEXT NOT NULL,
            guild INTEGER,
            channel INTEGER,
            entry TEXT NOT NULL,
            question TEXT NOT NULL,
            member TEXT NOT NULL,
            vote INTEGER NOT NULL CHECK (vote IN (-1, 1)),
            reason TEXT,
            UNIQUE (member, entry, question)
        )""",
        "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    ),
    (
        # Every question answered or not, for /kb stats; `id` is also the short reference a
        # reply's feedback buttons carry, so a vote finds the question's text.
        """CREATE TABLE questions (
            id INTEGER PRIMARY KEY,
            time TEXT NOT NULL,
            guild INTEGER,
            channel INTEGER,
            source TEXT NOT NULL,
            question TEXT NOT NULL,
            decision TEXT NOT NULL,
            answers TEXT NOT NULL
        )""",
        "CREATE INDEX questions_by_time ON questions(time)",
        "CREATE INDEX feedback_by_time ON feedback(time)",
        # Forum posts the bot has taken on: one reply per thread, across restarts.
        "CREATE TABLE forum_threads (thread INTEGER PRIMARY KEY, time TEXT NOT NULL)",
    ),
    (
        # A post is taken (done = 0) before it is answered and done once answered or passed
        # over: a post left unfinished by a crash is finished at the next start.
        "ALTER TABLE forum_threads ADD COLUMN done INTEGER NOT NULL DEFAULT 1",
    ),
    (
        # Who asked or posted, as the salted hash votes use (bot/records/members.py), so
        # `kb forget` finds a member's rows; NULL in rows kept before this version.
        "ALTER TABLE questions ADD COLUMN member TEXT",
        "ALTER TABLE unanswered ADD COLUMN member TEXT",
        "ALTER TABLE forum_threads ADD COLUMN member TEXT",
        "CREATE INDEX questions_by_member ON questions(member)",
        "CREATE INDEX unanswered_by_member ON unanswered(member)",
        "CREATE INDEX forum_threads_by_member ON forum_threads(member)",
    ),
    (
        # The dashboard's one-time sign-in links and its sessions (bot/records/sign_in.py):
        # only a hash of each secret is kept, so the database alone signs nobody in.
        """CREATE TABLE dashboard_links (
            token TEXT PRIMARY KEY,
            actor_id TEXT NOT NULL,
            actor TEXT NOT NULL,
            guild INTEGER,
            expires TEXT NOT NULL,
            used TEXT
        )""",
        """CREATE TABLE dashboard_sessions (
            token TEXT PRIMARY KEY,
            actor_id TEXT NOT NULL,
            actor TEXT NOT NULL,
            guild INTEGER,
            expires TEXT NOT NULL,
            csrf TEXT NOT NULL
        )""",
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)


class DataUnavailable(StoreError):
    """DATA_DIR cannot be read or written; the message says why in one sentence."""


class Database:
    """`DATA_DIR/bot.sqlite3`, created and migrated at first use.

    `on_first_migration(connection)` runs inside the transaction that creates the schema (the
    one-time import of the older JSON files); what it returns is kept in `notes` for the caller
    to report.
    """

    def __init__(
        self,
        data_dir: Path,
        on_first_migration: Callable[[sqlite3.Connection], list[str]] | None = None,
    ) -> None:
        self.data_dir = data_dir
        self.path = data_dir / DATABASE_FILE
        self.notes: list[str] = []
        self._on_first_migration = on_first_migration
        self._migrated = False

    def take_notes(self) -> list[str]:
        """What the first migration reported (once)."""
        notes, self.notes = self.notes, []
        return notes

    def problem(self) -> str | None:
        """None when the database can be written (it notes the time), else why not."""
        try:
            with self.transaction() as connection:
                connection.execute(
                    "INSERT OR REPLACE INTO settings VALUES ('last_checked', datetime('now'))"
                )
        except DataUnavailable as exc:
            return str(exc)
        return None

    @contextmanager
    def transaction(
        self, write: bool = True, durable: bool = True, wait: float = BUSY_SECONDS
    ) -> Iterator[sqlite3.Connection]:
        """One transaction: committed when the block ends, rolled back if it raises.

        `durable=False` (records that are not history: unanswered questions, counts) commits
        with synchronous=NORMAL: in WAL mode still never corrupt, but a power cut may lose
        the last few; it spares an fsync per question. `wait` is how long a database locked
        by another connection is waited for before DataUnavailable.
        """
        try:
            nothing_yet = not self.data_dir.exists() and self.data_dir.parent.is_dir()
            opened = self._empty() if nothing_yet and not write else self._connect(wait)
            with closing(opened) as connection:
                if not durable:
                    connection.execute("PRAGMA synchronous = NORMAL")
                connection.execute("BEGIN IMMEDIATE" if write else "BEGIN")
                try:
                    yield connection
                    connection.execute("COMMIT")
                except BaseException:
                    if connection.in_transaction:
                        connection.execute("ROLLBACK")
                    raise
        except (sqlite3.OperationalError, sqlite3.DatabaseError, OSError) as exc:
            if isinstance(exc, sqlite3.IntegrityError | sqlite3.ProgrammingError):
                raise  # a bug in the caller, not the disk
            raise DataUnavailable(self._describe(exc)) from exc

    def _describe(self, exc: BaseException) -> str:
        return f"DATA_DIR ({self.data_dir}) cannot be used: {exc}"

    def _connect(self, wait: float) -> sqlite3.Connection:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(self.path, timeout=wait, isolation_level=None)
        try:
            connection.execute(f"PRAGMA busy_timeout = {int(wait * 1000)}")
            connection.execute("PRAGMA synchronous = FULL")
            if not self._migrated:
                self._migrate(connection, wait)
        except BaseException:
            connection.close()
            raise
        return connection

    @staticmethod
    def _empty() -> sqlite3.Connection:
        """Reading while DATA_DIR does not exist yet: an empty schema in memory, so a
        read-only command leaves no DATA_DIR folder behind."""
        connection = sqlite3.connect(":memory:", isolation_level=None)
        for migration in MIGRATIONS:
            for statement in migration:
                connection.execute(statement)
        return connection

    def _migrate(self, connection: sqlite3.Connection, wait: float) -> None:
        version = connection.execute("PRAGMA user_version").fetchone()[0]
        mode = connection.execute("PRAGMA journal_mode").fetchone()[0]
        if version == SCHEMA_VERSION and mode == "wal":
            self._migrated = True  # the usual start writes nothing (no fsync)
            return
        # On a new file, before anything is written: deleted rows can give their space back.
        connection.execute("PRAGMA auto_vacuum = INCREMENTAL")
        if self._wal(connection, wait) != "wal":
            raise sqlite3.OperationalError("it cannot be put in WAL mode")
        connection.execute("BEGIN IMMEDIATE")  # another process may be migrating too: wait
        try:
            version = connection.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise sqlite3.DatabaseError(
                    f"{self.path.name} is from a newer version of the bot (schema {version})"
                )
            for number in range(version, SCHEMA_VERSION):
                for statement in MIGRATIONS[number]:
                    connection.execute(statement)
                if number == 0 and self._on_first_migration is not None:
                    self.notes += self._on_first_migration(connection)
            connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        self._migrated = True

    @staticmethod
    def _wal(connection: sqlite3.Connection, wait: float) -> str:
        """Put a new file in WAL mode (it stays so). SQLite does not wait for the lock this
        needs: when another connection opens the new file at the same moment, it says
        "locked" at once, so that is waited out here, as busy_timeout does elsewhere."""
        deadline = time.monotonic() + wait
        while True:
            try:
                return connection.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() >= deadline:
                    raise
                time.sleep(0.01)

    # -- small settings ----------------------------------------------------------------------
    def setting(self, key: str) -> str | None:
        with self.transaction(write=False) as connection:
            row = connection.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_setting(self, key: str, value: str) -> None:
        with self.transaction() as connection:
            connection.execute("INSERT OR REPLACE INTO settings VALUES (?, ?)", (key, value))
