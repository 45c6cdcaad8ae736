"""Help forums across crashes and restarts: every post answered exactly once, including the
ones made while the bot was away, and the one it was killed (SIGKILL) in the middle of."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

from bot.knowledge.database import Database
from bot.records.forum_posts import posts_to_catch_up

from .conftest import start_bot, stop_bot
from .fake_discord import GUILD_ID, FakeDiscord
from .fake_forum import FORUM_ID
from .test_forum import ANSWERABLE, OFF_TOPIC, forum_bot, replies, settled

ROOT = Path(__file__).resolve().parents[2]


async def restart(fake: FakeDiscord, bot_factory):
    fake.identified.clear()
    bot = bot_factory()
    return bot, await start_bot(fake, bot)


async def test_posts_made_while_away_are_answered_at_start_up_oldest_first(fake, tmp_path, lexical):
    data = tmp_path / "data"
    first = forum_bot(data, lexical)
    task = await start_bot(fake, first)
    await settled(fake, first)  # the forum is watched, and one post answered
    await fake.wait_for(first.is_ready)
    await stop_bot(first, task)
    away = [
        await fake.open_post(*post, deliver=False) for post in (ANSWERABLE, OFF_TOPIC, ANSWERABLE)
    ]
    bot, task = await restart(fake, lambda: forum_bot(data, lexical))
    await fake.wait_for(lambda: fake.thread_replies(away[0]) and fake.thread_replies(away[2]))
    await fake.open_post("", "", thread_id=away[0])  # delivered again: already answered
    await settled(fake, bot)
    assert [len(fake.thread_replies(t)) for t in away] == [1, 0, 1]
    order = [m["channel_id"] for m in fake.channel_messages]
    assert order.index(str(away[0])) < order.index(str(away[2]))
    await stop_bot(bot, task)

    bot, task = await restart(fake, lambda: forum_bot(data, lexical))
    await settled(fake, bot)
    assert [len(fake.thread_replies(t)) for t in away] == [1, 0, 1], "caught up only once"
    await stop_bot(bot, task)


async def test_a_new_install_leaves_a_forums_old_posts_alone(fake, tmp_path, lexical):
    old = await fake.open_post(*ANSWERABLE, deliver=False)
    bot = forum_bot(tmp_path / "data", lexical)
    task = await start_bot(fake, bot)
    await settled(fake, bot)
    assert fake.thread_replies(old) == []
    await stop_bot(bot, task)


async def test_a_member_flooding_the_forum_gets_answers_up_to_the_cooldown(fake, tmp_path, lexical):
    bot = forum_bot(tmp_path / "data", lexical, answer_cooldown=(2, 60.0))
    task = await start_bot(fake, bot)
    flood = [await fake.open_post(*ANSWERABLE, user_id=400_000_000_000_000_009) for _ in range(4)]
    answered = lambda: sum(len(fake.thread_replies(t)) for t in flood)  # noqa: E731
    await fake.wait_for(lambda: answered() >= 2)
    await settled(fake, bot)
    assert answered() == 2, "the other two are left to people"
    await stop_bot(bot, task)


def unfinished(data_dir: Path) -> list[int]:
    return posts_to_catch_up(Database(data_dir), 0)[1]


def bot_process(
    fake: FakeDiscord, data_dir: Path, log: Path, close_grace: float | None = None
) -> subprocess.Popen[bytes]:
    """`python -m bot run` in its own process, settings from the environment (no .env);
    `close_grace`: the seconds a stop waits for questions being recorded (app.CLOSE_GRACE)."""
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DISCORD_TOKEN": "fake-token",
        "DATA_DIR": str(data_dir),
        "GUILD_IDS": str(GUILD_ID),
        "FORUM_CHANNEL_IDS": str(FORUM_ID),
        "SEMANTIC": "off",
        **({"E2E_CLOSE_GRACE": str(close_grace)} if close_grace is not None else {}),
    }
    command = [sys.executable, "-m", "tests.e2e.bot_process", fake.api_base, fake.gateway_url]
    with log.open("ab") as output:
        return subprocess.Popen(command, cwd=data_dir.parent, env=env, stdout=output, stderr=output)


async def killed_while_replying(fake: FakeDiscord, tmp_path: Path, hold: str) -> int:
    """Start the bot in a process, open a post, SIGKILL the bot while Discord holds its reply
    (`hold` as in FakeDiscord.hold_replies), and start it again; the post's id."""
    data, log = tmp_path / "data", tmp_path / "bot.log"
    fake.hold_replies = hold
    process = bot_process(fake, data, log)
    try:
        await fake.wait_for(fake.identified.is_set, timeout=60)
        thread = await fake.open_post(*ANSWERABLE)
        await fake.wait_for(lambda: fake.held, timeout=30)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    await fake.wait_for(lambda: fake.close_codes)
    assert fake.close_codes[-1] not in (1000, 4000), "killed: no close frame"
    assert unfinished(data) == [thread], "the post was taken, and left unfinished by the kill"
    fake.hold_replies = None
    fake.released.set()
    fake.identified.clear()
    process = bot_process(fake, data, log)
    try:
        await fake.wait_for(fake.identified.is_set, timeout=60)
        await fake.wait_for(lambda: not unfinished(data), timeout=30)
        await replies(fake, await fake.open_post(*ANSWERABLE, user_id=400_000_000_000_000_007))
    finally:
        process.terminate()
        process.wait()
    return thread


async def test_killed_before_its_reply_reached_discord_it_answers_after_a_restart(fake, tmp_path):
    thread = await killed_while_replying(fake, tmp_path, "drop")
    assert len(fake.thread_replies(thread)) == 1, (tmp_path / "bot.log").read_text()


async def test_killed_after_its_reply_reached_discord_it_does_not_answer_again(fake, tmp_path):
    thread = await killed_while_replying(fake, tmp_path, "unanswered")
    assert len(fake.thread_replies(thread)) == 1, (tmp_path / "bot.log").read_text()


async def test_sigterm_closes_the_gateway_and_exits_cleanly(fake, tmp_path):
    process = bot_process(fake, tmp_path / "data", tmp_path / "bot.log")
    try:
        await fake.wait_for(fake.identified.is_set, timeout=60)
        thread = await fake.open_post(*ANSWERABLE)
        process.send_signal(signal.SIGTERM)
        await fake.wait_for(lambda: fake.close_codes, timeout=15)
        code = await asyncio.to_thread(process.wait, 15)
    finally:
        process.kill()
    log = (tmp_path / "bot.log").read_text()
    assert code == 0 and "Traceback" not in log, log
    # discord.py closes with 1000 or, racing its own reader, 4000: a close frame either way
    assert fake.close_codes[0] in (1000, 4000), f"the connection dropped: {fake.close_codes}"
    assert len(fake.thread_replies(thread)) == 1, "the post in flight was answered first"


async def test_posts_made_while_down_are_answered_when_a_new_one_comes_as_it_connects(
    fake, tmp_path
):
    """discord.py hands over a new post before on_ready; answering it must not move the
    catch-up window past the posts made while the bot was down."""
    data, log = tmp_path / "data", tmp_path / "bot.log"
    process = bot_process(fake, data, log)
    try:
        await fake.wait_for(fake.identified.is_set, timeout=60)
        await replies(fake, await fake.open_post(*ANSWERABLE))
    finally:
        process.terminate()
        process.wait()
    away = [
        await fake.open_post(*ANSWERABLE, user_id=400_000_000_000_001_000 + n, deliver=False)
        for n in range(5)
    ]
    fake.identified.clear()
    new: list[int] = []

    async def post_as_it_connects() -> None:  # sent right after the GUILD_CREATEs
        new.append(await fake.open_post(*ANSWERABLE, user_id=400_000_000_000_002_000))

    fake.connecting.append(post_as_it_connects)
    process = bot_process(fake, data, log)
    try:
        await fake.wait_for(fake.identified.is_set, timeout=60)
        await fake.wait_for(lambda: all(fake.thread_replies(t) for t in [*away, *new]), timeout=30)
        await replies(fake, await fake.open_post(*ANSWERABLE, user_id=400_000_000_000_002_001))
    finally:
        process.terminate()
        process.wait()
    assert [len(fake.thread_replies(t)) for t in [*away, *new]] == [1] * 6, log.read_text()
    assert "caught up on 5 posts made or left while away: 5 answered" in log.read_text()
