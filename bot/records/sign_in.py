"""Signing in to the dashboard without passwords: a one-time link (single use, 10 minutes)
becomes a session (12 hours) with its own CSRF token.

`/kb dashboard` makes a link for a moderator, `python -m bot dashboard --link` one for the
operator at the terminal. Only a SHA-256 of each secret is stored: a copy of the database
signs nobody in. Times are passed in, so tests move the clock instead of waiting.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.knowledge.database import Database
from bot.knowledge.model import StoreError
from bot.knowledge.transaction import Actor

LINK_LIFETIME = timedelta(minutes=10)
SESSION_LIFETIME = timedelta(hours=12)
SIGN_IN_PATH = "/sign-in"
OPERATOR_PREFIX = "dashboard:"  # actor ids of links made at the terminal
USED = (
    "This sign-in link was already used (each works once); ask for a new one with "
    "/kb dashboard or `python -m bot dashboard --link`."
)
UNKNOWN = (
    "This sign-in link is not one the bot made; ask for a new one with /kb dashboard or "
    "`python -m bot dashboard --link`."
)
EXPIRED = (
    "This sign-in link has expired (links last 10 minutes); ask for a new one with "
    "/kb dashboard or `python -m bot dashboard --link`."
)


class SignInRefused(StoreError):
    """A link that cannot sign anyone in; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class Session:
    actor: Actor
    expires: datetime
    csrf: str

    @property
    def operator(self) -> bool:
        """Signed in from the terminal (whoever can run the bot may curate)."""
        return self.actor.id.startswith(OPERATOR_PREFIX)


def now() -> datetime:
    return datetime.now(UTC)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "replace")).hexdigest()


def _time(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def operator_actor(user: str) -> Actor:
    """Changes made by the operator's sessions show as "dashboard" in the history."""
    return Actor(f"{OPERATOR_PREFIX}{user}", "dashboard")


def new_link(database: Database, actor: Actor, when: datetime) -> str:
    """A fresh one-time secret for `actor`; put it in a link with `link_path`."""
    secret = secrets.token_urlsafe(32)
    with database.transaction() as db:
        # Links and sessions long over are of no use to anyone: clear them as we go.
        db.execute("DELETE FROM dashboard_links WHERE expires < ?", (_time(when - LINK_LIFETIME),))
        db.execute("DELETE FROM dashboard_sessions WHERE expires < ?", (_time(when),))
        db.execute(
            "INSERT INTO dashboard_links VALUES (?, ?, ?, ?, ?, NULL)",
            (_hash(secret), actor.id, actor.name, actor.guild, _time(when + LINK_LIFETIME)),
        )
    return secret


def link_path(secret: str) -> str:
    return f"{SIGN_IN_PATH}?token={secret}"


def redeem(database: Database, secret: str, when: datetime) -> tuple[str, Session]:
    """Use a link once: (the session's secret for the cookie, the session). Raises
    SignInRefused for a link used, expired or unknown."""
    key = _hash(secret)
    with database.transaction() as db:
        row = db.execute(
            "SELECT actor_id, actor, guild, expires, used FROM dashboard_links WHERE token = ?",
            (key,),
        ).fetchone()
        if row is None:
            raise SignInRefused(UNKNOWN)
        actor_id, name, guild, expires, used = row
        if used is not None:
            raise SignInRefused(USED)
        if expires < _time(when):
            raise SignInRefused(EXPIRED)
        db.execute("UPDATE dashboard_links SET used = ? WHERE token = ?", (_time(when), key))
        session_secret = secrets.token_urlsafe(32)
        session = Session(
            Actor(actor_id, name, guild), when + SESSION_LIFETIME, secrets.token_hex(16)
        )
        db.execute(
            "INSERT INTO dashboard_sessions VALUES (?, ?, ?, ?, ?, ?)",
            (_hash(session_secret), actor_id, name, guild, _time(session.expires), session.csrf),
        )
    return session_secret, session


def session(database: Database, secret: str, when: datetime) -> Session | None:
    """The session a cookie names, or None when it is unknown, signed out or expired."""
    if not secret:
        return None
    with database.transaction(write=False) as db:
        row = db.execute(
            "SELECT actor_id, actor, guild, expires, csrf FROM dashboard_sessions WHERE token = ?",
            (_hash(secret),),
        ).fetchone()
    if row is None or row[3] <= _time(when):
        return None
    actor_id, name, guild, expires, csrf = row
    return Session(Actor(actor_id, name, guild), datetime.fromisoformat(expires), csrf)


def end_session(database: Database, secret: str) -> None:
    with database.transaction() as db:
        db.execute("DELETE FROM dashboard_sessions WHERE token = ?", (_hash(secret),))


def end_sessions_of(database: Database, actor_id: str) -> int:
    """Sign a member out everywhere (they lost the right to curate)."""
    with database.transaction() as db:
        return db.execute("DELETE FROM dashboard_sessions WHERE actor_id = ?", (actor_id,)).rowcount
