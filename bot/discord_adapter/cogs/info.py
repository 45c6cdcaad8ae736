"""/help and /about: what the bot does and how to ask; what is running. Both private."""

from __future__ import annotations

import asyncio
import time
from importlib import metadata
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.config import version
from bot.discord_adapter.views.access import refusal
from bot.knowledge.database import DataUnavailable
from bot.knowledge.history import changes
from bot.rendering import replies

if TYPE_CHECKING:
    from bot.discord_adapter.app import CareerBot

PACKAGE = "ml-career-bot"
MODERATOR_GROUP = "kb"


def source_url() -> str | None:
    """The Source link from the package's metadata (pyproject's [project.urls])."""
    try:
        urls = metadata.metadata(PACKAGE).get_all("Project-URL") or []
    except metadata.PackageNotFoundError:
        return None
    found = (url.partition(", ") for url in urls)
    return next((link for label, _, link in found if label == "Source"), None)


class Info(commands.Cog):
    def __init__(self, bot: CareerBot) -> None:
        self.bot = bot
        self.started = time.time()

    def command_lines(self, interaction: discord.Interaction) -> list[str]:
        """The commands this member can use, as `/name — description`."""
        may_curate = refusal(self.bot, interaction) is None
        lines = []
        for command in self.bot.tree.get_commands():
            if command.name == MODERATOR_GROUP and not may_curate:
                continue
            if isinstance(command, app_commands.Group):
                names = "|".join(sub.name for sub in command.commands)
                lines.append(f"`/{command.name} {names}` — {command.description}")
            else:
                lines.append(f"`/{command.name}` — {command.description}")
        return lines

    @app_commands.command(name="help", description="What I do and how to ask me")
    async def help(self, interaction: discord.Interaction[CareerBot]) -> None:
        where = ["use `/ask`", "mention me with your question"]
        channels = sorted(self.bot.settings.answer_channel_ids)
        if channels:
            where.append("just ask in " + ", ".join(f"<#{c}>" for c in channels))
        forums = sorted(self.bot.settings.forum_channel_ids)
        if forums:
            where.append("open a post in " + ", ".join(f"<#{c}>" for c in forums))
        where[-1] = "or " + where[-1]
        embed = discord.Embed(
            title="ML Career Bot",
            colour=discord.Colour.blurple(),
            description=(
                f"I answer questions about {replies.SCOPE}, from a knowledge base this "
                f"server's moderators keep. To ask, {', '.join(where)}. When I'm not sure I "
                "offer a few matches to pick from; when I don't know, I say so. `/comp` "
                "prices a job offer year by year, privately."
            ),
        )
        embed.add_field(
            name="Commands you can use",
            value=replies.clip("\n".join(self.command_lines(interaction)), 1024),
            inline=False,
        )
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @app_commands.command(name="about", description="Version, knowledge base and uptime")
    async def about(self, interaction: discord.Interaction[CareerBot]) -> None:
        try:
            # the log as it stands: never waits for a change in progress
            latest = await asyncio.to_thread(changes, self.bot.database, None, 1)
        except DataUnavailable:
            latest = []
        changed = latest[0]["time"][:16].replace("T", " ") + " UTC" if latest else "none yet"
        embed = discord.Embed(title="About ML Career Bot", colour=discord.Colour.blurple())
        embed.add_field(name="Version", value=version())
        embed.add_field(name="Entries", value=str(len(self.bot.matcher.kb)))
        embed.add_field(name="Matching", value=self.bot.matcher.mode)
        embed.add_field(name="Last knowledge-base change", value=changed)
        embed.add_field(name="Up since", value=f"<t:{int(self.started)}:R>")
        url = source_url()
        if url:
            embed.add_field(name="Source", value=url, inline=False)
        await interaction.response.send_message(embed=embed, ephemeral=True)


async def setup(bot: CareerBot) -> None:
    await bot.add_cog(Info(bot))
