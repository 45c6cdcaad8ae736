"""Buttons, menus and forms nothing handles any more (a message from an older version, a
form left open across a restart, a forged custom id): one private sentence instead of
Discord's "This interaction failed", sent at once.

Whether a handler takes an interaction is decided when it arrives, before any handler runs
or sends a request (`mark`), the way discord.py routes it: a view registered for the
message (or persistent), a dynamic item's template, an open form. A handled interaction is
never answered here, so no second acknowledgement races a handler's slow first one."""

from __future__ import annotations

import logging

import discord

log = logging.getLogger(__name__)
EXPIRED = "This button or menu no longer works: its message is too old. Ask again with /ask."
FORM_EXPIRED = "This form has expired (the bot restarted meanwhile); please open it again."
HANDLED = "handled"  # key in Interaction.extras: a handler has taken it
KINDS = (discord.InteractionType.component, discord.InteractionType.modal_submit)


def has_handler(interaction: discord.Interaction) -> bool:
    """Whether discord.py dispatches this component or form to a handler (its view store's
    own lookup; discord.py is pinned, and the expiry tests break if that store changes)."""
    store = getattr(interaction.client._connection, "_view_store", None)
    if store is None:
        return True  # cannot tell: leave it to the handlers
    data = interaction.data or {}
    custom_id = str(data.get("custom_id", ""))
    if interaction.type is discord.InteractionType.modal_submit:
        return custom_id in store._modals
    key = (data.get("component_type"), custom_id)
    message_id = interaction.message.id if interaction.message else None
    views = store._views
    if key in views.get(message_id, {}) or key in views.get(None, {}):
        return True
    return any(pattern.fullmatch(custom_id) for pattern in store._dynamic_items)


def mark(interaction: discord.Interaction) -> None:
    """Called as the interaction arrives, before its handler runs (CareerBot.dispatch)."""
    if interaction.type in KINDS:
        interaction.extras[HANDLED] = has_handler(interaction)


async def answer_if_unhandled(interaction: discord.Interaction) -> None:
    if interaction.type not in KINDS or interaction.extras.get(HANDLED, True):
        return
    data = interaction.data or {}
    log.info("no handler for %s %r", interaction.type.name, str(data.get("custom_id"))[:100])
    modal = interaction.type is discord.InteractionType.modal_submit
    try:
        await interaction.response.send_message(FORM_EXPIRED if modal else EXPIRED, ephemeral=True)
    except discord.HTTPException as exc:  # the token is gone
        log.info("could not say the component expired: %s", exc)
