"""The dashboard at a busy server's volume: the database of bench/reports.py (200,000
questions, 80,000 unanswered, 200,000 votes over 90 days), the real report worker, the
matcher the bot would build.

Prints each page's time to the full answer (first call, when the worker process starts, and
the slowest of three more), and the event loop's longest stall while pages are being served:
the time an answer to a member would have waited on the loop the bot and the dashboard share.

    .venv/bin/python bench/dashboard.py [--questions 200000]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aiohttp import CookieJar  # noqa: E402
from aiohttp.test_utils import TestClient, TestServer  # noqa: E402

from bench.reports import build  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.discord_adapter.reporting import ReportWorker  # noqa: E402
from bot.records import sign_in  # noqa: E402
from bot.startup import build_matcher  # noqa: E402
from bot.web_adapter.server import create_app, standalone  # noqa: E402

PAGES = (
    "/",
    "/entries/phd-required",
    "/entries/phd-required/edit",
    "/try?q=do+I+need+a+PhD+to+work+in+ML",
    "/unanswered?days=30",
    "/unanswered?days=90",
    "/feedback?days=90",
    "/stats?days=90",
    "/history",
    "/out-of-scope",
)


async def stalls(stop: asyncio.Event, worst: list[float]) -> None:
    """The loop's longest delay past a 5 ms sleep."""
    while not stop.is_set():
        start = time.perf_counter()
        await asyncio.sleep(0.005)
        worst[0] = max(worst[0], time.perf_counter() - start - 0.005)


async def measure(data_dir: Path, knowledge: Path) -> None:
    settings = load_settings(
        {"KNOWLEDGE_DIR": str(knowledge), "DATA_DIR": str(data_dir), "DASHBOARD_PORT": "1"},
        Path("/nonexistent/.env"),
    )
    settings = replace(settings, guild_ids=frozenset({1}))
    worker = ReportWorker()
    dashboard = standalone(settings, build_matcher(settings, print), worker.run)
    print(f"matching: {dashboard.matcher().mode}")
    secret = sign_in.new_link(
        dashboard.store.database, sign_in.operator_actor("bench"), sign_in.now()
    )
    async with TestClient(
        TestServer(create_app(dashboard)), cookie_jar=CookieJar(unsafe=True)
    ) as client:
        await client.post("/sign-in", data={"token": secret})
        stop, worst = asyncio.Event(), [0.0]
        watcher = asyncio.create_task(stalls(stop, worst))
        print(f"{'page':40} {'first s':>8} {'worst of 3 s':>13}")
        for path in PAGES:
            times = []
            for _ in range(4):
                start = time.perf_counter()
                answer = await client.get(path)
                await answer.read()
                assert answer.status == 200, (path, answer.status)
                times.append(time.perf_counter() - start)
            print(f"{path:40} {times[0]:8.3f} {max(times[1:]):13.3f}")
        stop.set()
        await watcher
        print(f"longest event-loop stall while serving: {worst[0] * 1000:.0f} ms")
    await worker.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--questions", type=int, default=200_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        knowledge = Path(folder) / "knowledge"
        shutil.copytree(ROOT / "knowledge", knowledge)
        data_dir = Path(folder) / "data"
        started = time.perf_counter()
        build(data_dir, args.questions)
        print(f"built {args.questions:,} questions in {time.perf_counter() - started:.1f} s")
        asyncio.run(measure(data_dir, knowledge))


if __name__ == "__main__":
    main()
