"""Buttons, menus and forms nothing handles any more (a message from an older version, a
form left open across a restart, a forged custom id): one private sentence instead of
Discord's "This interaction failed". Every handler acknowledges at once, so one still
unacknowledged after UNHANDLED_AFTER has no handler."""

from __future__ import annotations

import asyncio
import logging

import discord

log = logging.getLogger(__name__)
UNHANDLED_AFTER = 2.5  # seconds; Discord waits 3 for the first reply
EXPIRED = "This button or menu no longer works: its message is too old. Ask again with /ask."
FORM_EXPIRED = "This form has expired (the bot restarted meanwhile); please open it again."


async def answer_if_unhandled(interaction: discord.Interaction) -> None:
    kinds = (discord.InteractionType.component, discord.InteractionType.modal_submit)
    if interaction.type not in kinds:
        return
    await asyncio.sleep(UNHANDLED_AFTER)
    if interaction.response.is_done():
        return
    data = interaction.data or {}
    log.info("no handler for %s %r", interaction.type.name, str(data.get("custom_id"))[:100])
    modal = interaction.type is discord.InteractionType.modal_submit
    try:
        await interaction.response.send_message(FORM_EXPIRED if modal else EXPIRED, ephemeral=True)
    except discord.HTTPException as exc:  # acknowledged meanwhile, or the token is gone
        log.info("could not say the component expired: %s", exc)
