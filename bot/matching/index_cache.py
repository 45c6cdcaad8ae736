"""Built indexes kept in DATA_DIR/index, so a start with an unchanged knowledge base reads
them instead of building them (seconds at 100,000 entries).

Each file is named by its kind and a content key: the sha256 of everything the index is
built from (the texts, and the code or model that turns them into numbers). A different
key is a different file, so a stale index is never read; writing one removes the others of
its kind. Writes are atomic; a missing, unreadable or foreign file is simply rebuilt.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np

from bot.knowledge.files import write_atomic

FOLDER = "index"
CPU = ["CPUExecutionProvider"]


def content_key(*parts: Iterable[str]) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update("\0".join(part).encode())  # one call: a million small ones take seconds
        digest.update(b"\1")
    return digest.hexdigest()


def source_hash(*files: str) -> str:
    """The hash of the code that builds an index: changing it invalidates what it built."""
    return hashlib.sha256(b"".join(Path(f).read_bytes() for f in files)).hexdigest()


def user_cache() -> Path:
    """Where a command run outside a deployment folder keeps its index."""
    base = os.environ.get("XDG_CACHE_HOME") or os.environ.get("LOCALAPPDATA")
    return (Path(base) if base else Path.home() / ".cache") / "ml-career-bot"


def file_sha256(path: Path) -> str:
    """A file's sha256, remembered in the user's cache by its size, time and inode: the
    model's 90 MB took a quarter of a second at every start of a command."""
    stat, name = path.stat(), str(path.resolve())
    stamp = [stat.st_size, stat.st_mtime_ns, stat.st_ino]
    memo_path = user_cache() / "file-digests.json"
    try:
        memo = json.loads(memo_path.read_text())
        memo = memo if isinstance(memo, dict) else {}
    except (OSError, ValueError):
        memo = {}
    known = memo.get(name)
    if isinstance(known, list) and known[:3] == stamp and isinstance(known[-1], str):
        return known[-1]
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    memo[name] = [*stamp, digest.hexdigest()]
    with contextlib.suppress(OSError):  # best effort: a read-only home costs time, no more
        memo_path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(memo_path, json.dumps(memo).encode())
    return digest.hexdigest()


class IndexCache:
    def __init__(self, data_dir: Path | None) -> None:
        """In DATA_DIR when it exists; else (`ask` in any folder) in the user's cache, so no
        `data/` folder is left behind where a read-only command ran."""
        if data_dir is not None and not data_dir.is_dir():
            data_dir = user_cache()
        self.folder = data_dir / FOLDER if data_dir else None

    def path(self, kind: str, key: str, suffix: str = ".npz") -> Path | None:
        return self.folder / f"{kind}-{key[:32]}{suffix}" if self.folder else None

    def others(self, kind: str, key: str, suffix: str) -> list[Path]:
        """The files of this kind under other keys, newest first."""
        if self.folder is None or not self.folder.is_dir():
            return []
        mine = self.path(kind, key, suffix)
        found = []
        for path in self.folder.glob(f"{kind}-*{suffix}"):
            with contextlib.suppress(OSError):  # removed meanwhile by another process
                found.append((path.stat().st_mtime, path))
        return [path for _, path in sorted(found, reverse=True) if path != mine]

    def load(self, kind: str, key: str) -> dict[str, np.ndarray] | None:
        path = self.path(kind, key)
        if path is None:
            return None
        try:
            with np.load(path, allow_pickle=False) as stored:
                return {name: stored[name] for name in stored.files}
        except (OSError, ValueError, KeyError, EOFError):
            return None

    def save(self, kind: str, key: str, arrays: dict[str, np.ndarray]) -> None:
        buffer = io.BytesIO()
        np.savez(buffer, **arrays)
        self.write(kind, key, ".npz", buffer.getvalue())

    def load_json(self, kind: str, key: str) -> Any:
        """What `save_json` kept under `key`; None when missing or unreadable."""
        path = self.path(kind, key, ".json")
        try:
            return json.loads(path.read_bytes()) if path else None
        except (OSError, ValueError):
            return None

    def save_json(self, kind: str, key: str, value: Any) -> None:
        self.write(kind, key, ".json", json.dumps(value).encode())

    def write(self, kind: str, key: str, suffix: str, data: bytes) -> None:
        """Best effort: a read-only or full DATA_DIR costs start-up time, never answers."""
        path = self.path(kind, key, suffix)
        if path is None:
            return
        with contextlib.suppress(OSError):
            write_atomic(path, data)
            for old in self.others(kind, key, suffix):
                old.unlink(missing_ok=True)


def release_freed_memory() -> None:
    """Hand the heap's free pages back to the system (glibc only). glibc keeps what an
    index's passes and a model's first conversion freed: a new install's bot stayed ~50 MB
    larger for as long as it ran (bench/e2e.py's first run)."""
    try:
        import ctypes

        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):  # no glibc (musl, macOS, Windows)
        pass


def releasing_arena() -> Any:
    """Run options for a pass after an index's: as it ends, onnxruntime's arena hands back
    what it holds beyond what is in use. An index's passes (two at a time, of long wordings)
    grow the arena past what questions need, and it never shrinks on its own."""
    import onnxruntime

    options = onnxruntime.RunOptions()
    options.add_run_config_entry("memory.enable_memory_arena_shrinkage", "cpu:0")
    return options


def session_options() -> Any:
    """A session's options: one thread a pass (the other core serves Discord), quiet."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    options.log_severity_level = 3
    return options


def kept_session(
    kind: str,
    key: str,
    options: Callable[[], Any],
    graph: bytes,
    weights: Callable[[], dict[str, np.ndarray]],
    external: Path | None = None,
) -> Any:
    """An onnxruntime session of `graph`, given `weights()`, kept in the user's cache as
    onnxruntime saves one (`index/{kind}-{key}/`: the optimised graph and a file of its
    weights) and made from there from then on.

    Weights given as arrays are copied by onnxruntime, and both stayed (14 MB more for the
    sentence encoder's 11 MB); what it reads from its own file it owns once, and the graph is
    not optimised again. `options()` makes fresh SessionOptions; `external` is the folder of
    the graph's other external data. The key must name the weights, the graph and
    onnxruntime's version. A kept folder that cannot be read is made again; one that cannot
    be written costs memory, never answers."""
    import onnxruntime

    cache = IndexCache(user_cache())
    folder = cache.path(kind, key, "")
    assert folder is not None  # the user's cache always has one
    model = folder / "model.onnx"

    def kept() -> Any:  # the kept graph is optimised already (~10 ms of every start)
        settings = options()
        settings.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_DISABLE_ALL
        return onnxruntime.InferenceSession(str(model), settings, providers=CPU)

    if model.is_file():
        try:
            return kept()
        except Exception:  # damaged, or foreign: made again below
            shutil.rmtree(folder, ignore_errors=True)
    given = weights()

    def made(given: dict[str, np.ndarray], save_to: Path | None) -> Any:
        """The session of `given` arrays; saved to `save_to` as onnxruntime saves one."""
        settings = options()
        values = [onnxruntime.OrtValue.ortvalue_from_numpy(v) for v in given.values()]
        settings.add_external_initializers(list(given), values)
        if external is not None:
            settings.add_session_config_entry(
                "session.model_external_initializers_file_folder_path", str(external)
            )
        if save_to is not None:
            # With the fusions onnxruntime keeps portable (it warns against saving the
            # processor-specific ones); our graphs have none of those.
            settings.graph_optimization_level = (
                onnxruntime.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
            )
            settings.optimized_model_filepath = str(save_to / "model.onnx")
            settings.add_session_config_entry(
                "session.optimized_model_external_initializers_file_name", "model.weights"
            )
        return onnxruntime.InferenceSession(graph, settings, providers=CPU)

    scratch: Path | None = None
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=f".{kind}-", dir=folder.parent))
        made(given, scratch)  # saved as it is made; dropped: the kept files are read below
    except Exception:  # nowhere to keep it (read-only, full): the arrays' session, as before
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
        return made(given, None)
    release_freed_memory()  # what making it took: ~30 MB for the multilingual model
    _replace(folder, scratch, kind, stale=cache.others(kind, key, "")[1:])  # newest one stays
    try:
        return kept()
    except Exception:  # not kept after all (another process's, being replaced?)
        return made(given, None)


def _replace(folder: Path, scratch: Path, kind: str, stale: list[Path]) -> None:
    """Put `scratch` in `folder`'s place, whole or not at all, and remove `stale` folders (of
    other keys: two versions of the bot sharing the cache keep one each) and scratch folders
    a crash left an hour ago or more (a younger one may be being written)."""
    crashed = [old for old in folder.parent.glob(f".{kind}-*") if old != scratch]
    hour_ago = time.time() - 3600
    for old in stale + [old for old in crashed if _modified(old) < hour_ago]:
        shutil.rmtree(old, ignore_errors=True)
    try:
        scratch.rename(folder)
    except OSError:  # another process put its own there first
        shutil.rmtree(scratch, ignore_errors=True)


def _modified(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:  # removed meanwhile by another process
        return 0.0
