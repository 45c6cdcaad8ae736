"""/ask, its autocomplete, and questions asked by mention or in an answer channel."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot.discord_adapter.answering import answers_only, is_forum_post
from bot.discord_adapter.cooldown import Cooldown
from bot.discord_adapter.views.answers import AnswerButton, PickSelect, match_reply
from bot.discord_adapter.views.votes import ReasonSelect, VoteButton, earlier_answer
from bot.knowledge.database import DataUnavailable
from bot.knowledge.text import looks_like_question, strip_mentions
from bot.matching.answerability.kinds import reads_as_follow_up, with_earlier
from bot.matching.autocomplete import complete
from bot.matching.matcher import MAX_QUESTION_CHARS

if TYPE_CHECKING:
    from bot.discord_adapter.app import CareerBot

log = logging.getLogger(__name__)

MENTION_HELP = "Ask me a question after the mention, for example: do I need a PhD for ML?"
COOLDOWN_REACTION = "\N{HOURGLASS WITH FLOWING SAND}"


class Ask(commands.Cog):
    # Answers normally take milliseconds; past this the reply is deferred ("thinking…") so
    # the interaction never misses Discord's 3-second window.
    defer_after = 1.5

    def __init__(self, bot: CareerBot) -> None:
        self.bot = bot
        self.cooldown = Cooldown(*bot.settings.answer_cooldown)

    async def cog_load(self) -> None:
        # Answer and vote buttons and "did you mean" menus of old messages keep working after
        # a restart.
        self.bot.add_dynamic_items(AnswerButton, PickSelect, VoteButton, ReasonSelect)
        self.save_counts.start()

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(AnswerButton, PickSelect, VoteButton, ReasonSelect)
        self.save_counts.cancel()
        try:
            self.bot.asked.save()
        except DataUnavailable as exc:
            self.bot.data_unavailable(exc)

    @tasks.loop(minutes=1)
    async def save_counts(self) -> None:
        try:
            await asyncio.to_thread(self.bot.asked.save)
        except DataUnavailable as exc:
            self.bot.data_unavailable(exc)

    def cooldown_notice(self, member_id: int) -> str | None:
        wait = self.cooldown.retry_after(member_id)
        if not wait:
            return None
        return f"You're asking quickly: try again in {max(1, round(wait))} seconds."

    @app_commands.command(name="ask", description="Ask a question about ML careers, skills or pay")
    @app_commands.describe(
        question="Your question in plain words, e.g. do I need a PhD for ML?",
        private="Only you see the answer (default: everyone in the channel)",
    )
    async def ask(
        self,
        interaction: discord.Interaction[CareerBot],
        question: app_commands.Range[str, 1, MAX_QUESTION_CHARS],
        private: bool = False,
    ) -> None:
        notice = self.cooldown_notice(interaction.user.id)
        if notice:
            await interaction.response.send_message(notice, ephemeral=True)
            return
        task = asyncio.ensure_future(
            self.bot.answering.match(
                question,
                interaction.guild_id,
                interaction.channel_id,
                "ask",
                member_id=interaction.user.id,
            )
        )
        done, _ = await asyncio.wait({task}, timeout=self.defer_after)
        if not done:
            await interaction.response.defer(ephemeral=private, thinking=True)
        match, reference = await task
        reply = match_reply(self.bot, match, interaction.user.id, reference)
        if interaction.response.is_done():
            await interaction.followup.send(ephemeral=private, **reply.kwargs())
        else:
            await interaction.response.send_message(ephemeral=private, **reply.kwargs())

    @ask.autocomplete("question")
    async def ask_autocomplete(
        self, interaction: discord.Interaction[CareerBot], current: str
    ) -> list[app_commands.Choice[str]]:
        matcher = self.bot.matcher
        if current.strip():
            entries = complete(matcher, current, 25)
        else:
            entries = self.bot.asked.most_asked(matcher.kb, 25)
        return [app_commands.Choice(name=e.question, value=e.question) for e in entries]

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        bot = self.bot
        if message.author.bot or bot.user is None or not bot.serves(message.guild):
            return
        if is_forum_post(message, bot.settings.forum_channel_ids):
            return
        mentioned = bot.user in message.mentions
        question = strip_mentions(message.content).strip()
        follow_up = reads_as_follow_up(question)
        if not (mentioned or self.answers_in(message.channel, follow_up)):
            return
        try:
            if mentioned and not question:
                await message.reply(MENTION_HELP, mention_author=False)
                return
            if not mentioned and not (follow_up or looks_like_question(question)):
                return
            if self.cooldown_notice(message.author.id):  # before anything is matched or kept
                if mentioned:
                    await message.add_reaction(COOLDOWN_REACTION)
                return
            if follow_up and (
                earlier := await earlier_answer(message, bot.user.id, bot.matcher.kb)
            ):
                question = with_earlier(earlier.question, question)
            guild_id = message.guild.id if message.guild else None
            source = "mention" if mentioned else "channel"
            match, reference = await bot.answering.match(
                question, guild_id, message.channel.id, source, member_id=message.author.id
            )
            if not mentioned:  # a conversation: speak only when answering outright
                match = answers_only(match)
                if match is None:
                    return
            reply = match_reply(bot, match, message.author.id, reference)
            await message.reply(mention_author=False, **reply.kwargs())
        except discord.HTTPException as exc:  # e.g. no permission to post in this channel
            where = getattr(message.channel, "name", None)
            log.warning(
                "could not answer in channel %s%s: %s",
                f"#{where} " if where else "",
                message.channel.id,
                exc,
            )

    def answers_in(self, channel: discord.abc.Messageable, follow_up: bool) -> bool:
        """An answer channel; or, for a follow-up, a thread of one or of a help forum."""
        settings = self.bot.settings
        if getattr(channel, "id", None) in settings.answer_channel_ids:
            return True
        parent = getattr(channel, "parent_id", None)
        helped = settings.answer_channel_ids | settings.forum_channel_ids
        return follow_up and isinstance(channel, discord.Thread) and parent in helped


async def setup(bot: CareerBot) -> None:
    await bot.add_cog(Ask(bot))
