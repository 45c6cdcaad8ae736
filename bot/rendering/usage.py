"""Feedback and usage stats as text: the terminal prints it, /kb feedback and /kb stats build
their embeds from it. Members' questions are quoted defused: mentions dropped, one line,
clipped."""

from __future__ import annotations

from bot.knowledge.text import strip_controls, strip_invisible, strip_mentions
from bot.records.feedback import REASONS, EntryFeedback, QuestionVotes
from bot.records.stats import Stats
from bot.rendering.replies import clip

QUOTED_CHARS = 100


def shown(question: str, limit: int = QUOTED_CHARS) -> str:
    """A member's question, safe to show anywhere: no mentions, invisible or control
    characters (a terminal escape sequence), one line, clipped."""
    text = strip_controls(strip_mentions(strip_invisible(question)))
    return clip(" ".join(text.split()), limit)


def quote(question: str, limit: int = QUOTED_CHARS) -> str:
    text = shown(question, limit)
    return f"“{text}”" if text else "(shown without a question)"


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'s' * (count != 1)}"


def percent(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "0%"


def entry_feedback_line(entry: EntryFeedback) -> str:
    votes = entry.helpful + entry.not_helpful
    rate = percent(entry.not_helpful, votes)
    return f"{entry.entry}: {entry.not_helpful} of {plural(votes, 'vote')} not helpful ({rate})"


def question_votes_line(votes: QuestionVotes) -> str:
    why = ", ".join(f"{REASONS.get(k, k)} {n}" for k, n in sorted(votes.reasons.items()))
    counts = f"{votes.not_helpful} not helpful" + (f" ({why})" if why else "")
    return f"{quote(votes.question)}: {counts}, {votes.helpful} helpful"


def feedback_lines(report: list[EntryFeedback], questions: int = 5) -> list[str]:
    lines = []
    for entry in report:
        lines.append(entry_feedback_line(entry))
        lines += [f"  {question_votes_line(votes)}" for votes in entry.questions[:questions]]
    return lines


def stats_summary(stats: Stats) -> list[str]:
    decisions = stats.decisions
    per_day = stats.questions / stats.days
    return [
        f"{plural(stats.questions, 'question')} in the last {plural(stats.days, 'day')} "
        f"({per_day:.1f} a day): "
        f"{decisions['answer']} answered, {decisions['suggest']} offered choices, "
        f"{decisions['decline']} declined",
        f"Votes: {stats.helpful} helpful, {stats.not_helpful} not helpful",
    ]


def top_entries_lines(stats: Stats) -> list[str]:
    return [f"{entry} ({count}x)" for entry, count in stats.top_entries] or ["none yet"]


def unanswered_lines(stats: Stats) -> list[str]:
    return [f"{g.count}x {quote(g.example, 80)}" for g in stats.unanswered] or ["none"]


def stats_lines(stats: Stats) -> list[str]:
    return [
        *stats_summary(stats),
        "Most answered: " + ", ".join(top_entries_lines(stats)),
        "Most common unanswered:",
        *(f"  {line}" for line in unanswered_lines(stats)),
    ]
