"""Members are kept as a salted hash of their Discord id, never the id: the same member's
votes, questions and forum posts can be found (one vote each; `kb forget`), and the database
alone cannot tell who they are. The salt is made once and kept in the database."""

from __future__ import annotations

import hashlib
import secrets
import sqlite3

from bot.knowledge.database import Database

SALT_SETTING = "member_salt"


def salted(db: sqlite3.Connection, member_id: int) -> str:
    """The member's hash, inside the caller's write transaction (the salt is made there the
    first time: a second transaction would wait for this one)."""
    db.execute(
        "INSERT OR IGNORE INTO settings VALUES (?, ?)", (SALT_SETTING, secrets.token_hex(16))
    )
    (salt,) = db.execute("SELECT value FROM settings WHERE key = ?", (SALT_SETTING,)).fetchone()
    return with_salt(salt, member_id)


def with_salt(salt: str, member_id: int) -> str:
    return hashlib.sha256(f"{salt}:{member_id}".encode()).hexdigest()[:32]


def known_hash(database: Database, member_id: int) -> str | None:
    """The member's hash by reading the salt only (works while another connection holds the
    write lock); None before any salt was made. Raises DataUnavailable."""
    salt = database.setting(SALT_SETTING)
    return None if salt is None else with_salt(salt, member_id)


def member_hash(database: Database, member_id: int) -> str:
    """The member's hash, in a transaction of its own. Raises DataUnavailable."""
    with database.transaction() as db:
        return salted(db, member_id)
