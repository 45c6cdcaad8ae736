from __future__ import annotations

import asyncio
import logging

import discord
import pytest

from bot.discord_adapter.app import SYNC_HASH_SETTING, create_bot
from tests.conftest import KNOWLEDGE

from .conftest import bot_settings, start_bot, stop_bot
from .fake_discord import GUILD_ID


async def test_start_up_syncs_valid_commands_to_the_home_server(fake, bot):
    assert fake.identify is not None and fake.identify["token"] == "fake-token"
    assert fake.identify["intents"] & (1 << 15), "answer channels need the message-content intent"
    names = {command["name"] for command in fake.commands[GUILD_ID]}
    assert {"ask", "topics"} <= names
    assert None not in fake.commands, "with GUILD_IDS set nothing is synced globally"
    ask = next(c for c in fake.commands[GUILD_ID] if c["name"] == "ask")
    question = ask["options"][0]
    assert question["autocomplete"] is True and question["required"] is True
    assert bot.database.setting(SYNC_HASH_SETTING) == bot.commands_hash()


async def test_unchanged_commands_are_not_synced_again(fake, tmp_path, lexical):
    settings = bot_settings(tmp_path / "data")
    for expected_requests in (1, 1):
        bot = create_bot(settings, lexical)
        task = await start_bot(fake, bot)
        await stop_bot(bot, task)
        fake.identified.clear()
        assert fake.sync_requests == expected_requests
    forced = create_bot(settings, lexical, force_sync=True)
    task = await start_bot(fake, forced)
    await stop_bot(forced, task)
    assert fake.sync_requests == 2


async def test_a_bot_stopped_before_it_is_ready_never_calls_on_ready(
    fake, tmp_path, lexical, caplog
):
    """discord.py waits for the servers' GUILD_CREATEs before on_ready, and keeps waiting
    after a close: the close ends that wait, so no catch-up or error comes after it."""
    caplog.set_level(logging.INFO)
    bot = create_bot(bot_settings(tmp_path / "data"), lexical)
    bot._connection.guild_ready_timeout = 60.0  # the stop surely comes first
    task = await start_bot(fake, bot)
    waiting = await fake.wait_for(lambda: bot._connection._ready_task)
    await stop_bot(bot, task)
    await asyncio.wait({waiting}, timeout=10)
    assert waiting.done(), "no on_ready once closed"
    assert not any("Ready as" in r.getMessage() for r in caplog.records)


async def test_without_home_servers_commands_are_global(fake, tmp_path, lexical):
    bot = create_bot(bot_settings(tmp_path / "data", guild_ids=frozenset()), lexical)
    task = await start_bot(fake, bot)
    await stop_bot(bot, task)
    assert {c["name"] for c in fake.commands[None]} >= {"ask", "topics"}


async def test_sync_command_pushes_commands_without_connecting(fake, tmp_path):
    from bot.discord_adapter import lifecycle as app

    settings = bot_settings(tmp_path / "data", knowledge_dir=KNOWLEDGE)
    await app.sync(settings)
    await app.sync(settings)
    assert fake.sync_requests == 2, "sync pushes even when nothing changed"
    assert fake.identify is None, "sync uses REST only"


async def test_a_rejected_token_raises_login_failure(fake, tmp_path, lexical):
    bot = create_bot(bot_settings(tmp_path / "data"), lexical)
    with pytest.raises(discord.LoginFailure):
        async with bot:
            await bot.login("wrong-token")


async def test_sync_says_what_it_did_and_fails_when_discord_refuses(fake, tmp_path):
    from bot.discord_adapter.lifecycle import SyncFailed, sync

    settings = bot_settings(tmp_path / "data", knowledge_dir=KNOWLEDGE)
    assert await sync(settings) == [f"synced 6 commands to server {GUILD_ID}"]
    fake.fail_next("PUT", r"/commands$", 403)
    with pytest.raises(SyncFailed, match="refused"):
        await sync(settings)


async def test_start_up_says_what_it_serves_and_what_is_off(fake, tmp_path, lexical, caplog):
    caplog.set_level(logging.INFO)
    bot = create_bot(bot_settings(tmp_path / "data", guild_ids=frozenset()), lexical)
    task = await start_bot(fake, bot)
    try:
        said = lambda: [r.getMessage() for r in caplog.records]  # noqa: E731
        await fake.wait_for(lambda: any("Ready as" in m for m in said()))
    finally:
        await stop_bot(bot, task)
    assert any(
        m.startswith("Knowledge base ") and "20 entries, lexical matching" in m for m in said()
    )
    assert any("GUILD_IDS is empty: /kb (curating) is off" in m for m in said())


def test_version_is_one_line():
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "bot", "--version"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0 and result.stdout.strip().split()[-1][0].isdigit()
