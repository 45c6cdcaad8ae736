"""What members asked and what they thought of the answers, kept in the database.

Each question the bot replies to gets a short random reference, carried by the reply's
"Helpful" / "Not helpful" buttons, so a vote (even after a restart) finds what was asked.
Votes are kept per member per answer under a salted hash of the member's id: one vote each,
changeable, and never the plain id.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.knowledge.database import QUICK_SECONDS, Database
from bot.matching.result import Match
from bot.records.activity import since
from bot.records.members import salted

MAX_REF = 10**12  # a reference fits in a custom_id beside an 80-character entry id
NO_QUESTION = 0  # an answer shown without a question (browsing /topics, a related entry)
REASONS = {
    "wrong": "wrong topic",
    "outdated": "outdated",
    "short": "not enough",
}


def new_reference() -> int:
    return secrets.randbelow(MAX_REF - 1) + 1


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def record_question(
    database: Database,
    reference: int,
    match: Match,
    source: str,
    guild_id: int | None,
    channel_id: int | None,
    member_id: int | None = None,
) -> None:
    """Keep a question and what the bot did with it, with its author's salted hash (for
    `kb forget`). Raises DataUnavailable."""
    with database.transaction(durable=False, wait=QUICK_SECONDS) as db:
        db.execute(
            "INSERT OR IGNORE INTO questions "
            "(id, time, guild, channel, source, question, decision, answers, member) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                reference,
                now(),
                guild_id,
                channel_id,
                source,
                match.question,
                match.decision.value,
                ",".join(e.id for e in match.answers),
                None if member_id is None else salted(db, member_id),
            ),
        )


def vote(
    database: Database,
    member_id: int,
    entry_id: str,
    reference: int,
    helpful: bool,
    guild_id: int | None,
    channel_id: int | None,
) -> int | None:
    """Record or change a member's vote on an answer; the vote it replaces (1, -1 or None).
    Raises DataUnavailable."""
    with database.transaction(durable=False, wait=QUICK_SECONDS) as db:
        member = salted(db, member_id)
        row = db.execute("SELECT question FROM questions WHERE id = ?", (reference,)).fetchone()
        question = row[0] if row else ""
        before = db.execute(
            "SELECT vote FROM feedback WHERE member = ? AND entry = ? AND question = ?",
            (member, entry_id, question),
        ).fetchone()
        db.execute(
            "INSERT INTO feedback (time, guild, channel, entry, question, member, vote) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (member, entry, question) DO UPDATE "
            "SET vote = excluded.vote, time = excluded.time, "
            "reason = CASE WHEN excluded.vote = 1 THEN NULL ELSE reason END",
            (now(), guild_id, channel_id, entry_id, question, member, 1 if helpful else -1),
        )
    return before[0] if before else None


def give_reason(
    database: Database, member_id: int, entry_id: str, reference: int, reason: str
) -> bool:
    """Say what was wrong with an answer the member voted not helpful; False if there is no
    such vote (any more). Raises DataUnavailable."""
    if reason not in REASONS:
        raise ValueError(f"unknown reason {reason!r}")
    with database.transaction(durable=False, wait=QUICK_SECONDS) as db:
        member = salted(db, member_id)
        updated = db.execute(
            "UPDATE feedback SET reason = ? WHERE member = ? AND entry = ? AND vote = -1 "
            "AND question = COALESCE((SELECT question FROM questions WHERE id = ?), '')",
            (reason, member, entry_id, reference),
        )
        return updated.rowcount > 0


@dataclass(slots=True)
class QuestionVotes:
    question: str  # "" when the answer was shown without a question
    helpful: int = 0
    not_helpful: int = 0
    reasons: dict[str, int] = field(default_factory=dict)


@dataclass(slots=True)
class EntryFeedback:
    entry: str
    helpful: int = 0
    not_helpful: int = 0
    questions: list[QuestionVotes] = field(default_factory=list)

    @property
    def not_helpful_rate(self) -> float:
        return self.not_helpful / max(1, self.helpful + self.not_helpful)


def feedback_report(database: Database, days: int | None = None) -> list[EntryFeedback]:
    """Entries with votes in the last `days` (None: all), the least helpful first, each with
    the questions that got the votes (most not-helpful first). Raises DataUnavailable."""
    with database.transaction(write=False) as db:
        rows = db.execute(
            "SELECT entry, question, vote, reason FROM feedback WHERE time >= ? ORDER BY id",
            (since(days),),
        ).fetchall()
    entries: dict[str, EntryFeedback] = {}
    asked: dict[tuple[str, str], QuestionVotes] = {}
    for entry_id, question, value, reason in rows:
        entry = entries.setdefault(entry_id, EntryFeedback(entry_id))
        votes = asked.get((entry_id, question))
        if votes is None:
            votes = asked[entry_id, question] = QuestionVotes(question)
            entry.questions.append(votes)
        if value > 0:
            entry.helpful += 1
            votes.helpful += 1
        else:
            entry.not_helpful += 1
            votes.not_helpful += 1
            if reason:
                votes.reasons[reason] = votes.reasons.get(reason, 0) + 1
    for entry in entries.values():
        entry.questions.sort(key=lambda q: (-q.not_helpful, q.helpful))
    return sorted(entries.values(), key=lambda e: (-e.not_helpful_rate, -e.not_helpful, e.entry))
