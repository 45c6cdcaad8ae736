"""The heartbeat a connected bot leaves in DATA_DIR, which `health` checks (for Docker's
HEALTHCHECK or any monitor): a plain file's age, readable without the database."""

from __future__ import annotations

import stat
import time
from pathlib import Path

HEARTBEAT_FILE = "heartbeat"
HEARTBEAT_SECONDS = 60


def beat(data_dir: Path) -> None:
    """Raises OSError (an unwritable DATA_DIR then shows as unhealthy, which it is)."""
    (data_dir / HEARTBEAT_FILE).touch()


def heartbeat_age(data_dir: Path) -> float | None:
    """Seconds since the last beat; None when there is no heartbeat file (a folder or
    anything else of that name is none)."""
    try:
        status = (data_dir / HEARTBEAT_FILE).stat()
    except OSError:
        return None
    if not stat.S_ISREG(status.st_mode):
        return None
    return max(0.0, time.time() - status.st_mtime)
