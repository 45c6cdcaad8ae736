"""Crash-safe file writes: a reader sees the old file or the new one, never a torn one."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

TEMP_SUFFIX = ".tmp"


def write_atomic(path: Path, data: bytes, make_parents: bool = True) -> None:
    """Write to a temporary file beside `path`, fsync it, then os.replace it into place.

    `make_parents=False` refuses to write into a folder that has gone (for entry files: a
    deleted `entries/` must not be recreated holding one entry).
    """
    if make_parents:
        path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TEMP_SUFFIX)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    _sync_folder(path.parent)


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX: fsync the directory)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some filesystems refuse to fsync a directory; the rename is still atomic
    finally:
        os.close(fd)


def remove_temp_files(folder: Path) -> None:
    """Delete what write_atomic leaves behind when the process is killed mid-write.

    Only call this while holding the store's exclusive lock, so no write is in progress.
    """
    try:
        leftovers = list(folder.glob(f".*{TEMP_SUFFIX}"))
    except OSError:
        return
    for path in leftovers:
        path.unlink(missing_ok=True)
