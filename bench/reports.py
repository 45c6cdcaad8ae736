"""Reports at a busy server's volume: a database with 200,000 questions (80,000 unanswered, in
10,000 distinct wordings) and 200,000 votes over the last 90 days.

Prints each report's time (the core, as `kb unanswered/stats/feedback/history` run it), then
each `/kb` report through the real discord.py client and the fake Discord (time to the first
reply and to the finished report) while members keep asking, and the worst `/ask` first
reply meanwhile against a baseline of the same /ask load with no report running. Then the
database's size per 100,000 questions, and after pruning to 30 days.

    .venv/bin/python bench/reports.py [--questions 200000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.knowledge.database import Database  # noqa: E402
from bot.knowledge.loader import load_knowledge_base  # noqa: E402
from bot.knowledge.store import KnowledgeStore  # noqa: E402
from bot.records.activity import group_unanswered, read_unanswered  # noqa: E402
from bot.records.feedback import feedback_report  # noqa: E402
from bot.records.retention import prune  # noqa: E402
from bot.records.stats import read_stats  # noqa: E402
from tests.e2e.fake_discord import GUILD_ID, MODERATOR_ROLE_ID, FakeDiscord  # noqa: E402

DAYS = 90
WORDS = (
    "pizza knitting visa relocation kubernetes rust frontend sales marketing hiring remote "
    "office commute tax pension health insurance dental vision parking gym laptop monitor "
    "keyboard chair desk lunch coffee travel conference budget team manager lead principal "
    "staff director vp startup bigtech contract freelance consulting agency bootcamp course "
    "certificate mooc thesis paper review patent open source blog podcast youtube twitter"
).split()


def build(data_dir: Path, questions: int, seed: int = 11) -> Database:
    """The busy server's database, written in bulk (times spread over DAYS days)."""
    rng = random.Random(seed)
    database = Database(data_dir)
    kb = load_knowledge_base(ROOT / "knowledge")
    ids = [e.id for e in kb.entries]
    wordings = [e.question for e in kb.entries]
    distinct = [
        f"how do I handle {' '.join(rng.sample(WORDS, 3))} as an ml person?"
        for _ in range(10_000 * questions // 200_000)
    ]
    now = datetime.now(UTC)

    def when(n: int, total: int) -> str:
        return (now - timedelta(seconds=DAYS * 86_400 * (total - n) / total)).isoformat()

    unanswered_count = questions * 2 // 5
    with database.transaction(durable=False) as db:
        asked, kept = [], []
        for n in range(questions):
            if n % 5 < 2:  # two in five unanswered
                text = rng.choice(distinct) + ("" if rng.random() < 0.5 else " thanks")
                decision = rng.choice(("decline", "suggest"))
                asked.append((n, when(n, questions), GUILD_ID, 1, "ask", text, decision, ""))
                best = rng.choice(ids) if decision == "suggest" else None
                kept.append((when(n, questions), GUILD_ID, 1, text, decision, best, 40))
            else:
                entry = rng.randrange(len(ids))
                row = (n, when(n, questions), GUILD_ID, 1, "ask", wordings[entry], "answer")
                asked.append((*row, ids[entry]))
        db.executemany(
            "INSERT INTO questions (id, time, guild, channel, source, question, decision, "
            "answers) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            asked,
        )
        db.executemany(
            "INSERT INTO unanswered (time, guild, channel, question, decision, best, score) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            kept,
        )
        votes = [
            (
                when(n, questions),
                GUILD_ID,
                1,
                ids[n % len(ids)],
                wordings[n % len(ids)],
                f"member-{n}",
                rng.choice((1, -1)),
                rng.choice((None, "wrong", "outdated")),
            )
            for n in range(questions)
        ]
        db.executemany(
            "INSERT INTO feedback (time, guild, channel, entry, question, member, vote, reason) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            votes,
        )
    assert unanswered_count == len(kept)
    return database


def timed(fn: Callable[[int], object], days: int) -> float:
    start = time.perf_counter()
    fn(days)
    return time.perf_counter() - start


def size_mb(data_dir: Path) -> float:
    with closing(sqlite3.connect(data_dir / "bot.sqlite3")) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return sum(p.stat().st_size for p in data_dir.glob("bot.sqlite3*")) / 2**20


def core_reports(data_dir: Path, database: Database) -> None:
    store = KnowledgeStore(ROOT / "knowledge", data_dir, database)
    reports: dict[str, Callable[[int], object]] = {
        "unanswered": lambda days: group_unanswered(read_unanswered(database, days)),
        "stats": lambda days: read_stats(database, days),
        "feedback": lambda days: feedback_report(database, days),
        "history": lambda days: store.history(None, 20),
    }
    print("Reports in the core (seconds):")
    for name, report in reports.items():
        times = "  ".join(f"{days:3} days {timed(report, days):6.2f}" for days in (30, 90))
        print(f"  {name:10} {times}")


def serve(port: int, data_dir: str) -> None:
    """Child process: the bot against the fake until stdin closes."""
    import discord
    import yarl

    from bot.config import Settings
    from bot.discord_adapter.app import create_bot

    discord.http.Route.BASE = f"http://127.0.0.1:{port}/api/v10"
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(f"ws://127.0.0.1:{port}/gateway")
    settings = Settings(
        discord_token="fake-token",
        knowledge_dir=ROOT / "knowledge",
        data_dir=Path(data_dir),
        semantic=False,
        guild_ids=frozenset({GUILD_ID}),
        moderator_role_ids=frozenset({MODERATOR_ROLE_ID}),
        answer_cooldown=(1_000_000, 1.0),
    )

    async def main() -> None:
        bot = create_bot(settings)
        task = asyncio.create_task(bot.start("fake-token"))
        stalls = asyncio.create_task(longest_stall())
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
        print(f"{stalls.cancel() and STALL[0]:.3f}", flush=True)
        await bot.close()
        await task

    asyncio.run(main())


STALL = [0.0]


async def longest_stall() -> None:
    """How late a 10 ms sleep wakes up on the bot's event loop, at worst."""
    while True:
        start = time.perf_counter()
        await asyncio.sleep(0.01)
        STALL[0] = max(STALL[0], time.perf_counter() - start - 0.01)


async def through_discord(data_dir: Path, asks: int) -> None:
    fake = FakeDiscord()
    await fake.start()
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        __file__,
        "--serve",
        str(fake.port),
        str(data_dir),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        cwd=ROOT,
        env={**os.environ, "LOG_LEVEL": "WARNING"},
    )
    await asyncio.wait_for(fake.identified.wait(), 120)
    await fake.wait_for(lambda: GUILD_ID in fake.commands, 60)
    questions = ["do I need a PhD?", "what is an RSU", "best pizza in town", "ml engineer pay"]

    async def ask_load(count: int) -> float:
        """The worst first reply of `count` /ask, 5 in flight, spread over the reports."""
        slots = asyncio.Semaphore(5)

        async def ask(n: int) -> float:
            async with slots:
                option = [{"name": "question", "type": 3, "value": questions[n % 4]}]
                sent = await fake.slash("ask", option, user_id=400_000_000_000_000_000 + n)
                await fake.wait_for(sent.callbacks, 60)
                await asyncio.sleep(0.02)
                return sent.first_reply_after or 0.0

        return max(await asyncio.gather(*(ask(n) for n in range(count))))

    async def report(name: str, days: int | None) -> tuple[str, float, float]:
        options = [{"name": "days", "type": 4, "value": days}] if days else []
        started = time.perf_counter()
        sent = await fake.slash(
            "kb",
            [{"name": name, "type": 1, "options": options}],
            user_id=400_000_000_000_000_999,
            roles=(MODERATOR_ROLE_ID,),
        )
        await fake.wait_for(lambda: _finished(sent), 120)
        return name, sent.first_reply_after or 0.0, time.perf_counter() - started

    baseline = await ask_load(asks)
    reports = [("unanswered", 90), ("stats", 90), ("feedback", 90), ("history", None)]
    during, *done = await asyncio.gather(ask_load(asks), *(report(n, d) for n, d in reports))
    print(f"Through the fake Discord, the four /kb reports at once with {asks} /ask meanwhile:")
    for name, first, finished in done:
        print(f"  /kb {name:10} first reply {first:5.2f} s   finished {finished:5.2f} s")
    print(f"  /ask worst first reply: {during:.3f} s during the reports, {baseline:.3f} s without")
    assert child.stdin is not None
    child.stdin.close()
    output, _ = await child.communicate()
    stall = float(output.decode().split()[0])
    print(f"  the bot's event loop stalled {stall * 1000:.0f} ms at worst (a 10 ms sleep's delay)")
    await fake.stop()
    assert not fake.violations, fake.violations


def _finished(sent: object) -> bool:
    """The report's final message has arrived (after a defer: an edit or a follow-up)."""
    events = sent.events  # type: ignore[attr-defined]
    if not events:
        return False
    if events[0][1].get("type") in (5, 6):
        return any(kind in ("edit", "followup") for kind, _ in events[1:])
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=200_000)
    parser.add_argument("--asks", type=int, default=200)
    parser.add_argument("--serve", nargs=2, metavar=("PORT", "DATA_DIR"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(int(args.serve[0]), args.serve[1])
        return
    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder) / "data"
        started = time.perf_counter()
        database = build(data_dir, args.questions)
        print(f"Built {args.questions:,} questions in {time.perf_counter() - started:.0f} s")
        core_reports(data_dir, database)
        asyncio.run(through_discord(data_dir, args.asks))
        per_100k = size_mb(data_dir) * 100_000 / args.questions
        print(f"Database: {per_100k:.1f} MB per 100,000 questions (with their votes)")
        removed = prune(database, 30)
        print(
            f"After pruning to 30 days ({sum(removed.values()):,} rows removed): "
            f"{size_mb(data_dir):.1f} MB"
        )


if __name__ == "__main__":
    main()
