"""The bot as a process: logging, serving until SIGTERM or Ctrl-C (then closing the gateway
and finishing what is in flight), and a one-off command sync."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Awaitable, Callable
from logging.handlers import RotatingFileHandler

import discord

from bot.config import ConfigError, Settings
from bot.discord_adapter.app import CareerBot, create_bot
from bot.startup import limit_malloc_arenas

PRIVATE_LOGGERS = ("discord.http", "discord.gateway")
LOG_FILE_BYTES, LOG_FILE_KEPT = 5_000_000, 3  # LOG_FILE rotates at 5 MB and keeps 3 old ones


OPENED = {"name": __name__, "levelname": "INFO", "levelno": logging.INFO, "msg": "log opened"}


class LogFile(RotatingFileHandler):
    """LOG_FILE; when it cannot be written any more (a full disk), one line says so on
    standard error, not a traceback per record, and logging goes on there."""

    failed = False

    def handleError(self, record: logging.LogRecord) -> None:
        if not self.failed:
            self.failed = True
            error = sys.exc_info()[1]
            sys.stderr.write(f"LOG_FILE {self.baseFilename} cannot be written any more: {error}\n")

    def close(self) -> None:
        with contextlib.suppress(OSError):  # what is left to flush cannot be written either
            super().close()


def setup_logging(settings: Settings) -> None:
    level = logging.getLevelName(settings.log_level)
    discord.utils.setup_logging(level=level)
    if settings.log_file:
        try:  # a setting to fix, not a network fault to retry: found before connecting
            settings.log_file.parent.mkdir(parents=True, exist_ok=True)
            handler = LogFile(
                settings.log_file,
                maxBytes=LOG_FILE_BYTES,
                backupCount=LOG_FILE_KEPT,
                encoding="utf-8",
            )
            handler.setFormatter(
                logging.Formatter("%(asctime)s %(levelname)-8s %(name)s: %(message)s")
            )
            handler.stream.write(handler.format(logging.makeLogRecord(OPENED)) + "\n")
            handler.stream.flush()  # /dev/full, a full disk: refused here, not per record
        except OSError as exc:
            raise ConfigError(
                f"LOG_FILE {str(settings.log_file)!r} cannot be written ({exc.strerror or exc})"
            ) from None
        logging.getLogger().addHandler(handler)
    # At DEBUG these two log every request body and gateway event: members' questions and
    # the pay figures typed into /comp. Keep them out of the log at any level.
    # matplotlib lists every font it tries at DEBUG: noise in the bot's log.
    logging.getLogger("matplotlib").setLevel(max(logging.INFO, logging.getLogger().level))
    for name in PRIVATE_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.INFO, logging.getLogger().level))


# Something served beside the bot in its process (the dashboard): started with the bot,
# it returns how to stop it.
Companion = Callable[[CareerBot], Awaitable[Callable[[], Awaitable[None]]]]


def run(settings: Settings, companion: Companion | None = None) -> None:
    """Connect and serve until SIGTERM or Ctrl-C, then close cleanly. Raises
    discord.LoginFailure for a rejected token."""
    limit_malloc_arenas()  # before the event loop, the encoder and the stores start threads
    setup_logging(settings)
    asyncio.run(serve(settings, companion))


async def serve(settings: Settings, companion: Companion | None = None) -> None:
    bot = create_bot(settings)
    stop_companion = await companion(bot) if companion else None
    loop = asyncio.get_running_loop()
    stopping: list[asyncio.Task[None]] = []
    for stop in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):  # Windows: Ctrl-C still raises
            loop.add_signal_handler(stop, lambda: stopping.append(loop.create_task(bot.close())))
    try:
        async with bot:
            await bot.start(settings.discord_token)
    finally:
        if stop_companion is not None:
            await stop_companion()
    if stopping:
        await asyncio.gather(*stopping)
        logging.getLogger(__name__).info("stopped")


async def sync(settings: Settings) -> list[str]:
    """Log in, sync the commands whether or not they changed, and leave; what was synced,
    one line per server. Raises SyncFailed when Discord refused a sync."""
    bot = create_bot(settings, force_sync=True)
    async with bot:
        await bot.login(settings.discord_token)  # login runs setup_hook, which syncs
    if bot.sync_failed:
        raise SyncFailed(bot.synced)
    return bot.synced


class SyncFailed(Exception):
    """Discord refused the sync to one server or more; `lines` says what was synced where
    and what was not, one line per server."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__(
            "Discord refused some of the command sync (see above); the bot tries again at "
            "its next start, or run sync again once it is fixed."
        )
        self.lines = lines
