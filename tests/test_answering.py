"""Answering's records under a burst: questions gather into batches, one written at a time."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field
from pathlib import Path

from bot.discord_adapter import answering
from bot.discord_adapter.answering import Answering
from bot.knowledge.database import Database, DataUnavailable
from bot.matching.matcher import Matcher
from bot.records.activity import AskCounts

QUESTIONS = [f"do I need a PhD for ML, question {n}?" for n in range(20)]


@dataclass
class Host:
    matcher: Matcher
    database: Database
    data_dir: Path
    asked: AskCounts = field(init=False)
    unavailable: list[DataUnavailable] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.asked = AskCounts(self.database)

    def data_unavailable(self, error: DataUnavailable) -> None:
        self.unavailable.append(error)


def recorded(database: Database) -> list[str]:
    with database.transaction(write=False) as db:
        return sorted(q for (q,) in db.execute("SELECT question FROM questions"))


def counting_writes(monkeypatch) -> list[int]:
    """The number of records in each write_records call, in order."""
    sizes: list[int] = []
    real = answering.write_records

    def write(database, records, *args, **kwargs):
        sizes.append(len(records))
        return real(database, records, *args, **kwargs)

    monkeypatch.setattr(answering, "write_records", write)
    return sizes


async def settled(answers: Answering) -> None:
    while answers._recording:
        await asyncio.wait(list(answers._recording.values()))


async def test_questions_answered_together_are_written_in_one_transaction(
    tmp_path, lexical, monkeypatch
):
    sizes = counting_writes(monkeypatch)
    host = Host(lexical, Database(tmp_path), tmp_path)
    answers = Answering(host)
    await asyncio.gather(*(answers.match(q, 1, 2, "ask", member_id=3) for q in QUESTIONS))
    await settled(answers)
    assert sizes == [len(QUESTIONS)]
    assert recorded(host.database) == sorted(QUESTIONS)
    assert not answers._pending


async def test_questions_asked_while_a_batch_is_written_gather_into_the_next(
    tmp_path, lexical, monkeypatch
):
    real = answering.write_records
    release, writing, sizes = threading.Event(), [], []

    def slow_write(database, records, *args, **kwargs):
        sizes.append(len(records))
        writing.append(records)
        assert len(writing) == 1, "two batches written at once"
        try:
            release.wait(10)
            return real(database, records, *args, **kwargs)
        finally:
            writing.pop()

    monkeypatch.setattr(answering, "write_records", slow_write)
    host = Host(lexical, Database(tmp_path), tmp_path)
    answers = Answering(host)
    await answers.match(QUESTIONS[0], 1, 2, "ask")
    while not writing:  # the first question's batch is in its thread
        await asyncio.sleep(0.01)
    for q in QUESTIONS[1:]:
        await answers.match(q, 1, 2, "ask")
    assert len(answers._pending) == len(QUESTIONS)
    release.set()
    await settled(answers)
    assert sizes == [1, len(QUESTIONS) - 1]
    assert recorded(host.database) == sorted(QUESTIONS)
    assert not answers._pending


async def test_a_refused_batch_is_tried_again_while_later_ones_are_written(
    tmp_path, lexical, monkeypatch
):
    monkeypatch.setattr(answering, "RETRY_PAUSES", (0.2, 0.2))
    real = answering.write_records
    calls: list[list[str]] = []

    def busy_once(database, records, *args, **kwargs):
        calls.append([r.question for r in records])
        if len(calls) == 1:
            raise DataUnavailable("the database is locked")
        return real(database, records, *args, **kwargs)

    monkeypatch.setattr(answering, "write_records", busy_once)
    host = Host(lexical, Database(tmp_path), tmp_path)
    answers = Answering(host)
    await answers.match(QUESTIONS[0], 1, 2, "ask")
    while not calls:
        await asyncio.sleep(0.01)
    await answers.match(QUESTIONS[1], 1, 2, "ask")  # while the first waits to try again
    await settled(answers)
    assert calls == [[QUESTIONS[0]], [QUESTIONS[1]], [QUESTIONS[0]]]
    assert recorded(host.database) == sorted(QUESTIONS[:2])
    assert not host.unavailable and not answers._pending
