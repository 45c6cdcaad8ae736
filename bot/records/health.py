"""The heartbeat a connected bot leaves in DATA_DIR, which `health` checks (for Docker's
HEALTHCHECK or any monitor): a plain file's age, readable without the database."""

from __future__ import annotations

import time
from pathlib import Path

HEARTBEAT_FILE = "heartbeat"
HEARTBEAT_SECONDS = 60


def beat(data_dir: Path) -> None:
    """Raises OSError (an unwritable DATA_DIR then shows as unhealthy, which it is)."""
    (data_dir / HEARTBEAT_FILE).touch()


def heartbeat_age(data_dir: Path) -> float | None:
    try:
        return max(0.0, time.time() - (data_dir / HEARTBEAT_FILE).stat().st_mtime)
    except OSError:
        return None
