"""The dashboard's refusals, each with its one sentence and nothing written: no session, a
link expired, reused or unknown, a missing or wrong CSRF token, a member who lost the right,
a foreign server, an expired session mid-edit, oversized and non-UTF-8 bodies."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.knowledge.transaction import Actor
from bot.records import sign_in
from bot.web_adapter import guard
from bot.web_adapter.server import create_app
from tests.conftest import recorded_changes
from tests.dashboard.conftest import MEMBER, csrf_of, link_for, make_dashboard, shown, signed_in

PAGES = (
    "/",
    "/entries/phd-required",
    "/entries/phd-required/edit",
    "/new",
    "/try?q=phd",
    "/unanswered",
    "/feedback",
    "/stats",
    "/history",
    "/out-of-scope",
)
WRITES = (
    ("/entries/phd-required/edit", {"question": "Do I need a PhD?"}),
    ("/new", {"question": "A new one?"}),
    ("/entries/phd-required/remove", {}),
    ("/undo", {"batch": "x"}),
    ("/unanswered/dismiss", {"question": "pizza"}),
    ("/out-of-scope", {"topic": "weather", "examples": "is it sunny"}),
)


def nothing_written(dashboard) -> bool:
    return recorded_changes(dashboard.store.database) == []


@pytest.mark.parametrize("path", PAGES)
async def test_every_page_asks_a_visitor_without_a_session_to_sign_in(client, path):
    answer = await client.get(path)
    assert answer.status == 401
    text = await answer.text()
    assert "You are not signed in, or your session has ended" in text
    assert "/kb dashboard" in text
    assert "phd-required" not in text or path != "/"


@pytest.mark.parametrize(("path", "fields"), WRITES)
async def test_every_change_without_a_session_is_refused_and_writes_nothing(
    client, dashboard, path, fields
):
    answer = await client.post(path, data={**fields, "csrf": "guess"})
    assert answer.status == 401
    assert "You are not signed in" in await answer.text()
    assert nothing_written(dashboard)


async def test_every_answer_carries_the_security_headers(client, dashboard):
    for answer in (await client.get("/"), await client.get("/static/dashboard.js")):
        assert answer.headers["Content-Security-Policy"] == guard.CSP
        assert "script-src 'self';" in guard.CSP and "unsafe-inline" not in guard.CSP
        assert "frame-ancestors 'none'" in guard.CSP
        assert answer.headers["X-Frame-Options"] == "DENY"
        assert answer.headers["Referrer-Policy"] == "same-origin"


async def test_a_link_signs_in_once_with_a_strict_http_only_cookie(client, dashboard):
    token = link_for(dashboard)
    opened = await client.get(f"/sign-in?token={token}")
    assert opened.status == 200 and 'id="sign-in"' in await opened.text()  # opening spends nothing
    used = await client.post("/sign-in", data={"token": token}, allow_redirects=False)
    assert used.status == 303
    cookie = used.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Max-Age=43200" in cookie
    assert "Secure" not in cookie  # plain http on 127.0.0.1: a Secure cookie would never come back
    assert (await client.get("/")).status == 200
    again = await client.post("/sign-in", data={"token": token})
    assert again.status == 403
    assert shown(sign_in.USED) in await again.text()


async def test_behind_https_the_cookie_is_secure(knowledge_copy, tmp_path, world):
    dashboard = make_dashboard(
        knowledge_copy, tmp_path / "data", world, dashboard_url="https://kb.example.org"
    )
    async with TestClient(TestServer(create_app(dashboard))) as https_client:
        token = link_for(dashboard)
        used = await https_client.post("/sign-in", data={"token": token}, allow_redirects=False)
        assert "Secure" in used.headers["Set-Cookie"]


async def test_an_expired_or_unknown_link_is_refused(client, dashboard, world):
    token = link_for(dashboard)
    world.later(minutes=10, seconds=1)
    expired = await client.post("/sign-in", data={"token": token})
    assert expired.status == 403 and shown(sign_in.EXPIRED) in await expired.text()
    unknown = await client.post("/sign-in", data={"token": "made-up"})
    assert unknown.status == 403 and shown(sign_in.UNKNOWN) in await unknown.text()
    assert (await client.get("/")).status == 401


async def test_a_session_ends_after_twelve_hours_and_at_sign_out(client, dashboard, world):
    csrf = await signed_in(client, dashboard)
    world.later(hours=11, minutes=59)
    assert (await client.get("/")).status == 200
    world.later(minutes=2)
    assert (await client.get("/")).status == 401
    csrf = await signed_in(client, dashboard)
    refused = await client.post("/sign-out", data={"csrf": "wrong"})
    assert refused.status == 403 and (await client.get("/")).status == 200
    out = await client.post("/sign-out", data={"csrf": csrf})
    assert out.status == 200 and "You are signed out" in await out.text()
    assert (await client.get("/")).status == 401


async def test_a_missing_or_wrong_csrf_token_writes_nothing_and_keeps_the_text(client, dashboard):
    await signed_in(client, dashboard)
    typed = {"question": "Do I need a PhD, really?", "answer": "My careful answer", "version": "v"}
    for csrf in ({}, {"csrf": "0" * 32}):
        answer = await client.post("/entries/phd-required/edit", data={**typed, **csrf})
        assert answer.status == 403
        text = await answer.text()
        assert shown(guard.BAD_TOKEN) in text
        assert "My careful answer</textarea>" in text
    for path, fields in WRITES[1:]:
        assert (await client.post(path, data=fields)).status == 403
    assert nothing_written(dashboard)


async def test_changes_are_post_only(client, dashboard):
    await signed_in(client, dashboard)
    for path in ("/undo", "/entries/phd-required/remove", "/unanswered/dismiss", "/sign-out"):
        assert (await client.get(path)).status == 405


async def test_a_member_who_lost_the_right_is_refused_and_signed_out(client, dashboard, world):
    csrf = await signed_in(client, dashboard)
    world.refused[MEMBER.id] = "Only moderators (Manage Server or a moderator role) can use /kb."
    answer = await client.post(
        "/entries/phd-required/edit",
        data={"csrf": csrf, "question": "Q?", "answer": "kept words", "version": "v"},
    )
    assert answer.status == 403
    text = await answer.text()
    assert shown(world.refused[MEMBER.id]) in text
    assert "kept words</textarea>" in text
    assert world.rights_asked == [MEMBER.id]
    assert nothing_written(dashboard)
    assert (await client.get("/")).status == 401  # the session ended with the right


async def test_the_right_is_asked_again_on_every_write(client, dashboard, world):
    csrf = await signed_in(client, dashboard)
    for _ in range(2):
        await client.post("/unanswered/dismiss", data={"csrf": csrf, "question": "pizza"})
    assert world.rights_asked == [MEMBER.id, MEMBER.id]
    await client.get("/history")
    assert len(world.rights_asked) == 2  # reading asks nothing of Discord


async def test_a_member_of_a_foreign_server_gets_no_session(client, dashboard):
    foreign = Actor("42", "ada", 999)
    answer = await client.post("/sign-in", data={"token": link_for(dashboard, foreign)})
    assert answer.status == 401
    assert (await client.get("/")).status == 401


async def test_an_expired_session_mid_edit_keeps_the_typed_text(client, dashboard, world):
    csrf = await signed_in(client, dashboard)
    world.later(hours=13)
    answer = await client.post(
        "/entries/phd-required/edit",
        data={"csrf": csrf, "question": "Q?", "answer": "an hour of writing", "version": "v"},
    )
    assert answer.status == 401
    text = await answer.text()
    assert shown(guard.SIGNED_OUT) in text and "an hour of writing</textarea>" in text
    assert nothing_written(dashboard)


async def test_an_oversized_form_is_one_sentence(client, dashboard):
    csrf = await signed_in(client, dashboard)
    body = {"csrf": csrf, "question": "Q?", "answer": "x" * (1024**2 + 10), "version": "v"}
    answer = await client.post("/entries/phd-required/edit", data=body)
    assert answer.status == 413
    assert shown(guard.TOO_BIG) in await answer.text()
    assert nothing_written(dashboard)


async def test_a_body_that_is_not_utf8_is_refused_with_the_text_kept(client, dashboard):
    csrf = await signed_in(client, dashboard)
    body = f"csrf={csrf}&question=Q%3F&version=v&answer=caf%E9+au+lait".encode()
    for raw in (body, body.replace(b"caf%E9", b"caf\xe9")):
        answer = await client.post(
            "/entries/phd-required/edit",
            data=raw,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert answer.status == 400
        text = await answer.text()
        assert guard.NOT_UTF8 in text
        assert "caf\ufffd au lait</textarea>" in text
    assert nothing_written(dashboard)


async def test_a_page_that_does_not_exist_is_one_sentence(client, dashboard):
    await signed_in(client, dashboard)
    answer = await client.get("/no/such/page")
    assert answer.status == 404 and shown(guard.NOT_FOUND) in await answer.text()
    missing = await client.get("/entries/no-such-entry")
    assert (
        missing.status == 404 and shown("There is no entry 'no-such-entry'") in await missing.text()
    )


async def test_a_form_posted_from_another_site_is_refused_even_sign_in(client, dashboard):
    token = link_for(dashboard)
    evil = {"Origin": "https://evil.example"}
    answer = await client.post("/sign-in", data={"token": token}, headers=evil)
    assert answer.status == 403 and shown(guard.CROSS_SITE) in await answer.text()
    own = {"Origin": str(client.server.make_url("/")).rstrip("/")}
    signed = await client.post("/sign-in", data={"token": token}, headers=own)
    assert signed.status == 200  # the link was not spent by the refused attempt
    csrf = csrf_of(await signed.text())
    refused = await client.post(
        "/unanswered/dismiss", data={"csrf": csrf, "question": "x"}, headers=evil
    )
    assert refused.status == 403 and shown(guard.CROSS_SITE) in await refused.text()


async def test_signing_in_again_ends_the_browsers_previous_session(client, dashboard):
    await signed_in(client, dashboard)
    first = client.session.cookie_jar.filter_cookies(client.make_url("/"))["kb_session"].value
    await signed_in(client, dashboard)
    database = dashboard.store.database
    assert sign_in.session(database, first, dashboard.clock()) is None
