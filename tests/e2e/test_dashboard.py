"""The dashboard inside the running bot: /kb dashboard gives a moderator a private one-time
link, the link signs them in, and before every write the bot asks Discord (REST, since it
caches no members) whether they may still use /kb; changes reach the mod log as /kb's do."""

from __future__ import annotations

import re
from dataclasses import replace

from aiohttp import ClientSession, CookieJar

from bot.discord_adapter.cogs.curate.commands import DASHBOARD_OFF
from bot.discord_adapter.views.access import REFUSED
from bot.discord_adapter.views.dashboard import announce, may_curate
from bot.knowledge.entry_yaml import version_of
from bot.web_adapter.server import companion
from tests.dashboard.conftest import csrf_of, shown

from .fake_discord import MOD_LOG_CHANNEL_ID
from .test_ask import EPHEMERAL
from .test_curate import MEMBER, MOD, sub


async def test_a_moderator_signs_in_from_discord_and_loses_the_right_mid_session(
    fake, curating, unused_tcp_port
):
    curating.settings = replace(curating.settings, dashboard_port=unused_tcp_port)
    stop = await companion(may_curate, announce)(curating)
    try:
        refused = await fake.reply_of(await fake.slash("kb", sub("dashboard"), **MEMBER))
        assert "Only moderators" in refused["content"]
        reply = await fake.reply_of(await fake.slash("kb", sub("dashboard"), **MOD))
        assert reply["flags"] & EPHEMERAL
        link = re.search(r"<(http://127\.0\.0\.1:\d+/sign-in\?token=[\w-]+)>", reply["content"])
        assert link, reply["content"]
        fake.members[MOD["user_id"]] = MOD["roles"]
        async with ClientSession(cookie_jar=CookieJar(unsafe=True)) as browser:
            opened = await browser.get(link.group(1))
            token = re.search(r'name="token" value="([^"]+)"', await opened.text()).group(1)
            page = await browser.post(opened.url.with_query(None), data={"token": token})
            assert page.status == 200
            csrf = csrf_of(await page.text())
            document = curating.store.document("phd-required")
            edit = await browser.post(
                f"{opened.url.origin()}/out-of-scope",
                data={"csrf": csrf, "topic": "weather", "examples": "will it rain tomorrow"},
            )
            assert edit.status == 200, await edit.text()
            logged = await fake.wait_for(
                lambda: (
                    [m for m in fake.channel_messages if m["channel_id"] == str(MOD_LOG_CHANNEL_ID)]
                    or None
                )
            )
            assert "changed the out-of-scope topic `weather`" in logged[-1]["content"]
            assert "weather" in {t.name for t in curating.matcher.kb.out_of_scope}
            fake.members[MOD["user_id"]] = ()  # the moderator role is taken away
            removed = await browser.post(
                f"{opened.url.origin()}/entries/phd-required/remove",
                data={"csrf": csrf, "version": version_of(document)},
            )
            assert removed.status == 403 and shown(REFUSED) in await removed.text()
            assert "phd-required" in curating.store.documents()
    finally:
        await stop()


async def test_kb_dashboard_says_when_the_dashboard_is_off(fake, curating):
    reply = await fake.reply_of(await fake.slash("kb", sub("dashboard"), **MOD))
    assert reply["content"] == DASHBOARD_OFF
