"""/kb within Discord's limits: replies under 2,000 characters, an export over the upload
limit said so, commands that may wait on the store acknowledged first, no host path shown."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator

import discord
import pytest

from bot.discord_adapter.app import CareerBot, create_bot
from bot.knowledge.entry_yaml import dump_entry
from bot.knowledge.store import Actor
from tests.synthetic import write_knowledge

from .conftest import bot_settings, start_bot, stop_bot
from .test_ask import EPHEMERAL, question
from .test_curate import MOD, defaults, recorded, sub

LONG_NAME = Actor("42", "a-moderator-with-a-rather-long-name", guild=1)


@pytest.fixture
async def small_base(fake, tmp_path) -> AsyncIterator[CareerBot]:
    """A curating bot on twenty small generated entries: an import reads and checks every
    file twice, so twenty of them on the real base took seconds."""
    write_knowledge(tmp_path / "knowledge", 20)
    settings = bot_settings(tmp_path / "data", knowledge_dir=tmp_path / "knowledge")
    bot = create_bot(settings)
    task = await start_bot(fake, bot)
    yield bot
    await stop_bot(bot, task)


async def test_history_after_many_changes_fits_one_message(fake, small_base):
    store = small_base.store
    for n in range(20):  # routine imports, each changing five entries
        documents = store.documents()
        changed = {i: {**d, "source": f"import {n}"} for i, d in list(documents.items())[:5]}
        entries = [dump_entry(changed.get(i, d)) for i, d in documents.items()]
        text = "entries:\n" + "".join(
            "  - " + e.replace("\n", "\n    ").rstrip() + "\n" for e in entries
        )
        store.apply_import(store.plan_import(text), LONG_NAME)
    reply = await fake.reply_of(await fake.slash("kb", sub("history"), **MOD))
    assert len(reply["content"]) <= 2000
    assert "older (`kb history`)" in reply["content"]
    assert reply["content"].count("import") >= 10, "as many whole lines as fit"


async def test_an_export_over_the_upload_limit_says_so(fake, curating, monkeypatch):
    monkeypatch.setattr(discord.Guild, "filesize_limit", property(lambda guild: 1000))
    sent = await fake.slash("kb", sub("export"), **MOD)
    reply = await fake.reply_of(sent)
    assert "over this server's upload limit" in reply["content"]
    assert "kb export" in reply["content"] and not reply.get("files")


async def test_commands_that_wait_on_the_store_acknowledge_first(fake, curating):
    for command in ("remove", "export", "reload", "history"):
        values = {"entry": "phd-required"} if command == "remove" else {}
        sent = await fake.slash("kb", sub(command, **values), **MOD)
        await fake.reply_of(sent)
        assert sent.callbacks()[0]["type"] == 5, f"/kb {command} defers"


async def test_edit_opens_its_form_from_what_is_loaded_while_the_files_are_busy(
    fake, curating, kb, monkeypatch
):
    """Reading the knowledge base (12,000 files takes seconds) is kept out of the form's
    path: with every read of the files held up, the form still opens, prefilled."""
    busy = threading.Event()
    real_read = curating.store.files.read

    def held_read(read):
        busy.wait(10)
        return real_read(read)

    monkeypatch.setattr(curating.store.files, "read", held_read)
    try:
        sent = await fake.slash("kb", sub("edit", entry="phd-required"), **MOD)
        (callback,) = await fake.wait_for(sent.callbacks)
    finally:
        busy.set()
    assert callback["type"] == 9, "the form, as the first reply"
    assert defaults(callback["data"])["Question"] == kb.by_id["phd-required"].question
    values = {**defaults(callback["data"]), "Answer": "Skills and shipped projects matter more."}
    saved = await fake.reply_of(await fake.submit(callback["data"], values, **MOD))
    assert saved["content"].startswith("Saved **phd-required**"), "its version is the file's"


async def test_edit_or_remove_of_an_unknown_entry_is_one_sentence(fake, curating):
    for command in ("edit", "remove"):
        reply = await fake.reply_of(await fake.slash("kb", sub(command, entry="no-such"), **MOD))
        assert reply["content"] == "There is no entry 'no-such'." and reply["flags"] & EPHEMERAL


async def test_unanswered_shows_members_markup_as_text(fake, curating):
    hostile = "[claim your offer](https://evil.example) best pizza ||here|| @everyone"
    await fake.reply_of(await fake.slash("ask", question(hostile)))
    await recorded(fake, curating, 1)
    report = await fake.reply_of(await fake.slash("kb", sub("unanswered", days=7), **MOD))
    line = report["embeds"][0]["description"]
    assert "\\[claim your offer](https://evil.example)" in line, "no masked link"
    assert "\\|\\|here\\|\\|" in line and "@everyone" not in line


async def test_a_missing_entries_folder_is_named_without_the_host_path(fake, curating):
    knowledge = curating.settings.knowledge_dir
    (knowledge / "entries").rename(knowledge / "moved-away")
    reply = await fake.reply_of(await fake.slash("kb", sub("reload"), **MOD))
    assert "has no entries/ folder" in reply["content"]
    assert str(knowledge) not in reply["content"] and "a path on the bot's host" in reply["content"]
    logged = await fake.wait_for(
        lambda: [m["content"] for m in fake.channel_messages if "entries/" in m["content"]]
    )
    assert all(str(knowledge) not in text for text in logged)
