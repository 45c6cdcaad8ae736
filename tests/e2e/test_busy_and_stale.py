"""Every interaction acknowledged in time: components and forms nothing handles any more get
one private sentence, and a database write-locked by another connection (a backup, a shell,
a second bot) never holds up a reply, a vote or a forum answer."""

from __future__ import annotations

import sqlite3
from contextlib import closing

import pytest

from bot.discord_adapter import answering, expired
from bot.discord_adapter.views.votes import NOT_SAVED
from bot.knowledge.database import DATABASE_FILE

from .test_ask import EPHEMERAL, question
from .test_curate import MOD, NEW, open_modal, sub
from .test_feedback import PHD, ask, votes_of
from .test_forum import ANSWERABLE, forum_bot, replies


def old_message(message: dict, custom_id: str, select: bool = False) -> dict:
    """A copy of `message` as an older version of the bot left it: one component, `custom_id`
    (Discord sends a click only for a component the message has)."""
    if select:
        options = [{"label": "wrong topic", "value": "wrong"}]
        component = {"type": 3, "custom_id": custom_id, "options": options}
    else:
        component = {"type": 2, "style": 2, "label": "old", "custom_id": custom_id}
    return {**message, "components": [{"type": 1, "components": [component]}]}


@pytest.mark.parametrize(
    ("custom_id", "values", "sentence"),
    [
        ("vote:+9999999999999:phd-required", None, expired.EXPIRED),  # forged: no template
        ("related:old-format", None, expired.EXPIRED),  # a button of an older version
        ("why:not-a-number:phd-required", ["wrong"], expired.EXPIRED),  # a select menu
    ],
)
async def test_a_component_nothing_handles_gets_one_private_sentence(
    fake, bot, custom_id, values, sentence
):
    sent, _ = await ask(fake, PHD)
    message = old_message(sent.original, custom_id, select=values is not None)
    answer = await fake.reply_of(await fake.click(message, custom_id, values))
    assert answer["content"] == sentence and answer["flags"] & EPHEMERAL


async def test_an_unknown_component_is_answered_at_once_not_after_seconds(fake, bot):
    """It needs no work: answered as it arrives, so even a click that spent 1.5 s reaching
    the bot (the fake's clock) is answered within Discord's 3 s."""
    sent, _ = await ask(fake, PHD)
    message = old_message(sent.original, "related:old-format")
    fake.skew = 1.5
    click = await fake.click(message, "related:old-format")
    answer = await fake.reply_of(click)
    assert answer["content"] == expired.EXPIRED and len(click.callbacks()) == 1


async def test_a_handled_click_whose_acknowledgement_is_slow_gets_no_second_one(fake, bot):
    """Discord takes 2.8 s to answer the vote's defer: the click is handled, so no "no
    longer works" sentence races it (Discord would refuse a second acknowledgement)."""
    sent, reply = await ask(fake, PHD)
    fake.callback_delay = 2.8
    vote = await fake.click(sent.original, votes_of(reply)["Helpful"])
    thanks = await fake.reply_of(vote)
    fake.callback_delay = 0.0
    assert thanks["content"].startswith("Thanks")
    assert [c["type"] for c in vote.callbacks()] == [5], "the handler's acknowledgement"
    assert fake.slow_callbacks == 1, "no second acknowledgement was sent meanwhile"


async def test_a_form_submitted_after_a_restart_gets_one_private_sentence(fake, curating):
    modal = await open_modal(fake, sub("add"), MOD)
    stale = {**modal, "custom_id": "0" * 32}  # the view that opened it is gone
    answer = await fake.reply_of(await fake.submit(stale, NEW, **MOD))
    assert answer["content"] == expired.FORM_EXPIRED and answer["flags"] & EPHEMERAL


async def test_a_vote_on_a_removed_entry_or_an_unknown_question_is_answered(fake, bot):
    sent, _ = await ask(fake, PHD)
    for custom_id in ("vote:+123456:an-entry-since-removed", "vote:-999999999999:phd-required"):
        message = old_message(sent.original, custom_id)
        answer = await fake.reply_of(await fake.click(message, custom_id))
        assert answer["content"].startswith("Thanks") and answer["flags"] & EPHEMERAL


def hold_write_lock(bot) -> sqlite3.Connection:
    """Another connection takes the database's write lock and keeps it."""
    other = sqlite3.connect(bot.settings.data_dir / DATABASE_FILE, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    return other


async def test_a_locked_database_holds_up_no_reply_and_says_what_was_not_saved(
    fake, bot, monkeypatch
):
    monkeypatch.setattr(answering, "RETRY_PAUSES", (0.2, 0.5, 2, 5))  # not 2 s at first
    sent, reply = await ask(fake, PHD)
    await fake.wait_for(lambda: bot.answering._recording == {} or None)
    with closing(hold_write_lock(bot)) as lock:
        asked = await fake.slash("ask", question("what is an RSU?"))
        answered = await fake.reply_of(asked)
        assert votes_of(answered), "answered while the database is locked"
        vote = await fake.click(sent.original, votes_of(reply)["Helpful"])
        said = await fake.reply_of(vote)
        assert vote.callbacks()[0]["type"] == 5, "acknowledged before the database"
        assert said["content"] == NOT_SAVED
        lock.execute("ROLLBACK")
    # The question asked meanwhile is recorded once the lock is gone (tried again in the
    # background), so its vote counts with its text.
    await fake.wait_for(lambda: "what is an RSU?" in asked_questions(bot), timeout=20)
    again = await fake.reply_of(await fake.click(asked.original, votes_of(answered)["Helpful"]))
    assert again["content"] == "Thanks! Noted as helpful."


def asked_questions(bot) -> list[str]:
    with bot.database.transaction(write=False) as db:
        return [q for (q,) in db.execute("SELECT question FROM questions")]


async def test_a_forum_post_is_answered_while_the_database_is_locked(fake, tmp_path, lexical):
    from .conftest import start_bot, stop_bot

    bot = forum_bot(tmp_path / "data", lexical)
    task = await start_bot(fake, bot)
    await fake.wait_for(bot.is_ready)
    with closing(hold_write_lock(bot)):
        thread = await fake.open_post(*ANSWERABLE)
        assert len(await replies(fake, thread)) == 1
    await stop_bot(bot, task)
