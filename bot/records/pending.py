"""Questions asked but not yet recorded (another connection held the database's write lock),
and the small journal that keeps them across a stop: on SIGTERM the bot writes what is
still pending to DATA_DIR/pending-questions.jsonl, and writes those rows at the next start.

The journal never holds a member's id: only the salted hash of who asked (read with the
database's salt; none when no salt was ever made). Writing a record twice is harmless: a
question row is keyed by its reference, and its unanswered row is written only with a new
question row, so a replay interrupted after its commit and before the journal is removed
adds nothing the next time."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from pathlib import Path

from bot.knowledge.database import QUICK_SECONDS, Database, DataUnavailable
from bot.knowledge.files import write_atomic
from bot.matching.result import Decision, Match
from bot.records.members import known_hash, salted

JOURNAL_FILE = "pending-questions.jsonl"


@dataclasses.dataclass(frozen=True, slots=True)
class QuestionRecord:
    """A question and what the bot did with it, as the database keeps them."""

    reference: int
    time: str
    guild: int | None
    channel: int | None
    source: str
    question: str
    decision: str
    answers: str  # entry ids, comma-separated
    unanswered: bool  # also kept for the unanswered report
    best: str | None  # the entry offered first when unsure
    score: int
    member: str | None = None  # who asked, salted (as in the database)
    member_id: int | None = None  # who asked, in memory only: salted when written


def question_record(
    match: Match,
    reference: int,
    source: str,
    guild_id: int | None,
    channel_id: int | None,
    member_id: int | None = None,
) -> QuestionRecord:
    unsure = match.decision is Decision.SUGGEST and match.suggestions
    return QuestionRecord(
        reference=reference,
        time=datetime.now(UTC).isoformat(timespec="seconds"),
        guild=guild_id,
        channel=channel_id,
        source=source,
        question=match.question,
        decision=match.decision.value,
        answers=",".join(e.id for e in match.answers),
        unanswered=match.decision is not Decision.ANSWER,
        best=match.suggestions[0].id if unsure else None,
        score=match.score,
        member_id=member_id,
    )


def write_records(database: Database, records: list[QuestionRecord], durable: bool = False) -> None:
    """Write the records in one transaction. Raises DataUnavailable."""
    with database.transaction(durable=durable, wait=QUICK_SECONDS) as db:
        for r in records:
            member = r.member
            if member is None and r.member_id is not None:
                member = salted(db, r.member_id)
            row = (r.reference, r.time, r.guild, r.channel, r.source, r.question, r.decision)
            new = db.execute(
                "INSERT OR IGNORE INTO questions "
                "(id, time, guild, channel, source, question, decision, answers, member) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (*row, r.answers, member),
            ).rowcount
            if new and r.unanswered:
                db.execute(
                    "INSERT INTO unanswered "
                    "(time, guild, channel, question, decision, best, score, member) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (r.time, r.guild, r.channel, r.question, r.decision, r.best, r.score, member),
                )


def journal_path(data_dir: Path) -> Path:
    return data_dir / JOURNAL_FILE


def read_journal(data_dir: Path) -> list[QuestionRecord]:
    """The records kept at the last stop (none when there is no journal). A line that is not
    a record (edited by hand) is skipped. Raises OSError when it cannot be read."""
    try:
        text = journal_path(data_dir).read_text("utf-8")
    except FileNotFoundError:
        return []
    records = []
    for line in text.splitlines():
        try:
            records.append(QuestionRecord(**json.loads(line)))
        except (ValueError, TypeError):
            continue
    return records


def keep_in_journal(
    data_dir: Path, records: list[QuestionRecord], database: Database | None = None
) -> Path:
    """Add `records` to the journal (replacing it atomically), who asked as a salted hash
    read from `database` (never the id); its path. Raises OSError."""
    kept = {r.reference: r for r in read_journal(data_dir)}
    kept.update((r.reference, _hashed(r, database)) for r in records)
    lines = [json.dumps(dataclasses.asdict(r), ensure_ascii=False) for r in kept.values()]
    path = journal_path(data_dir)
    write_atomic(path, ("\n".join(lines) + "\n").encode())
    return path


def _hashed(record: QuestionRecord, database: Database | None) -> QuestionRecord:
    member = record.member
    if member is None and record.member_id is not None and database is not None:
        try:
            member = known_hash(database, record.member_id)
        except DataUnavailable:
            member = None
    return dataclasses.replace(record, member=member, member_id=None)


def replay_journal(database: Database, data_dir: Path) -> int:
    """Write the journal's records, then remove it; how many it held. Raises DataUnavailable
    (the journal is left for later) or OSError."""
    records = read_journal(data_dir)
    if records:
        write_records(database, records, durable=True)
    journal_path(data_dir).unlink(missing_ok=True)
    return len(records)
