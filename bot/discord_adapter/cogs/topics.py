"""/topics: browse the knowledge base, category -> question -> answer, in one private message."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_adapter.failures import reports_errors
from bot.discord_adapter.views.answers import answer_reply, entry_choices
from bot.rendering import replies

if TYPE_CHECKING:
    from bot.discord_adapter.app import CareerBot

MENU_LIMIT = 25  # options in a Discord select menu


def home_view(bot: CareerBot) -> tuple[str, discord.ui.View]:
    categories = bot.matcher.kb.categories()
    options = [
        discord.SelectOption(
            label=replies.clip(name, 100),
            value=replies.clip(name, 100),
            description=f"{len(entries)} question{'s' * (len(entries) != 1)}",
        )
        for name, entries in list(categories.items())[:MENU_LIMIT]
    ]
    view = discord.ui.View(timeout=None)
    view.add_item(
        TopicsMenu(
            discord.ui.Select(
                custom_id="topics:category", placeholder="Pick a topic…", options=options
            )
        )
    )
    total = len(bot.matcher.kb)
    return f"I can answer {total} questions in {len(categories)} topics. Pick a topic:", view


def category_view(bot: CareerBot, category: str) -> tuple[str, discord.ui.View]:
    entries = bot.matcher.kb.categories().get(category, [])
    view = discord.ui.View(timeout=None)
    if entries:
        options = [
            discord.SelectOption(label=replies.clip(e.question, 100), value=e.id)
            for e in entries[:MENU_LIMIT]
        ]
        view.add_item(
            TopicsMenu(
                discord.ui.Select(
                    custom_id="topics:entry", placeholder="Pick a question…", options=options
                )
            )
        )
    view.add_item(BackButton())
    shown = f" (the first {MENU_LIMIT}; /ask finds the rest)" if len(entries) > MENU_LIMIT else ""
    text = (
        f"**{replies.clip(category, 100)}**{shown}: pick a question."
        if entries
        else ("That topic is no longer in the knowledge base.")
    )
    return text, view


class TopicsMenu(
    discord.ui.DynamicItem[discord.ui.Select], template=r"topics:(?P<step>category|entry)"
):
    def __init__(self, item: discord.ui.Select) -> None:
        super().__init__(item)

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Select, match: re.Match[str]
    ) -> TopicsMenu:
        return cls(item)

    @reports_errors
    async def callback(self, interaction: discord.Interaction[CareerBot]) -> None:
        bot = interaction.client
        picked = self.item.values[0]
        if self.item.custom_id == "topics:category":
            content, view = category_view(bot, picked)
            await interaction.response.edit_message(content=content, embed=None, view=view)
            return
        entry = bot.matcher.kb.by_id.get(picked)
        if entry is None:
            content, view = home_view(bot)
            await interaction.response.edit_message(content=content, embed=None, view=view)
            return
        reply = answer_reply(bot, entry)
        reply.view.add_item(BackButton())
        await interaction.response.edit_message(content=None, embed=reply.embed, view=reply.view)


class BackButton(discord.ui.DynamicItem[discord.ui.Button], template=r"topics:home"):
    def __init__(self) -> None:
        super().__init__(
            discord.ui.Button(
                label="All topics", custom_id="topics:home", style=discord.ButtonStyle.primary
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> BackButton:
        return cls()

    @reports_errors
    async def callback(self, interaction: discord.Interaction[CareerBot]) -> None:
        content, view = home_view(interaction.client)
        await interaction.response.edit_message(content=content, embed=None, view=view)


class Topics(commands.Cog):
    def __init__(self, bot: CareerBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(TopicsMenu, BackButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(TopicsMenu, BackButton)

    @app_commands.command(name="topics", description="Browse everything I can answer, by topic")
    @app_commands.describe(entry="Show one entry straight away")
    async def topics(
        self, interaction: discord.Interaction[CareerBot], entry: str | None = None
    ) -> None:
        found = self.bot.matcher.kb.by_id.get(entry) if entry else None
        if found is None:
            content, view = home_view(self.bot)
            if entry:
                content = f"There is no entry {replies.clip(entry, 100)!r}. " + content
            await interaction.response.send_message(content, view=view, ephemeral=True)
            return
        reply = answer_reply(self.bot, found)
        reply.view.add_item(BackButton())
        await interaction.response.send_message(ephemeral=True, **reply.kwargs())

    @topics.autocomplete("entry")
    async def entry_autocomplete(
        self, interaction: discord.Interaction[CareerBot], current: str
    ) -> list[app_commands.Choice[str]]:
        return entry_choices(self.bot, current)


async def setup(bot: CareerBot) -> None:
    await bot.add_cog(Topics(bot))
