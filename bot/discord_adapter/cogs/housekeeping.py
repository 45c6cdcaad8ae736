"""Housekeeping: members' questions and votes older than RETENTION_DAYS are deleted at
start-up and then daily, off the event loop and in small transactions."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from discord.ext import commands, tasks

from bot.knowledge.database import DataUnavailable
from bot.records.retention import prune, summary

if TYPE_CHECKING:
    from bot.discord_adapter.app import CareerBot

log = logging.getLogger(__name__)


class Housekeeping(commands.Cog):
    def __init__(self, bot: CareerBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.prune.start()

    async def cog_unload(self) -> None:
        self.prune.cancel()

    @tasks.loop(hours=24)
    async def prune(self) -> None:
        days = self.bot.settings.retention_days
        try:
            removed = await asyncio.to_thread(prune, self.bot.database, days)
        except DataUnavailable as exc:
            self.bot.data_unavailable(exc)
            return
        if any(removed.values()):
            log.info(summary(removed, days))


async def setup(bot: CareerBot) -> None:
    await bot.add_cog(Housekeeping(bot))
