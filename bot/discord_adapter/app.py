"""The Discord application: the bot, its command tree, command sync, and running it."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging

import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot.config import Settings
from bot.discord_adapter import expired
from bot.discord_adapter.answering import Answering
from bot.discord_adapter.expired import answer_if_unhandled
from bot.discord_adapter.failures import report_error, without_host_paths
from bot.discord_adapter.inflight import InFlight
from bot.discord_adapter.readiness import invite_url, readiness_warnings
from bot.discord_adapter.reporting import ReportWorker
from bot.knowledge.database import DataUnavailable
from bot.knowledge.loader import entries_dir
from bot.knowledge.model import KnowledgeBaseError, StoreError
from bot.knowledge.scope import OUT_OF_SCOPE_FILE
from bot.knowledge.store import KnowledgeStore
from bot.matching.matcher import Matcher
from bot.records.activity import AskCounts
from bot.records.health import HEARTBEAT_FILE, HEARTBEAT_SECONDS, beat
from bot.rendering import replies

log = logging.getLogger(__name__)

SYNC_HASH_SETTING = "commands_hash"
CLOSE_GRACE = 5.0  # seconds a closing bot waits for questions being recorded
# Loaded by name: the application never imports a cog, so cogs may import it for types.
EXTENSIONS = (
    "bot.discord_adapter.cogs.ask",
    "bot.discord_adapter.cogs.forum",
    "bot.discord_adapter.cogs.topics",
    "bot.discord_adapter.cogs.comp",
    "bot.discord_adapter.cogs.curate.commands",
    "bot.discord_adapter.cogs.info",
    "bot.discord_adapter.cogs.housekeeping",
)
# The bot has no voice features: don't warn at every start that voice libraries are missing.
discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
HOME_ONLY = "I only answer in my home servers."
DATA_WARNING = (
    "%s. I keep answering, but unanswered questions and counts are not recorded and "
    "knowledge-base changes are refused until DATA_DIR can be written."
)


class CareerTree(app_commands.CommandTree["CareerBot"]):
    async def interaction_check(self, interaction: discord.Interaction[CareerBot]) -> bool:
        if interaction.client.serves(interaction.guild):
            return True
        if interaction.type is discord.InteractionType.application_command:
            await interaction.response.send_message(HOME_ONLY, ephemeral=True)
        return False

    async def on_error(
        self, interaction: discord.Interaction[CareerBot], error: app_commands.AppCommandError
    ) -> None:
        if isinstance(error, app_commands.CheckFailure):
            return  # already told the member
        await report_error(interaction, getattr(error, "original", error))


class CareerBot(commands.Bot):
    def __init__(self, settings: Settings, matcher: Matcher, *, force_sync: bool = False) -> None:
        intents = discord.Intents.default()
        # Reading plain messages (answer channels, forum posts) needs the privileged intent;
        # mentions and forum post titles don't.
        intents.message_content = settings.reads_messages
        super().__init__(
            command_prefix=commands.when_mentioned,  # unused: the bot has slash commands only
            intents=intents,
            allowed_mentions=discord.AllowedMentions.none(),
            help_command=None,
            tree_cls=CareerTree,
        )
        self.settings = settings
        self.matcher = matcher
        self.force_sync = force_sync
        self.store = KnowledgeStore(settings.knowledge_dir, settings.data_dir)
        self.database = self.store.database
        self.data_dir = settings.data_dir
        self.asked = AskCounts(self.database)
        self.answering = Answering(self)
        self.reports = ReportWorker()
        self._disk_state = self.disk_state()
        self._reload_lock = asyncio.Lock()
        self._data_warned = False
        self._announced = False
        self.synced: list[str] = []  # what the last command sync did, one line per target
        self.sync_failed = False
        self.in_flight = InFlight(self)

    def dispatch(self, event_name: str, /, *args: object, **kwargs: object) -> None:
        if event_name == "interaction":  # before any handler of it runs
            expired.mark(args[0])  # type: ignore[arg-type]
        super().dispatch(event_name, *args, **kwargs)

    async def on_ready(self) -> None:
        """Tell the admin, once, where the bot is and what it cannot use."""
        if self._announced:  # on_ready comes again after every reconnect
            return
        self._announced = True
        servers = ", ".join(f"{g.name} ({g.id})" for g in self.guilds[:10])
        log.info("Ready as %s in %d servers: %s", self.user, len(self.guilds), servers)
        log.info(
            "Knowledge base %s: %d entries, %s matching",
            self.settings.knowledge_dir.resolve(),
            len(self.matcher.kb),
            self.matcher.mode,
        )
        if self.application_id:
            log.info(
                "Invite link: %s",
                invite_url(self.application_id, bool(self.settings.forum_answered_tag)),
            )
        for warning in readiness_warnings(self, self.settings):
            log.warning(warning)
        if not self.heartbeat.is_running():
            self.heartbeat.start()

    @tasks.loop(seconds=HEARTBEAT_SECONDS)
    async def heartbeat(self) -> None:
        """While connected, show `health` the bot is alive (see bot/records/health.py)."""
        if self.is_ready() and not self.is_closed():
            try:
                await asyncio.to_thread(beat, self.settings.data_dir)
            except OSError as exc:
                log.warning("could not write the heartbeat: %s", exc)

    def data_unavailable(self, error: DataUnavailable) -> None:
        """Recording failed (DATA_DIR unwritable or full): answering goes on; say so once."""
        if not self._data_warned:
            self._data_warned = True
            log.warning("%s; answering goes on, but nothing is being recorded", error)

    def serves(self, guild: discord.abc.Snowflake | None) -> bool:
        """With GUILD_IDS set the bot serves only those servers (and no DMs)."""
        if not self.settings.guild_ids:
            return True
        return guild is not None and guild.id in self.settings.guild_ids

    async def close(self) -> None:
        """Take no new interaction nor on_ready, stop the report worker (a report in progress
        is given up), finish the interactions in flight, then the records (forum posts wait
        in their cog's unload); then close the gateway."""
        self.in_flight.closing = True
        await self.in_flight.stop_ready_wait()
        await self.reports.close()
        await self.in_flight.finish()
        await self.answering.drain(CLOSE_GRACE)
        await super().close()
        if self.heartbeat.is_running():
            self.heartbeat.cancel()
        with contextlib.suppress(OSError):  # `health` must not call a stopped bot connected
            (self.settings.data_dir / HEARTBEAT_FILE).unlink(missing_ok=True)

    async def on_message(self, message: discord.Message) -> None:
        pass  # no prefix commands; the Ask cog listens for questions

    async def setup_hook(self) -> None:
        problem = await asyncio.to_thread(self.database.problem)
        if problem:
            self._data_warned = True
            log.warning(DATA_WARNING, problem)
        else:
            await asyncio.to_thread(self.asked.load)
            await self.answering.replay()
        await self.add_features()
        await self.sync_commands()
        if problem:  # the mod log channel is known once the gateway has sent the servers
            self.loop.create_task(self._warn_mod_log(DATA_WARNING % problem))

    async def _warn_mod_log(self, text: str) -> None:
        await self.wait_until_ready()
        await self.mod_log(text)

    async def add_features(self) -> None:
        """Load the cogs (each registers its own persistent components); no network, so tools
        can inspect the commands."""
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        self.add_listener(answer_if_unhandled, "on_interaction")

    def disk_state(self) -> tuple[tuple[str, int, int], ...]:
        """Names, mtimes and sizes of the entry files and the out-of-scope file: cheap to
        poll, changes on any edit."""
        knowledge = self.settings.knowledge_dir
        try:
            files = sorted(entries_dir(knowledge).glob("*.y*ml"))
            files += [p for p in (knowledge / OUT_OF_SCOPE_FILE,) if p.exists()]
            return tuple((f.name, f.stat().st_mtime_ns, f.stat().st_size) for f in files)
        except OSError:
            return ()

    async def reload_knowledge(self) -> list[str]:
        """Rebuild the matcher from disk; on invalid files keep the last good one live. The
        problems (none: success) are returned, logged and posted to the mod log."""
        from bot.startup import build_matcher

        async with self._reload_lock:
            self._disk_state = self.disk_state()
            try:
                self.matcher = await asyncio.to_thread(build_matcher, self.settings, log.warning)
            except KnowledgeBaseError as exc:
                for problem in exc.problems:
                    log.error("knowledge base on disk is invalid: %s", problem)
                problems = [without_host_paths(str(p)) for p in exc.problems]  # for Discord
                await self.mod_log(f"{replies.STALE_KNOWLEDGE}\n{replies.bullets(problems)}")
                return problems
            except StoreError as exc:  # another process's change holds the files: next second
                self._disk_state = ()
                log.warning("knowledge base not reloaded yet: %s", exc)
                return [without_host_paths(str(exc))]
            log.info("knowledge base loaded: %d entries", len(self.matcher.kb))
            return []

    async def reload_if_changed(self) -> None:
        if self.disk_state() != self._disk_state:
            await self.reload_knowledge()

    async def mod_log(self, text: str) -> None:
        """Post to MOD_LOG_CHANNEL_ID when set; a missing channel or permission is logged."""
        channel_id = self.settings.mod_log_channel_id
        channel = self.get_channel(channel_id) if channel_id else None
        if channel is None or not isinstance(channel, discord.abc.Messageable):
            return
        try:
            await channel.send(replies.clip(without_host_paths(text), 2000))
        except discord.HTTPException as exc:
            log.warning(
                "could not post to the mod log channel #%s (%s): %s", channel, channel_id, exc
            )

    def commands_hash(self) -> str:
        definitions = [command.to_dict(self.tree) for command in self.tree.get_commands()]
        state = {"guilds": sorted(self.settings.guild_ids), "commands": definitions}
        return hashlib.sha256(json.dumps(state, sort_keys=True).encode()).hexdigest()

    async def sync_commands(self) -> None:
        """Sync only when the definitions changed: Discord allows 200 creates a day per server.
        What happened is kept in `synced` (one line per server) and `sync_failed`."""
        digest = self.commands_hash()
        try:
            synced_before = await asyncio.to_thread(self.database.setting, SYNC_HASH_SETTING)
        except DataUnavailable:
            synced_before = None
        if not self.force_sync and synced_before == digest:
            log.info("commands unchanged since the last sync; not syncing")
            return
        targets = [discord.Object(g) for g in sorted(self.settings.guild_ids)] or [None]
        failed = False
        self.synced = []
        for guild in targets:  # one server out of reach must not hold up the others
            if guild is not None:
                self.tree.copy_global_to(guild=guild)
            try:
                synced = await self.tree.sync(guild=guild)
            except discord.HTTPException as exc:
                failed = self.sync_failed = True
                where = f"server {guild.id}" if guild else "Discord (global commands)"
                self.synced.append(f"not synced to {where}: Discord refused ({exc})")
                log.error(
                    "command sync to %s failed, tried again at the next start: %s", where, exc
                )
                continue
            if guild is None:
                self.synced.append(
                    f"synced {len(synced)} global commands (they can take an hour to show)"
                )
            else:
                self.synced.append(f"synced {len(synced)} commands to server {guild.id}")
            log.info(self.synced[-1])
        if failed:
            return
        try:
            await asyncio.to_thread(self.database.set_setting, SYNC_HASH_SETTING, digest)
        except DataUnavailable as exc:
            log.warning("could not record the command sync (%s); it runs again next start", exc)


def create_bot(
    settings: Settings, matcher: Matcher | None = None, *, force_sync: bool = False
) -> CareerBot:
    """Build the bot without connecting (no token needed), so tests and tools can inspect it."""
    if matcher is None:
        from bot.startup import build_matcher

        matcher = build_matcher(settings, log.warning)
    return CareerBot(settings, matcher, force_sync=force_sync)
