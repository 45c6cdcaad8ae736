"""/help, /about, and what the admin is told at start-up, over the fake Discord."""

from __future__ import annotations

import logging

from bot.discord_adapter.app import create_bot
from bot.discord_adapter.readiness import invite_url
from bot.records.health import heartbeat_age

from .conftest import bot_settings, start_bot, stop_bot
from .fake_discord import (
    ANSWER_CHANNEL_ID,
    APPLICATION_ID,
    GUILD_ID,
    OTHER_GUILD_ID,
    FakeDiscord,
)
from .test_ask import EPHEMERAL
from .test_curate import MOD

SEND_MESSAGES = 1 << 11


async def test_help_lists_what_this_member_may_use(fake, bot):
    member = await fake.reply_of(await fake.slash("help"))
    assert member["flags"] & EPHEMERAL
    (embed,) = member["embeds"]
    commands = embed["fields"][0]["value"]
    assert "`/ask` —" in commands and "`/comp offer|compare|bands`" in commands
    assert "/kb" not in commands, "members are not shown moderator commands"
    assert f"<#{ANSWER_CHANNEL_ID}>" in embed["description"]
    moderator = await fake.reply_of(await fake.slash("help", **MOD))
    (kb_line,) = [
        line
        for line in moderator["embeds"][0]["fields"][0]["value"].splitlines()
        if line.startswith("`/kb ")
    ]
    assert {"add", "edit", "remove", "feedback", "stats"} <= set(
        kb_line.split("`")[1][4:].split("|")
    )


async def test_about_tells_version_entries_mode_and_uptime(fake, bot):
    reply = await fake.reply_of(await fake.slash("about"))
    assert reply["flags"] & EPHEMERAL
    fields = {f["name"]: f["value"] for f in reply["embeds"][0]["fields"]}
    assert fields["Entries"] == "20" and fields["Matching"] == "lexical"
    assert fields["Version"] == "0.1.0" and fields["Up since"].startswith("<t:")
    assert fields["Last knowledge-base change"] == "none yet"
    assert fields["Source"].startswith("https://")


async def test_start_up_names_every_server_and_channel_it_cannot_use(
    fake: FakeDiscord, tmp_path, lexical, caplog, monkeypatch
):
    real_guild = FakeDiscord.guild

    def guild_with_a_muted_answer_channel(self: FakeDiscord, guild_id: int) -> dict:
        data = real_guild(self, guild_id)
        for channel in data["channels"]:
            if channel["id"] == str(ANSWER_CHANNEL_ID):
                deny = {"id": str(guild_id), "type": 0, "allow": "0", "deny": str(SEND_MESSAGES)}
                channel["permission_overwrites"] = [deny]
        return data

    monkeypatch.setattr(FakeDiscord, "guild", guild_with_a_muted_answer_channel)
    missing_server, missing_channel = 200_000_000_000_000_999, 300_000_000_000_000_999
    settings = bot_settings(
        tmp_path / "data",
        guild_ids=frozenset({GUILD_ID, missing_server}),
        answer_channel_ids=frozenset({ANSWER_CHANNEL_ID, missing_channel}),
    )
    caplog.set_level(logging.INFO, logger="bot.discord_adapter.app")
    bot = create_bot(settings, lexical)
    task = await start_bot(fake, bot)
    try:
        await fake.wait_for(lambda: any("Ready as" in r.getMessage() for r in caplog.records))
        await fake.wait_for(lambda: heartbeat_age(settings.data_dir) is not None)
    finally:
        await stop_bot(bot, task)
    messages = [r.getMessage() for r in caplog.records if r.name == "bot.discord_adapter.app"]
    ready = f"Ready as ml-career-bot in {len(fake.guilds)} servers: guild 1 ({GUILD_ID}), "
    assert any(m.startswith(ready) for m in messages), "servers named beside their ids"
    assert f"Invite link: {invite_url(APPLICATION_ID)}" in messages
    assert any(f"GUILD_IDS lists server {missing_server}" in m for m in messages)
    assert any(f"channel {missing_channel}, which the bot cannot see" in m for m in messages)
    assert any("lacks send messages, embed links in #ask-here" in m for m in messages)
    warned = [m for m in messages if not m.startswith("Ready as")]
    assert not any(str(OTHER_GUILD_ID) in m for m in warned), "it is in that server"
    assert fake.commands[GUILD_ID], "a server it cannot reach does not stop the others' sync"
    assert heartbeat_age(settings.data_dir) is None, "a stopped bot is not called connected"
