"""Help forums: one reply per new post, in its thread; silence when declining; tags."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.discord_adapter.app import CareerBot, create_bot
from bot.matching.matcher import Decision, Matcher
from bot.records.activity import group_unanswered, read_unanswered

from .conftest import bot_settings, start_bot, stop_bot
from .fake_discord import APPLICATION_ID, BOT_USER, CHANNEL_ID, FakeDiscord
from .fake_forum import ANSWERED_TAG_ID, FORUM_ID

ANSWERABLE = ("Do I need a PhD?", "I have a master's and want to become an ML engineer.")
OFF_TOPIC = ("Pizza", "What is the best pizza topping for a party of ten?")


def forum_bot(data_dir: Path, matcher: Matcher, **overrides: object) -> CareerBot:
    forum = {"forum_channel_ids": frozenset({FORUM_ID}), "forum_answered_tag": "Answered"}
    settings = bot_settings(data_dir, **{**forum, **overrides})
    return create_bot(settings, matcher)


@pytest.fixture
async def forum(fake: FakeDiscord, tmp_path: Path, lexical: Matcher) -> AsyncIterator[CareerBot]:
    """A bot watching the forum, where each post's first message comes after its thread, as
    Discord often sends them."""
    fake.starter_delay = 0.2
    running = forum_bot(tmp_path / "data", lexical)
    task = await start_bot(fake, running)
    yield running
    await stop_bot(running, task)


async def replies(fake: FakeDiscord, thread_id: int) -> list[dict]:
    return await fake.wait_for(lambda: fake.thread_replies(thread_id))


def tag_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "FORUM_ANSWERED_TAG" in r.getMessage()]


async def settled(fake: FakeDiscord, bot: CareerBot) -> None:
    """A later answerable post got its reply. Events are handled concurrently, so this only
    gives earlier posts time: tests assert after it only what correct code never does."""
    await replies(fake, await fake.open_post(*ANSWERABLE))


async def test_help_points_to_the_forum_and_a_wrong_channel_is_named(
    fake, tmp_path, lexical, caplog
):
    caplog.set_level(logging.WARNING)
    bot = forum_bot(tmp_path / "data", lexical, forum_channel_ids=frozenset({FORUM_ID, CHANNEL_ID}))
    task = await start_bot(fake, bot)
    await fake.wait_for(bot.is_ready)
    helped = await fake.reply_of(await fake.slash("help"))
    assert (
        f"or open a post in <#{CHANNEL_ID}>, <#{FORUM_ID}>." in helped["embeds"][0]["description"]
    )
    await stop_bot(bot, task)
    warnings = [r.getMessage() for r in caplog.records]
    assert any("#general" in w and "not a forum channel" in w for w in warnings), warnings


async def test_a_new_post_gets_one_answer_in_its_thread_and_the_tag(fake, forum):
    thread = await fake.open_post(*ANSWERABLE)
    (reply,) = await replies(fake, thread)
    assert reply["embeds"][0]["title"].startswith("Do I need a PhD")
    votes = [c["custom_id"] for row in reply["components"] for c in row["components"]][-2:]
    assert all(v.startswith("vote:") for v in votes)
    await fake.wait_for(lambda: fake.threads[thread]["applied_tags"] or None)
    assert fake.threads[thread]["applied_tags"] == [str(ANSWERED_TAG_ID)]


async def test_a_post_it_would_decline_gets_silence(fake, forum):
    thread = await fake.open_post(*OFF_TOPIC)
    await settled(fake, forum)
    assert fake.thread_replies(thread) == []
    assert fake.threads[thread]["applied_tags"] == []


async def test_a_post_it_is_unsure_about_gets_silence_not_a_menu(fake, forum):
    title = "ml engineer pay?"
    assert forum.matcher.match(title).decision is Decision.SUGGEST
    thread = await fake.open_post(title, "")
    await settled(fake, forum)
    assert fake.thread_replies(thread) == []
    kept = await fake.wait_for(lambda: read_unanswered(forum.database) or None)
    assert [group.example for group in group_unanswered(kept)] == [title]


async def test_the_same_post_twice_or_after_a_restart_gets_no_second_reply(fake, tmp_path, lexical):
    first = forum_bot(tmp_path / "data", lexical)
    task = await start_bot(fake, first)
    thread = await fake.open_post(*ANSWERABLE)
    await replies(fake, thread)
    await fake.open_post("", "", thread_id=thread)  # delivered again
    await settled(fake, first)
    await stop_bot(first, task)
    fake.identified.clear()
    second = forum_bot(tmp_path / "data", lexical)
    task = await start_bot(fake, second)
    await fake.open_post("", "", thread_id=thread)  # a new process has no thread cache
    await settled(fake, second)
    await stop_bot(second, task)
    assert len(fake.thread_replies(thread)) == 1


async def test_a_post_that_mentions_the_bot_still_gets_one_reply(fake, forum):
    title, text = ANSWERABLE
    thread = await fake.open_post(title, f"<@{APPLICATION_ID}> {text}", mentions=[BOT_USER])
    await replies(fake, thread)
    await settled(fake, forum)  # time for a second reply, were one coming
    assert len(fake.thread_replies(thread)) == 1


async def test_posts_by_bots_and_follow_ups_without_a_mention_are_left_alone(fake, forum):
    by_bot = await fake.open_post(*ANSWERABLE, user_id=600_000_000_000_000_001, bot=True)
    thread = await fake.open_post(*OFF_TOPIC)
    await fake.post("Do I need a PhD to become an ML engineer?", channel_id=thread)
    await settled(fake, forum)
    assert fake.thread_replies(by_bot) == [] and fake.thread_replies(thread) == []
    mention = f"<@{APPLICATION_ID}> Do I need a PhD to become an ML engineer?"
    await fake.post(mention, channel_id=thread, mentions=[BOT_USER])
    (reply,) = await replies(fake, thread)
    assert reply["embeds"][0]["title"].startswith("Do I need a PhD")


async def test_without_the_intent_the_title_alone_is_matched(fake, tmp_path, lexical, caplog):
    caplog.set_level(logging.WARNING)
    bot = forum_bot(tmp_path / "data", lexical, message_content=False)
    task = await start_bot(fake, bot)
    assert not int(fake.identify["intents"]) & (1 << 15)
    vague = await fake.open_post("Question", "Do I need a PhD to become an ML engineer?")
    clear = await fake.open_post("Do I need a PhD to become an ML engineer?", "Thanks!")
    await replies(fake, clear)
    await fake.wait_for(lambda: bot.is_ready() and fake.threads[clear]["applied_tags"])
    await stop_bot(bot, task)
    assert fake.thread_replies(vague) == [], "its text never arrived: the title says nothing"
    warnings = [r.getMessage() for r in caplog.records if "FORUM_CHANNEL_IDS:" in r.getMessage()]
    assert len(warnings) == 1 and "titles only" in warnings[0]
    assert any("only mentions are answered" in r.getMessage() for r in caplog.records)


async def test_with_the_intent_the_first_message_is_matched_too(fake, forum):
    assert int(fake.identify["intents"]) & (1 << 15)
    vague = await fake.open_post("Question", "Do I need a PhD to become an ML engineer?")
    (reply,) = await replies(fake, vague)
    assert reply["embeds"][0]["title"].startswith("Do I need a PhD")


async def tag_warnings_after_two_answers(
    fake: FakeDiscord, bot: CareerBot, caplog: pytest.LogCaptureFixture
) -> list[str]:
    caplog.set_level(logging.WARNING)
    task = await start_bot(fake, bot)
    threads = [await fake.open_post(*ANSWERABLE) for _ in range(2)]
    for thread in threads:
        await replies(fake, thread)
    await fake.wait_for(lambda: tag_warnings(caplog) and bot.is_ready())
    await settled(fake, bot)
    await stop_bot(bot, task)
    assert all(fake.threads[t]["applied_tags"] == [] for t in threads)
    return tag_warnings(caplog)


async def test_no_permission_to_tag_is_one_warning_and_answers_go_on(
    fake, tmp_path, lexical, caplog
):
    fake.may_tag = False
    bot = forum_bot(tmp_path / "data", lexical)
    (warning,) = await tag_warnings_after_two_answers(fake, bot, caplog)
    assert "Manage Threads" in warning
    assert any("lacks manage threads in #help" in r.getMessage() for r in caplog.records)


async def test_a_missing_tag_is_one_warning_and_answers_go_on(fake, tmp_path, lexical, caplog):
    bot = forum_bot(tmp_path / "data", lexical, forum_answered_tag="solved")
    (warning,) = await tag_warnings_after_two_answers(fake, bot, caplog)
    assert "no tag named 'solved'" in warning
