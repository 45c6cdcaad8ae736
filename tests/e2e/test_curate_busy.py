"""The writers' lock held by another process (a terminal change suspended with Ctrl-Z): /kb
forms open at once and say "busy" on submit, naming the holder; /kb undo is acknowledged at
once and applied at most once; members' votes and forum posts never wait for it. And a
one-click change never replaces a file it cannot read."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from bot.discord_adapter.app import CareerBot, create_bot
from bot.knowledge.store import Actor

from .conftest import bot_settings, start_bot, stop_bot
from .fake_discord import FakeDiscord
from .fake_forum import FORUM_ID
from .test_curate import MOD, audit, defaults, sub
from .test_feedback import ask, stored_votes, votes_of
from .test_forum import ANSWERABLE, replies

HOLD = """
import sys
from pathlib import Path
from bot.knowledge.store import KnowledgeStore
store = KnowledgeStore(Path(sys.argv[1]), Path(sys.argv[2]))
with store.files.writing():
    print("held", flush=True)
    sys.stdin.read()
"""


@contextmanager
def lock_held_elsewhere(bot: CareerBot) -> Iterator[int]:
    """Another process holds the writers' lock until the block ends; yields its PID."""
    settings = bot.settings
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(settings.knowledge_dir), str(settings.data_dir)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        yield holder.pid
    finally:
        holder.communicate("", timeout=30)


@pytest.fixture
async def busy_bot(
    fake: FakeDiscord, knowledge_copy: Path, tmp_path: Path
) -> AsyncIterator[CareerBot]:
    """A bot that curates and answers a help forum."""
    settings = bot_settings(
        tmp_path / "data",
        knowledge_dir=knowledge_copy,
        forum_channel_ids=frozenset({FORUM_ID}),
    )
    bot = create_bot(settings)
    task = await start_bot(fake, bot)
    await fake.wait_for(bot.is_ready)
    yield bot
    await stop_bot(bot, task)


async def test_edit_opens_its_form_at_once_and_says_busy_on_submit(fake, busy_bot):
    busy_bot.store.files.lock_wait = 0.5  # the store instance the bot uses
    with lock_held_elsewhere(busy_bot) as pid:
        sent = await fake.slash("kb", sub("edit", entry="phd-required"), **MOD)
        (form,) = await fake.wait_for(sent.callbacks)
        assert form["type"] == 9, "the form opens without waiting for the lock"
        values = {**defaults(form["data"]), "Answer": "A moderator's careful new answer."}
        saved = await fake.submit(form["data"], values, **MOD)
        reply = await fake.reply_of(saved)
    assert saved.callbacks()[0]["type"] == 5 and saved.first_reply_after < 3
    assert "busy with another change" in reply["content"]
    assert f"held by PID {pid}, since " in reply["content"]
    assert b"A moderator's careful new answer." in reply["files"][0]["data"], "text kept"
    assert audit(busy_bot) == []


async def test_undo_is_acknowledged_at_once_and_never_applied_twice(fake, busy_bot):
    store = busy_bot.store
    store.add_phrasing("phd-required", "is a doctorate a must for ML jobs", Actor("1", "mod"))
    store.add_phrasing("phd-required", "must I hold a doctorate for ML", Actor("1", "mod"))
    store.files.lock_wait = 1.5
    with lock_held_elsewhere(busy_bot) as pid:
        first = await fake.slash("kb", sub("undo"), **MOD)
        await fake.wait_for(first.callbacks)
        again = await fake.slash("kb", sub("undo"), **MOD)  # "interaction failed?" No: retried
        running = await fake.reply_of(again)
        busy = await fake.reply_of(first)
    assert first.callbacks()[0]["type"] == 5 and first.first_reply_after < 3
    assert "already running" in running["content"]
    assert f"busy with another change (held by PID {pid}" in busy["content"]
    assert [r["action"] for r in audit(busy_bot)] == ["phrasing", "phrasing"], "nothing undone"
    done = await fake.reply_of(await fake.slash("kb", sub("undo"), **MOD))
    assert done["content"].startswith("Undid the phrasing")
    assert [r["action"] for r in audit(busy_bot)] == ["phrasing", "phrasing", "undo"]


async def test_saves_waiting_for_the_lock_never_hold_up_votes_or_forum_posts(fake, busy_bot):
    store = busy_bot.store
    store.files.lock_wait = 60  # the saves wait for the whole test
    ids = sorted(store.documents())[:7]
    forms = []
    for entry_id in ids:
        sent = await fake.slash("kb", sub("edit", entry=entry_id), **MOD)
        forms.append((await fake.wait_for(sent.callbacks))[0]["data"])
    with lock_held_elsewhere(busy_bot):
        saves = [await fake.submit(form, defaults(form), **MOD) for form in forms]
        await fake.wait_for(lambda: all(s.callbacks() for s in saves))
        sent, reply = await ask(fake, "do I need a PhD to become an ML engineer?")
        voted = await fake.reply_of(await fake.click(sent.original, votes_of(reply)["Helpful"]))
        assert "Thanks" in voted["content"] and len(stored_votes(busy_bot)) == 1
        post = await fake.open_post(*ANSWERABLE)
        assert await replies(fake, post), "the forum post is answered while saves wait"
        assert not any(s.events[1:] for s in saves), "the saves are still waiting"
    for save in saves:  # the lock is free: each save now goes through
        assert "Saved" in (await fake.reply_of(save))["content"]


async def test_one_click_out_of_scope_on_a_broken_file_changes_nothing(fake, busy_bot):
    text = "do ML engineers get sign-on bonuses at startups"
    sent = await fake.slash("kb", sub("test", question=text), **MOD)
    tested = await fake.reply_of(sent)
    button = next(
        b for b in tested["components"][1]["components"] if b["label"].startswith("Out of scope")
    )
    path = busy_bot.settings.knowledge_dir / "out_of_scope.yaml"
    path.write_text(path.read_text().replace("\ntopics:\n", "\ntopcis:\n"))
    broken = path.read_bytes()
    click = await fake.click(sent.original, button["custom_id"], **MOD)
    refused = await fake.reply_of(click)
    assert click.first_reply_after < 3
    assert refused["content"].startswith("Not saved:")
    assert "out_of_scope.yaml line 6" in refused["content"] and "topcis" in refused["content"]
    assert path.read_bytes() == broken and audit(busy_bot) == []
