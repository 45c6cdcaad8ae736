"""Crash-safe file writes (a reader sees the old file or the new one, never a torn one) and
bounded reads (never more than a limit, never a FIFO or a device)."""

from __future__ import annotations

import os
import stat
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


class UnreadableFile(OSError):
    """A file the knowledge base will not read; the message is the reason, in words."""


def read_text_file(path: Path, limit: int) -> str:
    """A regular file's UTF-8 text, reading at most `limit` + 1 bytes. A FIFO, a device or a
    folder is refused before anything is read (never blocks), and so is a bigger file, UTF-16
    text or bytes that are not UTF-8: raises UnreadableFile, whose message reads after "the
    file is" (FileNotFoundError if it is gone).
    A byte-order mark and CRLF line endings are kept, so a rewrite can keep them too."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise UnreadableFile("not a regular file")
        chunks, size = [], 0
        while size <= limit and (chunk := os.read(fd, min(1 << 20, limit + 1 - size))):
            chunks.append(chunk)
            size += len(chunk)
    finally:
        os.close(fd)
    raw = b"".join(chunks)
    if len(raw) > limit:
        raise UnreadableFile(
            f"over {limit // 1_000_000} MB" if limit >= 1_000_000 else f"over {limit} bytes"
        )
    return decode_text(raw)


def decode_text(raw: bytes) -> str:
    """UTF-8 text, a byte-order mark kept; UnreadableFile says what else it is."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in raw[:200]:
        raise UnreadableFile("saved as UTF-16; save it as UTF-8")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise UnreadableFile(f"not UTF-8 text (line {line}); save it as UTF-8") from None
