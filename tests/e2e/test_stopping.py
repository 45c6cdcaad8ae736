"""Stopping the bot (SIGTERM) loses nothing: questions whose records wait for a busy database
are kept in a small journal in DATA_DIR and recorded at the next start."""

from __future__ import annotations

import asyncio
import signal
import sqlite3
from contextlib import closing
from pathlib import Path

from bot.knowledge.database import DATABASE_FILE
from bot.records.pending import JOURNAL_FILE

from .test_ask import question
from .test_forum_restarts import bot_process

ASKED = ("Do I need a PhD to become an ML engineer?", "what is an RSU?", "best pizza topping")


def recorded(data: Path) -> tuple[list[str], list[str]]:
    """The questions in the database, and those kept as unanswered."""
    with closing(sqlite3.connect(data / DATABASE_FILE)) as db:
        questions = sorted(q for (q,) in db.execute("SELECT question FROM questions"))
        unanswered = sorted(q for (q,) in db.execute("SELECT question FROM unanswered"))
    return questions, unanswered


async def test_questions_not_recorded_at_sigterm_are_kept_and_recorded_at_the_next_start(
    fake, tmp_path
):
    data, log = tmp_path / "data", tmp_path / "bot.log"
    process = bot_process(fake, data, log, close_grace=1.0)
    try:
        await fake.wait_for(fake.identified.is_set, timeout=60)
        with closing(sqlite3.connect(data / DATABASE_FILE, isolation_level=None)) as other:
            other.execute("BEGIN IMMEDIATE")  # a backup, a shell: the write lock is held
            for text in ASKED:
                await fake.reply_of(await fake.slash("ask", question(text)))
            process.send_signal(signal.SIGTERM)
            code = await asyncio.to_thread(process.wait, 30)
            other.execute("ROLLBACK")
    finally:
        process.kill()
    text = log.read_text()
    assert code == 0 and "Traceback" not in text, text
    assert "3 questions asked could not be recorded before stopping" in text, text
    assert (data / JOURNAL_FILE).exists() and recorded(data) == ([], [])

    fake.identified.clear()
    process = bot_process(fake, data, log)
    try:
        await fake.wait_for(fake.identified.is_set, timeout=60)
    finally:
        process.terminate()
        process.wait()
    assert recorded(data) == (sorted(ASKED), ["best pizza topping"]), log.read_text()
    assert not (data / JOURNAL_FILE).exists()
    assert "recorded 3 questions kept at the last stop" in log.read_text()


async def test_interactions_in_flight_at_sigterm_end_in_one_log_line_not_tracebacks(fake, tmp_path):
    """Discord stops answering the bot's callbacks; SIGTERM comes with three /ask in flight.
    The bot takes no new interaction, waits its grace period, then says so once."""
    data, log = tmp_path / "data", tmp_path / "bot.log"
    process = bot_process(fake, data, log)
    try:
        await fake.wait_for(fake.identified.is_set, timeout=60)
        fake.callback_delay = 600.0
        for text in ASKED:
            await fake.slash("ask", question(text))
        await fake.wait_for(lambda: fake.slow_callbacks == 3, timeout=15)
        process.send_signal(signal.SIGTERM)
        await fake.wait_for(lambda: "no new interactions; 3 in flight" in log.read_text())
        late = await fake.slash("ask", question("what is an RSU?"))
        code = await asyncio.to_thread(process.wait, 30)
    finally:
        process.kill()
        fake.released.set()
    text = log.read_text()
    assert code == 0 and "Traceback" not in text and "never retrieved" not in text, text
    lines = [line for line in text.splitlines() if "could not finish" in line]
    assert len(lines) == 1 and "3 interactions could not finish" in lines[0], text
    assert fake.slow_callbacks == 3 and late.callbacks() == [], "the late one was not taken"
