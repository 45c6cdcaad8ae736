"""/kb's forms and buttons: the entry form, confirm/cancel, and the unanswered menus."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

import discord

from bot.discord_adapter.failures import failure_text, report_error
from bot.discord_adapter.store_threads import in_store_thread
from bot.discord_adapter.views.access import CurationCog, actor
from bot.knowledge.entry_yaml import Document, dump_entry, entry_document, form_document
from bot.knowledge.loader import (
    MAX_ANSWER_CHARS,
    MAX_CATEGORY_CHARS,
    MAX_KEYWORDS_CHARS,
    MAX_PHRASINGS_CHARS,
    MAX_QUESTION_CHARS,
)
from bot.knowledge.model import KnowledgeBaseError, StoreError
from bot.records.activity import UnansweredGroup
from bot.rendering import replies, usage

if TYPE_CHECKING:
    from bot.discord_adapter.app import CareerBot

CONFIRM_SECONDS = 300
NOT_YOURS = "Only the moderator who asked can use this."


class EntryModal(discord.ui.Modal):
    """Add or edit an entry. Rejected text comes back in a file and a "try again" button."""

    def __init__(
        self, cog: CurationCog, values: Document, entry_id: str | None, version: str | None
    ) -> None:
        title = f"Edit {entry_id}" if entry_id else "Add an entry"
        super().__init__(title=replies.clip(title, 45), timeout=1800)
        self.cog, self.entry_id, self.version, self.base = cog, entry_id, version, values

        # Validation keeps a stored entry within these sizes; a question added from the
        # unanswered report may not fit, and Discord rejects a default over its input's size.
        def field(key: str, limit: int, joiner: str = "") -> str | None:
            value = values.get(key)
            text = joiner.join(value) if joiner and isinstance(value, list) else value
            return replies.clip(text, limit) if isinstance(text, str) and text else None

        self.question = discord.ui.TextInput(
            label="Question",
            max_length=MAX_QUESTION_CHARS,
            default=field("question", MAX_QUESTION_CHARS),
        )
        self.phrasings = discord.ui.TextInput(
            label="Other ways members ask it, one per line",
            style=discord.TextStyle.paragraph,
            max_length=MAX_PHRASINGS_CHARS,
            default=field("phrasings", MAX_PHRASINGS_CHARS, "\n"),
        )
        self.answer = discord.ui.TextInput(
            label="Answer",
            style=discord.TextStyle.paragraph,
            max_length=MAX_ANSWER_CHARS,
            default=field("answer", MAX_ANSWER_CHARS),
        )
        self.category = discord.ui.TextInput(
            label="Category",
            max_length=MAX_CATEGORY_CHARS,
            default=field("category", MAX_CATEGORY_CHARS),
        )
        self.keywords = discord.ui.TextInput(
            label="Keywords, separated by commas",
            required=False,
            max_length=MAX_KEYWORDS_CHARS,
            default=field("keywords", MAX_KEYWORDS_CHARS, ", "),
        )
        for item in (self.question, self.phrasings, self.answer, self.category, self.keywords):
            self.add_item(item)

    def document(self) -> Document:
        return form_document(
            question=self.question.value,
            phrasings=self.phrasings.value,
            answer=self.answer.value,
            category=self.category.value,
            keywords=self.keywords.value,
            base=self.base,
        )

    async def on_submit(self, interaction: discord.Interaction[CareerBot]) -> None:
        if not await self.cog.allowed(interaction):
            return
        await interaction.response.defer(ephemeral=True, thinking=True)  # the store may be busy
        document = self.document()
        document.setdefault("source", f"Written in Discord by {interaction.user.name}")
        store = self.cog.bot.store
        try:
            if self.entry_id is None:
                entry_id = await in_store_thread(store.add, document, actor(interaction))
                done = f"Added **{entry_id}**."
            else:
                await in_store_thread(
                    store.edit, self.entry_id, document, actor(interaction), self.version or ""
                )
                entry_id, done = self.entry_id, f"Saved **{self.entry_id}**."
        except (KnowledgeBaseError, StoreError) as exc:
            heading = (
                "Not saved; fix this and try again:"
                if isinstance(exc, KnowledgeBaseError)
                else "Not saved:"
            )
            await self.show_back(interaction, document, failure_text(heading, exc, self.entry_id))
            return
        await self.cog.changed(
            interaction,
            f"{done} Members get the new answer now.",
            f"{interaction.user} {'edited' if self.entry_id else 'added'} `{entry_id}`",
        )

    async def show_back(
        self, interaction: discord.Interaction, document: Document, message: str
    ) -> None:
        """Keep the moderator's text: a file of it, and a button that reopens the form."""
        text = io.BytesIO(dump_entry(document).encode())
        await interaction.followup.send(
            replies.clip(message, 2000),
            ephemeral=True,
            view=TryAgain(self, document, interaction.user.id),
            file=discord.File(text, filename="your-entry.yaml"),
        )

    async def on_error(self, interaction: discord.Interaction, error: Exception) -> None:
        await report_error(interaction, error)


async def owner_may(cog: CurationCog, owner: int, interaction: discord.Interaction) -> bool:
    """Whether this press may go ahead: a moderator here (else told why) and the one who
    asked (else told so), checked before any work or text."""
    if not await cog.allowed(interaction):
        return False
    if interaction.user.id != owner:
        await interaction.response.send_message(NOT_YOURS, ephemeral=True)
        return False
    return True


class TryAgain(discord.ui.View):
    """Under a refused form: reopen it with the moderator's text, for them alone."""

    def __init__(self, form: EntryModal, document: Document, owner: int) -> None:
        super().__init__(timeout=form.timeout)
        self.form, self.document, self.owner = form, document, owner

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        return await owner_may(self.form.cog, self.owner, interaction)

    @discord.ui.button(label="Edit and try again", style=discord.ButtonStyle.primary)
    async def reopen(self, click: discord.Interaction, button: discord.ui.Button) -> None:
        form = self.form
        current = None
        if form.entry_id is not None:  # after a conflict, save over the version loaded now
            current = form.cog.bot.matcher.kb.versions.get(form.entry_id)
        await click.response.send_modal(
            EntryModal(form.cog, self.document, form.entry_id, current or form.version)
        )


class Confirm(discord.ui.View):
    """Confirm / Cancel for the moderator who asked; runs `action` on confirm."""

    def __init__(self, cog: CurationCog, owner: int, label: str, action: Any) -> None:
        super().__init__(timeout=CONFIRM_SECONDS)
        self.cog, self.owner, self.action = cog, owner, action
        self.confirm.label = label

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        return await owner_may(self.cog, self.owner, interaction)

    @discord.ui.button(label="Confirm", style=discord.ButtonStyle.danger)
    async def confirm(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        self.stop()
        await interaction.response.defer()  # a change may wait for another one to finish
        await self.action(interaction)

    @discord.ui.button(label="Cancel", style=discord.ButtonStyle.secondary)
    async def cancel(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        self.stop()
        await interaction.response.edit_message(content="Cancelled; nothing changed.", view=None)

    async def on_error(
        self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item
    ) -> None:
        await report_error(interaction, error)


class UnansweredView(discord.ui.View):
    """Turn an unanswered question into a new entry, or a phrasing of its closest entry."""

    def __init__(self, cog: CurationCog, groups: list[UnansweredGroup]) -> None:
        super().__init__(timeout=1800)
        self.cog, self.groups = cog, groups
        options = [
            discord.SelectOption(
                label=usage.shown(g.example, 100) or "(no text)",
                value=str(n),
                description=f"asked {g.count}x",
            )
            for n, g in enumerate(groups[:25])
        ]
        self.new_entry.options = options
        closest = [o for o, g in zip(options, groups, strict=False) if g.best]
        if closest:
            self.as_phrasing.options = closest
        else:
            self.remove_item(self.as_phrasing)

    @discord.ui.select(placeholder="Start a new entry from…")
    async def new_entry(self, interaction: discord.Interaction, select: discord.ui.Select) -> None:
        group = self.groups[int(select.values[0])]
        await interaction.response.send_modal(
            EntryModal(self.cog, {"question": group.example[:MAX_QUESTION_CHARS]}, None, None)
        )

    @discord.ui.select(placeholder="Add as a phrasing of its closest entry…")
    async def as_phrasing(
        self, interaction: discord.Interaction, select: discord.ui.Select
    ) -> None:
        group, kb = self.groups[int(select.values[0])], self.cog.bot.matcher.kb
        loaded, version = kb.by_id.get(str(group.best)), kb.versions.get(str(group.best))
        if loaded is None or version is None:
            text = f"There is no entry {replies.clip(repr(group.best), 90)} any more."
            await interaction.response.send_message(text, ephemeral=True)
            return
        document = entry_document(loaded)  # what is loaded: no file read before the form
        values = {**document, "phrasings": [*document.get("phrasings", []), group.example]}
        await interaction.response.send_modal(EntryModal(self.cog, values, loaded.id, version))

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        return await self.cog.allowed(interaction)
