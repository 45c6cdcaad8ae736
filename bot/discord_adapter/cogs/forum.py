"""The first responder in help forums (FORUM_CHANNEL_IDS): a new post gets one reply in its
thread, the answer(s), matched on its title and first message; nothing when the bot would
decline or is unsure. Never twice in a thread, even after a crash or a restart; never to a
bot's post; at most ANSWER_COOLDOWN posts per member; follow-ups in the thread only when the
bot is mentioned (the Ask cog does that).

A post is taken before it is answered and marked done after. At start-up the bot answers the
posts it missed while away (still open, newest CATCH_UP_LIMIT, oldest first) and finishes the
ones a crash left taken, unless its reply is already there."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from bot.discord_adapter.answering import answers_only
from bot.discord_adapter.cooldown import Cooldown
from bot.discord_adapter.views.answers import match_reply
from bot.knowledge.database import DataUnavailable
from bot.records.forum_posts import Taken, finish_posts, posts_to_catch_up, take_post

if TYPE_CHECKING:
    from bot.discord_adapter.app import CareerBot

log = logging.getLogger(__name__)
SHUTDOWN_GRACE = 10.0  # seconds a closing bot waits for posts it is answering
MAX_TAGS = 5  # Discord: tags on one post
CATCH_UP_LIMIT = 50  # posts answered at start-up
OWN_REPLY_SEARCH = 50  # messages read to see whether a crash came after the reply


class Forum(commands.Cog):
    def __init__(self, bot: CareerBot) -> None:
        self.bot = bot
        self.cooldown = Cooldown(*bot.settings.answer_cooldown)
        self._in_hand: set[int] = set()  # posts being answered now
        self._unsaved: set[int] = set()  # posts done that the database does not know yet
        self._warned: set[str] = set()
        self._answering: set[asyncio.Task[object]] = set()
        self._caught_up = False

    async def cog_unload(self) -> None:
        """A post taken on is answered (and tagged) before the bot closes."""
        if self._answering:
            await asyncio.wait(self._answering, timeout=SHUTDOWN_GRACE)

    def warn_once(self, key: str, text: str) -> None:
        if key not in self._warned:
            self._warned.add(key)
            log.warning(text)

    def hold(self) -> None:
        """Let the running task finish before the bot closes."""
        task = asyncio.current_task()
        if task is not None:
            self._answering.add(task)
            task.add_done_callback(self._answering.discard)

    @commands.Cog.listener()
    async def on_thread_create(self, thread: discord.Thread) -> None:
        self.hold()
        await self.take_on(thread)

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        if not self._caught_up and self.bot.settings.forum_channel_ids:
            self._caught_up = True
            self.hold()
            await self.catch_up()

    def watched(self, thread: discord.Thread) -> bool:
        bot = self.bot
        return thread.parent_id in bot.settings.forum_channel_ids and bot.serves(thread.guild)

    async def catch_up(self) -> None:
        now = discord.utils.time_snowflake(discord.utils.utcnow())
        try:
            since, unfinished = await asyncio.to_thread(posts_to_catch_up, self.bot.database, now)
        except DataUnavailable as exc:
            self.bot.data_unavailable(exc)
            return
        missed = {
            thread.id: thread
            for guild in self.bot.guilds
            for thread in guild.threads
            if thread.id > since and self.watched(thread)
        }
        newest = sorted(missed)[-CATCH_UP_LIMIT:]
        if len(missed) > len(newest):
            log.info("forums: %d older posts made while away are left", len(missed) - len(newest))
        for thread_id in unfinished:
            if thread_id not in missed and (thread := await self.find_thread(thread_id)):
                missed[thread_id] = thread
        posts = sorted({*newest, *(t for t in unfinished if t in missed)})
        if posts:
            log.info("forums: answering %d posts made or left while away", len(posts))
        for thread_id in posts:
            await self.take_on(missed[thread_id])

    async def find_thread(self, thread_id: int) -> discord.Thread | None:
        try:
            channel = await self.bot.fetch_channel(thread_id)
        except discord.HTTPException as exc:
            log.info("forum post %s left unfinished is gone (%s)", thread_id, exc)
            await self.finish(thread_id)
            return None
        return channel if isinstance(channel, discord.Thread) else None

    async def take_on(self, thread: discord.Thread) -> None:
        bot = self.bot
        if not self.watched(thread) or bot.user is None or thread.owner_id == bot.user.id:
            return
        if thread.id in self._in_hand or thread.id in self._unsaved:
            return
        self._in_hand.add(thread.id)
        try:
            taken = await self.take(thread.id, thread.owner_id)
            if taken is Taken.DONE:
                return
            if taken is Taken.UNFINISHED and await self.replied(thread):
                log.info("forum post %s was answered before a restart", thread.id)
            else:
                await self.answer(thread)
            await self.finish(thread.id)
        finally:
            self._in_hand.discard(thread.id)

    async def take(self, thread_id: int, owner_id: int | None) -> Taken:
        try:
            return await asyncio.to_thread(take_post, self.bot.database, thread_id, owner_id)
        except DataUnavailable as exc:  # answer anyway; this process remembers it
            self.bot.data_unavailable(exc)
            return Taken.NEW

    async def finish(self, thread_id: int) -> None:
        """Mark the post done; while the database is unavailable, remember it and mark it
        with the next one."""
        self._unsaved.add(thread_id)
        pending = sorted(self._unsaved)
        try:
            await asyncio.to_thread(finish_posts, self.bot.database, pending)
        except DataUnavailable as exc:
            self.bot.data_unavailable(exc)
            return
        self._unsaved.difference_update(pending)

    async def replied(self, thread: discord.Thread) -> bool:
        """Whether the bot's reply is already in the thread (a crash came after sending)."""
        try:
            async for message in thread.history(limit=OWN_REPLY_SEARCH, oldest_first=True):
                if self.bot.user is not None and message.author.id == self.bot.user.id:
                    return True
        except discord.HTTPException as exc:
            log.info("forum post %s: could not read it back (%s); answering", thread.id, exc)
        return False

    async def answer(self, thread: discord.Thread) -> None:
        bot = self.bot
        owner = thread.owner
        if owner is not None and owner.bot:
            return
        starter = await self.starter(thread)
        if starter is not None and starter.author.bot:
            return
        if self.cooldown.retry_after(thread.owner_id or 0):
            log.info("forum post %s: its author is over ANSWER_COOLDOWN; left to people", thread.id)
            return
        text = thread.name
        if starter is not None and starter.content:
            text += "\n\n" + starter.content
        found, reference = await bot.answering.match(
            text, thread.guild.id, thread.id, "forum", member_id=thread.owner_id
        )
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
