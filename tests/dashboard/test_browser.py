"""The dashboard in a real headless Chromium (Debian's, driven over WebDriver): sign in with
a link, edit an answer and watch the preview, teach an unanswered question, undo, sign out;
by keyboard alone and at a phone's width; no script blocked by the page's CSP.

With DASHBOARD_SCREENSHOTS=DIR the main pages are saved there (docs/screenshots is made so)."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from bot.records.activity import record_unanswered
from bot.records.feedback import record_question, vote
from tests.dashboard.conftest import link_for
from tests.dashboard.webdriver import KEYS, WebDriverError, chromium, missing

pytestmark = pytest.mark.skipif(missing() is not None, reason=str(missing()))
SHOTS = os.environ.get("DASHBOARD_SCREENSHOTS")


async def shoot(browser, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        (Path(SHOTS) / f"{name}.png").write_bytes(await browser.screenshot())


async def wait_for_text(browser, css: str, text: str) -> str:
    """Poll (generous bound) until the element shows `text`: the preview redraws on input, and
    the page after a click may still be loading."""
    found = ""
    for _ in range(400):
        try:
            found = await browser.text(css)
        except WebDriverError:  # not on the page (yet), or the page changed under us
            found = ""
        if text in found:
            return found
        await asyncio.sleep(0.025)
    raise AssertionError(f"{css} never showed {text!r}; it shows {found!r}")


async def test_a_moderator_signs_in_edits_teaches_undoes_and_signs_out(client, dashboard):
    database = dashboard.store.database
    matcher = dashboard.matcher()
    for _ in range(3):
        record_unanswered(database, matcher.match("is a doctorate worth it for research"), 111, 2)
    record_unanswered(database, matcher.match("best pizza toppings near me"), 111, 2)
    record_question(database, 9, matcher.match("do I need a PhD"), "ask", 111, 2)
    vote(database, 5, "phd-required", 9, True, 111, 2)
    base = str(client.server.make_url("/")).rstrip("/")
    async with chromium() as browser:
        await browser.go(f"{base}/sign-in?token={link_for(dashboard)}")
        await browser.click("#sign-in")
        await wait_for_text(browser, ".notice", "Signed in as ada.")
        await shoot(browser, "entries")

        await browser.go(f"{base}/entries/phd-required/edit")
        await browser.type("#answer", "**No.** See [the guide](https://example.org/guide) ")
        preview = ".preview .embed-body"
        await wait_for_text(browser, preview, "No. See the guide")
        assert await browser.text(f"{preview} strong") == "No."
        link = await browser.find(f"{preview} a")
        href = await browser.call("GET", f"/element/{link}/attribute/href")
        assert href == "https://example.org/guide"
        count = await browser.text("#answer-count")
        assert count == str(len("**No.** See [the guide](https://example.org/guide) "))
        over = "return document.querySelector('.count').classList.contains('over')"
        assert await browser.run(over) is False
        await browser.run(  # as if pasted: typing 1,501 keys over WebDriver takes seconds
            "const a = document.getElementById('answer'); a.value = 'x'.repeat(1501);"
            "a.dispatchEvent(new Event('input'));"
        )
        await wait_for_text(browser, "#answer-count", "1501")
        assert await browser.run(over) is True, "past the answer's limit the count says so"
        await browser.type("#answer", "**No.** See [the guide](https://example.org/guide) ")
        await browser.type("#question", "Is a PhD needed?")
        await wait_for_text(browser, ".preview [data-preview-title]", "Is a PhD needed?")
        await shoot(browser, "edit")
        await browser.click("#save")
        await wait_for_text(browser, ".notice", "Saved phd-required.")
        assert dashboard.store.document("phd-required")["question"] == "Is a PhD needed?"

        await browser.go(f"{base}/unanswered")
        await shoot(browser, "unanswered")
        await browser.click(".group form[action='/unanswered/phrasing'] button")
        await wait_for_text(browser, ".notice", "Added as a phrasing of")
        taught = dashboard.store.document("phd-required")["phrasings"]
        assert "is a doctorate worth it for research" in taught

        await browser.go(f"{base}/try?q=do+I+need+a+PhD")
        await shoot(browser, "try")
        await browser.go(f"{base}/stats")
        await shoot(browser, "stats")
        await browser.go(f"{base}/feedback")
        await shoot(browser, "feedback")
        await browser.go(f"{base}/history")
        await shoot(browser, "history")
        await browser.click("#undo")
        await wait_for_text(browser, ".notice", "Undid the latest change (phrasing).")
        assert (
            "is a doctorate worth it for research"
            not in dashboard.store.document("phd-required")["phrasings"]
        )

        await browser.click(".sign-out button")
        await wait_for_text(browser, "main", "You are signed out")
        await browser.go(f"{base}/")
        await wait_for_text(browser, ".problem", "You are not signed in")
        blocked = [m for m in await browser.console() if "Content Security Policy" in m]
        assert blocked == [], "no script or style was refused by the CSP"


async def test_it_works_with_the_keyboard_and_at_a_phones_width(client, dashboard):
    base = str(client.server.make_url("/")).rstrip("/")
    async with chromium(width=390, height=844) as browser:
        await browser.go(f"{base}/sign-in?token={link_for(dashboard)}")
        await browser.press(KEYS["tab"])
        active = await browser.run("return document.activeElement.textContent")
        assert active == "Skip to the content"
        await browser.press(KEYS["tab"], KEYS["enter"])  # the sign-in button
        await wait_for_text(browser, ".notice", "Signed in as ada.")
        assert await browser.run("return window.innerWidth") == 390
        for path in ("/", "/entries/phd-required", "/entries/phd-required/edit", "/history"):
            await browser.go(base + path)
            wide = await browser.run(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert wide <= 0, f"{path} scrolls sideways at a phone's width"
        await browser.go(f"{base}/entries/phd-required/edit")
        await shoot(browser, "phone-edit")
        await browser.run("document.getElementById('question').focus()")
        await browser.press(KEYS["tab"])
        focused = await browser.run("return document.activeElement.id")
        assert focused == "category", "the form's fields follow in reading order"
