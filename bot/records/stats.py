"""Usage over the last days, from the database: questions per day and what the bot did with
them, member votes, the most answered entries and the most common unanswered questions."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from bot.knowledge.database import Database
from bot.records.activity import UnansweredGroup, group_unanswered, read_unanswered, since

TOP = 5


@dataclass(frozen=True, slots=True)
class Stats:
    days: int
    per_day: tuple[tuple[date, Counter[str]], ...]  # every day of the window, oldest first
    helpful: int
    not_helpful: int
    top_entries: tuple[tuple[str, int], ...]  # (entry id, times answered)
    unanswered: tuple[UnansweredGroup, ...]

    @property
    def decisions(self) -> Counter[str]:
        return sum((counts for _, counts in self.per_day), Counter())

    @property
    def questions(self) -> int:
        return sum(self.decisions.values())


def read_stats(database: Database, days: int) -> Stats:
    """The last `days` calendar days (UTC), today included (1 to MAX_DAYS): every figure,
    the chart's days and the lists alike. Raises DataUnavailable, or ValueError for `days`."""
    since(days)  # checks the range
    today = datetime.now(UTC).date()
    window = [today - timedelta(days=n) for n in range(days - 1, -1, -1)]
    start = window[0].isoformat()
    with database.transaction(write=False) as db:
        asked = db.execute(
            "SELECT substr(time, 1, 10), decision, count(*) FROM questions WHERE time >= ? "
            "GROUP BY 1, 2",
            (start,),
        ).fetchall()
        answers = db.execute(
            "SELECT answers, count(*) FROM questions WHERE time >= ? AND answers != '' "
            "GROUP BY answers",
            (start,),
        ).fetchall()
        votes = dict(
            db.execute(
                "SELECT vote, count(*) FROM feedback WHERE time >= ? GROUP BY vote", (start,)
            ).fetchall()
        )
    per_day: dict[date, Counter[str]] = {day: Counter() for day in window}
    for day, decision, count in asked:
        counts = per_day.get(date.fromisoformat(day))
        if counts is not None:
            counts[decision] += count
    answered: Counter[str] = Counter()
    for ids, count in answers:
        for entry in ids.split(","):
            answered[entry] += count
    return Stats(
        days=days,
        per_day=tuple(per_day.items()),
        helpful=votes.get(1, 0),
        not_helpful=votes.get(-1, 0),
        top_entries=tuple(answered.most_common(TOP)),
        unanswered=tuple(group_unanswered(read_unanswered(database, start=start))[:TOP]),
    )
