"""The first responder in help forums (FORUM_CHANNEL_IDS): a new post gets one reply in its
thread, the answer(s) or "did you mean…", matched on its title and first message; nothing
when the bot would decline. Never twice in a thread, even after a restart; never to a bot's
post; follow-ups in the thread only when the bot is mentioned (the Ask cog does that)."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from bot.discord_adapter.answering import answers_only
from bot.discord_adapter.views.answers import match_reply
from bot.knowledge.database import DataUnavailable
from bot.records.activity import claim_thread

if TYPE_CHECKING:
    from bot.discord_adapter.app import CareerBot

log = logging.getLogger(__name__)
SHUTDOWN_GRACE = 10.0  # seconds a closing bot waits for posts it is answering
MAX_TAGS = 5  # Discord: tags on one post


class Forum(commands.Cog):
    def __init__(self, bot: CareerBot) -> None:
        self.bot = bot
        self._claimed: set[int] = set()  # when the database cannot be written
        self._warned: set[str] = set()
        self._answering: set[asyncio.Task[object]] = set()

    async def cog_unload(self) -> None:
        """A post taken on is answered (and tagged) before the bot closes: it will not be
        taken on again."""
        if self._answering:
            await asyncio.wait(self._answering, timeout=SHUTDOWN_GRACE)

    def warn_once(self, key: str, text: str) -> None:
        if key not in self._warned:
            self._warned.add(key)
            log.warning(text)

    @commands.Cog.listener()
    async def on_thread_create(self, thread: discord.Thread) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._answering.add(task)
            task.add_done_callback(self._answering.discard)
        await self.answer(thread)

    async def answer(self, thread: discord.Thread) -> None:
        bot = self.bot
        if thread.parent_id not in bot.settings.forum_channel_ids or not bot.serves(thread.guild):
            return
        if bot.user is None or thread.owner_id == bot.user.id:
            return
        starter = await self.starter(thread)
        if starter is not None and starter.author.bot:
            return
        if not await self.claim(thread.id):
            return
        text = thread.name
        if starter is not None and starter.content:
            text += "\n\n" + starter.content
        found, reference = await bot.answering.match(text, thread.guild.id, thread.id, "forum")
        match = answers_only(found)
        if match is None:
            return  # a help forum is for people: speak only when answering outright
        reply = match_reply(bot, match, thread.owner_id or 0, reference)
        try:
            await thread.send(**reply.kwargs())
        except discord.HTTPException as exc:
            log.warning("could not answer forum post %s: %s", thread.id, exc)
            return
        if match.answers and bot.settings.forum_answered_tag:
            await self.tag(thread)

    async def starter(self, thread: discord.Thread) -> discord.Message | None:
        """The post's first message (its id is the thread's), cached or fetched. Without the
        Message Content intent its text arrives empty: the title is matched alone."""
        if thread.starter_message is not None:
            return thread.starter_message
        try:
            return await thread.fetch_message(thread.id)
        except discord.HTTPException as exc:
            log.info("forum post %s: no first message (%s); matching its title", thread.id, exc)
            return None

    async def claim(self, thread_id: int) -> bool:
        try:
            return await asyncio.to_thread(claim_thread, self.bot.database, thread_id)
        except DataUnavailable as exc:
            self.bot.data_unavailable(exc)
            if thread_id in self._claimed:
                return False
            self._claimed.add(thread_id)
            return True

    async def tag(self, thread: discord.Thread) -> None:
        """Put FORUM_ANSWERED_TAG on an answered post; a missing tag or permission is logged
        once, and answering goes on."""
        name = self.bot.settings.forum_answered_tag
        forum = thread.parent
        tags = forum.available_tags if isinstance(forum, discord.ForumChannel) else []
        tag = next((t for t in tags if t.name.casefold() == name.casefold()), None)
        where = f"#{forum.name}" if forum else str(thread.parent_id)
        if tag is None:
            self.warn_once(
                f"tag:{thread.parent_id}",
                f"FORUM_ANSWERED_TAG: {where} has no tag named {name!r}; answered posts are "
                "not tagged there.",
            )
            return
        if tag in thread.applied_tags or len(thread.applied_tags) >= MAX_TAGS:
            return
        try:
            await thread.add_tags(tag, reason="answered by the bot")
        except discord.HTTPException as exc:
            self.warn_once(
                f"tagging:{thread.parent_id}",
                f"FORUM_ANSWERED_TAG: could not tag posts in {where} ({exc}); the bot needs "
                "Manage Threads there. Answering goes on.",
            )


async def setup(bot: CareerBot) -> None:
    await bot.add_cog(Forum(bot))
