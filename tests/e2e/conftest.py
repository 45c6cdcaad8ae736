"""Run the real discord.py client against the fake Discord."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import discord
import pytest
import yarl

from bot.config import Settings
from bot.discord_adapter.app import CareerBot, create_bot
from bot.matching.matcher import Matcher

from .fake_discord import (
    ANSWER_CHANNEL_ID,
    GUILD_ID,
    MOD_LOG_CHANNEL_ID,
    MODERATOR_ROLE_ID,
    FakeDiscord,
)
from .fake_gateway import quick_ready


@pytest.fixture
async def fake(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscord]:
    server = FakeDiscord()
    await server.start()
    monkeypatch.setattr(discord.http.Route, "BASE", server.api_base)
    monkeypatch.setattr(
        discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(server.gateway_url)
    )
    state = discord.state.ConnectionState
    monkeypatch.setattr(state, "__init__", quick_ready(state.__init__))
    yield server
    await server.stop()
    assert not server.violations, "Discord would refuse or never send:\n" + "\n".join(
        server.violations[:20]
    )


def bot_settings(data_dir: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "discord_token": "fake-token",
        "data_dir": data_dir,
        "semantic": False,
        "guild_ids": frozenset({GUILD_ID}),
        "moderator_role_ids": frozenset({MODERATOR_ROLE_ID}),
        "answer_channel_ids": frozenset({ANSWER_CHANNEL_ID}),
    }
    return Settings(**{**values, **overrides})  # type: ignore[arg-type]


async def start_bot(fake: FakeDiscord, bot: CareerBot) -> asyncio.Task[None]:
    task = asyncio.create_task(bot.start("fake-token"))
    waiter = asyncio.create_task(fake.identified.wait())
    done, _ = await asyncio.wait({task, waiter}, timeout=20, return_when=asyncio.FIRST_COMPLETED)
    if task in done:  # start-up failed: raise its error
        waiter.cancel()
        task.result()
    assert waiter in done, "the bot never identified on the gateway"
    return task


async def stop_bot(bot: CareerBot, task: asyncio.Task[None]) -> None:
    await bot.close()
    await asyncio.wait_for(task, 10)


@pytest.fixture
async def bot(fake: FakeDiscord, tmp_path: Path, lexical: Matcher) -> AsyncIterator[CareerBot]:
    running = create_bot(bot_settings(tmp_path / "data"), lexical)
    task = await start_bot(fake, running)
    yield running
    await stop_bot(running, task)


@pytest.fixture
async def curating(
    fake: FakeDiscord, knowledge_copy: Path, tmp_path: Path
) -> AsyncIterator[CareerBot]:
    settings = bot_settings(
        tmp_path / "data", knowledge_dir=knowledge_copy, mod_log_channel_id=MOD_LOG_CHANNEL_ID
    )
    bot = create_bot(settings)
    task = await start_bot(fake, bot)
    yield bot
    await stop_bot(bot, task)
