"""What the bot does when Discord refuses it (400, 403, 404) or rate-limits it (429): every
`except discord.HTTPException` in the bot either tells someone in one sentence or logs one
line, and a rate limit is waited out, never a silent loss of the member's answer."""

from __future__ import annotations

import logging

import pytest

from .fake_discord import BOT_USER, CHANNEL_ID, MOD_LOG_CHANNEL_ID
from .test_forum import ANSWERABLE, forum_bot

REFUSED = (400, 403, 404)


def warnings_with(caplog: pytest.LogCaptureFixture, text: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if text in r.getMessage()]


@pytest.mark.parametrize("status", [*REFUSED, 429])
async def test_a_mention_reply_discord_refuses_is_logged_or_retried(fake, bot, caplog, status):
    fake.fail_next("POST", rf"/channels/{CHANNEL_ID}/messages$", status)
    await fake.post(f"<@{BOT_USER['id']}> do I need a PhD?", mentions=[BOT_USER])
    if status == 429:  # discord.py waits retry_after and sends again
        await fake.wait_for(lambda: fake.channel_messages)
    else:
        await fake.wait_for(lambda: warnings_with(caplog, "could not answer in channel #general"))
        assert not fake.channel_messages
    assert fake.failed == [("POST", f"/api/v10/channels/{CHANNEL_ID}/messages", status)]
    assert not [r for r in caplog.records if r.exc_info], "one line, no traceback"


@pytest.mark.parametrize("status", [*REFUSED, 429])
async def test_a_forum_reply_discord_refuses_is_logged_or_retried(
    fake, tmp_path, lexical, caplog, status
):
    from .conftest import start_bot, stop_bot

    bot = forum_bot(tmp_path / "data", lexical)
    task = await start_bot(fake, bot)
    await fake.wait_for(bot.is_ready)
    fake.fail_next("POST", r"/channels/\d+/messages$", status)
    thread = await fake.open_post(*ANSWERABLE)
    if status == 429:
        await fake.wait_for(lambda: fake.thread_replies(thread))
    else:
        await fake.wait_for(lambda: warnings_with(caplog, f"could not answer forum post {thread}"))
        assert fake.thread_replies(thread) == []
    assert fake.failed and fake.failed[0][2] == status
    await stop_bot(bot, task)


@pytest.mark.parametrize("status", REFUSED)
async def test_a_mod_log_discord_refuses_is_one_log_line(fake, curating, caplog, status):
    fake.fail_next("POST", rf"/channels/{MOD_LOG_CHANNEL_ID}/messages$", status)
    with caplog.at_level(logging.WARNING):
        await curating.mod_log("a moderator changed something")
    assert warnings_with(
        caplog, f"could not post to the mod log channel #mod-log ({MOD_LOG_CHANNEL_ID})"
    )
    assert fake.failed[0][2] == status


@pytest.mark.parametrize("status", REFUSED)
async def test_a_forum_post_whose_first_message_cannot_be_read_is_matched_on_its_title(
    fake, tmp_path, lexical, caplog, status
):
    from .conftest import start_bot, stop_bot

    caplog.set_level(logging.INFO)
    bot = forum_bot(tmp_path / "data", lexical)
    task = await start_bot(fake, bot)
    await fake.wait_for(bot.is_ready)
    fake.fail_next("GET", r"/channels/\d+/messages/\d+$", status)
    thread = await fake.open_post(*ANSWERABLE, deliver=False)  # its first message never comes
    await fake.dispatch("THREAD_CREATE", {**fake.threads[thread], "newly_created": True})
    assert await fake.wait_for(lambda: fake.thread_replies(thread)), "answered on its title"
    assert warnings_with(caplog, f"forum post {thread}: no first message")
    await stop_bot(bot, task)


@pytest.mark.parametrize("status", REFUSED)
async def test_a_post_left_unfinished_is_answered_even_if_discord_refuses_to_show_it(
    fake, tmp_path, lexical, caplog, status
):
    """At start-up a post a crash left taken is read back (was the reply sent?) and, if it is
    no longer open, fetched; Discord refusing either is one log line, never a lost post."""
    from bot.knowledge.database import Database
    from bot.records.forum_posts import take_post

    from .conftest import start_bot, stop_bot

    caplog.set_level(logging.INFO)
    open_post = await fake.open_post(*ANSWERABLE, deliver=False)
    closed = await fake.open_post(*ANSWERABLE, deliver=False, user_id=400_000_000_000_000_077)
    fake.threads[closed]["thread_metadata"]["archived"] = True  # not in GUILD_CREATE
    for thread in (open_post, closed):
        take_post(Database(tmp_path / "data"), thread)  # taken, then the crash
    fake.fail_next("GET", rf"/channels/{open_post}/messages$", status)  # the read-back
    fake.fail_next("GET", rf"/channels/{closed}$", status)  # the fetch
    bot = forum_bot(tmp_path / "data", lexical)
    task = await start_bot(fake, bot)
    await fake.wait_for(lambda: fake.thread_replies(open_post))
    await fake.wait_for(lambda: warnings_with(caplog, f"forum post {closed} left unfinished"))
    assert warnings_with(caplog, f"forum post {open_post}: could not read it back")
    await stop_bot(bot, task)
