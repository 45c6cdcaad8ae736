"""An answer channel with the blended matcher: a post `/ask` would answer, that the stricter
cut-off alone leaves unsure, is answered when the answer check backs it, and left alone (kept
as unanswered) when it does not."""

from __future__ import annotations

import dataclasses

from bot.discord_adapter.app import create_bot
from bot.matching.answerability.answer_check import AnswerCheck
from bot.matching.build import ANSWER_CHECK_MODEL
from bot.records.activity import read_unanswered
from tests.test_answer_check import BACKED

from .conftest import bot_settings, start_bot, stop_bot
from .fake_discord import ANSWER_CHANNEL_ID
from .test_ask import channel_replies


async def test_an_answer_channel_answers_what_the_check_backs(fake, tmp_path, kb, blended):
    bot = create_bot(bot_settings(tmp_path / "data"), blended)
    task = await start_bot(fake, bot)
    await fake.wait_for(bot.is_ready)
    await fake.post(BACKED, channel_id=ANSWER_CHANNEL_ID)
    (reply,) = await fake.wait_for(lambda: channel_replies(fake, ANSWER_CHANNEL_ID))
    assert reply["embeds"][0]["title"] == kb.by_id["skill-math-statistics"].question
    assert not [
        c for row in reply["components"] for c in row["components"] if "pick:" in c["custom_id"]
    ]
    await stop_bot(bot, task)


async def test_an_answer_channel_stays_quiet_when_the_check_does_not_back_it(
    fake, tmp_path, blended, monkeypatch
):
    strict = dataclasses.replace(ANSWER_CHECK_MODEL, quiet=1.0)
    monkeypatch.setattr(blended, "answer_check", AnswerCheck(blended.answer_check.encoder, strict))
    bot = create_bot(bot_settings(tmp_path / "data"), blended)
    task = await start_bot(fake, bot)
    await fake.wait_for(bot.is_ready)
    await fake.post(BACKED, channel_id=ANSWER_CHANNEL_ID)
    await fake.wait_for(lambda: [q for q in read_unanswered(bot.database) if q] or None)
    assert channel_replies(fake, ANSWER_CHANNEL_ID) == [], "unsure: silence"
    await stop_bot(bot, task)
