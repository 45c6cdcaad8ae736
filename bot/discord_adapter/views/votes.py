""" "Helpful" / "Not helpful" under every answer, and the private "what was wrong?" after a
"Not helpful". Both are `DynamicItem`s: the custom_id carries the entry id and the question's
reference, so old answers keep taking votes after a restart (the Ask cog registers them).
Every reply is private and mentions nobody."""

from __future__ import annotations

import asyncio
import logging
import re
from typing import TYPE_CHECKING

import discord

from bot.discord_adapter.failures import reports_errors
from bot.discord_adapter.views.access import served_here
from bot.knowledge.database import DataUnavailable
from bot.knowledge.model import Entry, KnowledgeBase
from bot.records.feedback import REASONS, give_reason, vote
from bot.rendering import replies

if TYPE_CHECKING:
    from bot.discord_adapter.app import CareerBot

NOT_SAVED = "Thanks. Your vote could not be saved just now; please try again later."
VOTE_ID = r"vote:(?P<vote>[+-])(?P<ref>\d{1,12}):(?P<entry>[a-z0-9-]+)"
THREAD_LOOKBACK = 10  # messages of a thread searched for the bot's latest answer
log = logging.getLogger(__name__)


def add_vote_buttons(
    view: discord.ui.View, entry_id: str, reference: int, row: int, about: str = ""
) -> None:
    """A row of the two buttons; `about` names the answer when a message holds several."""
    helpful = f"Helpful: {about}" if about else "Helpful"
    view.add_item(VoteButton(entry_id, reference, True, replies.clip(helpful, 80), row))
    view.add_item(VoteButton(entry_id, reference, False, "Not helpful", row))


class VoteButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=VOTE_ID,
):
    def __init__(
        self, entry_id: str, reference: int, helpful: bool, label: str, row: int | None = None
    ) -> None:
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.secondary,
                emoji="\N{THUMBS UP SIGN}" if helpful else "\N{THUMBS DOWN SIGN}",
                custom_id=f"vote:{'+' if helpful else '-'}{reference}:{entry_id}",
                row=row,
            )
        )
        self.entry_id, self.reference, self.helpful = entry_id, reference, helpful

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> VoteButton:
        return cls(match["entry"], int(match["ref"]), match["vote"] == "+", item.label or "")

    async def interaction_check(self, interaction: discord.Interaction[CareerBot]) -> bool:
        return await served_here(interaction)

    @reports_errors
    async def callback(self, interaction: discord.Interaction[CareerBot]) -> None:
        bot = interaction.client
        await interaction.response.defer(ephemeral=True, thinking=True)  # before the database
        await bot.answering.recorded(self.reference)
        try:
            before = await asyncio.to_thread(
                vote,
                bot.database,
                interaction.user.id,
                self.entry_id,
                self.reference,
                self.helpful,
                interaction.guild_id,
                interaction.channel_id,
            )
        except DataUnavailable as exc:
            bot.data_unavailable(exc)
            await interaction.followup.send(NOT_SAVED, ephemeral=True)
            return
        if self.helpful:
            text = "Thanks! Noted as helpful." if before != 1 else "You already said so, thanks."
            await interaction.followup.send(text, ephemeral=True)
            return
        view = discord.ui.View(timeout=None)
        view.add_item(ReasonSelect.build(self.entry_id, self.reference))
        await interaction.followup.send(
            "Thanks, noted. What was wrong with it? (optional)", view=view, ephemeral=True
        )


class ReasonSelect(
    discord.ui.DynamicItem[discord.ui.Select],
    template=r"why:(?P<ref>\d{1,12}):(?P<entry>[a-z0-9-]+)",
):
    def __init__(self, item: discord.ui.Select, entry_id: str, reference: int) -> None:
        super().__init__(item)
        self.entry_id, self.reference = entry_id, reference

    @classmethod
    def build(cls, entry_id: str, reference: int) -> ReasonSelect:
        options = [discord.SelectOption(label=label, value=key) for key, label in REASONS.items()]
        select = discord.ui.Select(
            custom_id=f"why:{reference}:{entry_id}", placeholder="What was wrong?", options=options
        )
        return cls(select, entry_id, reference)

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Select, match: re.Match[str]
    ) -> ReasonSelect:
        return cls(item, match["entry"], int(match["ref"]))

    async def interaction_check(self, interaction: discord.Interaction[CareerBot]) -> bool:
        return await served_here(interaction)

    @reports_errors
    async def callback(self, interaction: discord.Interaction[CareerBot]) -> None:
        reason = self.item.values[0] if self.item.values else ""
        if reason not in REASONS:
            await interaction.response.edit_message(content="Pick one of the reasons.")
            return
        await interaction.response.defer()  # the message stays until the reason is saved
        try:
            saved = await asyncio.to_thread(
                give_reason,
                interaction.client.database,
                interaction.user.id,
                self.entry_id,
                self.reference,
                reason,
            )
        except DataUnavailable as exc:
            interaction.client.data_unavailable(exc)
            await interaction.edit_original_response(content=NOT_SAVED, view=None)
            return
        text = (
            f"Thanks, noted: {REASONS[reason]}. Moderators use this to improve the answers."
            if saved
            else "Your vote has changed since, so nothing was added."
        )
        await interaction.edit_original_response(content=text, view=None)


def answered_entry(message: discord.Message, kb: KnowledgeBase) -> Entry | None:
    """The entry a bot's answer message answered, read from its vote buttons."""
    for row in message.components:
        for item in getattr(row, "children", ()):
            found = re.fullmatch(VOTE_ID, getattr(item, "custom_id", None) or "")
            if found and found["entry"] in kb.by_id:
                return kb.by_id[found["entry"]]
    return None


async def earlier_answer(message: discord.Message, bot_id: int, kb: KnowledgeBase) -> Entry | None:
    """The bot's answer that `message` follows up: the answer it replies to, or else, in a
    thread, the bot's latest answer there. None for a reply to anything else (another
    member's message, a deleted one): the follow-up is then read alone."""
    reference = message.reference
    if reference is not None:
        replied = reference.resolved
        if isinstance(replied, discord.Message) and replied.author.id == bot_id:
            return answered_entry(replied, kb)
        return None
    if not isinstance(message.channel, discord.Thread):
        return None
    try:
        async for earlier in message.channel.history(limit=THREAD_LOOKBACK, before=message):
            if earlier.author.id == bot_id:
                return answered_entry(earlier, kb)
    except discord.HTTPException as exc:  # no Read Message History: read it alone
        log.info("could not read the thread %s back: %s", message.channel.id, exc)
    return None
