"""Help forums as Discord times them: a post's first message can come after its thread (always
with attachments), and until then a reply is refused (403 40058) and the message is not there
(10008). Every post is still answered once, on its text; a bot's post never is; posts made
while the bot was away are all answered, oldest first, except those people already took."""

from __future__ import annotations

import logging

import pytest

from bot.discord_adapter import posts
from bot.knowledge.database import Database
from bot.records.forum_posts import posts_to_catch_up

from .conftest import start_bot, stop_bot
from .fake_discord import GUILD_ID, member_message
from .test_forum import ANSWERABLE, OFF_TOPIC, forum_bot, replies, settled

MEMBER = 400_000_000_000_001_000  # members posting while the bot is away
VAGUE = ("Question", "Do I need a PhD to become an ML engineer?")  # the text says it all


async def run_once(fake, data, lexical) -> None:
    """A forum bot on `data` that starts, answers a post, and stops: the posts made after
    it are made while it is away."""
    first = forum_bot(data, lexical)
    task = await start_bot(fake, first)
    await settled(fake, first)
    await fake.wait_for(first.is_ready)
    await stop_bot(first, task)


async def catch_up(fake, data, lexical, away: list[int], timeout: float) -> None:
    """A forum bot on `data` that starts again, answers every post of `away`, and stops."""
    fake.identified.clear()
    bot = forum_bot(data, lexical)
    task = await start_bot(fake, bot)
    await fake.wait_for(lambda: all(fake.thread_replies(t) for t in away), timeout=timeout)
    await settled(fake, bot)
    await stop_bot(bot, task)


async def test_a_post_with_attachments_is_answered_once_its_first_message_exists(
    fake, tmp_path, lexical
):
    bot = forum_bot(tmp_path / "data", lexical)
    task = await start_bot(fake, bot)
    thread = await fake.open_post(*VAGUE, attachments=["cv.png"], starter_delay=1.5)
    (reply,) = await replies(fake, thread)
    assert reply["embeds"][0]["title"].startswith("Do I need a PhD"), "matched on its text"
    await settled(fake, bot)
    await stop_bot(bot, task)
    assert len(fake.thread_replies(thread)) == 1
    assert posts_to_catch_up(Database(tmp_path / "data"), 0)[1] == [], "and marked done"


async def test_a_reply_refused_with_40058_is_sent_again_once_the_first_message_exists(
    fake, tmp_path, lexical
):
    """Without Read Message History the first message cannot be fetched (the title is
    matched alone) and the reply is what meets Discord's 40058: it is sent again."""
    bot = forum_bot(tmp_path / "data", lexical)
    task = await start_bot(fake, bot)
    fake.fail_next("GET", r"/channels/\d+/messages/\d+$", 403)
    thread = await fake.open_post(*ANSWERABLE, starter_delay=1.0)
    await replies(fake, thread)
    await settled(fake, bot)
    await stop_bot(bot, task)
    assert len(fake.thread_replies(thread)) == 1
    assert fake.refused_early, "the first try was refused with 40058"


async def test_a_first_message_that_never_comes_is_given_up_with_a_log_line(
    fake, tmp_path, lexical, monkeypatch, caplog
):
    caplog.set_level(logging.INFO)
    monkeypatch.setattr(posts, "STARTER_WAITS", (0.1, 0.2, 0.3))
    bot = forum_bot(tmp_path / "data", lexical)
    task = await start_bot(fake, bot)
    thread = await fake.open_post(*ANSWERABLE, starter_delay=600)
    await fake.wait_for(lambda: not posts_to_catch_up(bot.database, 0)[1] and bot.is_ready())
    await settled(fake, bot)
    await stop_bot(bot, task)
    assert fake.thread_replies(thread) == []
    lines = [r.getMessage() for r in caplog.records if str(thread) in r.getMessage()]
    assert any("first message never came" in line for line in lines), lines


async def test_a_bots_post_is_left_alone_when_its_first_message_cannot_be_read(
    fake, tmp_path, lexical
):
    """Made while the bot was away (nothing cached), its first message refused (no Read
    Message History): the owner's id tells it is a bot's."""
    data = tmp_path / "data"
    await run_once(fake, data, lexical)
    by_bot = await fake.open_post(
        *ANSWERABLE, user_id=600_000_000_000_000_001, bot=True, deliver=False
    )
    fake.identified.clear()
    fake.fail_next("GET", r"/channels/\d+/messages/\d+$", 403)
    bot = forum_bot(data, lexical)
    task = await start_bot(fake, bot)
    await fake.wait_for(lambda: fake.failed)
    await settled(fake, bot)
    await stop_bot(bot, task)
    assert fake.thread_replies(by_bot) == [], "its owner is a bot: told by the owner's id"


async def test_every_post_made_while_away_is_answered_except_those_people_took(
    fake, tmp_path, lexical, monkeypatch, caplog
):
    """More posts than the old limit of 50: all answered, oldest first; one that a member
    already answered is left to them; the log counts them."""
    caplog.set_level(logging.INFO)
    monkeypatch.setattr(posts, "CATCH_UP_PACE", 0.0)
    data = tmp_path / "data"
    await run_once(fake, data, lexical)
    away = [await fake.open_post(*ANSWERABLE, user_id=MEMBER + n, deliver=False) for n in range(52)]
    taken = await fake.open_post(*ANSWERABLE, deliver=False)
    answer_id = fake.snowflake()  # a member answers it meanwhile
    text = "A PhD is not needed; I got hired with a BSc."
    fake.messages[answer_id] = member_message(answer_id, taken, GUILD_ID, MEMBER - 1, text, False)
    fake.counted(taken)
    declined = await fake.open_post(*OFF_TOPIC, deliver=False)
    await catch_up(fake, data, lexical, away, timeout=60)
    assert [len(fake.thread_replies(t)) for t in away] == [1] * len(away)
    assert fake.thread_replies(taken) == [] and fake.thread_replies(declined) == []
    order = [int(m["channel_id"]) for m in fake.channel_messages if int(m["channel_id"]) in away]
    assert order == away, "oldest first"
    counts = [r.getMessage() for r in caplog.records if "caught up on" in r.getMessage()]
    assert counts == [
        "forums: caught up on 54 posts made or left while away: 52 answered, "
        "1 left to people who replied, 1 passed over, 0 given up"
    ]


@pytest.fixture
def slow_starters(fake):
    fake.starter_delay = 0.4
    return fake


async def test_posts_whose_first_message_comes_late_by_default_are_each_answered_once(
    slow_starters, tmp_path, lexical
):
    fake = slow_starters
    bot = forum_bot(tmp_path / "data", lexical)
    task = await start_bot(fake, bot)
    threads = [await fake.open_post(*VAGUE) for _ in range(3)]
    for thread in threads:
        await replies(fake, thread)
    await fake.wait_for(lambda: all(fake.threads[t]["applied_tags"] for t in threads))
    await stop_bot(bot, task)
    assert [len(fake.thread_replies(t)) for t in threads] == [1, 1, 1]
    assert fake.refused_early == 0, "it waited for each first message instead of being refused"


async def test_a_post_still_waiting_for_its_first_message_at_a_stop_is_answered_after(
    fake, tmp_path, lexical, monkeypatch, caplog
):
    caplog.set_level(logging.INFO)
    monkeypatch.setattr(posts, "SHUTDOWN_GRACE", 0.3)
    data = tmp_path / "data"
    bot = forum_bot(data, lexical)
    task = await start_bot(fake, bot)
    await fake.wait_for(bot.is_ready)
    thread = await fake.open_post(*VAGUE, attachments=["cv.png"], starter_delay=600)
    await fake.wait_for(lambda: posts_to_catch_up(bot.database, 0)[1] == [thread])
    await stop_bot(bot, task)
    assert fake.thread_replies(thread) == []
    assert posts_to_catch_up(Database(data), 0)[1] == [thread], "still taken, not done"
    assert "Traceback" not in caplog.text
    fake.messages[thread] = fake.late_starter(thread)  # its first message came meanwhile
    fake.identified.clear()
    bot = forum_bot(data, lexical)
    task = await start_bot(fake, bot)
    (reply,) = await replies(fake, thread)
    await settled(fake, bot)
    await stop_bot(bot, task)
    assert reply["embeds"][0]["title"].startswith("Do I need a PhD")
    assert len(fake.thread_replies(thread)) == 1


async def test_a_catch_up_cut_short_by_a_stop_is_finished_at_the_next_start(
    fake, tmp_path, lexical, monkeypatch
):
    """A post answered live during the catch-up is newer than the ones still to answer: the
    next start must not take it as the last one handled."""
    monkeypatch.setattr(posts, "SHUTDOWN_GRACE", 0.1)
    data = tmp_path / "data"
    await run_once(fake, data, lexical)
    away = [await fake.open_post(*ANSWERABLE, user_id=MEMBER + n, deliver=False) for n in range(4)]
    monkeypatch.setattr(posts, "CATCH_UP_PACE", 30.0)  # the stop comes mid-way
    fake.identified.clear()
    bot = forum_bot(data, lexical)
    task = await start_bot(fake, bot)
    await replies(fake, away[0])
    live = await fake.open_post(*ANSWERABLE, user_id=MEMBER + 10)
    await replies(fake, live)
    await stop_bot(bot, task)
    assert [len(fake.thread_replies(t)) for t in away] == [1, 0, 0, 0]
    monkeypatch.setattr(posts, "CATCH_UP_PACE", 0.0)
    await catch_up(fake, data, lexical, away, timeout=20)
    assert [len(fake.thread_replies(t)) for t in [*away, live]] == [1, 1, 1, 1, 1]
