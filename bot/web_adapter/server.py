"""The dashboard's web application, served inside the bot's process (DASHBOARD_PORT set) or
alone (`python -m bot dashboard`)."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import getpass
import logging
import signal
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.config import ConfigError, Settings
from bot.knowledge.store import KnowledgeStore
from bot.matching.matcher import Matcher
from bot.records import sign_in
from bot.web_adapter import auth, changes, entries, review
from bot.web_adapter.context import DASHBOARD, Dashboard, ReportRunner, standalone_rights
from bot.web_adapter.guard import MAX_BODY, protect

log = logging.getLogger(__name__)
OFF = (
    "The dashboard is off: set DASHBOARD_PORT (for example 8080) in .env, and see "
    "docs/running.md for serving it behind https."
)
LINK_COMMAND = "python -m bot dashboard --link"
STATIC = Path(__file__).resolve().parent / "static"


def create_app(dashboard: Dashboard) -> web.Application:
    app = web.Application(middlewares=[protect], client_max_size=MAX_BODY)
    app[DASHBOARD] = dashboard
    for module in (auth, entries, review, changes):
        app.add_routes(module.routes)
    app.router.add_static("/static", STATIC, follow_symlinks=False)
    return app


def sign_in_link(settings: Settings, store: KnowledgeStore, user: str | None = None) -> str:
    """A one-time link for the operator at the terminal (shown as "dashboard" in history)."""
    actor = sign_in.operator_actor(user or getpass.getuser())
    secret = sign_in.new_link(store.database, actor, sign_in.now())
    return settings.dashboard_address + sign_in.link_path(secret)


async def start(dashboard: Dashboard) -> web.AppRunner:
    """Listen on DASHBOARD_HOST:DASHBOARD_PORT; `await runner.cleanup()` stops it."""
    settings = dashboard.settings
    runner = web.AppRunner(create_app(dashboard), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, settings.dashboard_host, settings.dashboard_port)
    try:
        await site.start()
    except OSError as exc:  # a setting to fix (a port in use, a host not on this machine)
        await runner.cleanup()
        raise ConfigError(
            f"The dashboard cannot listen on {settings.dashboard_host}:{settings.dashboard_port}"
            f" ({exc.strerror or exc}); set DASHBOARD_PORT to a free port"
        ) from None
    log.info("Dashboard at %s (listening on %s)", settings.dashboard_address, site.name)
    return runner


def standalone(settings: Settings, matcher: Matcher, run_report: ReportRunner) -> Dashboard:
    """The dashboard without the bot: it rebuilds its own matcher after each change, and only
    the operator's sessions may change anything (there is no Discord to ask about members)."""
    from bot.startup import build_matcher

    store = KnowledgeStore(settings.knowledge_dir, settings.data_dir)
    current = [matcher]

    async def changed(notice: str) -> None:
        log.info("%s", notice)
        current[0] = await asyncio.to_thread(build_matcher, settings, log.warning, store)

    return Dashboard(
        settings=settings,
        store=store,
        matcher=lambda: current[0],
        rights=standalone_rights,
        run_report=run_report,
        changed=changed,
    )


def companion(may_curate: Callable[..., Any], announce: Callable[..., Any]):
    """The dashboard served beside the bot (bot/discord_adapter/lifecycle.py's Companion): it
    asks Discord about members, announces changes as /kb does, and runs its reports in the
    bot's report worker."""

    async def start_beside(bot: Any) -> Callable[[], Awaitable[None]]:
        dashboard = Dashboard(
            settings=bot.settings,
            store=bot.store,
            matcher=lambda: bot.matcher,
            rights=functools.partial(may_curate, bot),
            run_report=bot.reports.run,
            changed=functools.partial(announce, bot),
        )
        return (await start(dashboard)).cleanup

    return start_beside


def run_alone(
    settings: Settings, run_report: ReportRunner, link: bool, warn: Callable[[str], None]
) -> int:
    """`python -m bot dashboard [--link]`."""
    if not settings.dashboard_port:
        warn(OFF)
        return 2
    store = KnowledgeStore(settings.knowledge_dir, settings.data_dir)
    if link:
        print(sign_in_link(settings, store))
        return 0
    from bot.startup import build_matcher

    logging.basicConfig(level=settings.log_level, format="%(levelname)s %(name)s: %(message)s")
    dashboard = standalone(settings, build_matcher(settings, warn, store), run_report)
    print(f"Dashboard at {settings.dashboard_address}; sign in with `{LINK_COMMAND}`.")
    asyncio.run(serve_alone(dashboard))  # ConfigError if it cannot listen
    return 0


async def serve_alone(dashboard: Dashboard) -> None:
    """Serve until SIGTERM or Ctrl-C."""
    runner = await start(dashboard)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
