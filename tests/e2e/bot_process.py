"""The bot as its own process against the fake Discord, for tests that kill it with SIGKILL:
`python -m tests.e2e.bot_process API_BASE GATEWAY_URL` runs `python -m bot run` with
discord.py pointed at the fake. Settings come from the environment, as in production."""

from __future__ import annotations

import sys

import discord
import yarl

from bot.__main__ import main

if __name__ == "__main__":
    api, gateway = sys.argv[1:3]
    discord.http.Route.BASE = api
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway)
    sys.exit(main(["run"]))
