"""The Discord adapter's pure parts, and the bot built without a connection."""

from __future__ import annotations

import ctypes
import platform

import pytest

from bot import startup
from bot.config import Settings
from bot.discord_adapter import lifecycle
from bot.discord_adapter.app import create_bot
from bot.discord_adapter.cooldown import Cooldown
from bot.knowledge.database import Database
from bot.knowledge.text import looks_like_question
from bot.records.activity import AskCounts, read_unanswered, record_unanswered
from bot.rendering.replies import clip
from tests.e2e import limits


async def test_create_bot_needs_no_token_and_its_commands_fit_discord(tmp_path, lexical):
    bot = create_bot(Settings(data_dir=tmp_path), lexical)
    await bot.add_features()
    commands = [command.to_dict(bot.tree) for command in bot.tree.get_commands()]
    assert {c["name"] for c in commands} == {"ask", "topics", "comp", "kb", "help", "about"}
    assert limits.check_commands(commands) == []
    assert bot.allowed_mentions is not None and bot.allowed_mentions.to_dict() == {"parse": []}
    assert not bot.intents.message_content, "no answer channels: no privileged intent"


def test_limits_catch_what_discord_rejects():
    long_name = [{"name": "Ask", "description": "x" * 101, "options": []}]
    assert len(limits.check_commands(long_name)) == 2
    message = {"content": "x" * 2001, "embeds": [{"title": "t" * 257, "description": "d"}]}
    assert len(limits.check_message(message)) == 2
    assert limits.check_message({}) == ["message: empty (no content, embeds, components or files)"]
    choices = {"choices": [{"name": "n" * 101, "value": "v"}] * 26}
    assert len(limits.check_autocomplete(choices)) == 27
    button = {"type": 2, "style": 2, "label": "b", "custom_id": "answer:x"}
    twice = {"components": [{"type": 1, "components": [button, button]}]}
    assert limits.check_message(twice) == ["components: custom_id used twice: answer:x"]
    text = {"type": 4, "custom_id": "q", "label": "Q", "max_length": 5, "value": "toolong"}
    modal = {"title": "t", "custom_id": "m", "components": [{"type": 1, "components": [text]}]}
    assert len(limits.check_modal(modal)) == 1


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("short", 10, "short"),
        ("a sentence that is too long", 15, "a sentence…"),
        ("unbrokenwordthatgoeson", 10, "unbrokenw…"),
    ],
)
def test_clip_cuts_at_a_word_and_marks_the_cut(text, limit, expected):
    assert clip(text, limit) == expected and len(clip(text, limit)) <= limit


def test_cooldown_is_a_sliding_window_per_member():
    now = [0.0]
    cooldown = Cooldown(2, 30.0, clock=lambda: now[0])
    assert cooldown.retry_after(1) == 0 and cooldown.retry_after(1) == 0
    assert cooldown.retry_after(1) == 30.0
    assert cooldown.retry_after(2) == 0, "another member is not affected"
    now[0] = 29.0
    assert cooldown.retry_after(1) == 1.0
    now[0] = 30.0
    assert cooldown.retry_after(1) == 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("do I need a PhD", True),
        ("ML pay in Berlin?", True),
        ("How much do seniors make", True),
        ("good morning all", False),
        ("thanks, that helped!", False),
        ("", False),
    ],
)
def test_what_counts_as_a_question_in_an_answer_channel(text, expected):
    assert looks_like_question(text) is expected


def test_unanswered_records_keep_no_user(tmp_path, lexical):
    database = Database(tmp_path)
    record_unanswered(database, lexical.match("how do I bake bread"), 1, 2)
    record_unanswered(database, lexical.match("jobs"), None, None)
    first, second = read_unanswered(database)
    assert set(first) == {"time", "guild", "channel", "question", "decision", "best", "score"}
    assert first["question"] == "how do I bake bread" and first["guild"] == 1
    assert second["guild"] is None


def test_ask_counts_survive_a_restart_and_add_up_across_saves(tmp_path, lexical, kb):
    counts = AskCounts(Database(tmp_path))
    for question in ("do I need a PhD", "do I need a PhD", "ml pay in san francisco"):
        counts.record(lexical.match(question))
    counts.save()
    counts.record(lexical.match("ml pay in san francisco"))
    counts.save()
    again = AskCounts(Database(tmp_path))
    again.load()
    assert dict(again.counts) == {"phd-required": 2, "salary-by-city": 2}
    assert [e.id for e in again.most_asked(kb, 2)] == ["phd-required", "salary-by-city"]


def test_debug_logging_keeps_request_bodies_and_events_out(monkeypatch):
    import logging

    from bot.discord_adapter.lifecycle import PRIVATE_LOGGERS, setup_logging

    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", list(root.handlers))
    monkeypatch.setattr(root, "level", root.level)
    setup_logging(Settings(log_level="DEBUG"))
    assert root.level == logging.DEBUG
    for name in (*PRIVATE_LOGGERS, "matplotlib"):  # matplotlib: every font it tries
        assert not logging.getLogger(name).isEnabledFor(logging.DEBUG), name
        monkeypatch.setattr(logging.getLogger(name), "level", logging.NOTSET)


def test_invisible_characters_and_mentions_do_not_change_the_match(lexical):
    plain = lexical.match("do I need a phd for ml?")
    hidden = lexical.match("do I need a p\u200bhd for\u202e ml? <@&123> @everyone")
    assert hidden.entry == plain.entry and hidden.score == plain.score


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt is glibc's")
def test_run_limits_malloc_arenas_unless_the_operator_chose(monkeypatch):
    """`run` bounds glibc's malloc arenas at two before any thread starts (MALLOC_ARENA_MAX=2
    in effect; docs/running.md), and leaves an operator's own MALLOC_ARENA_MAX alone."""
    set_to: list[tuple[int, int]] = []

    class Libc:
        def mallopt(self, option: int, value: int) -> int:
            set_to.append((option, value))
            return 1

    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    assert startup.limit_malloc_arenas() is True  # the real glibc call
    monkeypatch.setattr(ctypes, "CDLL", lambda name: Libc())
    assert startup.limit_malloc_arenas() and set_to == [(startup.M_ARENA_MAX, 2)]
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    assert startup.limit_malloc_arenas() is False and len(set_to) == 1
    called: list[str] = []
    monkeypatch.setattr(lifecycle, "limit_malloc_arenas", lambda: called.append("arenas"))
    monkeypatch.setattr(lifecycle, "setup_logging", lambda settings: called.append("logging"))
    monkeypatch.setattr(lifecycle.asyncio, "run", lambda work: (work.close(), called.append("run")))
    lifecycle.run(Settings(discord_token="fake-token"))
    assert called == ["arenas", "logging", "run"]
