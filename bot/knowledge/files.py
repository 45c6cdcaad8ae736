"""Crash-safe file writes (a reader sees the old file or the new one, never a torn one) and
bounded reads (never more than a limit, never a FIFO or a device)."""

from __future__ import annotations

import logging
import os
import stat
import tempfile
from contextlib import suppress
from pathlib import Path

log = logging.getLogger(__name__)
MAX_BYTES = 1_000_000  # a YAML text: an entry file, the out-of-scope file, an import

TEMP_SUFFIX = ".tmp"


def write_atomic(path: Path, data: bytes, make_parents: bool = True, sync: bool = True) -> None:
    """Write to a temporary file beside `path`, fsync it, then os.replace it into place.

    The file keeps the mode (and, where permitted, the owner) of the one it replaces; a new
    file gets the umask's default, as an editor would give it (mkstemp alone makes 0600).
    `make_parents=False` refuses to write into a folder that has gone (for entry files: a
    deleted `entries/` must not be recreated holding one entry). `sync=False`: the caller
    makes the rename durable itself, with one `sync_folder` after a batch of writes.
    """
    if make_parents:
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        old: os.stat_result | None = os.stat(path)
    except OSError:
        old = None
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TEMP_SUFFIX)
    try:
        with os.fdopen(fd, "wb") as handle:
            _keep_mode(handle.fileno(), old)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    if sync:
        sync_folder(path.parent)
    if problem := unreadable_for_folder_owner(path):
        log.warning("%s: %s", path, problem)


def _keep_mode(fd: int, old: os.stat_result | None) -> None:
    if not hasattr(os, "fchmod"):  # Windows: files have no Unix mode to keep
        return
    os.fchmod(fd, stat.S_IMODE(old.st_mode) if old else 0o666 & ~_umask())
    if old is not None and hasattr(os, "fchown"):
        with suppress(OSError):  # only root may give a file away; others keep their own
            os.fchown(fd, old.st_uid, old.st_gid)


def _umask() -> int:
    """The process's umask, read without changing it where the system allows."""
    with suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o022)  # elsewhere: set and put back at once
    os.umask(mask)
    return mask


def unreadable_for_folder_owner(path: Path) -> str | None:
    """Why the owner of `path`'s folder (the bot's user, as a rule) could not read it; None.
    A `kb` command run as root with a strict umask would leave such a file."""
    try:
        mode, folder = path.stat(), path.parent.stat()
    except OSError:
        return None
    if not hasattr(os, "getuid") or folder.st_uid == 0:
        return None
    if mode.st_uid == folder.st_uid:
        readable = mode.st_mode & stat.S_IRUSR
    elif mode.st_gid == folder.st_gid:
        readable = mode.st_mode & stat.S_IRGRP
    else:
        readable = mode.st_mode & stat.S_IROTH
    if readable:
        return None
    return (
        f"written with mode {stat.S_IMODE(mode.st_mode):04o} by user {mode.st_uid}, so "
        f"user {folder.st_uid} (who owns its folder) cannot read it; fix it with chown or chmod"
    )


def sync_folder(folder: Path) -> None:
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


def read_text_file(path: Path, limit: int = MAX_BYTES, inside: Path | None = None) -> str:
    """A regular file's UTF-8 text, reading at most `limit` + 1 bytes. A FIFO, a device or a
    folder is refused before anything is read (never blocks), and so is a bigger file, UTF-16
    text or bytes that are not UTF-8: raises UnreadableFile, whose message reads after "the
    file is" (FileNotFoundError if it is gone).
    A byte-order mark and CRLF line endings are kept, so a rewrite can keep them too. With
    `inside`, a symbolic link to a file outside that folder is refused too."""
    linked = inside is not None and path.is_symlink()
    if linked and not path.resolve().is_relative_to(inside.resolve()):
        raise UnreadableFile("a link to a file outside the knowledge folder; put the file there")
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
