"""The /kb commands. Every one checks the member itself (default_permissions is only a hint
to the client; see access.refusal). Store calls run in a thread: they take a file lock, wait
for a change in progress and fsync."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot.discord_adapter.cogs.curate.insight import Insight
from bot.discord_adapter.cogs.curate.transfer import Transfer
from bot.discord_adapter.failures import failure_text
from bot.discord_adapter.store_threads import in_store_thread
from bot.discord_adapter.views.access import actor, code_block, defused, refusal
from bot.discord_adapter.views.answers import entry_choices
from bot.discord_adapter.views.curate import Confirm, EntryModal, UnansweredView
from bot.discord_adapter.views.teaching import TestedQuestionView
from bot.knowledge.entry_yaml import entry_document
from bot.knowledge.model import KnowledgeBaseError, StoreError
from bot.knowledge.scope import DEFAULT_TOPIC
from bot.matching.explain import examine
from bot.matching.matcher import MAX_QUESTION_CHARS
from bot.records import sign_in
from bot.rendering import replies, reports, usage

if TYPE_CHECKING:
    from bot.discord_adapter.app import CareerBot

log = logging.getLogger(__name__)
MESSAGE_CHARS = 2000  # Discord: a message's content
DASHBOARD_OFF = (
    "The web dashboard is off: the bot's owner turns it on with DASHBOARD_PORT "
    "(see docs/running.md)."
)
UNDO_RUNNING = "An undo is already running; its result is on its way. Nothing else changed."


def no_entry(entry_id: str) -> str:
    return f"There is no entry {replies.clip(repr(entry_id), 90)}."


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class Curate(
    Insight,
    Transfer,
    commands.GroupCog,
    group_name="kb",
    group_description="Moderators: curate the knowledge base",
):
    def __init__(self, bot: CareerBot) -> None:
        self.bot = bot
        self.undoing = False

    async def cog_load(self) -> None:
        self.watch.start()

    async def cog_unload(self) -> None:
        self.watch.cancel()

    async def interaction_check(self, interaction: discord.Interaction[CareerBot]) -> bool:
        return await self.allowed(interaction)

    async def allowed(self, interaction: discord.Interaction) -> bool:
        """May this member curate here? If not, they are told why (autocomplete: silently)."""
        reason = refusal(self.bot, interaction)
        if reason is None:
            return True
        if interaction.type is not discord.InteractionType.autocomplete:
            log.warning(
                "refused /kb to member %s in guild %s", interaction.user.id, interaction.guild_id
            )
            await interaction.response.send_message(reason, ephemeral=True)
        return False

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
        # A form must be the first reply (no defer), so it opens from the knowledge base
        # already loaded: no file is read here. A save made since is caught by the version.
        kb = self.bot.matcher.kb
        loaded, version = kb.by_id.get(entry), kb.versions.get(entry)
        if loaded is None or version is None:
            await interaction.response.send_message(no_entry(entry), ephemeral=True)
            return
        await interaction.response.send_modal(
            EntryModal(self, entry_document(loaded), entry, version)
        )

    @app_commands.command(name="remove", description="Remove an entry (asks first)")
    @app_commands.describe(entry="The entry to remove")
    async def remove(self, interaction: discord.Interaction[CareerBot], entry: str) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        kb = self.bot.matcher.kb  # as loaded: no file is read until the moderator confirms
        loaded, version = kb.by_id.get(entry), kb.versions.get(entry)
        if loaded is None or version is None:
            await interaction.edit_original_response(content=no_entry(entry))
            return

        async def remove_it(click: discord.Interaction) -> None:
            try:
                await in_store_thread(self.bot.store.remove, entry, actor(click), version)
            except (KnowledgeBaseError, StoreError) as exc:
                text = failure_text("Not removed:", exc, entry)
                await click.edit_original_response(content=text, view=None)
                return
            await self.changed(
                click,
                f"Removed **{entry}**. `/kb undo` brings it back.",
                f"{click.user} removed `{entry}`",
            )

        await interaction.followup.send(
            f"Remove **{entry}** ({loaded.question})?",
            ephemeral=True,
            view=Confirm(self, interaction.user.id, "Remove", remove_it),
        )

    edit.autocomplete("entry")(entry_autocomplete)
    remove.autocomplete("entry")(entry_autocomplete)

    @app_commands.command(name="test", description="What the matcher does with a question")
    @app_commands.describe(question="A question as a member would ask it")
    async def test(
        self,
        interaction: discord.Interaction[CareerBot],
        question: app_commands.Range[str, 1, MAX_QUESTION_CHARS],
    ) -> None:
        matcher = self.bot.matcher
        tested = await asyncio.to_thread(examine, matcher, question)
        match, nearest = tested.match, tested.nearest
        first = match.ranking[0][0].id if match.ranking else None
        topic = nearest[0].name if nearest else DEFAULT_TOPIC
        await interaction.response.send_message(
            code_block(replies.ranking_text(tested, matcher.mode)),
            ephemeral=True,
            view=TestedQuestionView(self, question, first, topic, [e for e, _ in match.ranking]),
        )

    @app_commands.command(name="unanswered", description="Questions the bot could not answer")
    @app_commands.describe(days="How many days back (default 30)")
    async def unanswered(
        self,
        interaction: discord.Interaction[CareerBot],
        days: app_commands.Range[int, 1, 365] = 30,
    ) -> None:
        # A busy server's month is tens of thousands of questions: never on the event loop.
        await interaction.response.defer(ephemeral=True, thinking=True)
        groups = await self.bot.reports.run(
            reports.unanswered_groups, self.bot.settings.data_dir, days
        )
        if not groups:
            await interaction.edit_original_response(
                content=f"No unanswered questions in the last {days} days."
            )
            return
        lines = [
            f"{g.count}x {defused(usage.shown(g.example, 120))}"
            + (f" (closest: {g.best})" if g.best else "")
            for g in groups[:25]
        ]
        embed = discord.Embed(
            title=f"Unanswered questions, last {days} days",
            description=replies.clip("\n".join(lines), 4096),
        )
        embed.set_footer(text=f"{len(groups)} groups of similar questions, most asked first.")
        await interaction.edit_original_response(embed=embed, view=UnansweredView(self, groups))

    @app_commands.command(name="history", description="Recent changes: who, when, what")
    @app_commands.describe(entry="Only this entry's changes")
    async def history(
        self, interaction: discord.Interaction[CareerBot], entry: str | None = None
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        lines = replies.history_lines(await in_store_thread(self.bot.store.history, entry, 20))
        shown = replies.fitting_lines(lines, MESSAGE_CHARS - 8, "…and {} older (`kb history`).")
        await interaction.edit_original_response(
            content=code_block("\n".join(shown), MESSAGE_CHARS)
            if lines
            else replies.no_history(entry, self.bot.matcher.kb.by_id)
        )

    history.autocomplete("entry")(entry_autocomplete)

    @app_commands.command(name="undo", description="Revert the latest change")
    async def undo(self, interaction: discord.Interaction[CareerBot]) -> None:
        # Acknowledged at once: the undo may wait for another change. One at a time, so that
        # a moderator who asks again while one runs does not undo a second change.
        if self.undoing:
            await interaction.response.send_message(UNDO_RUNNING, ephemeral=True)
            return
        self.undoing = True
        try:
            await interaction.response.defer(ephemeral=True, thinking=True)
            batch = await in_store_thread(self.bot.store.undo, actor(interaction))
        except (KnowledgeBaseError, StoreError) as exc:
            text = failure_text("", exc)  # the store says what was (not) undone
            await interaction.edit_original_response(content=text)
            return
        finally:
            self.undoing = False
        what = f"{batch.action} of `{replies.id_list(batch.entries)}` by {batch.actor}"
        await self.changed(
            interaction, f"Undid the {what}.", f"{interaction.user} undid the {what}"
        )

    @app_commands.command(
        name="dashboard", description="A private sign-in link to the web dashboard"
    )
    async def dashboard(self, interaction: discord.Interaction[CareerBot]) -> None:
        settings = self.bot.settings
        if not settings.dashboard_port:
            await interaction.response.send_message(DASHBOARD_OFF, ephemeral=True)
            return
        when = sign_in.now()
        secret = await asyncio.to_thread(
            sign_in.new_link, self.bot.database, actor(interaction), when
        )
        await interaction.response.send_message(
            f"Your sign-in link (it works once, for 10 minutes; do not share it):\n"
            f"<{settings.dashboard_address}{sign_in.link_path(secret)}>",
            ephemeral=True,
        )

    @app_commands.command(name="reload", description="Reload the knowledge base from disk")
    async def reload(self, interaction: discord.Interaction[CareerBot]) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)  # encoding takes a while
        problems = await self.bot.reload_knowledge()
        text = f"Reloaded: {len(self.bot.matcher.kb)} entries."
        if problems:
            text = f"{replies.STALE_KNOWLEDGE}\n{replies.bullets(problems)}"
        await interaction.edit_original_response(content=replies.clip(text, MESSAGE_CHARS))


async def setup(bot: CareerBot) -> None:
    await bot.add_cog(Curate(bot))
