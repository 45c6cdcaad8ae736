"""`ml-career-bot init DIR`: a deployment folder for a pip-installed bot."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from bot.config import shipped_knowledge
from bot.terminal.parser import program

ENV_EXAMPLE = "env.example"  # package data; the repository's .env.example is a copy (a test checks)


class InitRefused(Exception):
    """Something in the way that `init` must not overwrite; the message says what."""


def init_deployment(folder: Path) -> list[str]:
    """Create FOLDER with knowledge/ (a copy of the shipped knowledge base), .env (from the
    example) and data/. What is already there is kept. Raises OSError, or InitRefused when
    something of those names is there but is not what the bot needs."""
    folder.mkdir(parents=True, exist_ok=True)
    done: list[str] = []
    knowledge, env, data = folder / "knowledge", folder / ".env", folder / "data"
    if data.exists() and not data.is_dir():  # refused before anything is created
        raise InitRefused(f"{data} is a file, not a folder; move it away, or give another DIR.")
    if env.exists() and not env.is_file():
        raise InitRefused(f"{env} is not a file; move it away, or give another DIR.")
    if knowledge.exists() and not (knowledge / "entries").is_dir():
        raise InitRefused(
            f"{knowledge} is already there but is not a knowledge base (no entries/ folder "
            "in it); move it away, or give another DIR."
        )
    if knowledge.exists():
        done.append(f"kept {knowledge} (already there)")
    else:
        ignore = shutil.ignore_patterns("__pycache__", "__init__.py")
        shutil.copytree(shipped_knowledge(), knowledge, ignore=ignore)
        done.append(f"created {knowledge}: the knowledge base to curate")
    if env.exists():
        done.append(f"kept {env} (already there)")
    else:
        env.write_text((Path(__file__).parent.parent / ENV_EXAMPLE).read_text(encoding="utf-8"))
        done.append(f"created {env}: set DISCORD_TOKEN and GUILD_IDS there")
    if data.is_dir():
        done.append(f"kept {data} (already there)")
    else:
        data.mkdir()
        done.append(f"created {data}: where the bot keeps its database")
    return done


def run_init(folder: Path, warn: Callable[[str], None]) -> int:
    """`init DIR`: what was made or kept, then the next step; 2 when refused."""
    try:
        done = init_deployment(folder)
    except InitRefused as exc:
        warn(str(exc))
        return 2
    except OSError as exc:
        warn(f"Could not create {folder}: {exc.strerror or exc}.")
        return 2
    print("\n".join(done))
    print(f"Next: cd {folder}, edit .env, then run `{program()} run`.")
    return 0
