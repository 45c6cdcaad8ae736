"""/kb: moderators curate the knowledge base from Discord, through the same store as the shell.

Every command checks the member itself (default_permissions is only a hint to the client):
Manage Server or a MODERATOR_ROLE_IDS role, in a home server. Store calls run in a thread,
since they take a file lock and fsync.
"""

from __future__ import annotations

import asyncio
import io
import logging
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot import render
from bot.cogs.answers import entry_choices, report_error
from bot.kb.activity import UnansweredGroup, group_unanswered, read_unanswered
from bot.kb.loader import MAX_ANSWER_CHARS, MAX_CATEGORY_CHARS, MAX_QUESTION_CHARS
from bot.kb.model import KnowledgeBaseError
from bot.kb.safe_yaml import MAX_BYTES, UnsafeYaml
from bot.kb.store import (
    Actor,
    Document,
    ImportPlan,
    StoreError,
    dump_entry,
    entry_problems,
    form_document,
    version_of,
)

if TYPE_CHECKING:
    from bot.app import CareerBot

log = logging.getLogger(__name__)

REFUSED = "Only moderators (Manage Server or a moderator role) can change the knowledge base."
CONFIRM_SECONDS = 300


def is_moderator(bot: CareerBot, interaction: discord.Interaction) -> bool:
    member = interaction.user
    if interaction.guild is None or not isinstance(member, discord.Member):
        return False
    if bot.settings.guild_ids and interaction.guild.id not in bot.settings.guild_ids:
        return False
    roles = {role.id for role in member.roles}
    return member.guild_permissions.manage_guild or bool(roles & bot.settings.moderator_role_ids)


def actor(interaction: discord.Interaction) -> Actor:
    return Actor(str(interaction.user.id), interaction.user.name, interaction.guild_id)


def code_block(text: str, limit: int = 4000) -> str:
    fenced = text.replace("```", "` ` `")  # a fence inside would end the block
    return f"```\n{render.clip(fenced, limit - 8)}\n```"


class EntryModal(discord.ui.Modal):
    """Add or edit an entry. Rejected text comes back in a file and a "try again" button."""

    def __init__(
        self, cog: Curate, values: Document, entry_id: str | None, version: str | None
    ) -> None:
        title = f"Edit {entry_id}" if entry_id else "Add an entry"
        super().__init__(title=render.clip(title, 45), timeout=1800)
        self.cog, self.entry_id, self.version, self.base = cog, entry_id, version, values
        self.question = discord.ui.TextInput(
            label="Question", max_length=MAX_QUESTION_CHARS, default=values.get("question")
        )
        self.phrasings = discord.ui.TextInput(
            label="Other ways members ask it, one per line",
            style=discord.TextStyle.paragraph,
            max_length=4000,
            default="\n".join(values.get("phrasings") or []) or None,
        )
        self.answer = discord.ui.TextInput(
            label="Answer",
            style=discord.TextStyle.paragraph,
            max_length=MAX_ANSWER_CHARS,
            default=values.get("answer"),
        )
        self.category = discord.ui.TextInput(
            label="Category", max_length=MAX_CATEGORY_CHARS, default=values.get("category")
        )
        self.keywords = discord.ui.TextInput(
            label="Keywords, separated by commas",
            required=False,
            max_length=1000,
            default=", ".join(values.get("keywords") or []) or None,
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
        if not is_moderator(self.cog.bot, interaction):
            await self.cog.refuse(interaction)
            return
        document = self.document()
        document.setdefault("source", f"Written in Discord by {interaction.user.name}")
        store = self.cog.bot.store
        try:
            if self.entry_id is None:
                entry_id = await asyncio.to_thread(store.add, document, actor(interaction))
                done = f"Added **{entry_id}**."
            else:
                await asyncio.to_thread(
                    store.edit, self.entry_id, document, actor(interaction), self.version or ""
                )
                entry_id, done = self.entry_id, f"Saved **{self.entry_id}**."
        except KnowledgeBaseError as exc:
            await self.show_back(
                interaction,
                document,
                "Not saved; fix this and try again:\n"
                + render.bullets(entry_problems(exc, self.entry_id)),
            )
            return
        except StoreError as exc:
            await self.show_back(interaction, document, f"Not saved: {exc}")
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
        retry = discord.ui.View(timeout=self.timeout)
        button = discord.ui.Button(label="Edit and try again", style=discord.ButtonStyle.primary)

        async def reopen(click: discord.Interaction) -> None:
            current = None
            if self.entry_id is not None:  # after a conflict, save over the current version
                try:
                    current = version_of(self.cog.bot.store.document(self.entry_id))
                except StoreError:
                    current = self.version
            await click.response.send_modal(
                EntryModal(self.cog, document, self.entry_id, current or self.version)
            )

        button.callback = reopen
        retry.add_item(button)
        text = io.BytesIO(dump_entry(document).encode())
        await interaction.response.send_message(
            render.clip(message, 2000),
            ephemeral=True,
            view=retry,
            file=discord.File(text, filename="your-entry.yaml"),
        )

    async def on_error(self, interaction: discord.Interaction, error: Exception) -> None:
        await report_error(interaction, error)


class Confirm(discord.ui.View):
    """Confirm / Cancel for the moderator who asked; runs `action` on confirm."""

    def __init__(self, owner: int, label: str, action: Any) -> None:
        super().__init__(timeout=CONFIRM_SECONDS)
        self.owner, self.action = owner, action
        self.confirm.label = label

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        return interaction.user.id == self.owner

    @discord.ui.button(label="Confirm", style=discord.ButtonStyle.danger)
    async def confirm(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        self.stop()
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

    def __init__(self, cog: Curate, groups: list[UnansweredGroup]) -> None:
        super().__init__(timeout=1800)
        self.cog, self.groups = cog, groups
        options = [
            discord.SelectOption(
                label=render.clip(g.example, 100), value=str(n), description=f"asked {g.count}x"
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
        group = self.groups[int(select.values[0])]
        try:
            document = self.cog.bot.store.document(str(group.best))
        except StoreError as exc:
            await interaction.response.send_message(str(exc), ephemeral=True)
            return
        values = {**document, "phrasings": [*document.get("phrasings", []), group.example]}
        await interaction.response.send_modal(
            EntryModal(self.cog, values, str(group.best), version_of(document))
        )

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if is_moderator(self.cog.bot, interaction):
            return True
        await self.cog.refuse(interaction)
        return False


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class Curate(
    commands.GroupCog, group_name="kb", group_description="Moderators: curate the knowledge base"
):
    def __init__(self, bot: CareerBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.watch.start()

    async def cog_unload(self) -> None:
        self.watch.cancel()

    async def interaction_check(self, interaction: discord.Interaction[CareerBot]) -> bool:
        if is_moderator(self.bot, interaction):
            return True
        if interaction.type is discord.InteractionType.autocomplete:
            return False
        await self.refuse(interaction)
        return False

    async def refuse(self, interaction: discord.Interaction) -> None:
        log.warning(
            "refused /kb to member %s in guild %s", interaction.user.id, interaction.guild_id
        )
        await interaction.response.send_message(REFUSED, ephemeral=True)

    async def changed(self, interaction: discord.Interaction, reply: str, notice: str) -> None:
        """After a write: reload the matcher, tell the moderator, note it in the mod log."""
        await self.bot.reload_knowledge()
        if interaction.response.is_done():
            await interaction.edit_original_response(content=reply, view=None)
        else:
            await interaction.response.send_message(reply, ephemeral=True)
        await self.bot.mod_log(notice)

    @tasks.loop(seconds=1)
    async def watch(self) -> None:
        """Notice edits made on disk (git pull, an editor) within about a second."""
        try:
            await self.bot.reload_if_changed()
        except Exception:  # the watcher must outlive any one failure
            log.exception("reloading the knowledge base failed")

    async def entry_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return entry_choices(self.bot, current)

    @app_commands.command(name="add", description="Add an entry (opens a form)")
    async def add(self, interaction: discord.Interaction[CareerBot]) -> None:
        await interaction.response.send_modal(EntryModal(self, {}, None, None))

    @app_commands.command(name="edit", description="Edit an entry (opens a form)")
    @app_commands.describe(entry="The entry to edit")
    async def edit(self, interaction: discord.Interaction[CareerBot], entry: str) -> None:
        try:
            document = self.bot.store.document(entry)
        except StoreError as exc:
            await interaction.response.send_message(str(exc), ephemeral=True)
            return
        await interaction.response.send_modal(
            EntryModal(self, document, entry, version_of(document))
        )

    @app_commands.command(name="remove", description="Remove an entry (asks first)")
    @app_commands.describe(entry="The entry to remove")
    async def remove(self, interaction: discord.Interaction[CareerBot], entry: str) -> None:
        try:
            version = version_of(self.bot.store.document(entry))
        except StoreError as exc:
            await interaction.response.send_message(str(exc), ephemeral=True)
            return

        async def remove_it(click: discord.Interaction) -> None:
            try:
                await asyncio.to_thread(self.bot.store.remove, entry, actor(click), version)
            except KnowledgeBaseError as exc:
                problems = render.bullets(entry_problems(exc, entry))
                await click.response.edit_message(
                    content=render.clip(f"Not removed:\n{problems}", 2000), view=None
                )
                return
            except StoreError as exc:
                await click.response.edit_message(content=f"Not removed: {exc}", view=None)
                return
            await self.changed(
                click,
                f"Removed **{entry}**. `/kb undo` brings it back.",
                f"{click.user} removed `{entry}`",
            )

        question = self.bot.matcher.kb.by_id.get(entry)
        await interaction.response.send_message(
            f"Remove **{entry}**" + (f" ({question.question})" if question else "") + "?",
            ephemeral=True,
            view=Confirm(interaction.user.id, "Remove", remove_it),
        )

    edit.autocomplete("entry")(entry_autocomplete)
    remove.autocomplete("entry")(entry_autocomplete)

    @app_commands.command(name="test", description="What the matcher does with a question")
    @app_commands.describe(question="A question as a member would ask it")
    async def test(
        self, interaction: discord.Interaction[CareerBot], question: app_commands.Range[str, 1, 500]
    ) -> None:
        match = await asyncio.to_thread(self.bot.matcher.match, question)
        await interaction.response.send_message(
            code_block(render.ranking_text(match)), ephemeral=True
        )

    @app_commands.command(name="unanswered", description="Questions the bot could not answer")
    @app_commands.describe(days="How many days back (default 30)")
    async def unanswered(
        self,
        interaction: discord.Interaction[CareerBot],
        days: app_commands.Range[int, 1, 365] = 30,
    ) -> None:
        groups = group_unanswered(read_unanswered(self.bot.settings.data_dir, days))
        if not groups:
            await interaction.response.send_message(
                f"No unanswered questions in the last {days} days.", ephemeral=True
            )
            return
        lines = [
            f"{g.count}x {render.clip(g.example, 120)}"
            + (f" (closest: {g.best})" if g.best else "")
            for g in groups[:25]
        ]
        embed = discord.Embed(
            title=f"Unanswered questions, last {days} days",
            description=render.clip("\n".join(lines), 4096),
        )
        embed.set_footer(text=f"{len(groups)} groups of similar questions, most asked first.")
        await interaction.response.send_message(
            embed=embed, ephemeral=True, view=UnansweredView(self, groups)
        )

    @app_commands.command(name="history", description="Recent changes: who, when, what")
    @app_commands.describe(entry="Only this entry's changes")
    async def history(
        self, interaction: discord.Interaction[CareerBot], entry: str | None = None
    ) -> None:
        lines = render.history_lines(self.bot.store.history(entry, limit=20))
        await interaction.response.send_message(
            code_block("\n".join(lines)) if lines else "No changes yet.", ephemeral=True
        )

    history.autocomplete("entry")(entry_autocomplete)

    @app_commands.command(name="undo", description="Revert the latest change")
    async def undo(self, interaction: discord.Interaction[CareerBot]) -> None:
        try:
            record = await asyncio.to_thread(self.bot.store.undo, actor(interaction))
        except (StoreError, KnowledgeBaseError) as exc:
            problem = exc.problems[0] if isinstance(exc, KnowledgeBaseError) else exc
            await interaction.response.send_message(f"Nothing undone: {problem}", ephemeral=True)
            return
        what = f"{record['action']} of `{record['entry']}` by {record['actor']}"
        await self.changed(
            interaction, f"Undid the {what}.", f"{interaction.user} undid the {what}"
        )

    @app_commands.command(name="export", description="Download the knowledge base as YAML")
    async def export(self, interaction: discord.Interaction[CareerBot]) -> None:
        data = await asyncio.to_thread(self.bot.store.export)
        await interaction.response.send_message(
            f"The knowledge base: {len(self.bot.matcher.kb)} entries.",
            ephemeral=True,
            file=discord.File(io.BytesIO(data), filename="knowledge.yaml"),
        )

    @app_commands.command(
        name="import",
        description="Replace the knowledge base from an exported YAML file (asks first)",
    )
    @app_commands.describe(file="A YAML file as /kb export writes it (at most 1 MB)")
    async def import_(
        self, interaction: discord.Interaction[CareerBot], file: discord.Attachment
    ) -> None:
        if file.size > MAX_BYTES:
            await interaction.response.send_message(
                f"That file is {file.size:,} bytes; the limit is {MAX_BYTES:,}.", ephemeral=True
            )
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            text = (await file.read()).decode("utf-8")
            plan: ImportPlan = await asyncio.to_thread(self.bot.store.plan_import, text)
        except UnicodeDecodeError:
            await interaction.followup.send("That file is not UTF-8 text.", ephemeral=True)
            return
        except (UnsafeYaml, StoreError) as exc:
            await interaction.followup.send(f"Not imported: {exc}", ephemeral=True)
            return
        except KnowledgeBaseError as exc:
            problems = render.bullets(exc.problems[:20])
            more = f"\n…and {len(exc.problems) - 20} more." if len(exc.problems) > 20 else ""
            await interaction.followup.send(
                render.clip(f"Not imported; the file has problems:\n{problems}{more}", 2000),
                ephemeral=True,
            )
            return
        if plan.empty:
            await interaction.followup.send(
                "That file matches the knowledge base; nothing to change.", ephemeral=True
            )
            return

        async def apply(click: discord.Interaction) -> None:
            try:
                await asyncio.to_thread(self.bot.store.apply_import, plan, actor(click))
            except (StoreError, KnowledgeBaseError) as exc:
                await click.response.edit_message(content=f"Not imported: {exc}", view=None)
                return
            await self.changed(
                click,
                "Imported. `/kb undo` reverts the whole import.",
                f"{click.user} imported a knowledge base file",
            )

        summary = render.plan_text(plan.added, plan.changed, plan.removed)
        await interaction.followup.send(
            render.clip(f"This import would:\n{code_block(summary, 1900)}", 2000),
            ephemeral=True,
            view=Confirm(interaction.user.id, "Import", apply),
        )

    @app_commands.command(name="reload", description="Reload the knowledge base from disk")
    async def reload(self, interaction: discord.Interaction[CareerBot]) -> None:
        problems = await self.bot.reload_knowledge()
        if problems:
            await interaction.response.send_message(
                render.clip(f"{render.STALE_KNOWLEDGE}\n{render.bullets(problems)}", 2000),
                ephemeral=True,
            )
            return
        await interaction.response.send_message(
            f"Reloaded: {len(self.bot.matcher.kb)} entries.", ephemeral=True
        )
