"""/ask, its autocomplete, and questions asked by mention or in an answer channel."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot.cogs.answers import AnswerButton, PickSelect, match_reply
from bot.cogs.votes import ReasonSelect, VoteButton
from bot.cooldown import Cooldown
from bot.kb.activity import record_unanswered
from bot.kb.database import DataUnavailable
from bot.kb.feedback import new_reference, record_question
from bot.kb.matcher import MAX_QUESTION_CHARS, Decision, Match
from bot.kb.text import looks_like_question, strip_mentions

if TYPE_CHECKING:
    from bot.app import CareerBot
    from bot.cogs.forum import Forum

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
        self._recording: dict[int, asyncio.Task[None]] = {}  # by reference, held to finish

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

    async def match(
        self, question: str, guild_id: int | None, channel_id: int | None, source: str
    ) -> tuple[Match, int]:
        """Match, then log and record the outcome (never the text at INFO); the match and the
        question's reference for the reply's vote buttons.

        The cheap scores run inline (ms even at 100k entries); a question they leave open
        waits for the encoder's batch without holding a thread, then is scored off the event
        loop. Recording runs in the background and never delays the reply."""
        matcher = self.bot.matcher
        match = matcher.start(question)
        if not isinstance(match, Match):
            if match:
                await asyncio.wait([asyncio.wrap_future(f) for f in match])
            match = await asyncio.to_thread(matcher.finish, question)
        best = match.entry.id if match.entry else ",".join(e.id for e in match.suggestions)
        log.info("question %s: %s score=%d", match.decision.value, best or "-", match.score)
        self.bot.asked.record(match)
        reference = new_reference()
        task = asyncio.create_task(self.record(match, reference, source, guild_id, channel_id))
        self._recording[reference] = task
        task.add_done_callback(lambda _: self._recording.pop(reference, None))
        return match, reference

    async def record(
        self,
        match: Match,
        reference: int,
        source: str,
        guild_id: int | None,
        channel_id: int | None,
    ) -> None:
        def write() -> None:
            record_question(self.bot.database, reference, match, source, guild_id, channel_id)
            if match.decision is not Decision.ANSWER:
                record_unanswered(self.bot.database, match, guild_id, channel_id)

        try:
            await asyncio.to_thread(write)
        except DataUnavailable as exc:  # never costs the member their answer
            self.bot.data_unavailable(exc)

    async def recorded(self, reference: int) -> None:
        """Wait until the question behind `reference` is in the database (a vote may come
        before its background record has landed)."""
        task = self._recording.get(reference)
        if task is not None:
            await asyncio.shield(task)

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
            self.match(question, interaction.guild_id, interaction.channel_id, "ask")
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
            entries = matcher.complete(current, 25)
        else:
            entries = self.bot.asked.most_asked(matcher.kb, 25)
        return [app_commands.Choice(name=e.question, value=e.question) for e in entries]

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        bot = self.bot
        if message.author.bot or bot.user is None or not bot.serves(message.guild):
            return
        forum: Forum | None = bot.get_cog("Forum")  # type: ignore[assignment]
        if forum is not None and forum.is_post(message):
            return
        mentioned = bot.user in message.mentions
        if not mentioned and message.channel.id not in bot.settings.answer_channel_ids:
            return
        question = strip_mentions(message.content).strip()
        try:
            if mentioned and not question:
                await message.reply(MENTION_HELP, mention_author=False)
                return
            if not mentioned and not looks_like_question(question):
                return
            if self.cooldown_notice(message.author.id):  # before anything is matched or kept
                if mentioned:
                    await message.add_reaction(COOLDOWN_REACTION)
                return
            guild_id = message.guild.id if message.guild else None
            source = "mention" if mentioned else "channel"
            match, reference = await self.match(question, guild_id, message.channel.id, source)
            if match.decision is Decision.DECLINE and not mentioned:
                return  # an answer channel is a conversation: stay out of what we can't answer
            reply = match_reply(bot, match, message.author.id, reference)
            await message.reply(mention_author=False, **reply.kwargs())
        except discord.HTTPException as exc:  # e.g. no permission to post in this channel
            log.warning("could not answer in channel %s: %s", message.channel.id, exc)


async def setup(bot: CareerBot) -> None:
    await bot.add_cog(Ask(bot))
