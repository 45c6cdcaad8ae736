"""Under /kb test and /kb feedback: one click teaches the matcher about a question."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import discord

from bot.discord_adapter.failures import failure_text, report_error
from bot.discord_adapter.store_threads import in_store_thread
from bot.discord_adapter.views.access import CurationCog, actor
from bot.discord_adapter.views.curate import CONFIRM_SECONDS
from bot.knowledge.model import Entry, KnowledgeBaseError, StoreError
from bot.rendering import replies


class TestedQuestionView(discord.ui.View):
    """Under /kb test and /kb feedback: teach the matcher about a question in one click, as a
    phrasing of the right entry, a `not:` example of the wrong one, or out of scope."""

    def __init__(
        self,
        cog: CurationCog,
        question: str,
        entry_id: str | None,
        topic: str,
        candidates: Sequence[Entry] = (),
    ) -> None:
        super().__init__(timeout=CONFIRM_SECONDS)
        self.cog, self.question, self.entry_id, self.topic = cog, question, entry_id, topic
        if entry_id is None:
            self.remove_item(self.not_entry)
        else:
            self.not_entry.label = replies.clip(f"Not {entry_id}", 80)
        self.out_of_scope.label = replies.clip(f"Out of scope ({topic})", 80)
        self.phrasing.options = [
            discord.SelectOption(label=replies.clip(e.question, 100), value=e.id, description=e.id)
            for e in candidates[:25]
        ]
        if not candidates:
            self.remove_item(self.phrasing)

    @discord.ui.select(placeholder="Add as a phrasing of…", row=0)
    async def phrasing(self, interaction: discord.Interaction, select: discord.ui.Select) -> None:
        entry_id = select.values[0]
        await self.save(
            interaction,
            lambda: self.cog.bot.store.add_phrasing(entry_id, self.question, actor(interaction)),
            f"Added as a phrasing of `{entry_id}`.",
        )

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        return await self.cog.allowed(interaction)

    @discord.ui.button(label="Not the first entry", style=discord.ButtonStyle.secondary, row=1)
    async def not_entry(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        entry_id = str(self.entry_id)
        await self.save(
            interaction,
            lambda: self.cog.bot.store.add_not_example(entry_id, self.question, actor(interaction)),
            f"Added as a question that `{entry_id}` does not answer.",
        )

    @discord.ui.button(label="Out of scope", style=discord.ButtonStyle.secondary, row=1)
    async def out_of_scope(
        self, interaction: discord.Interaction, button: discord.ui.Button
    ) -> None:
        await self.save(
            interaction,
            lambda: self.cog.bot.store.add_out_of_scope(
                self.question, self.topic, actor(interaction)
            ),
            f"Added to the out-of-scope topic `{self.topic}`.",
        )

    async def save(self, interaction: discord.Interaction, write: Any, done: str) -> None:
        """Acknowledged at once (the write may wait for another change), applied once: the
        view stops at the first click."""
        self.stop()
        await interaction.response.defer()
        try:
            await in_store_thread(write)
        except (KnowledgeBaseError, StoreError) as exc:
            text = failure_text("Not saved:", exc)
            await interaction.edit_original_response(content=text, view=None)
            return
        await self.cog.changed(
            interaction,
            f"{done} `/kb undo` reverts it.",
            f"{interaction.user} {done[0].lower()}{done[1:]}",
        )

    async def on_error(
        self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item
    ) -> None:
        await report_error(interaction, error)
