"""Signing in with a one-time link and signing out.

Opening the link shows a button; only pressing it (a POST) uses the link, so a link
preview or a browser's prefetch cannot spend it. The session cookie is HttpOnly,
SameSite=Strict, Secure behind https, and lasts as long as the session (12 hours)."""

from __future__ import annotations

import asyncio
import hmac
from urllib.parse import quote

from aiohttp import web

from bot.records import sign_in
from bot.web_adapter.context import SESSION, dashboard_of
from bot.web_adapter.guard import (
    BAD_TOKEN,
    COOKIE,
    CROSS_SITE,
    SIGNED_OUT,
    Refused,
    current_session,
    read_form,
)
from bot.web_adapter.pages import page

routes = web.RouteTableDef()


@routes.get(sign_in.SIGN_IN_PATH)
async def sign_in_page(request: web.Request) -> web.Response:
    await current_session(request)
    token = request.query.get("token", "")
    if not token:
        return page(request, "problem.html", 401, sentence=SIGNED_OUT)
    return page(request, "sign_in.html", token=token)


@routes.post(sign_in.SIGN_IN_PATH)
async def use_link(request: web.Request) -> web.Response:
    form, problem = await read_form(request)
    if problem is not None:
        raise Refused(problem, 403 if problem is CROSS_SITE else 400)
    dashboard = dashboard_of(request)
    previous = request.cookies.get(COOKIE, "")
    if previous:  # signing in again ends the session this browser had
        await asyncio.to_thread(sign_in.end_session, dashboard.store.database, previous)
    try:
        secret, session = await asyncio.to_thread(
            sign_in.redeem, dashboard.store.database, form.get("token", ""), dashboard.clock()
        )
    except sign_in.SignInRefused as exc:
        raise Refused(str(exc), 403) from None
    response = web.HTTPSeeOther(f"/?done=signed-in&id={quote(session.actor.name)}")
    answer = web.Response(status=303, headers={"Location": response.location})
    answer.set_cookie(
        COOKIE,
        secret,
        max_age=int(sign_in.SESSION_LIFETIME.total_seconds()),
        path="/",
        httponly=True,
        samesite="Strict",
        secure=dashboard.secure,
    )
    return answer


@routes.post("/sign-out")
async def sign_out(request: web.Request) -> web.Response:
    form, problem = await read_form(request)
    if problem is not None:
        raise Refused(problem)
    session = await current_session(request)
    if session is not None:
        if not hmac.compare_digest(form.get("csrf", "").encode(), session.csrf.encode()):
            raise Refused(BAD_TOKEN, 403)
        secret = request.cookies.get(COOKIE, "")
        await asyncio.to_thread(sign_in.end_session, dashboard_of(request).store.database, secret)
    request[SESSION] = None
    answer = page(request, "signed_out.html")
    answer.del_cookie(COOKIE, path="/")
    return answer
