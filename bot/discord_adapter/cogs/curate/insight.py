"""/kb feedback and /kb stats: what members thought of the answers, and how the bot is used.
A mixin of the /kb group (commands.py)."""

from __future__ import annotations

import asyncio
import io
from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.discord_adapter.views.access import CurationCog, defused
from bot.discord_adapter.views.teaching import TestedQuestionView
from bot.knowledge.scope import DEFAULT_TOPIC
from bot.matching.explain import nearest_out_of_scope
from bot.records.feedback import EntryFeedback
from bot.rendering import replies, reports, usage

if TYPE_CHECKING:
    from bot.discord_adapter.app import CareerBot

EMBED_CHARS = 4096
CHART = "stats.png"


class Insight:
    @app_commands.command(name="feedback", description="Answers members found unhelpful")
    @app_commands.describe(days="How many days back (default 30)")
    async def feedback(
        self: CurationCog,
        interaction: discord.Interaction[CareerBot],
        days: app_commands.Range[int, 1, 365] = 30,
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)  # months of votes
        report = await self.bot.reports.run(reports.votes, self.bot.settings.data_dir, days)
        if not report:
            await interaction.edit_original_response(
                content=f"No votes on answers in the last {days} days."
            )
            return
        embed = discord.Embed(
            title=f"Feedback on answers, last {days} days",
            description=replies.clip(defused("\n".join(usage.feedback_lines(report))), EMBED_CHARS),
        )
        embed.set_footer(text="Least helpful first. Pick a question below to act on it.")
        view = FeedbackView(self, report)
        await interaction.edit_original_response(
            embed=embed, **({"view": view} if view.children else {})
        )

    @app_commands.command(
        name="stats", description="How the bot is used: questions, answers, votes"
    )
    @app_commands.describe(days="How many days back (default 30)")
    async def stats(
        self: CurationCog,
        interaction: discord.Interaction[CareerBot],
        days: app_commands.Range[int, 1, 365] = 30,
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)  # a chart takes a moment
        stats, png = await self.bot.reports.run(
            reports.stats_and_chart, self.bot.settings.data_dir, days
        )
        summary, votes = usage.stats_summary(stats)
        embed = discord.Embed(title=f"Usage, last {days} days", description=f"{summary}\n{votes}")
        embed.add_field(
            name="Most answered",
            value=replies.clip("\n".join(usage.top_entries_lines(stats)), 1024),
            inline=False,
        )
        embed.add_field(
            name="Most common unanswered",
            value=replies.clip(defused("\n".join(usage.unanswered_lines(stats))), 1024),
            inline=False,
        )
        embed.set_image(url=f"attachment://{CHART}")
        await interaction.followup.send(
            embed=embed, file=discord.File(io.BytesIO(png), CHART), ephemeral=True
        )


class FeedbackView(discord.ui.View):
    """Pick a question that got "Not helpful" votes, then act on it in one click."""

    def __init__(self, cog: CurationCog, report: list[EntryFeedback]) -> None:
        super().__init__(timeout=1800)
        self.cog = cog
        self.picks = [
            (entry.entry, votes.question)
            for entry in report
            for votes in entry.questions
            if votes.not_helpful and votes.question
        ][:25]
        self.pick.options = [
            discord.SelectOption(
                label=replies.clip(usage.quote(question, 90), 100),
                value=str(n),
                description=replies.clip(f"voted not helpful on {entry_id}", 100),
            )
            for n, (entry_id, question) in enumerate(self.picks)
        ]
        if not self.picks:
            self.remove_item(self.pick)

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        return await self.cog.allowed(interaction)

    @discord.ui.select(placeholder="Act on a question…")
    async def pick(self, interaction: discord.Interaction, select: discord.ui.Select) -> None:
        entry_id, question = self.picks[int(select.values[0])]
        matcher = self.cog.bot.matcher
        match = await asyncio.to_thread(matcher.match, question)
        nearest = await asyncio.to_thread(nearest_out_of_scope, matcher, question)
        topic = nearest[0].name if nearest else DEFAULT_TOPIC
        candidates = [entry for entry, _ in match.ranking]
        text = (
            f"{defused(usage.quote(question, 300))}\n"
            f"Voted not helpful on `{entry_id}`. Add it as a phrasing of the entry it asks "
            "for, as a question that entry does not answer, or to out-of-scope:"
        )
        await interaction.response.send_message(
            text,
            ephemeral=True,
            view=TestedQuestionView(self.cog, question, entry_id, topic, candidates),
        )
