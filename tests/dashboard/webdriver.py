"""Just enough of the W3C WebDriver protocol (JSON over HTTP) to drive Debian's headless
Chromium through its chromedriver: no Selenium, no browser download."""

from __future__ import annotations

import asyncio
import base64
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from aiohttp import ClientSession

ELEMENT = "element-6066-11e4-a52e-4f735466cecf"
KEYS = {"tab": "\ue004", "enter": "\ue007", "shift": "\ue008"}
BROWSERS = ("chromium", "chromium-browser", "google-chrome")


def missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if shutil.which("chromedriver") is None:
        return "chromedriver is not installed (Debian: apt-get install chromium-driver)"
    if not any(shutil.which(name) for name in BROWSERS):
        return "Chromium is not installed (Debian: apt-get install chromium)"
    return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class WebDriverError(AssertionError):
    pass


class Browser:
    def __init__(self, http: ClientSession, base: str, session: str) -> None:
        self.http, self.base, self.session = http, base, session

    async def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        url = f"{self.base}/session/{self.session}{path}"
        async with self.http.request(method, url, json=body) as answer:
            data = await answer.json()
        if answer.status != 200:
            raise WebDriverError(f"{method} {path}: {data['value'].get('message', data)[:500]}")
        return data["value"]

    async def go(self, url: str) -> None:
        await self.call("POST", "/url", {"url": url})

    async def find(self, css: str) -> str:
        return (await self.call("POST", "/element", {"using": "css selector", "value": css}))[
            ELEMENT
        ]

    async def find_all(self, css: str) -> list[str]:
        found = await self.call("POST", "/elements", {"using": "css selector", "value": css})
        return [f[ELEMENT] for f in found]

    async def click(self, css: str) -> None:
        await self.call("POST", f"/element/{await self.find(css)}/click", {})

    async def type(self, css: str, text: str, clear: bool = True) -> None:
        element = await self.find(css)
        if clear:
            await self.call("POST", f"/element/{element}/clear", {})
        await self.call("POST", f"/element/{element}/value", {"text": text})

    async def text(self, css: str) -> str:
        return await self.call("GET", f"/element/{await self.find(css)}/text")

    async def run(self, script: str, *args: Any) -> Any:
        return await self.call("POST", "/execute/sync", {"script": script, "args": list(args)})

    async def press(self, *keys: str) -> None:
        """Keys as a person presses them, one after another, on whatever has the focus."""
        actions = []
        for key in keys:
            actions += [{"type": "keyDown", "value": key}, {"type": "keyUp", "value": key}]
        await self.call(
            "POST", "/actions", {"actions": [{"type": "key", "id": "keyboard", "actions": actions}]}
        )

    async def size(self, width: int, height: int) -> None:
        await self.call("POST", "/window/rect", {"width": width, "height": height})

    async def screenshot(self) -> bytes:
        return base64.b64decode(await self.call("GET", "/screenshot"))

    async def console(self) -> list[str]:
        """What the page logged (CSP violations are logged here)."""
        entries = await self.call("POST", "/se/log", {"type": "browser"})
        return [entry["message"] for entry in entries]


@asynccontextmanager
async def chromium(width: int = 1280, height: int = 900) -> AsyncIterator[Browser]:
    port = _free_port()
    scratch = tempfile.mkdtemp(prefix="chromium-")  # its profile: removed after, not left in /tmp
    driver = subprocess.Popen(
        ["chromedriver", f"--port={port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "TMPDIR": scratch},
    )
    base = f"http://127.0.0.1:{port}"
    binary = next(shutil.which(name) for name in BROWSERS if shutil.which(name))
    options = {
        "binary": binary,
        "args": [
            "--headless=new",
            "--no-sandbox",  # CI runs as root
            "--disable-gpu",
            "--disable-dev-shm-usage",
            f"--window-size={width},{height}",
        ],
    }
    if width < 500:  # a desktop window is never that narrow: emulate the phone's screen
        options["mobileEmulation"] = {
            "deviceMetrics": {"width": width, "height": height, "pixelRatio": 1}
        }
    capabilities = {
        "browserName": "chrome",
        "goog:chromeOptions": options,
        "goog:loggingPrefs": {"browser": "ALL"},
    }
    try:
        async with ClientSession() as http:
            for _ in range(600):  # the driver listens within a second or two
                try:
                    async with http.get(f"{base}/status") as status:
                        if (await status.json())["value"]["ready"]:
                            break
                except OSError:
                    pass
                await asyncio.sleep(0.05)
            async with http.post(
                f"{base}/session", json={"capabilities": {"alwaysMatch": capabilities}}
            ) as answer:
                created = await answer.json()
            if answer.status != 200:
                raise WebDriverError(str(created)[:500])
            browser = Browser(http, base, created["value"]["sessionId"])
            try:
                yield browser
            finally:
                async with http.delete(f"{base}/session/{browser.session}"):
                    pass
    finally:
        driver.terminate()
        driver.wait(10)
        shutil.rmtree(scratch, ignore_errors=True)
