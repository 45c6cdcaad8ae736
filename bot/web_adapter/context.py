"""What the dashboard needs from the process it runs in, passed in (never imported): inside the
bot it asks Discord whether a member may still curate and posts to the mod log; alone
(`python -m bot dashboard`) it serves the operator's sessions and rebuilds its own matcher."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aiohttp import web

from bot.config import Settings
from bot.knowledge.store import KnowledgeStore
from bot.knowledge.transaction import Actor
from bot.matching.matcher import Matcher
from bot.records import sign_in

# A member's right to /kb, asked again before every write: None if they may, else why not.
Rights = Callable[[Actor], Awaitable[str | None]]
# Runs a report function (bot/rendering/reports.py) in the report worker process.
ReportRunner = Callable[..., Awaitable[Any]]
# After a write: rebuild the matcher, and note `notice` where changes are announced.
Changed = Callable[[str], Awaitable[None]]

STANDALONE_MEMBERS = (
    "This dashboard runs without the bot, so it cannot ask Discord whether you may still use "
    "/kb; sign in with `python -m bot dashboard --link` at the terminal, or use the dashboard "
    "the bot serves (DASHBOARD_PORT set for `python -m bot run`)."
)


@dataclass
class Dashboard:
    settings: Settings
    store: KnowledgeStore
    matcher: Callable[[], Matcher]
    rights: Rights
    run_report: ReportRunner
    changed: Changed
    clock: Callable[[], datetime] = field(default=sign_in.now)

    @property
    def secure(self) -> bool:
        """Behind https (DASHBOARD_URL says so): cookies are sent over https only."""
        return self.settings.dashboard_url.startswith("https://")


async def standalone_rights(actor: Actor) -> str | None:
    return STANDALONE_MEMBERS


DASHBOARD = web.AppKey("dashboard", Dashboard)
SESSION = web.RequestKey("session", sign_in.Session | None)  # set once the cookie is read


def dashboard_of(request: web.Request) -> Dashboard:
    return request.app[DASHBOARD]
