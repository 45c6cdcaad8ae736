"""The bot as its own process against the fake Discord, for tests that kill it with SIGKILL:
`python -m tests.e2e.bot_process API_BASE GATEWAY_URL` runs `python -m bot run` with
discord.py pointed at the fake (and ready as soon as the fake allows: fake_gateway.py).
Settings come from the environment, as in production."""

from __future__ import annotations

import os
import sys

import discord
import yarl

from bot.__main__ import main
from bot.discord_adapter import app
from tests.e2e.fake_gateway import quick_ready

if __name__ == "__main__":
    api, gateway = sys.argv[1:3]
    discord.http.Route.BASE = api
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway)
    discord.state.ConnectionState.__init__ = quick_ready(discord.state.ConnectionState.__init__)
    if "E2E_CLOSE_GRACE" in os.environ:  # a stop with the database locked need not wait 5 s
        app.CLOSE_GRACE = float(os.environ["E2E_CLOSE_GRACE"])
    sys.exit(main(["run"]))
