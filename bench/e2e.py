"""End-to-end benchmark: a burst of /ask through the real discord.py client and the fake Discord.

The bot runs in a child process exactly as in production (settings, matcher, cogs), pointed
at the fake Discord in this process. 400 distinct questions of knowledge/evaluation.yaml, in a
fixed shuffled order (long forum posts and multi-question posts among short ones), each from a
different member, 50 in flight. Measured: from dispatching INTERACTION_CREATE to the answer
(the callback, or the follow-up after a deferral "thinking…"). Printed per matcher (lexical,
`SEMANTIC=off`; blended, the default; and canned, the floor: the lexical bot answering every
question with the same match made beforehand, so it shows what discord.py, the fake and the
burst cost without any deciding): p50/p95/p99 for short questions and long posts
separately; the bot's own share (from its INTERACTION_CREATE reaching discord.py's parser to
the answer's request being made, p50/p99); answers later than Discord's 3 seconds
(deferred); the burst's wall time and the CPU of the bot and of this process (the fake and
the driver); the bot's peak RSS; and the encoder's share of the burst: the wall time of its
forward passes over the burst's, and their CPU time over the bot's.

Read the figures with Little's law: 50 questions are always in flight, so the time to an
answer is about 50 x (the bot's CPU per answer) plus the fake's latency (20 +/- 10 ms per
request); the first 50 arrive at once, so the p99 is about the time to answer all of them.
The fake's own checks of every payload against Discord's OpenAPI description (jsonschema)
cost it ~9 ms of CPU per answer, in this process, more than the bot: they are off unless
`--check-spec` (the e2e tests check the payloads).

The same run measures a baseline the same way for the ratio: the code of `--baseline REV`
(default: ec2cf16, the commit issue 32 measured) checked out in a temporary `git worktree`,
run by this same script. Runs alternate between the two: a first run as on a new install,
in an empty DATA_DIR and an empty user cache (the indexes and the models' kept sessions are
built during it: reported apart), then `--repeat` runs that read them (the medians and
ratios); the machine's noise shows in how the paired ratios spread.

    .venv/bin/python bench/e2e.py [--count 400] [--in-flight 50] [--repeat 3] [--baseline REV]
        [--modes canned,lexical,blended] [--check-spec]

With MULTILINGUAL=off the bot runs without the multilingual model (its posts in other
languages are read as English ones), for the memory of a server that writes English.
BENCH_PROFILE=FILE writes a cProfile of the bot's event loop during the burst to FILE.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

try:
    import resource
except ImportError:  # Windows has no getrusage: the CPU figures show as nan there
    resource = None  # type: ignore[assignment]

ROOT = Path(__file__).resolve().parent.parent
DEADLINE = 3.0  # Discord's first-reply limit: later answers come after a deferral
BASELINE = "ec2cf16"
WARM_UP = ("what is a good first step into ML", "hello there", "is math needed for ml?")
MODES = ("canned", "lexical", "blended")
LONG_KINDS = ("long", "multi")  # forum-style posts; every other kind is a short question


def vm_kb(field: str) -> float:
    """A figure of /proc/self/status (Linux, where the bot runs); nan elsewhere."""
    try:
        with open("/proc/self/status") as status:
            return int(next(line for line in status if line.startswith(field)).split()[1])
    except OSError:
        return math.nan


def serve(port: int, mode: str, data_dir: str, root: Path) -> None:
    """Child process: run the code in `root` against the fake; a line on stdin marks the
    burst's start; at end of input print what the bot measured."""
    sys.path.insert(0, str(root))
    import discord
    import yarl

    from bot import startup
    from bot.config import Settings
    from bot.discord_adapter.app import create_bot

    if hasattr(startup, "limit_malloc_arenas"):  # as `run` does first (code that has it)
        startup.limit_malloc_arenas()

    discord.http.Route.BASE = f"http://127.0.0.1:{port}/api/v10"
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(f"ws://127.0.0.1:{port}/gateway")
    # MULTILINGUAL=off: without the multilingual model (code that has it)
    off = os.environ.get("MULTILINGUAL") == "off" and "multilingual" in Settings.__annotations__
    settings = Settings(
        discord_token="fake-token",
        knowledge_dir=root / "knowledge",
        data_dir=Path(data_dir),
        semantic=mode == "blended",
        guild_ids=frozenset({GUILD_ID}),
        **({"multilingual": False} if off else {}),
    )
    figures: dict[str, float] = {}
    arrived: dict[str, float] = {}  # by interaction token: INTERACTION_CREATE parsed
    replied: dict[str, float] = {}  # by token: the request carrying the answer is made

    def watch(bot: discord.Client) -> None:
        """The bot's own share of each answer: from its INTERACTION_CREATE reaching the
        parser to discord.py being asked to send the answer (a callback that is not a
        deferral, or the follow-up after one); the network and the fake are outside it."""
        parsers = bot._connection.parsers
        parse = parsers["INTERACTION_CREATE"]

        def interaction_create(data: dict) -> None:
            arrived.setdefault(data.get("token", ""), time.perf_counter())
            parse(data)

        parsers["INTERACTION_CREATE"] = interaction_create
        adapter = discord.webhook.async_.AsyncWebhookAdapter
        request = adapter.request

        def answer_request(self: object, route: object, *args: object, **kwargs: object) -> object:
            token = getattr(route, "webhook_token", None)
            payload = kwargs.get("payload") or {}
            deferral = isinstance(payload, dict) and payload.get("type") == 5
            if token in arrived and token not in replied and not deferral:
                replied[token] = time.perf_counter()
            return request(self, route, *args, **kwargs)

        adapter.request = answer_request  # type: ignore[method-assign]

    def encoder_seconds(bot: object) -> tuple[float, float] | None:
        """The encoder's forward passes so far: wall and CPU seconds (None: older code)."""
        scorers = getattr(getattr(bot, "matcher", None), "scorers", [])
        encoder = next((s.encoder for s, _ in scorers if hasattr(s, "encoder")), None)
        if not hasattr(encoder, "cpu_seconds"):
            return None
        return encoder.seconds, encoder.cpu_seconds

    def cpu() -> float:
        if resource is None:
            return math.nan
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime

    async def main() -> None:
        bot = create_bot(settings, force_sync=True)  # a new fake each run: sync again
        if mode == "canned":  # the floor: every question gets the same, already made match
            canned = bot.matcher.match(WARM_UP[0])
            bot.matcher.start = lambda question, top=5: canned  # type: ignore[method-assign]
        watch(bot)
        task = asyncio.create_task(bot.start("fake-token"))
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, sys.stdin.readline)  # the burst starts
        start, start_cpu = encoder_seconds(bot), cpu()
        profile = os.environ.get("BENCH_PROFILE")
        if profile:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        await loop.run_in_executor(None, sys.stdin.read)  # the burst is over
        if profile:
            profiler.disable()
            profiler.dump_stats(profile)
        figures["cpu"] = cpu() - start_cpu
        end = encoder_seconds(bot)
        if start is not None and end is not None:
            figures["encoder"], figures["encoder_cpu"] = end[0] - start[0], end[1] - start[1]
        await bot.close()
        await task

    asyncio.run(main())
    rss = {"peak_rss_mb": vm_kb("VmHWM") / 1024, "rss_mb": vm_kb("VmRSS") / 1024}
    shares = {t: (replied[t] - arrived[t]) * 1000 for t in replied}
    print(json.dumps({**figures, **rss, "bot_ms": shares}))


GUILD_ID = 0  # set from the fake in main(): the child learns it from the command line


def own_cpu() -> float:
    if resource is None:
        return math.nan
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def percentile(ordered: list[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def questions(count: int) -> list[tuple[str, bool]]:
    """`count` distinct questions, each with whether it is a long post, in a fixed order."""
    from bot.matching.evaluation import EVALUATION_FILE, load_cases

    cases = load_cases(ROOT / "knowledge" / EVALUATION_FILE)
    seen = {c.text: c.kind in LONG_KINDS for c in cases if c.text.strip()}
    chosen = sorted(seen.items())
    random.Random(32).shuffle(chosen)
    return chosen[:count]


async def drive(
    root: Path,
    data_dir: Path,
    user_cache: Path,
    mode: str,
    asked: list[tuple[str, bool]],
    in_flight: int,
    check_spec: bool,
) -> dict[str, float]:
    from tests.e2e.fake_discord import GUILD_ID, FakeDiscord

    fake = FakeDiscord()
    if not check_spec:  # the fake's jsonschema checks: ~9 ms of its CPU per answer
        fake.spec = None
    await fake.start()
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        str(Path(__file__).resolve()),  # this script, whichever code it runs
        "--serve",
        str(fake.port),
        str(data_dir),
        str(root),
        str(GUILD_ID),
        mode,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        cwd=root,
        env={**os.environ, "LOG_LEVEL": "WARNING", "XDG_CACHE_HOME": str(user_cache)},
    )
    await asyncio.wait_for(fake.identified.wait(), 300)
    await fake.wait_for(lambda: GUILD_ID in fake.commands, 300)
    slots = asyncio.Semaphore(in_flight)

    tokens: dict[int, str] = {}

    async def ask(n: int, question: str) -> float:
        """Seconds to the answer; infinite when the bot missed Discord's 3 s (the fake, as
        Discord does, then refuses its reply and the member sees "did not respond")."""
        async with slots:
            options = [{"name": "question", "type": 3, "value": question}]
            sent = await fake.slash("ask", options, user_id=400_000_000_000_000_000 + n)
            tokens[n] = sent.token
            try:
                await fake.wait_for(sent.callbacks, 30)
            except TimeoutError:
                return math.inf
            assert sent.first_reply_after is not None
            if sent.callbacks()[0]["type"] != 5:
                return sent.first_reply_after
            # Deferred ("thinking…"): the answer is the follow-up.
            await fake.wait_for(lambda: any(k == "followup" for k, _ in sent.events), 60)
            return time.perf_counter() - sent.dispatched

    for n, question in enumerate(WARM_UP):  # one at a time: the first answers load lazily
        await ask(-1 - n, question)
    await asyncio.sleep(1)
    assert child.stdin is not None
    child.stdin.write(b"burst\n")
    await child.stdin.drain()
    started, fake_cpu = time.perf_counter(), own_cpu()
    latencies = await asyncio.gather(*(ask(n, q) for n, (q, _) in enumerate(asked)))
    wall, fake_cpu = time.perf_counter() - started, own_cpu() - fake_cpu
    await asyncio.sleep(2)  # the last replies' responses reach the bot before it closes
    child.stdin.close()
    output, _ = await child.communicate()
    await fake.stop()
    # A reply later than 3 s is counted (missed); anything else the fake refused is a bug.
    problems = [v for v in fake.violations if not v.endswith("no reply within 3 s")]
    assert not problems, problems
    bot = json.loads(output.decode().strip().splitlines()[-1])
    result = {"wall": wall, "rss": bot["peak_rss_mb"], "rss_end": bot["rss_mb"], "cpu": bot["cpu"]}
    result["fake_cpu"] = fake_cpu
    if "encoder" in bot:
        result["encoder_wall"] = bot["encoder"] / wall
        result["encoder_cpu"] = bot["encoder_cpu"] / max(bot["cpu"], 1e-9)
    shares = bot["bot_ms"]
    for label, long in (("short", False), ("long", True)):
        ordered = sorted(
            t * 1000 for t, (_, is_long) in zip(latencies, asked, strict=True) if is_long == long
        )
        for q in (50, 95, 99):
            result[f"{label}_p{q}"] = percentile(ordered, q / 100)
        own = sorted(
            shares.get(tokens[n], math.inf) for n, (_, lg) in enumerate(asked) if lg == long
        )
        for q in (50, 99):
            result[f"{label}_bot_p{q}"] = percentile(own, q / 100)
    result["late"] = sum(DEADLINE < t < math.inf for t in latencies)
    result["lost"] = sum(t == math.inf for t in latencies)
    return result


def line(label: str, runs: list[dict[str, float]]) -> str:
    def med(key: str) -> float:
        return statistics.median(r[key] for r in runs)

    parts = [f"  {label:37}"]
    for kind in ("short", "long"):
        parts.append(
            f"{kind} p50/p95/p99 {med(f'{kind}_p50'):5.0f}/{med(f'{kind}_p95'):5.0f}/"
            f"{med(f'{kind}_p99'):5.0f} ms"
        )
    parts.append(
        "in the bot p50/p99 "
        + ", ".join(
            f"{kind} {med(f'{kind}_bot_p50'):.0f}/{med(f'{kind}_bot_p99'):.0f} ms"
            for kind in ("short", "long")
        )
    )
    parts.append(f"over 3 s: {max(r['late'] for r in runs):.0f}")
    parts.append(f"missed: {max(r['lost'] for r in runs):.0f}")
    parts.append(
        f"burst {med('wall'):.2f} s, CPU: bot {med('cpu'):.2f} s,"
        f" fake and driver {med('fake_cpu'):.2f} s"
    )
    parts.append(f"RSS peak {med('rss'):.0f} MB, at the end {med('rss_end'):.0f} MB")
    if all("encoder_wall" in r for r in runs):
        parts.append(
            f"encoder {med('encoder_wall'):.0%} of the burst, {med('encoder_cpu'):.0%} of bot CPU"
        )
    return "  ".join(parts)


def checkout(rev: str, folder: Path) -> Path:
    subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "add", "--detach", "--quiet", str(folder), rev],
        check=True,
    )
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=400)
    parser.add_argument("--in-flight", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3, help="runs after the first")
    parser.add_argument("--baseline", default=BASELINE, help="a git revision, or 'none'")
    parser.add_argument(
        "--modes",
        default="canned,lexical,blended",
        help="comma-separated: canned (the floor: no deciding), lexical, blended",
    )
    parser.add_argument(
        "--check-spec",
        action="store_true",
        help="the fake checks every request and answer against Discord's OpenAPI description"
        " (its CPU then sets the pace, not the bot's)",
    )
    parser.add_argument("--serve", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    global GUILD_ID
    if args.serve:
        port, data_dir, root, GUILD_ID, mode = args.serve
        GUILD_ID = int(GUILD_ID)
        serve(int(port), mode, data_dir, Path(root))
        return
    sys.path.insert(0, str(ROOT))
    from tests.e2e.fake_discord import GUILD_ID as guild

    GUILD_ID = guild
    asked = questions(args.count)
    modes = [m for m in MODES if m in args.modes.split(",")]
    longs = sum(long for _, long in asked)
    print(
        f"{len(asked)} distinct /ask questions ({len(asked) - longs} short, {longs} long posts),"
        f" {args.in_flight} in flight; a first run as on a new install (the indexes built"
        f" during it), then {args.repeat} runs each; dispatch -> answer, medians"
    )
    with tempfile.TemporaryDirectory(prefix="e2e-bench-") as scratch:
        codes = {"this tree": ROOT}
        if args.baseline != "none":
            codes[f"baseline {args.baseline}"] = checkout(args.baseline, Path(scratch) / "base")
        try:
            runs: dict[tuple[str, str], list[dict[str, float]]] = {}
            for n in range(args.repeat + 1):  # the first builds the indexes: reported apart
                for code, root in codes.items():
                    for mode in modes:
                        # kept: later runs read the indexes and the models' sessions
                        data_dir = Path(scratch) / f"data-{len(code)}-{mode}"
                        data_dir.mkdir(exist_ok=True)
                        cache = data_dir / "user-cache"
                        result = asyncio.run(
                            drive(
                                root, data_dir, cache, mode, asked, args.in_flight, args.check_spec
                            )
                        )
                        label = f"{mode}, {code}" + (", first run" if n == 0 else "")
                        if n:
                            runs.setdefault((code, mode), []).append(result)
                        print(line(label, [result]), flush=True)
        finally:
            if len(codes) > 1:
                subprocess.run(
                    [
                        "git",
                        "-C",
                        str(ROOT),
                        "worktree",
                        "remove",
                        "--force",
                        str(Path(scratch) / "base"),
                    ],
                    check=False,
                )
    print("medians of the runs after the first:")
    for (code, mode), results in runs.items():
        print(line(f"{mode}, {code}", results))
    if len(codes) < 2:
        return
    base = next(c for c in codes if c != "this tree")
    for mode in modes:
        for key in ("short_p99", "long_p99", "short_p50"):
            ratios = [
                ours[key] / theirs[key]
                for ours, theirs in zip(runs[("this tree", mode)], runs[(base, mode)], strict=True)
            ]
            print(
                f"  {mode} {key}: this tree / {base} = "
                + ", ".join(f"{r:.2f}" for r in ratios)
                + f" (median {statistics.median(ratios):.2f})"
            )


if __name__ == "__main__":
    main()
