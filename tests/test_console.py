from __future__ import annotations

from collections.abc import Iterator

from bot.terminal.console import run_console


def session(matcher, lines: list[str]) -> str:
    feed: Iterator[str] = iter(lines)
    out: list[str] = []

    def read(prompt: str) -> str:
        try:
            return next(feed)
        except StopIteration:
            raise EOFError from None

    run_console(matcher, read=read, write=out.append)
    return "\n".join(out)


def test_answers_suggests_picks_and_leaves(lexical):
    text = session(lexical, ["ml engineer pay", "1", "topics", "9", "quit", "never read"])
    assert "I'm not sure which of these you mean:" in text
    assert "Type its number to see that answer." in text
    assert "Compensation:" in text  # topics listing
    assert "never read" not in text


def test_number_without_suggestions_says_so_and_eof_leaves(lexical):
    text = session(lexical, ["hello", "42"])
    assert text.count("Sorry, I don't have an answer for that.") == 1
    assert "There are no suggestions to pick from: type a question." in text


def test_related_entries_are_shown_as_questions(lexical):
    text = session(lexical, ["what are rsus"])
    assert "Related:\n  - What does a senior ML engineer's total compensation look like?" in text


def test_odd_digits_and_a_chart_to_nowhere_never_end_the_session(lexical, tmp_path):
    chart = tmp_path / "missing" / "x.png"
    text = session(lexical, ["²", f"/comp offer --base 100k --chart {chart}", "do I need a phd"])
    assert "Could not save the chart to" in text and not chart.exists()
    assert "Do I need a PhD" in text, "the session went on"
