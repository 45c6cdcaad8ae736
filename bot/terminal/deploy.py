"""`ml-career-bot init DIR`: a deployment folder for a pip-installed bot."""

from __future__ import annotations

import shutil
from pathlib import Path

from bot.config import shipped_knowledge

ENV_EXAMPLE = "env.example"  # package data; the repository's .env.example is a copy (a test checks)


def init_deployment(folder: Path) -> list[str]:
    """Create FOLDER with knowledge/ (a copy of the shipped knowledge base), .env (from the
    example) and data/. What is already there is kept. Raises OSError."""
    folder.mkdir(parents=True, exist_ok=True)
    done: list[str] = []
    knowledge = folder / "knowledge"
    if knowledge.exists():
        done.append(f"kept {knowledge} (already there)")
    else:
        ignore = shutil.ignore_patterns("__pycache__", "__init__.py")
        shutil.copytree(shipped_knowledge(), knowledge, ignore=ignore)
        done.append(f"created {knowledge}: the knowledge base to curate")
    env = folder / ".env"
    if env.exists():
        done.append(f"kept {env} (already there)")
    else:
        env.write_text((Path(__file__).parent.parent / ENV_EXAMPLE).read_text(encoding="utf-8"))
        done.append(f"created {env}: set DISCORD_TOKEN and GUILD_IDS there")
    data = folder / "data"
    if data.is_dir():
        done.append(f"kept {data} (already there)")
    else:
        data.mkdir()
        done.append(f"created {data}: where the bot keeps its database")
    return done
