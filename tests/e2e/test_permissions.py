"""Each of the bot's paths with a permission missing in its channel (the fake's state, told to
the bot as Discord tells it: overwrites in GUILD_CREATE, CHANNEL_UPDATE when they change):
the bot answers in one sentence, or logs one line and stays quiet, never a traceback; and
its bursts honour Discord's rate limits."""

from __future__ import annotations

import logging

import pytest

from bot.discord_adapter import posts

from .conftest import bot_settings, start_bot, stop_bot
from .fake_discord import (
    ANSWER_CHANNEL_ID,
    BOT_USER,
    CHANNEL_ID,
    GUILD_ID,
    MOD_LOG_CHANNEL_ID,
    FakeDiscord,
)
from .fake_forum import FORUM_ID
from .test_forum import ANSWERABLE, forum_bot


def logged(caplog: pytest.LogCaptureFixture, text: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if text in r.getMessage()]


def no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    assert not [r for r in caplog.records if r.exc_info], "one line, no traceback"


async def denied(fake: FakeDiscord, bot: object, channel_id: int, name: str) -> None:
    """Take a permission away while the bot runs, and wait until discord.py sees it."""
    await fake.deny(channel_id, name)
    channel = bot.get_channel(channel_id)  # type: ignore[attr-defined]
    await fake.wait_for(lambda: not getattr(channel.permissions_for(channel.guild.me), name))


@pytest.mark.parametrize(
    ("permission", "code"),
    [
        ("view_channel", 50001),
        ("send_messages", 50013),
        ("embed_links", 50013),  # an answer is an embed
        ("read_message_history", 160002),  # a reply references the question
    ],
)
async def test_a_mention_in_a_channel_the_bot_may_not_answer_in(
    fake, bot, caplog, permission, code
):
    await denied(fake, bot, CHANNEL_ID, permission)
    await fake.post(f"<@{BOT_USER['id']}> do I need a PhD?", mentions=[BOT_USER])
    (line,) = await fake.wait_for(lambda: logged(caplog, "could not answer in channel #general"))
    assert f"(error code: {code})" in line
    assert not fake.channel_messages
    no_traceback(caplog)


async def test_the_cooldown_reaction_without_add_reactions(fake, bot, caplog):
    await denied(fake, bot, CHANNEL_ID, "add_reactions")
    bot.get_cog("Ask").cooldown.retry_after = lambda member: 30.0  # over the limit already
    await fake.post(f"<@{BOT_USER['id']}> do I need a PhD?", mentions=[BOT_USER])
    (line,) = await fake.wait_for(lambda: logged(caplog, "could not answer in channel"))
    assert "(error code: 50013)" in line and not fake.reactions
    no_traceback(caplog)


async def test_the_mod_log_without_send_messages(fake, curating, caplog):
    await denied(fake, curating, MOD_LOG_CHANNEL_ID, "send_messages")
    with caplog.at_level(logging.WARNING):
        await curating.mod_log("a moderator changed something")
    (line,) = logged(caplog, "could not post to the mod log channel #mod-log")
    assert "(error code: 50013)" in line
    no_traceback(caplog)


@pytest.mark.parametrize(
    ("permission", "expect"),
    [
        ("send_messages_in_threads", "could not answer forum post"),
        ("embed_links", "could not answer forum post"),
        ("manage_threads", "FORUM_ANSWERED_TAG: could not tag posts in #help"),
    ],
)
async def test_a_forum_where_the_bot_lacks_a_permission(
    fake, tmp_path, lexical, caplog, permission, expect
):
    caplog.set_level(logging.INFO)
    await fake.deny(FORUM_ID, permission)  # before it connects: GUILD_CREATE says so
    bot = forum_bot(tmp_path / "data", lexical)
    task = await start_bot(fake, bot)
    await fake.wait_for(bot.is_ready)
    lacking = permission.replace("_", " ")
    assert logged(caplog, f"FORUM_CHANNEL_IDS: the bot lacks {lacking} in #help")
    thread = await fake.open_post(*ANSWERABLE)
    await fake.wait_for(lambda: logged(caplog, expect))
    answered = permission == "manage_threads"
    assert bool(fake.thread_replies(thread)) == answered
    assert fake.threads[thread]["applied_tags"] == []
    no_traceback(caplog)
    await stop_bot(bot, task)


async def test_a_locked_forum_post_is_left_alone_with_one_line(fake, tmp_path, lexical, caplog):
    """A moderator locked the post before the bot answered: without Manage Threads Discord
    refuses the reply (160005); the bot logs it and goes on."""
    fake.may_tag = False
    bot = forum_bot(tmp_path / "data", lexical)
    task = await start_bot(fake, bot)
    await fake.wait_for(bot.is_ready)
    thread = await fake.open_post(*ANSWERABLE, deliver=False)
    fake.threads[thread]["thread_metadata"]["locked"] = True
    await fake.open_post("", "", thread_id=thread)
    (line,) = await fake.wait_for(lambda: logged(caplog, f"could not answer forum post {thread}"))
    assert "(error code: 160005)" in line and not fake.thread_replies(thread)
    no_traceback(caplog)
    await stop_bot(bot, task)


async def test_a_forum_post_deleted_before_the_bot_answers(fake, tmp_path, lexical, caplog):
    """The post is gone by the time the bot reads and answers it: Discord says 10003 Unknown
    Channel to both; one line, no traceback, nothing lost that existed."""
    caplog.set_level(logging.INFO)
    bot = forum_bot(tmp_path / "data", lexical)
    task = await start_bot(fake, bot)
    await fake.wait_for(bot.is_ready)
    thread = await fake.open_post(*ANSWERABLE, deliver=False)
    gone = fake.threads.pop(thread)
    await fake.dispatch("THREAD_CREATE", {**gone, "newly_created": True})
    (line,) = await fake.wait_for(lambda: logged(caplog, f"could not answer forum post {thread}"))
    assert "(error code: 10003)" in line
    assert "(error code: 10003)" in logged(caplog, f"forum post {thread}: no first message")[0]
    no_traceback(caplog)
    await stop_bot(bot, task)


async def test_a_slash_command_carries_the_bots_permissions_in_its_channel(fake, bot):
    """interactions/receiving-and-responding#interaction-object: app_permissions."""
    seen = []

    async def record(interaction: object) -> None:
        seen.append(interaction)

    bot.add_listener(record, "on_interaction")
    await denied(fake, bot, CHANNEL_ID, "embed_links")
    await fake.reply_of(await fake.slash("help"))
    (interaction,) = seen
    assert not interaction.app_permissions.embed_links
    assert interaction.app_permissions.send_messages


async def test_a_forum_post_whose_first_message_the_bot_may_not_read(
    fake, tmp_path, lexical, caplog
):
    caplog.set_level(logging.INFO)
    await fake.deny(FORUM_ID, "read_message_history")
    bot = forum_bot(tmp_path / "data", lexical)
    task = await start_bot(fake, bot)
    await fake.wait_for(bot.is_ready)
    thread = await fake.open_post(*ANSWERABLE, deliver=False)  # its first message never comes
    await fake.dispatch("THREAD_CREATE", {**fake.threads[thread], "newly_created": True})
    assert await fake.wait_for(lambda: fake.thread_replies(thread)), "answered on its title"
    (line,) = logged(caplog, f"forum post {thread}: no first message")
    assert "(error code: 50001)" in line
    no_traceback(caplog)
    await stop_bot(bot, task)


async def test_readiness_names_what_the_bot_lacks_where(fake, tmp_path, lexical, caplog):
    from bot.discord_adapter.app import create_bot

    caplog.set_level(logging.WARNING)
    await fake.deny(ANSWER_CHANNEL_ID, "send_messages", "embed_links")
    bot = create_bot(bot_settings(tmp_path / "data"), lexical)
    task = await start_bot(fake, bot)
    await fake.wait_for(bot.is_ready)
    assert logged(
        caplog, "ANSWER_CHANNEL_IDS: the bot lacks send messages, embed links in #ask-here"
    )
    await stop_bot(bot, task)


async def test_the_bots_own_messages_come_back_on_the_gateway(fake, bot):
    """topics/gateway-events#message-create: the bot hears of its own messages; discord.py
    caches them as it does in production."""
    await fake.post(f"<@{BOT_USER['id']}> do I need a PhD?", mentions=[BOT_USER])
    (reply,) = await fake.wait_for(lambda: fake.channel_messages)
    cached = await fake.wait_for(lambda: [m for m in bot.cached_messages if m.author == bot.user])
    assert [m.id for m in cached] == [int(reply["id"])]
    assert cached[0].guild is not None and cached[0].guild.id == GUILD_ID


async def test_a_flood_of_mentions_in_one_channel_waits_for_its_rate_limit(fake, bot, caplog):
    """topics/rate-limits: 5 messages per channel per window. Twelve members asking at once
    are all answered, and the bot never sends inside a 429's retry_after (the fixture fails
    on that); it waits as the headers tell it."""
    fake.window_scale = 0.1  # 5 per 0.5 s
    for n in range(12):
        await fake.post(
            f"<@{BOT_USER['id']}> do I need a PhD?",
            mentions=[BOT_USER],
            user_id=400_000_000_000_000_100 + n,
        )
    await fake.wait_for(lambda: len(fake.channel_messages) == 12, timeout=20)
    assert not fake.violations and fake.rate_limited == [], "it waited before any 429"
    no_traceback(caplog)


async def test_forum_catch_up_honours_a_global_rate_limit(
    fake, tmp_path, lexical, caplog, monkeypatch
):
    """Posts made while away are answered in a burst at start-up; a global 429 in the middle
    holds every request for its retry_after (the fixture fails on one sent sooner)."""
    monkeypatch.setattr(posts, "CATCH_UP_PACE", 0.05)  # several posts inside the retry_after
    data = tmp_path / "data"
    first = forum_bot(data, lexical)
    task = await start_bot(fake, first)
    await fake.wait_for(first.is_ready)
    await stop_bot(first, task)
    away = [
        await fake.open_post(*ANSWERABLE, deliver=False, user_id=400_000_000_000_000_200 + n)
        for n in range(8)
    ]
    fake.identified.clear()
    fake.limit_globally(0.3, path=r"^/channels/\d+/messages$")
    bot = forum_bot(data, lexical)
    task = await start_bot(fake, bot)
    await fake.wait_for(lambda: all(fake.thread_replies(t) for t in away), timeout=20)
    assert [g for *_, g in fake.rate_limited] == [True]
    assert not fake.violations
    no_traceback(caplog)
    await stop_bot(bot, task)


async def test_a_flood_of_votes_is_answered_within_the_rate_limits(fake, bot):
    """Fifteen members vote on one answer at once: every vote is acknowledged and kept, no
    request of the bot meets a 429 it does not honour (the fixture checks)."""
    from .test_feedback import PHD, ask, stored_votes, votes_of

    fake.window_scale = 0.1
    sent, reply = await ask(fake, PHD)
    helpful = votes_of(reply)["Helpful"]
    clicks = [
        await fake.click(sent.original, helpful, user_id=400_000_000_000_000_300 + n)
        for n in range(15)
    ]
    thanks = [await fake.reply_of(click) for click in clicks]
    assert all(t["content"].startswith("Thanks") for t in thanks)
    assert (
        len(await fake.wait_for(lambda: len(stored_votes(bot)) == 15 and stored_votes(bot))) == 15
    )
    assert not fake.violations
