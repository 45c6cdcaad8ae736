"""Safe defaults and graceful failure over the fake Discord: moderation off without home
servers, an unusable DATA_DIR, hostile option text, a broken file on disk, mention markup and
the cooldown's order. The fake rejects (and the fixture fails on) anything Discord would."""

from __future__ import annotations

import pytest

from bot.discord_adapter import app
from bot.discord_adapter.app import create_bot
from bot.discord_adapter.views.access import NO_HOME_SERVERS
from bot.knowledge.entry_yaml import version_of
from bot.knowledge.store import Actor
from bot.records.activity import read_unanswered

from .conftest import bot_settings, start_bot, stop_bot
from .fake_discord import BOT_USER, CHANNEL_ID, MOD_LOG_CHANNEL_ID
from .test_ask import EPHEMERAL, channel_replies, question
from .test_curate import MOD, NEW, defaults, open_modal, sub

SHELL = Actor("shell:test", "test")


async def test_without_home_servers_nobody_may_curate_but_everyone_may_ask(fake, tmp_path, lexical):
    settings = bot_settings(tmp_path / "data", guild_ids=frozenset())
    bot = create_bot(settings, lexical)
    task = await start_bot(fake, bot)
    try:
        refused = await fake.reply_of(await fake.slash("kb", sub("add"), **MOD))
        assert refused["content"] == NO_HOME_SERVERS and refused["flags"] & EPHEMERAL
        answer = await fake.reply_of(await fake.slash("ask", question("do I need a PhD?")))
        assert answer["embeds"]
    finally:
        await stop_bot(bot, task)


async def test_an_unusable_data_dir_warns_once_and_never_stops_answers(
    fake, tmp_path, knowledge_copy, monkeypatch
):
    monkeypatch.setattr(app, "CLOSE_GRACE", 0.5)  # the questions can never be recorded here
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where DATA_DIR should be")
    settings = bot_settings(
        blocker, knowledge_dir=knowledge_copy, mod_log_channel_id=MOD_LOG_CHANNEL_ID
    )
    bot = create_bot(settings)
    task = await start_bot(fake, bot)
    try:
        (warning,) = await fake.wait_for(
            lambda: [m for m in fake.channel_messages if m["channel_id"] == str(MOD_LOG_CHANNEL_ID)]
        )
        assert "DATA_DIR" in warning["content"] and "keep answering" in warning["content"]
        assert fake.sync_requests == 1, "commands synced although the hash cannot be kept"
        declined = await fake.reply_of(await fake.slash("ask", question("best pizza in town")))
        assert "/topics" in declined["content"], "declined as usual, not an error"
        answered = await fake.reply_of(await fake.slash("ask", question("do I need a PhD?")))
        assert answered["embeds"]
        modal = await open_modal(fake, sub("add"), MOD)
        refused = await fake.reply_of(await fake.submit(modal, NEW, **MOD))
        assert refused["content"].startswith("Not saved: DATA_DIR")
        assert not (knowledge_copy / "entries" / "how-do-i-negotiate-an-ml-job-offer.yaml").exists()
    finally:
        await stop_bot(bot, task)
    assert not blocker.is_dir()


async def test_thousands_of_characters_of_option_text_are_clipped(fake, curating):
    long = "x" * 3000
    topics = await fake.reply_of(
        await fake.slash("topics", [{"name": "entry", "type": 3, "value": long}])
    )
    assert topics["content"].startswith("There is no entry 'xxx")
    edit = await fake.reply_of(await fake.slash("kb", sub("edit", entry=long), **MOD))
    assert edit["content"].startswith("There is no entry 'xxx") and len(edit["content"]) < 200


async def test_kb_edit_with_a_broken_file_on_disk_names_the_file(fake, curating):
    """The form opens from what is loaded; saving checks the files and names the broken one,
    giving the moderator's text back."""
    (curating.settings.knowledge_dir / "entries" / "broken.yaml").write_text("id: [\n")
    modal = await open_modal(fake, sub("edit", entry="phd-required"), MOD)
    values = {**defaults(modal), "Answer": "A new answer."}
    reply = await fake.reply_of(await fake.submit(modal, values, **MOD))
    assert reply["flags"] & EPHEMERAL
    assert "broken.yaml" in reply["content"] and "something went wrong" not in reply["content"]
    assert b"A new answer." in reply["files"][0]["data"]
    entry_file = curating.settings.knowledge_dir / "entries" / "phd-required.yaml"
    assert "A new answer." not in entry_file.read_text(), "nothing saved"


async def test_an_entry_at_the_form_limits_opens_in_the_form(fake, curating):
    store = curating.store
    document = store.document("phd-required")
    wordings = [f"a long wording number {n} " + "w" * 370 for n in range(10)]
    assert len("\n".join(wordings)) <= 4000
    store.edit("phd-required", {**document, "phrasings": wordings}, SHELL, version_of(document))
    # the form shows what is loaded: wait for the watcher's reload
    await fake.wait_for(
        lambda: curating.matcher.kb.by_id["phd-required"].phrasings == tuple(wordings)
    )
    modal = await open_modal(fake, sub("edit", entry="phd-required"), MOD)
    assert defaults(modal)["Other ways members ask it, one per line"] == "\n".join(wordings)


async def test_mention_markup_is_not_part_of_the_question(fake, bot, kb):
    await fake.post(
        f"@everyone <@&123> <#{CHANNEL_ID}> <@{BOT_USER['id']}> do I need a phd?",
        mentions=[BOT_USER],
    )
    (reply,) = await fake.wait_for(lambda: channel_replies(fake, CHANNEL_ID))
    assert reply["embeds"][0]["title"] == kb.by_id["phd-required"].question


async def test_a_member_over_the_cooldown_is_not_recorded_again_and_again(fake, bot):
    bot.get_cog("Ask").cooldown.clock = lambda: 1000.0  # frozen time: deterministic
    for _ in range(12):
        await fake.post(f"<@{BOT_USER['id']}> best pizza in town?", mentions=[BOT_USER])
    await fake.wait_for(lambda: len(fake.reactions) >= 7 or None)
    replies = await fake.wait_for(lambda: channel_replies(fake, CHANNEL_ID)[4:] or None)
    assert len(replies) == 1
    await fake.wait_for(lambda: len(read_unanswered(bot.database)) >= 5 or None)
    assert len(read_unanswered(bot.database)) == 5, "one record per answer given, no more"


async def test_a_refused_payload_raises_discords_http_error_with_its_fields(fake, bot):
    """The fake's 400 has Discord's shape, so discord.py raises HTTPException naming the
    field, as it does in production (not an AttributeError)."""
    import discord

    channel = bot.get_channel(CHANNEL_ID)
    with pytest.raises(discord.HTTPException) as refused:
        await channel.send("x" * 2001)
    assert refused.value.status == 400 and refused.value.code == 50035
    assert "content" in refused.value.text
    fake.violations.clear()  # sent on purpose
