"""The first responder in help forums (FORUM_CHANNEL_IDS): a new post gets one reply in its
thread, the answer(s), matched on its title and first message; nothing when the bot would
decline or is unsure. Never twice in a thread, even after a crash or a restart; never to a
bot's post; at most ANSWER_COOLDOWN posts per member; follow-ups in the thread only when the
bot is mentioned (the Ask cog does that).

A post is taken before it is answered and marked done after: answered, passed over, or given
up on (its first message never came: see posts.py). At start-up the bot answers every post
made while it was away that is still open and newer than the last one done before this start
(oldest first, paced; posts people already replied to are left to them), and finishes the
ones a crash left taken, unless its reply is already there. The window is read before the
gateway connects: posts answered live meanwhile must not move it."""

from __future__ import annotations

import asyncio
import collections
import logging
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from bot.discord_adapter import posts
from bot.discord_adapter.answering import answers_only
from bot.discord_adapter.cooldown import Cooldown
from bot.discord_adapter.posts import Backoff, StarterMissing, by_a_bot, replies_in
from bot.discord_adapter.views.answers import match_reply
from bot.knowledge.database import DataUnavailable
from bot.records.forum_posts import (
    Taken,
    caught_up,
    finish_posts,
    posts_to_catch_up,
    take_post,
)

if TYPE_CHECKING:
    from bot.discord_adapter.app import CareerBot

log = logging.getLogger(__name__)
MAX_TAGS = 5  # Discord: tags on one post

# What became of a post (counted in the catch-up's log line).
ANSWERED, PASSED, PEOPLE, GAVE_UP, DONE = "answered", "passed", "people", "gave_up", "done"


class Forum(commands.Cog):
    def __init__(self, bot: CareerBot) -> None:
        self.bot = bot
        self.cooldown = Cooldown(*bot.settings.answer_cooldown)
        self._in_hand: set[int] = set()  # posts being answered now
        self._unsaved: set[int] = set()  # posts done that the database does not know yet
        self._untaken: dict[int, int | None] = {}  # posts (-> author) taken without a row
        self._warned: set[str] = set()
        self._answering: set[asyncio.Task[object]] = set()
        self._window: tuple[int, list[int]] | None = None  # catch-up: since, unfinished
        self._started = 0  # this start, as a snowflake: later posts come live

    async def cog_load(self) -> None:
        """Read the catch-up window before the gateway connects: discord.py dispatches new
        posts before on_ready, and answering one marks it done."""
        if not self.bot.settings.forum_channel_ids:
            return
        self._started = discord.utils.time_snowflake(discord.utils.utcnow())
        try:
            self._window = await asyncio.to_thread(
                posts_to_catch_up, self.bot.database, self._started
            )
        except DataUnavailable as exc:
            self.bot.data_unavailable(exc)

    async def cog_unload(self) -> None:
        """A post taken on is answered (and tagged) before the bot closes; one still waiting
        for its first message then stays taken, and is answered at the next start."""
        if not self._answering:
            return
        _, waiting = await asyncio.wait(set(self._answering), timeout=posts.SHUTDOWN_GRACE)
        if waiting:
            log.info("forums: %d posts are answered at the next start instead", len(waiting))
            for task in waiting:
                task.cancel()
            await asyncio.wait(waiting, timeout=1.0)

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
        window, self._window = self._window, None  # on_ready comes again after a reconnect
        if window is not None:
            self.hold()
            await self.catch_up(*window)

    def watched(self, thread: discord.Thread) -> bool:
        bot = self.bot
        return thread.parent_id in bot.settings.forum_channel_ids and bot.serves(thread.guild)

    async def catch_up(self, since: int, unfinished: list[int]) -> None:
        missed = {
            thread.id: thread
            for guild in self.bot.guilds
            for thread in guild.threads
            if thread.id > since and self.watched(thread)
        }
        for thread_id in unfinished:
            if thread_id not in missed and (thread := await self.find_thread(thread_id)):
                missed[thread_id] = thread
        outcomes: collections.Counter[str] = collections.Counter()
        for thread_id in sorted(missed):  # snowflakes: oldest first
            outcome = await self.take_on(missed[thread_id], catching_up=True)
            outcomes[outcome] += 1
            if outcome != DONE:
                await asyncio.sleep(posts.CATCH_UP_PACE)
        try:  # cut short by a stop (cancelled), the next start covers the same window
            await asyncio.to_thread(caught_up, self.bot.database, self._started)
        except DataUnavailable as exc:
            self.bot.data_unavailable(exc)
        handled = len(missed) - outcomes[DONE]  # the rest were answered live or before
        if handled:
            log.info(
                "forums: caught up on %d posts made or left while away: %d answered, "
                "%d left to people who replied, %d passed over, %d given up",
                handled,
                outcomes[ANSWERED],
                outcomes[PEOPLE],
                outcomes[PASSED],
                outcomes[GAVE_UP],
            )

    async def find_thread(self, thread_id: int) -> discord.Thread | None:
        try:
            channel = await self.bot.fetch_channel(thread_id)
        except discord.HTTPException as exc:
            log.info("forum post %s left unfinished is gone (%s)", thread_id, exc)
            await self.finish(thread_id)
            return None
        return channel if isinstance(channel, discord.Thread) else None

    async def take_on(self, thread: discord.Thread, catching_up: bool = False) -> str:
        """Answer a post unless it is done or in hand; what became of it."""
        bot = self.bot
        if not self.watched(thread) or bot.user is None or thread.owner_id == bot.user.id:
            return PASSED
        if thread.id in self._in_hand or thread.id in self._unsaved:
            return DONE
        self._in_hand.add(thread.id)
        try:
            taken = await self.take(thread.id, thread.owner_id)
            if taken is Taken.DONE:
                return DONE
            outcome = ANSWERED
            if taken is Taken.UNFINISHED or catching_up:
                replies = await replies_in(bot, thread, trust_count=taken is Taken.NEW)
                if replies.bot:
                    log.info("forum post %s was answered before a restart", thread.id)
                    outcome = DONE
                elif replies.people:
                    outcome = PEOPLE
            if outcome == ANSWERED:
                outcome = await self.answer(thread)
            await self.finish(thread.id)
            return outcome
        finally:
            self._in_hand.discard(thread.id)

    async def take(self, thread_id: int, owner_id: int | None) -> Taken:
        try:
            return await asyncio.to_thread(take_post, self.bot.database, thread_id, owner_id)
        except DataUnavailable as exc:  # answer anyway; this process remembers it
            self.bot.data_unavailable(exc)
            self._untaken[thread_id] = owner_id
            return Taken.NEW

    async def finish(self, thread_id: int) -> None:
        """Mark the post done; while the database is unavailable, remember it and mark it
        with the next one."""
        self._unsaved.add(thread_id)
        pending = sorted(self._unsaved)
        untaken = {t: self._untaken[t] for t in pending if t in self._untaken}
        try:
            await asyncio.to_thread(finish_posts, self.bot.database, pending, untaken)
        except DataUnavailable as exc:
            self.bot.data_unavailable(exc)
            return
        self._unsaved.difference_update(pending)
        for thread_id in untaken:
            del self._untaken[thread_id]

    async def answer(self, thread: discord.Thread) -> str:
        bot = self.bot
        if thread.owner is not None and thread.owner.bot:
            return PASSED
        backoff = Backoff(bot, thread)
        try:
            starter = await backoff.starter()
            if await by_a_bot(bot, thread, starter):
                return PASSED
            if self.cooldown.retry_after(thread.owner_id or 0):
                log.info(
                    "forum post %s: its author is over ANSWER_COOLDOWN; left to people", thread.id
                )
                return PASSED
            text = thread.name
            if starter is not None and starter.content:
                text += "\n\n" + starter.content
            found, reference = await bot.answering.match(
                text, thread.guild.id, thread.id, "forum", member_id=thread.owner_id
            )
            match = answers_only(found)
            if match is None:
                return PASSED  # a help forum is for people: speak only when answering outright
            reply = match_reply(bot, match, thread.owner_id or 0, reference)
            await backoff.send(**reply.kwargs())
        except StarterMissing:
            log.warning(
                "forum post %s: its first message never came (waited %.0f s); left unanswered",
                thread.id,
                backoff.waited,
            )
            return GAVE_UP
        except discord.HTTPException as exc:
            log.warning("could not answer forum post %s: %s", thread.id, exc)
            return PASSED
        if match.answers and bot.settings.forum_answered_tag:
            await self.tag(thread)
        return ANSWERED

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
