"""Every request's checks: security headers on every answer, the session behind every page,
and for every change a form that is small, UTF-8, carries the session's CSRF token and
comes from a member who may still use /kb. A refusal is one sentence; the typed text comes
back with it (`Refused.form`)."""

from __future__ import annotations

import asyncio
import hmac
import logging
from urllib.parse import parse_qsl

from aiohttp import web
from yarl import URL

from bot.knowledge.database import DataUnavailable
from bot.records import sign_in
from bot.records.sign_in import Session
from bot.web_adapter.context import SESSION, dashboard_of
from bot.web_adapter.pages import page

log = logging.getLogger(__name__)
MAX_BODY = 1024**2  # a form over 1 MB is refused unread
COOKIE = "kb_session"
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    # A sign-in link must not leak to another site; same-origin keeps the Origin header that
    # cross_site checks (with no-referrer, browsers send "Origin: null").
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
SIGNED_OUT = (
    "You are not signed in, or your session has ended; get a sign-in link with /kb dashboard "
    "in Discord (or `python -m bot dashboard --link`), then try again."
)
TOO_BIG = "That form is over 1 MB, so nothing was saved; shorten the text and send it again."
NOT_UTF8 = (
    "That form was not sent as UTF-8 text, so nothing was saved; check the text and save again."
)
NOT_A_FORM = "Send this as the page's form; nothing was saved."
BAD_TOKEN = (
    "This form's security token is missing or out of date (an old tab, or a new sign-in), so "
    "nothing was saved; reload the page and save again."
)
CROSS_SITE = (
    "That form was sent from another site, so nothing was done; use the dashboard's own pages."
)
BROKEN = "Something went wrong on the server (the log has the details); reload the page."
NOT_FOUND = "There is no such page here."


class Refused(Exception):
    """A request the dashboard will not carry out; `form` is what was typed, to show again."""

    def __init__(self, sentence: str, status: int = 400, form: dict[str, str] | None = None):
        super().__init__(sentence)
        self.status = status
        self.form = form or {}


@web.middleware
async def protect(request: web.Request, handler: web.Handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPRedirection as redirect:
        where = redirect.headers.get("Location", "/")
        response = web.Response(status=redirect.status, headers={"Location": where})
    except web.HTTPRequestEntityTooLarge:
        response = page(request, "problem.html", 413, sentence=TOO_BIG)
    except web.HTTPException as exc:
        sentence = NOT_FOUND if exc.status == 404 else f"{exc.reason}."
        response = page(request, "problem.html", exc.status, sentence=sentence)
    except Refused as exc:
        response = page(request, "problem.html", exc.status, sentence=str(exc))
    except DataUnavailable as exc:
        response = page(request, "problem.html", 503, sentence=f"{exc}; nothing was saved.")
    except Exception:
        log.exception("dashboard: %s %s failed", request.method, request.path)
        response = page(request, "problem.html", 500, sentence=BROKEN)
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response


async def current_session(request: web.Request) -> Session | None:
    dashboard = dashboard_of(request)
    secret = request.cookies.get(COOKIE, "")
    found = await asyncio.to_thread(
        sign_in.session, dashboard.store.database, secret, dashboard.clock()
    )
    foreign = found is not None and found.actor.guild not in dashboard.settings.guild_ids
    if foreign and not found.operator:
        return None  # a server that is not (or no longer) a home server
    request[SESSION] = found
    return found


async def signed_in(request: web.Request) -> Session:
    """The page's session; a visitor without one is told how to sign in."""
    found = await current_session(request)
    if found is None:
        raise Refused(SIGNED_OUT, 401)
    return found


def cross_site(request: web.Request) -> bool:
    """A POST another site's page made (browsers name the page's origin): refused, even
    sign-in, so no page elsewhere can sign a moderator in to someone else's session."""
    origin = request.headers.get("Origin")
    if origin is None:  # not a browser, or an old one: the CSRF token still guards changes
        return False
    allowed = {f"{request.scheme}://{request.host}"}
    public = dashboard_of(request).settings.dashboard_url
    if public:  # behind a proxy the browser names the public address
        allowed.add(str(URL(public).origin()))
    return origin not in allowed


async def read_form(request: web.Request) -> tuple[dict[str, str], str | None]:
    """The posted fields and what is wrong with the body, if anything (then nothing is done,
    but the text, however damaged, can be shown again)."""
    if cross_site(request):
        return {}, CROSS_SITE
    if (request.content_length or 0) > MAX_BODY:
        return {}, TOO_BIG
    try:
        body = await request.read()
    except web.HTTPRequestEntityTooLarge:
        return {}, TOO_BIG
    if request.content_type != "application/x-www-form-urlencoded":
        return {}, NOT_A_FORM
    try:
        fields = parse_qsl(body.decode("utf-8"), keep_blank_values=True, errors="strict")
        return dict(fields), None
    except UnicodeDecodeError:
        text = body.decode("utf-8", "replace")
        return dict(parse_qsl(text, keep_blank_values=True, errors="replace")), NOT_UTF8


async def change_request(request: web.Request) -> tuple[Session, dict[str, str]]:
    """A form that may change something: small, UTF-8, signed in, with the session's CSRF
    token, from someone who may curate now. Raises Refused with the typed text."""
    form, problem = await read_form(request)
    if problem is not None:
        status = {TOO_BIG: 413, CROSS_SITE: 403}.get(problem, 400)
        raise Refused(problem, status, form)
    session = await current_session(request)
    if session is None:
        raise Refused(SIGNED_OUT, 401, form)
    if not hmac.compare_digest(form.get("csrf", "").encode(), session.csrf.encode()):
        raise Refused(BAD_TOKEN, 403, form)
    if not session.operator:
        dashboard = dashboard_of(request)
        reason = await dashboard.rights(session.actor)
        if reason is not None:
            log.warning("dashboard: refused a change by member %s: %s", session.actor.id, reason)
            database = dashboard.store.database
            await asyncio.to_thread(sign_in.end_sessions_of, database, session.actor.id)
            request[SESSION] = None
            raise Refused(reason, 403, form)
    return session, form
