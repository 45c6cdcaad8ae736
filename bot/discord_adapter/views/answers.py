"""Answers as Discord messages: the answer embed, "did you mean" and related-entry components.

Components are `DynamicItem`s whose custom_id carries the entry id (and, for votes and "did
you mean", the question's reference), so the buttons and menus of old messages keep working
after a restart (the Ask cog registers them). Every answer carries the vote buttons.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import discord

from bot.discord_adapter.failures import reports_errors
from bot.discord_adapter.views.access import served_here
from bot.discord_adapter.views.votes import add_vote_buttons
from bot.knowledge.model import Entry
from bot.matching.autocomplete import complete
from bot.matching.matcher import MAX_ANSWERS, Decision, Match
from bot.records.feedback import NO_QUESTION
from bot.rendering import replies

if TYPE_CHECKING:
    from bot.discord_adapter.app import CareerBot

log = logging.getLogger(__name__)

TOPICS_HINT = "`/topics`"
BUTTON_LABEL_CHARS = 80
RELATED_BUTTONS = 5  # one row; the votes take the next
EMBEDS_TOTAL = 6000  # Discord: all the embeds of one message together
EMBED_COLOUR = discord.Colour.blurple()


@dataclass
class Reply:
    """Everything one answer message needs, ready for send_message / followup / reply."""

    content: str | None = None
    embeds: list[discord.Embed] = field(default_factory=list)
    view: discord.ui.View = field(default_factory=lambda: discord.ui.View(timeout=None))

    @property
    def embed(self) -> discord.Embed | None:
        return self.embeds[0] if self.embeds else None

    def kwargs(self) -> dict[str, Any]:
        sent: dict[str, Any] = {"content": self.content, "embeds": self.embeds}
        if self.view.children:
            sent["view"] = self.view
        return sent


def answer_embed(entry: Entry, score: int | None = None, limit: int = 4096) -> discord.Embed:
    embed = discord.Embed(
        title=replies.clip(entry.question, 256),
        description=replies.clip(entry.answer.strip(), limit),
        colour=EMBED_COLOUR,
    )
    return embed.set_footer(text=replies.clip(replies.entry_footer(entry, score), 2048))


def answers_reply(match: Match, asker_id: int, reference: int) -> Reply:
    """A post that asked several things: an embed per answer, each answer shortened
    alike so that all fit Discord's 6,000 characters, a row of votes per answer, then "did
    you mean" for the rest."""
    room = (EMBEDS_TOTAL - 400 * len(match.answers)) // len(match.answers)  # titles, footers
    reply = Reply(embeds=[answer_embed(entry, limit=room) for entry in match.answers])
    for row, entry in enumerate(match.answers):
        add_vote_buttons(reply.view, entry.id, reference, row, about=entry.question)
    if match.suggestions:
        reply.content = "I also wasn't sure what you meant by part of it; did you mean…"
        reply.view.add_item(PickSelect.build(asker_id, reference, match.suggestions))
    return reply


def answer_reply(
    bot: CareerBot, entry: Entry, score: int | None = None, reference: int = NO_QUESTION
) -> Reply:
    """One answer: its related entries as buttons, then the vote buttons."""
    reply = Reply(embeds=[answer_embed(entry, score)])
    for related_id in entry.related[:RELATED_BUTTONS]:
        related = bot.matcher.kb.by_id.get(related_id)
        if related is not None:
            reply.view.add_item(AnswerButton(related.id, related.question))
    add_vote_buttons(reply.view, entry.id, reference, row=1)
    return reply


def match_reply(bot: CareerBot, match: Match, asker_id: int, reference: int = NO_QUESTION) -> Reply:
    """The reply to a question: the answer(s), a "did you mean" menu, or a decline."""
    if len(match.answers) > 1:
        return answers_reply(match, asker_id, reference)
    if match.decision is Decision.ANSWER and match.entry is not None:
        return answer_reply(bot, match.entry, match.score, reference)
    if match.decision is Decision.SUGGEST and match.suggestions:
        reply = Reply(content="I'm not sure which of these you mean. Pick one:")
        reply.view.add_item(PickSelect.build(asker_id, reference, match.suggestions))
        return reply
    return Reply(content=replies.decline_text(TOPICS_HINT, match.topic))


def entry_choices(bot: CareerBot, current: str) -> list[discord.app_commands.Choice[str]]:
    """Autocomplete over entries by the matcher; the value is the entry id."""
    matcher = bot.matcher
    entries = complete(matcher, current, 25) if current.strip() else matcher.kb.entries[:25]
    return [
        discord.app_commands.Choice(name=replies.clip(f"{e.question} ({e.id})", 100), value=e.id)
        for e in entries
    ]


async def show_entry(
    interaction: discord.Interaction[CareerBot],
    entry_id: str,
    edit: bool,
    reference: int = NO_QUESTION,
) -> None:
    """Show an entry: in place of the message (`edit`) or as a private reply."""
    bot = interaction.client
    entry = bot.matcher.kb.by_id.get(entry_id)
    if entry is None:
        await interaction.response.send_message(
            f"That entry is no longer in the knowledge base. Try {TOPICS_HINT}.", ephemeral=True
        )
        return
    reply = answer_reply(bot, entry, reference=reference)
    if edit:
        await interaction.response.edit_message(embed=reply.embed, content=None, view=reply.view)
    else:
        await interaction.response.send_message(ephemeral=True, **reply.kwargs())


class AnswerButton(
    discord.ui.DynamicItem[discord.ui.Button], template=r"answer:(?P<id>[a-z0-9-]+)"
):
    """A related entry: shows its answer privately to whoever clicks."""

    def __init__(self, entry_id: str, label: str) -> None:
        super().__init__(
            discord.ui.Button(
                label=replies.clip(label, BUTTON_LABEL_CHARS),
                style=discord.ButtonStyle.secondary,
                custom_id=f"answer:{entry_id}",
                row=0,
            )
        )
        self.entry_id = entry_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> AnswerButton:
        return cls(match["id"], item.label or "Related")

    async def interaction_check(self, interaction: discord.Interaction[CareerBot]) -> bool:
        return await served_here(interaction)

    @reports_errors
    async def callback(self, interaction: discord.Interaction[CareerBot]) -> None:
        await show_entry(interaction, self.entry_id, edit=False)


class PickSelect(
    discord.ui.DynamicItem[discord.ui.Select],
    template=r"pick:(?P<asker>\d+)(?::(?P<ref>\d{1,12}))?",  # older messages: no reference
):
    """ "Did you mean…": the asker's pick replaces the menu; anyone else sees it privately.
    Votes on the picked answer are about the question that was asked."""

    def __init__(self, item: discord.ui.Select, asker_id: int, reference: int) -> None:
        super().__init__(item)
        self.asker_id, self.reference = asker_id, reference

    @classmethod
    def build(cls, asker_id: int, reference: int, suggestions: tuple[Entry, ...]) -> PickSelect:
        options = [
            discord.SelectOption(label=replies.clip(e.question, 100), value=e.id)
            for e in suggestions[:25]
        ]
        select = discord.ui.Select(
            custom_id=f"pick:{asker_id}:{reference}",
            placeholder="Did you mean…",
            options=options,
            row=MAX_ANSWERS,
        )
        return cls(select, asker_id, reference)

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Select, match: re.Match[str]
    ) -> PickSelect:
        return cls(item, int(match["asker"]), int(match["ref"] or NO_QUESTION))

    async def interaction_check(self, interaction: discord.Interaction[CareerBot]) -> bool:
        return await served_here(interaction)

    @reports_errors
    async def callback(self, interaction: discord.Interaction[CareerBot]) -> None:
        picked = self.item.values[0]
        edit = interaction.user.id == self.asker_id
        await show_entry(interaction, picked, edit, self.reference)
