"""Votes, the questions they are about, the feedback report and usage stats (the core)."""

from __future__ import annotations

import sqlite3

import pytest

from bot.knowledge.database import Database
from bot.records.activity import record_unanswered
from bot.records.feedback import NO_QUESTION, feedback_report, give_reason, record_question, vote
from bot.records.stats import read_stats
from bot.rendering.stats_chart import stats_chart

MEMBER, OTHER = 400_000_000_000_000_001, 400_000_000_000_000_002


@pytest.fixture
def database(tmp_path) -> Database:
    return Database(tmp_path)


def asked(database: Database, lexical, question: str, reference: int, source: str = "ask"):
    match = lexical.match(question)
    record_question(database, reference, match, source, 1, 2)
    if not match.answers:
        record_unanswered(database, match, 1, 2)
    return match


def test_one_vote_per_member_per_answer_and_it_can_change(database, lexical):
    match = asked(database, lexical, "do I need a PhD to work in ML?", 11)
    entry = match.entry.id
    assert vote(database, MEMBER, entry, 11, False, 1, 2) is None
    assert vote(database, MEMBER, entry, 11, False, 1, 2) == -1  # again: still one vote
    assert vote(database, OTHER, entry, 11, True, 1, 2) is None
    (report,) = feedback_report(database)
    assert (report.helpful, report.not_helpful) == (1, 1)
    assert vote(database, MEMBER, entry, 11, True, 1, 2) == -1  # changed its mind
    (report,) = feedback_report(database)
    assert (report.helpful, report.not_helpful) == (2, 0)
    assert report.questions[0].question == match.question


def test_the_member_id_is_never_stored(database, lexical):
    entry = asked(database, lexical, "do I need a PhD to work in ML?", 12).entry.id
    vote(database, MEMBER, entry, 12, False, 1, 2)
    dump = "\n".join(sqlite3.connect(database.path).iterdump())
    assert str(MEMBER) not in dump
    restarted = Database(database.data_dir)
    assert vote(restarted, MEMBER, entry, 12, True, 1, 2) == -1, "the salt outlives a restart"


def test_a_reason_needs_a_not_helpful_vote_and_goes_with_a_helpful_one(database, lexical):
    entry = asked(database, lexical, "do I need a PhD to work in ML?", 13).entry.id
    assert not give_reason(database, MEMBER, entry, 13, "outdated")
    vote(database, MEMBER, entry, 13, False, 1, 2)
    assert give_reason(database, MEMBER, entry, 13, "outdated")
    assert feedback_report(database)[0].questions[0].reasons == {"outdated": 1}
    vote(database, MEMBER, entry, 13, True, 1, 2)
    assert feedback_report(database)[0].questions[0].reasons == {}
    with pytest.raises(ValueError):
        give_reason(database, MEMBER, entry, 13, "rude")


def test_the_report_puts_the_least_helpful_entry_first(database, kb):
    good, bad = kb.entries[0].id, kb.entries[1].id
    for member in range(3):
        vote(database, member, good, NO_QUESTION, True, 1, 2)
    vote(database, 0, bad, NO_QUESTION, True, 1, 2)
    vote(database, 1, bad, NO_QUESTION, False, 1, 2)
    report = feedback_report(database)
    assert [r.entry for r in report] == [bad, good]
    assert report[0].not_helpful_rate == 0.5
    assert report[0].questions[0].question == ""  # voted on without a question


def test_stats_count_questions_votes_and_what_went_unanswered(database, lexical):
    answered = asked(database, lexical, "do I need a PhD to work in ML?", 21)
    asked(database, lexical, "do I need a PhD for machine learning jobs", 22)
    asked(database, lexical, "what's the best pizza topping?", 23)
    asked(database, lexical, "what is the best pizza topping", 24, source="forum")
    vote(database, MEMBER, answered.entry.id, 21, True, 1, 2)
    stats = read_stats(database, 7)
    assert len(stats.per_day) == 7 and stats.questions == 4
    assert stats.decisions["decline"] == 2 and stats.per_day[-1][1]["decline"] == 2
    assert stats.top_entries[0] == (answered.entry.id, stats.decisions["answer"])
    assert (stats.helpful, stats.not_helpful) == (1, 0)
    assert stats.unanswered[0].count == 2
    assert stats_chart(stats).startswith(b"\x89PNG")
    with pytest.raises(ValueError):
        read_stats(database, 0)


def test_stats_of_an_empty_database_draw_an_empty_chart(database):
    stats = read_stats(database, 30)
    assert stats.questions == 0 and not stats.top_entries and not stats.unanswered
    assert stats_chart(stats).startswith(b"\x89PNG")


@pytest.mark.parametrize(
    ("days", "unit", "bins"), [(30, "day", 30), (120, "week", 18), (365, "month", 12)]
)
def test_a_long_window_is_charted_by_week_or_month_with_every_tick_inside(
    database, days, unit, bins
):
    from datetime import UTC, datetime, timedelta

    from bot.rendering.stats_chart import MAX_TICKS, binned, ticks

    stats = read_stats(database, days)
    found_unit, found = binned(stats)
    first_day = stats.per_day[0][0]
    assert found_unit == unit and bins <= len(found) <= bins + 1
    assert sum(found[0][1].values()) == 0 and found[0][0] == first_day, "a bin starts in the window"
    shown = ticks([start for start, _ in found])
    assert shown[0] == first_day and len(shown) <= MAX_TICKS
    assert found[-1][0] <= datetime.now(UTC).date() < found[-1][0] + timedelta(days=32)
    assert stats_chart(stats).startswith(b"\x89PNG")


def test_large_amounts_read_as_millions():
    from bot.calculator.chart import short

    assert [short(v) for v in (950, 232_400, 1_000_000, 21_500_000)] == [
        "950",
        "232k",
        "1M",
        "21.5M",
    ]
