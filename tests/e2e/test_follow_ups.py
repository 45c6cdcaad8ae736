"""Follow-ups ("and for seniors?"): read with the question of the bot's answer they reply to,
or of its latest answer in the thread; alone, they are not answered."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.discord_adapter.app import CareerBot, create_bot
from bot.matching.matcher import Matcher

from .conftest import bot_settings, start_bot, stop_bot
from .fake_discord import ANSWER_CHANNEL_ID, APPLICATION_ID, BOT_USER, FakeDiscord
from .fake_forum import FORUM_ID

LEVELS = "What is the typical salary for an ML engineer at each level?"
PHD = "Do I need a PhD to become a well-paid ML engineer?"
FOLLOW_UP = "and for seniors?"


@pytest.fixture
async def helping(fake: FakeDiscord, tmp_path: Path, lexical: Matcher) -> AsyncIterator[CareerBot]:
    settings = bot_settings(tmp_path / "data", forum_channel_ids=frozenset({FORUM_ID}))
    running = create_bot(settings, lexical)
    task = await start_bot(fake, running)
    yield running
    await stop_bot(running, task)


def replies_in(fake: FakeDiscord, channel_id: int) -> list[dict]:
    return [m for m in fake.channel_messages if m["channel_id"] == str(channel_id)]


async def answer_to(fake: FakeDiscord, question: str, count: int) -> dict:
    """Ask in the answer channel; the bot's reply (the `count`th there)."""
    await fake.post(question, channel_id=ANSWER_CHANNEL_ID)
    found = await fake.wait_for(lambda: len(replies_in(fake, ANSWER_CHANNEL_ID)) >= count or None)
    assert found
    return replies_in(fake, ANSWER_CHANNEL_ID)[count - 1]


def title(reply: dict) -> str:
    return reply["embeds"][0]["title"] if reply.get("embeds") else ""


async def test_a_reply_to_the_bots_answer_is_read_with_its_question(fake, helping):
    first = await answer_to(fake, LEVELS, 1)
    assert title(first) == LEVELS
    await fake.post(FOLLOW_UP, channel_id=ANSWER_CHANNEL_ID, reply_to=int(first["id"]))
    await fake.wait_for(lambda: len(replies_in(fake, ANSWER_CHANNEL_ID)) >= 2 or None)
    second = replies_in(fake, ANSWER_CHANNEL_ID)[1]
    assert title(second) == LEVELS


async def test_a_follow_up_on_its_own_is_not_answered(fake, helping):
    await fake.post(FOLLOW_UP, channel_id=ANSWER_CHANNEL_ID)  # no earlier answer: silence
    assert title(await answer_to(fake, PHD, 1)) == PHD  # settled: only the later one answered
    await fake.post(f"<@{APPLICATION_ID}> {FOLLOW_UP}", mentions=[BOT_USER])
    (reply,) = await fake.wait_for(lambda: fake.channel_messages[1:])
    assert not reply["embeds"], "a bare follow-up got an answer, not a choice or a decline"


async def test_a_reply_to_another_members_or_a_deleted_message_is_read_alone(fake, helping):
    members = await fake.post(LEVELS, channel_id=300_000_000_000_000_001)
    await fake.post(FOLLOW_UP, channel_id=ANSWER_CHANNEL_ID, reply_to=members)
    await fake.post(FOLLOW_UP, channel_id=ANSWER_CHANNEL_ID, reply_to=123_456)  # deleted
    assert title(await answer_to(fake, PHD, 1)) == PHD
    assert len(replies_in(fake, ANSWER_CHANNEL_ID)) == 1


async def test_a_follow_up_in_a_forum_post_the_bot_answered_is_read_with_its_answer(fake, helping):
    thread = await fake.open_post(LEVELS, "")
    (answer,) = await fake.wait_for(lambda: fake.thread_replies(thread))
    assert title(answer) == LEVELS
    await fake.post(FOLLOW_UP, channel_id=thread)
    second = await fake.wait_for(lambda: fake.thread_replies(thread)[1:])
    assert title(second[0]) == LEVELS
    other = await fake.open_post("Pizza", "What is the best pizza topping for a party of ten?")
    await fake.post(FOLLOW_UP, channel_id=other)  # the bot said nothing there: silence
    settled = await fake.open_post(PHD, "")
    await fake.wait_for(lambda: fake.thread_replies(settled))
    assert fake.thread_replies(other) == []


async def test_a_message_quoting_an_earlier_one_is_read_as_what_it_asks(fake, helping):
    first = await answer_to(fake, f"> {PHD}\n{LEVELS}", 1)
    assert [e["title"] for e in first["embeds"]] == [LEVELS]  # not the quoted question too
    second = await answer_to(fake, f"> {LEVELS}\n{FOLLOW_UP}", 2)
    assert title(second) == LEVELS  # the quote says what "and for seniors?" follows up
