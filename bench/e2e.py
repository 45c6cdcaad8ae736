"""End-to-end benchmark: /ask through the real discord.py client and the fake Discord.

The bot runs in a child process exactly as in production (settings, matcher, cogs), pointed
at the fake Discord in this process. 1,000 `/ask` interactions, 50 in flight, each from a
different member, cycling through the labelled questions of knowledge/evaluation.yaml (so
after the first pass questions repeat, as they do on a real server). The fake measures from
dispatching INTERACTION_CREATE to receiving the callback. Two runs: the lexical matcher
first (the baseline: protocol and adapter cost), then the default blended matcher.

    .venv/bin/python bench/e2e.py [--count 1000] [--in-flight 50]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

try:
    import resource
except ImportError:  # Windows has no getrusage: memory figures show as nan there
    resource = None  # type: ignore[assignment]

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.matching.evaluation import EVALUATION_FILE, load_cases  # noqa: E402
from tests.e2e.fake_discord import GUILD_ID, FakeDiscord  # noqa: E402

DEADLINE = 3.0  # Discord drops an interaction not acknowledged within 3 seconds


def serve(port: int, semantic: bool, data_dir: str) -> None:
    """Child process: run the bot against the fake until stdin closes; print peak RSS."""
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
        semantic=semantic,
        guild_ids=frozenset({GUILD_ID}),
    )

    async def main() -> None:
        bot = create_bot(settings)
        task = asyncio.create_task(bot.start("fake-token"))
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
        await bot.close()
        await task

    asyncio.run(main())
    peak = float("nan") if resource is None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"peak_rss_mb": peak / 1024}))


def percentile(ordered: list[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def drive(semantic: bool, count: int, in_flight: int) -> dict[str, float]:
    fake = FakeDiscord()
    await fake.start()
    cases = load_cases(ROOT / "knowledge" / EVALUATION_FILE)
    questions = [c.text for c in cases if c.kind == "existing"]
    with tempfile.TemporaryDirectory() as data_dir:
        child = await asyncio.create_subprocess_exec(
            sys.executable,
            __file__,
            "--serve",
            str(fake.port),
            data_dir,
            *(["--semantic"] if semantic else []),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=ROOT,
            env={**os.environ, "LOG_LEVEL": "WARNING"},
        )
        await asyncio.wait_for(fake.identified.wait(), 120)
        await fake.wait_for(lambda: GUILD_ID in fake.commands, 60)
        slots = asyncio.Semaphore(in_flight)

        async def ask(n: int) -> tuple[bool, float]:
            async with slots:
                options = [{"name": "question", "type": 3, "value": questions[n % len(questions)]}]
                sent = await fake.slash("ask", options, user_id=400_000_000_000_000_000 + n)
                await fake.wait_for(sent.callbacks, 60)
                assert sent.first_reply_after is not None
                return n < len(questions), sent.first_reply_after

        results = await asyncio.gather(*(ask(n) for n in range(count)))
        latencies = sorted(latency for _, latency in results)
        first_sight = sorted(latency for novel, latency in results if novel)
        assert child.stdin is not None
        child.stdin.close()
        output, _ = await child.communicate()
    await fake.stop()
    assert not fake.violations, fake.violations
    return {
        "p50": percentile(latencies, 0.5) * 1000,
        "p99": percentile(latencies, 0.99) * 1000,
        "max": latencies[-1] * 1000,
        "missed": sum(latency > DEADLINE for latency in latencies),
        "novel_p99": percentile(first_sight, 0.99) * 1000,
        "novel": len(first_sight),
        "rss": json.loads(output.decode().strip().splitlines()[-1])["peak_rss_mb"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--in-flight", type=int, default=50)
    parser.add_argument("--serve", nargs=2, metavar=("PORT", "DATA_DIR"), help=argparse.SUPPRESS)
    parser.add_argument("--semantic", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(int(args.serve[0]), args.semantic, args.serve[1])
        return
    print(f"{args.count} /ask interactions, {args.in_flight} in flight, dispatch -> callback")
    results = {}
    for label, semantic in (("lexical (baseline)", False), ("blended (default)", True)):
        r = results[label] = asyncio.run(drive(semantic, args.count, args.in_flight))
        print(
            f"  {label:20} p50 {r['p50']:7.2f} ms  p99 {r['p99']:7.2f} ms  max {r['max']:7.2f} ms"
            f"  missed 3 s: {r['missed']}  bot peak RSS {r['rss']:.0f} MB"
        )
        print(
            f"  {'':20} p99 of the first {r['novel']} (each question's first sight)"
            f" {r['novel_p99']:7.2f} ms"
        )
    base, blend = results["lexical (baseline)"], results["blended (default)"]
    print(
        f"  the blend costs {blend['p50'] / base['p50']:.1f}x the baseline at p50, "
        f"{blend['p99'] / base['p99']:.1f}x at p99"
    )


if __name__ == "__main__":
    main()
