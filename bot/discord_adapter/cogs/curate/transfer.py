"""/kb export and /kb import: the whole knowledge base as one YAML file, out and back in.
A mixin of the /kb group (commands.py)."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.discord_adapter.failures import failure_text
from bot.discord_adapter.store_threads import in_store_thread
from bot.discord_adapter.views.access import CurationCog, actor, code_block
from bot.discord_adapter.views.curate import Confirm
from bot.knowledge.files import UnreadableFile, decode_text
from bot.knowledge.model import KnowledgeBaseError, StoreError
from bot.knowledge.safe_yaml import MAX_BYTES, UnsafeYaml
from bot.knowledge.store import ImportPlan
from bot.rendering import replies

if TYPE_CHECKING:
    from bot.discord_adapter.app import CareerBot

DEFAULT_UPLOAD_BYTES = 10 * 2**20  # Discord: a bot's upload outside a boosted server


class Transfer:
    @app_commands.command(name="export", description="Download the knowledge base as YAML")
    async def export(self: CurationCog, interaction: discord.Interaction[CareerBot]) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        data = await in_store_thread(self.bot.store.export)
        limit = interaction.guild.filesize_limit if interaction.guild else DEFAULT_UPLOAD_BYTES
        if len(data) > limit:
            await interaction.edit_original_response(
                content=f"The export is {len(data) / 2**20:.1f} MiB, over this server's upload "
                f"limit of {limit / 2**20:.0f} MiB. Run `ml-career-bot kb export FILE` on the "
                "bot's host instead."
            )
            return
        await interaction.followup.send(
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
        self: CurationCog, interaction: discord.Interaction[CareerBot], file: discord.Attachment
    ) -> None:
        if file.size > MAX_BYTES:
            await interaction.response.send_message(
                f"That file is {file.size:,} bytes; the limit is {MAX_BYTES:,}.", ephemeral=True
            )
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            text = decode_text(await file.read())
            plan: ImportPlan = await in_store_thread(self.bot.store.plan_import, text)
        except UnreadableFile as exc:  # UTF-16, or not text at all
            await interaction.followup.send(f"That file is {exc}.", ephemeral=True)
            return
        except (UnsafeYaml, StoreError) as exc:
            await interaction.followup.send(f"Not imported: {exc}", ephemeral=True)
            return
        except KnowledgeBaseError as exc:
            problems = replies.bullets(exc.problems[:20])
            more = f"\n…and {len(exc.problems) - 20} more." if len(exc.problems) > 20 else ""
            await interaction.followup.send(
                replies.clip(f"Not imported; the file has problems:\n{problems}{more}", 2000),
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
                await in_store_thread(self.bot.store.apply_import, plan, actor(click))
            except (KnowledgeBaseError, StoreError) as exc:
                text = failure_text("Not imported:", exc)
                await click.edit_original_response(content=text, view=None)
                return
            await self.changed(
                click,
                "Imported. `/kb undo` reverts the whole import.",
                f"{click.user} imported a knowledge base file",
            )

        summary = replies.plan_text(plan.added, plan.changed, plan.removed)
        await interaction.followup.send(
            replies.clip(f"This import would:\n{code_block(summary, 1900)}", 2000),
            ephemeral=True,
            view=Confirm(self, interaction.user.id, "Import", apply),
        )
