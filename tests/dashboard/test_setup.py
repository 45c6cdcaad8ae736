"""The dashboard's settings, its sign-in records, and `python -m bot dashboard [--link]`."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pytest
from aiohttp import ClientSession, CookieJar

from bot.config import ConfigError, load_settings
from bot.discord_adapter.reporting import ReportWorker
from bot.knowledge.database import Database
from bot.records import sign_in
from bot.web_adapter import server
from bot.web_adapter.context import STANDALONE_MEMBERS
from tests.dashboard.conftest import MEMBER, csrf_of, shown
from tests.test_cli import run


def test_the_dashboard_is_off_unless_a_port_is_set(tmp_path):
    settings = load_settings({}, tmp_path / ".env")
    assert settings.dashboard_port is None and settings.dashboard_host == "127.0.0.1"
    on = load_settings({"DASHBOARD_PORT": "8080"}, tmp_path / ".env")
    assert on.dashboard_address == "http://127.0.0.1:8080"
    proxied = load_settings(
        {"DASHBOARD_PORT": "8080", "DASHBOARD_URL": "https://kb.example.org/"}, tmp_path / ".env"
    )
    assert proxied.dashboard_address == "https://kb.example.org"
    v6 = load_settings({"DASHBOARD_PORT": "81", "DASHBOARD_HOST": "::1"}, tmp_path / ".env")
    assert v6.dashboard_address == "http://[::1]:81"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("DASHBOARD_PORT", "80000", "DASHBOARD_PORT must be a port number from 1 to 65535"),
        ("DASHBOARD_PORT", "http", "DASHBOARD_PORT must be a port number"),
        ("DASHBOARD_URL", "kb.example.org", "DASHBOARD_URL must be an address such as"),
        ("DASHBOARD_URL", "javascript:alert(1)", "DASHBOARD_URL must be an address such as"),
    ],
)
def test_a_wrong_dashboard_setting_is_one_sentence(tmp_path, name, value, message):
    with pytest.raises(ConfigError, match=message):
        load_settings({name: value}, tmp_path / ".env")


def test_only_hashes_of_the_secrets_are_kept(tmp_path):
    database = Database(tmp_path)
    when = datetime(2026, 1, 1, tzinfo=UTC)
    secret = sign_in.new_link(database, MEMBER, when)
    cookie, session = sign_in.redeem(database, secret, when)
    raw = b"".join(path.read_bytes() for path in tmp_path.glob("bot.sqlite3*"))
    assert secret.encode() not in raw and cookie.encode() not in raw
    assert session.actor == MEMBER and not session.operator
    assert sign_in.session(database, cookie, when) == session
    assert sign_in.end_sessions_of(database, MEMBER.id) == 1
    assert sign_in.session(database, cookie, when) is None
    with sqlite3.connect(tmp_path / "bot.sqlite3") as db:
        assert db.execute("SELECT count(*) FROM dashboard_links").fetchone() == (1,)


def test_dashboard_link_prints_a_working_link_and_needs_a_port(knowledge_copy, tmp_path):
    env = {"KNOWLEDGE_DIR": str(knowledge_copy), "DATA_DIR": str(tmp_path / "data")}
    off = run("dashboard", "--link", env=env)
    assert off.returncode == 2 and server.OFF in off.stderr
    on = run("dashboard", "--link", env={**env, "DASHBOARD_PORT": "8765"})
    assert on.returncode == 0, on.stderr
    link = on.stdout.strip()
    assert link.startswith("http://127.0.0.1:8765/sign-in?token=")
    database = Database(tmp_path / "data")
    secret = link.split("token=")[1]
    _, session = sign_in.redeem(database, secret, sign_in.now())
    assert session.operator and session.actor.name == "dashboard"


async def test_alone_it_serves_the_operator_runs_reports_in_the_worker_and_refuses_members(
    knowledge_copy, tmp_path, unused_tcp_port
):
    settings = load_settings(
        {
            "KNOWLEDGE_DIR": str(knowledge_copy),
            "DATA_DIR": str(tmp_path / "data"),
            "SEMANTIC": "off",
            "GUILD_IDS": "111",
            "DASHBOARD_PORT": str(unused_tcp_port),
        },
        tmp_path / ".env",
    )
    from bot.startup import build_matcher

    worker = ReportWorker()
    dashboard = server.standalone(settings, build_matcher(settings, print), worker.run)
    runner = await server.start(dashboard)
    base = settings.dashboard_address
    try:
        async with ClientSession(cookie_jar=CookieJar(unsafe=True)) as browser:
            link = server.sign_in_link(settings, dashboard.store, "root")
            token = link.split("token=")[1]
            signed = await browser.post(f"{base}/sign-in", data={"token": token})
            assert signed.status == 200
            stats = await browser.get(f"{base}/stats?days=3")  # the real report worker
            assert stats.status == 200 and "data:image/png;base64," in await stats.text()
            browser.cookie_jar.clear()
            member_link = sign_in.new_link(dashboard.store.database, MEMBER, sign_in.now())
            page = await browser.post(f"{base}/sign-in", data={"token": member_link})
            csrf = csrf_of(await page.text())
            refused = await browser.post(
                f"{base}/unanswered/dismiss", data={"csrf": csrf, "question": "x"}
            )
            assert refused.status == 403 and shown(STANDALONE_MEMBERS) in await refused.text()
        with pytest.raises(ConfigError, match="cannot listen on"):
            await server.start(dashboard)  # the port is taken
    finally:
        await runner.cleanup()
        await worker.close()
