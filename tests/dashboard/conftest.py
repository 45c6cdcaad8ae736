"""A dashboard on a copy of the knowledge base, served on 127.0.0.1 by aiohttp's test server,
with a clock the tests move and a member whose /kb right the tests take away."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import markupsafe
import pytest
from aiohttp import CookieJar
from aiohttp.test_utils import TestClient, TestServer

from bot.config import Settings
from bot.knowledge.store import KnowledgeStore
from bot.knowledge.transaction import Actor
from bot.matching.build import lexical_matcher
from bot.matching.matcher import Matcher
from bot.records import sign_in
from bot.web_adapter.context import Dashboard
from bot.web_adapter.server import create_app

HOME = 111
MEMBER = Actor("42", "ada", HOME)
CSRF_RE = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass
class World:
    """What the tests control: the time, who lost the right, the changes announced."""

    now: datetime = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    refused: dict[str, str] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)
    reports: list[str] = field(default_factory=list)
    rights_asked: list[str] = field(default_factory=list)

    def later(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def make_dashboard(
    knowledge: Path, data: Path, world: World, matcher: Matcher | None = None, **settings: object
) -> Dashboard:
    base = Settings(
        knowledge_dir=knowledge,
        data_dir=data,
        semantic=False,
        guild_ids=frozenset({HOME}),
        dashboard_port=8080,
    )
    store = KnowledgeStore(knowledge, data)
    current = [matcher or lexical_matcher(store.load())]

    async def rights(actor: Actor) -> str | None:
        world.rights_asked.append(actor.id)
        return world.refused.get(actor.id)

    async def run_report(report, *args):  # the bot passes its report worker (tested apart)
        world.reports.append(report.__name__)
        return await asyncio.to_thread(report, *args)

    async def changed(notice: str) -> None:
        world.notices.append(notice)
        current[0] = await asyncio.to_thread(lambda: lexical_matcher(store.load()))

    return Dashboard(
        settings=replace(base, **settings),
        store=store,
        matcher=lambda: current[0],
        rights=rights,
        run_report=run_report,
        changed=changed,
        clock=lambda: world.now,
    )


@pytest.fixture
def world() -> World:
    return World()


@pytest.fixture
def dashboard(knowledge_copy: Path, tmp_path: Path, world: World, lexical: Matcher) -> Dashboard:
    # The copy says what the real knowledge base says: the session's matcher serves until a
    # change rebuilds it from the copy.
    return make_dashboard(knowledge_copy, tmp_path / "data", world, lexical)


@pytest.fixture
async def client(dashboard: Dashboard) -> AsyncIterator[TestClient]:
    server = TestServer(create_app(dashboard), host="127.0.0.1")
    # The jar keeps cookies of 127.0.0.1 only when told to (browsers do for localhost).
    async with TestClient(server, cookie_jar=CookieJar(unsafe=True)) as test_client:
        yield test_client


def link_for(dashboard: Dashboard, actor: Actor = MEMBER) -> str:
    return sign_in.new_link(dashboard.store.database, actor, dashboard.clock())


async def signed_in(client: TestClient, dashboard: Dashboard, actor: Actor = MEMBER) -> str:
    """Sign in with a fresh link; returns the session's CSRF token."""
    answer = await client.post("/sign-in", data={"token": link_for(dashboard, actor)})
    assert answer.status == 200, await answer.text()
    return csrf_of(await answer.text())


def csrf_of(html: str) -> str:
    found = CSRF_RE.search(html)
    assert found, "the page has a form with a CSRF token"
    return found.group(1)


def shown(sentence: str) -> str:
    """A sentence as the page shows it (escaped: an apostrophe is &#39;)."""
    return str(markupsafe.escape(sentence))
