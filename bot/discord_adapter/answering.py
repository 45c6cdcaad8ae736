"""Match a member's question and record it: the one path that /ask, mentions, answer channels
and forum posts share (a cog never imports another cog, so it lives here)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path
from typing import Protocol

import discord

from bot.knowledge.database import Database, DataUnavailable
from bot.matching.matcher import Decision, Match, Matcher
from bot.records.activity import AskCounts
from bot.records.feedback import new_reference
from bot.records.pending import (
    QuestionRecord,
    keep_in_journal,
    question_record,
    read_journal,
    replay_journal,
    write_records,
)

log = logging.getLogger(__name__)
RETRY_PAUSES = (2, 5, 15, 30, 60)  # seconds between tries to record while the database is busy
RECORDED_WAIT = 1.0  # what a vote waits for its question's record
UNASKED = ("channel", "forum")  # sources where nobody asked the bot: a stricter cut-off


class AnswerHost(Protocol):
    """What answering needs of the bot (CareerBot)."""

    matcher: Matcher
    asked: AskCounts
    database: Database
    data_dir: Path

    def data_unavailable(self, error: DataUnavailable) -> None: ...


class Answering:
    def __init__(self, host: AnswerHost) -> None:
        self.host = host
        self._recording: dict[int, asyncio.Task[None]] = {}  # by reference, held to finish
        self._pending: dict[int, QuestionRecord] = {}  # not in the database yet
        self._gathering: tuple[list[QuestionRecord], asyncio.Task[None]] | None = None
        self._writing = asyncio.Lock()  # one batch written at a time; the next one gathers

    async def match(
        self,
        question: str,
        guild_id: int | None,
        channel_id: int | None,
        source: str,
        member_id: int | None = None,
    ) -> tuple[Match, int]:
        """Match, then log and record the outcome (never the text at INFO); the match and the
        question's reference for the reply's vote buttons.

        The cheap scores run inline (ms even at 100k entries); a question they leave open
        waits for the encoder's batch without holding a thread, then is scored inline too,
        or off the event loop when that needs a model pass of its own (a post in another
        language). Recording runs in the background and never delays the reply."""
        matcher = self.host.matcher
        match = matcher.start(question)
        if not isinstance(match, Match):
            if match:
                await asyncio.wait([asyncio.wrap_future(f) for f in match])
            if matcher.finishes_inline(question):  # a thread's hop costs more than it
                match = matcher.finish(question)
            else:
                match = await asyncio.to_thread(matcher.finish, question)
        if source in UNASKED:  # the answer check, when it may help, runs off the loop
            checks = matcher.checks(match)
            match = await asyncio.to_thread(matcher.unasked, match) if checks else match.unasked()
        best = match.entry.id if match.entry else ",".join(e.id for e in match.suggestions)
        log.info("question %s: %s score=%d", match.decision.value, best or "-", match.score)
        self.host.asked.record(match)
        reference = new_reference()
        self.keep(question_record(match, reference, source, guild_id, channel_id, member_id))
        return match, reference

    def keep(self, record: QuestionRecord) -> None:
        """Record in the background; until it lands the record is pending (kept at a stop).

        Records kept while a batch is being written gather into the next one, written in
        one transaction: under a burst, one connection and commit for dozens of questions
        instead of one each (a quarter of the bot's CPU in bench/e2e.py's lexical burst)."""
        self._pending[record.reference] = record
        if self._gathering is None:
            batch: list[QuestionRecord] = []
            self._gathering = (batch, asyncio.create_task(self.record(batch)))
        batch, task = self._gathering
        batch.append(record)
        self._recording[record.reference] = task
        task.add_done_callback(lambda _: self._recording.pop(record.reference, None))

    async def record(self, batch: list[QuestionRecord]) -> None:
        """Keep the questions (and, unanswered, for the report). A database busy with another
        connection is waited for a second at a time, then tried again later, never holding
        a thread or the member's reply; given up after about two minutes, said once (the
        records stay pending: a stop keeps them in the journal)."""
        for pause in (*RETRY_PAUSES, None):
            async with self._writing:
                if self._gathering is not None and self._gathering[0] is batch:
                    self._gathering = None  # closed: later questions start the next batch
                try:
                    await asyncio.to_thread(write_records, self.host.database, batch)
                except DataUnavailable as exc:  # never costs the member their answer
                    failed = exc
                else:
                    for record in batch:
                        self._pending.pop(record.reference, None)
                    return
            if pause is None:
                self.host.data_unavailable(failed)
                return
            await asyncio.sleep(pause)

    async def drain(self, timeout: float) -> None:
        """On closing: let the questions being recorded land (at most `timeout` seconds),
        then keep those that could not in the journal, for the next start."""
        if self._recording:
            await asyncio.wait(list(self._recording.values()), timeout=timeout)
        for task in list(self._recording.values()):
            task.cancel()
        left = list(self._pending.values())
        if not left:
            return
        data_dir = self.host.data_dir
        try:
            path = await asyncio.to_thread(keep_in_journal, data_dir, left, self.host.database)
        except OSError as exc:
            log.error("%d questions asked could not be recorded nor kept (%s)", len(left), exc)
            return
        self._pending.clear()
        log.warning(
            "%d questions asked could not be recorded before stopping (the database was busy); "
            "kept in %s and recorded at the next start",
            len(left),
            path,
        )

    async def replay(self) -> None:
        """At start-up: record the questions kept at the last stop. While the database is
        busy they are tried again in the background (the journal stays until then)."""
        data_dir = self.host.data_dir
        try:
            count = await asyncio.to_thread(replay_journal, self.host.database, data_dir)
        except DataUnavailable:
            kept = await asyncio.to_thread(read_journal, data_dir)
            log.warning("%d questions kept at the last stop wait for the database", len(kept))
            for record in kept:
                self.keep(record)
            return
        except OSError as exc:
            log.error("the questions kept at the last stop cannot be read: %s", exc)
            return
        if count:
            log.info("recorded %d questions kept at the last stop", count)

    async def recorded(self, reference: int) -> None:
        """Wait a moment for the question behind `reference` to be in the database (a vote
        may come before its background record has landed)."""
        task = self._recording.get(reference)
        if task is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(task), RECORDED_WAIT)


def is_forum_post(message: discord.Message, forum_ids: frozenset[int] | set[int]) -> bool:
    """A listed forum's new post (its first message has the thread's id): the forum cog
    answers it, not again the ask cog as a mention."""
    channel = message.channel
    return (
        isinstance(channel, discord.Thread)
        and message.id == channel.id
        and channel.parent_id in forum_ids
    )


def answers_only(match: Match) -> Match | None:
    """What an answer channel or a help forum shows, where nobody asked the bot: the match
    `Answering.match` already cut to sure answers (`Match.unasked`); None when nothing was
    answered."""
    return match if match.decision is Decision.ANSWER else None
