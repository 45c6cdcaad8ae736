"""The /kb reports as plain functions of DATA_DIR, to run in a separate process: months of
questions are grouped and charted there, so the bot's event loop never waits for them (in a
thread, matplotlib's and SQLite's C code would still hold the interpreter lock for tens of
milliseconds at a time)."""

from __future__ import annotations

from pathlib import Path

from bot.knowledge.database import Database
from bot.records.activity import UnansweredGroup, group_unanswered, read_unanswered
from bot.records.feedback import EntryFeedback, feedback_report
from bot.records.stats import Stats, read_stats
from bot.records.triage import Votes, recent_votes
from bot.records.triage import dismiss_unanswered as dismiss
from bot.rendering.stats_chart import stats_chart


def unanswered_groups(data_dir: Path, days: int) -> list[UnansweredGroup]:
    return group_unanswered(read_unanswered(Database(data_dir), days))


def votes(data_dir: Path, days: int) -> list[EntryFeedback]:
    return feedback_report(Database(data_dir), days)


def stats_and_chart(data_dir: Path, days: int) -> tuple[Stats, bytes]:
    stats = read_stats(Database(data_dir), days)
    return stats, stats_chart(stats)


def dismiss_unanswered(data_dir: Path, example: str, days: int) -> int:
    return dismiss(Database(data_dir), example, days)


def votes_newest_first(data_dir: Path, days: int) -> tuple[list[EntryFeedback], Votes]:
    """The feedback report (least helpful first) and each entry's latest votes."""
    database = Database(data_dir)
    return feedback_report(database, days), recent_votes(database, days)


def entry_votes(data_dir: Path) -> dict[str, tuple[int, int]]:
    """Every entry's helpful and not-helpful votes of all time."""
    with Database(data_dir).transaction(write=False) as db:
        rows = db.execute(
            "SELECT entry, sum(vote = 1), sum(vote = -1) FROM feedback GROUP BY entry"
        ).fetchall()
    return {entry: (helpful, not_helpful) for entry, helpful, not_helpful in rows}
