"""A moderator's buttons work for that moderator alone: anyone else holding their custom id
(a member, another server's admin, a DM with the moderator's own id) is told why in one
sentence before any work is done or any of the moderator's text is shown."""

from __future__ import annotations

import pytest

from bot.discord_adapter.views.access import REFUSED
from bot.discord_adapter.views.curate import NOT_YOURS

from .fake_discord import OTHER_GUILD_ID
from .test_ask import EPHEMERAL
from .test_curate import MANAGER, MEMBER, MOD, NEW, audit, open_modal, sub

FOREIGN_ADMIN = {"user_id": 400_000_000_000_000_013, "guild_id": OTHER_GUILD_ID}
MOD_IN_A_DM = {"user_id": MOD["user_id"], "guild_id": None}
OTHERS = [(MEMBER, REFUSED), (FOREIGN_ADMIN, REFUSED), (MOD_IN_A_DM, REFUSED), (MANAGER, NOT_YOURS)]


async def refused_click(fake, message: dict, custom_id: str, who: dict) -> dict:
    click = await fake.click(message, custom_id, **who)
    (callback,) = await fake.wait_for(click.callbacks)
    assert callback["type"] == 4, "a sentence, never a form"
    return callback["data"]


@pytest.mark.parametrize(("who", "sentence"), OTHERS)
async def test_edit_and_try_again_reopens_the_form_for_its_moderator_only(
    fake, curating, who, sentence
):
    thin = {**NEW, "Other ways members ask it, one per line": "just one way"}
    modal = await open_modal(fake, sub("add"), MOD)
    submitted = await fake.submit(modal, thin, **MOD)
    reply = await fake.reply_of(submitted)
    button = reply["components"][0]["components"][0]["custom_id"]
    said = await refused_click(fake, submitted.original, button, who)
    assert said["content"] == sentence and said["flags"] & EPHEMERAL
    again = await fake.click(submitted.original, button, **MOD)
    (callback,) = await fake.wait_for(again.callbacks)
    assert callback["type"] == 9, "its moderator still gets the form back"


@pytest.mark.parametrize(("who", "sentence"), OTHERS)
async def test_a_confirm_goes_ahead_for_the_moderator_who_asked_only(
    fake, curating, kb, who, sentence
):
    linked = {target for entry in kb.entries for target in entry.related}
    loose = next(e.id for e in kb.entries if e.id not in linked)
    asked = await fake.slash("kb", sub("remove", entry=loose), **MOD)
    prompt = await fake.reply_of(asked)
    confirm = prompt["components"][0]["components"][0]["custom_id"]
    said = await refused_click(fake, asked.original, confirm, who)
    assert said["content"] == sentence and said["flags"] & EPHEMERAL
    assert loose in curating.matcher.kb.by_id and audit(curating) == [], "nothing removed"
