"""The /kb reports run in a worker process: a stuck worker is killed after the time limit and
started afresh, one that cannot be started is a sentence, and the bot exits on SIGTERM within
10 s whatever the worker does, also when embedded in a script without a `__main__` guard."""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.discord_adapter import reporting
from bot.discord_adapter.app import CareerBot
from bot.records.stats import read_stats

from .fake_discord import GUILD_ID, MODERATOR_ROLE_ID, FakeDiscord, Sent
from .test_curate import MOD, sub
from .test_feedback import PHD, ask

ROOT = Path(__file__).resolve().parents[2]
WORKER_START = 60  # a new worker imports matplotlib: generous under load


async def report(fake: FakeDiscord, days: int = 7) -> tuple[Sent, dict]:
    sent = await fake.slash("kb", sub("stats", days=days), **MOD)
    await fake.wait_for(
        lambda: any(kind in ("followup", "edit") for kind, _ in sent.events), WORKER_START
    )
    return sent, await fake.reply_of(sent)


def gone(pid: int) -> bool:
    """The process has exited (a zombie not yet reaped counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except FileNotFoundError:
        return True


async def test_a_stuck_report_is_stopped_and_the_next_one_gets_a_new_worker(fake, bot: CareerBot):
    await ask(fake, PHD)
    await fake.wait_for(lambda: read_stats(bot.database, 7).questions == 1)
    _, first = await report(fake)
    assert first["files"][0]["filename"] == "stats.png"
    stuck = bot.reports.pid
    assert stuck is not None
    os.kill(stuck, signal.SIGSTOP)  # hung: it will never answer
    bot.reports.time_limit = 1.0
    _, refused = await report(fake)
    assert "try again" in refused["content"] and "something went wrong" not in refused["content"]
    await fake.wait_for(lambda: gone(stuck))
    bot.reports.time_limit = reporting.REPORT_SECONDS
    _, again = await report(fake)
    assert again["files"][0]["data"].startswith(b"\x89PNG")
    assert bot.reports.pid not in (None, stuck)


async def test_a_worker_that_cannot_be_started_asks_to_try_again(fake, bot, caplog):
    async def no_more_processes(*args: object, **kwargs: object) -> None:
        raise BlockingIOError(errno.EAGAIN, os.strerror(errno.EAGAIN))

    with pytest.MonkeyPatch.context() as patch, caplog.at_level(logging.INFO):
        patch.setattr(reporting.asyncio, "create_subprocess_exec", no_more_processes)
        _, refused = await report(fake)
    assert refused["content"] == reporting.TRY_AGAIN
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert "could not start the report worker" in caplog.text
    _, made = await report(fake)
    assert made["files"][0]["filename"] == "stats.png"


EMBEDDING_SCRIPT = """\
# A script that runs the bot without an `if __name__ == "__main__":` guard.
import sys

import discord
import yarl

from bot.__main__ import main

discord.http.Route.BASE = sys.argv[1]
discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(sys.argv[2])
print("embedded bot exits with", main(["run"]))
"""


async def test_sigterm_exits_within_10_s_with_a_stuck_worker_in_a_script_without_a_guard(
    fake, tmp_path
):
    script, log = tmp_path / "embedded.py", tmp_path / "bot.log"
    script.write_text(EMBEDDING_SCRIPT)
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DISCORD_TOKEN": "fake-token",
        "DATA_DIR": str(tmp_path / "data"),
        "GUILD_IDS": str(GUILD_ID),
        "MODERATOR_ROLE_IDS": str(MODERATOR_ROLE_ID),
        "SEMANTIC": "off",
    }
    command = [sys.executable, str(script), fake.api_base, fake.gateway_url]
    with log.open("ab") as output:
        process = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=output, stderr=output)
    try:
        await fake.wait_for(fake.identified.is_set, timeout=60)
        _, made = await report(fake)
        assert made["files"][0]["filename"] == "stats.png", log.read_text()
        (worker,) = map(int, re.findall(r"report worker started \(pid (\d+)\)", log.read_text()))
        os.kill(worker, signal.SIGSTOP)
        stuck = await fake.slash("kb", sub("stats", days=3), **MOD)
        await fake.wait_for(stuck.callbacks)  # deferred: the worker has it now
        before_stop = log.read_text()
        process.send_signal(signal.SIGTERM)
        stopped = time.monotonic()
        code = await asyncio.to_thread(process.wait, 10)
        assert time.monotonic() - stopped < 10
    finally:
        process.kill()
        process.wait()
    # (The reply to the report cut short may race the closing session: interactions in
    # flight at SIGTERM are issue 30 item 9, not checked here.)
    assert code == 0 and "Traceback" not in before_stop, log.read_text()
    assert "bootstrapping" not in log.read_text()
    await fake.wait_for(lambda: gone(worker))
