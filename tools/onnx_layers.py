"""What tools/encoder_graph.py and tools/e5_graph.py share: a small ONNX graph builder and
BERT's encoder layers on it (all-MiniLM-L6-v2 and multilingual-e5-small are both BERTs with
384-wide states and 12 heads; only their depth and embeddings differ)."""

from __future__ import annotations

import math
from collections.abc import Mapping

import onnx
from onnx import TensorProto, helper

HIDDEN, HEADS, INTERMEDIATE = 384, 12, 1536
EPS = 1e-12
OPSET = 17  # LayerNormalization
TABLES = ("embeddings.word_embeddings.weight", "embeddings.position_embeddings.weight")
TABLES += ("embeddings.token_type_embeddings.weight",)


class Graph:
    def __init__(self, int8: bool = False, supplied: Mapping[str, tuple] | None = None) -> None:
        self.int8 = int8
        self.supplied = supplied  # shapes of the weights given at load (all but the tables)
        self.quantised: dict[str, tuple[str, str]] = {}  # x -> its int8 rows and their scales
        self.given: list[onnx.TensorProto] = []  # weights the loader supplies
        self.zero_point = ""
        self.nodes: list[onnx.NodeProto] = []
        self.weights: list[onnx.ValueInfoProto] = []
        self.constants: list[onnx.TensorProto] = []
        self._count = 0

    def op(self, kind: str, *inputs: str, **attributes: object) -> str:
        self._count += 1
        out = f"{kind.lower()}_{self._count}"
        self.nodes.append(helper.make_node(kind, list(inputs), [out], **attributes))
        return out

    def weight(self, name: str, *shape: int) -> str:
        if self.supplied is not None and name not in TABLES:
            if tuple(self.supplied[name]) != shape:
                raise SystemExit(f"{name}: {tuple(self.supplied[name])}, not {shape}")
            self.given.append(given(name, TensorProto.FLOAT, list(shape)))
            return name
        self.weights.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, list(shape)))
        return name

    def ints(self, *values: int) -> str:
        return self._constant(TensorProto.INT64, list(values))

    def floats(self, *values: float) -> str:
        return self._constant(TensorProto.FLOAT, list(values))

    def _constant(self, kind: int, values: list) -> str:
        name = f"constant_{len(self.constants)}"
        self.constants.append(helper.make_tensor(name, kind, [len(values)], values))
        return name

    def linear(self, x: str, prefix: str, out: int, inp: int) -> str:
        if self.int8:
            return self.int8_linear(x, prefix, out, inp)
        w = self.weight(f"{prefix}.weight", out, inp)
        return self.op("Gemm", x, w, self.weight(f"{prefix}.bias", out), transB=1)

    def int8_linear(self, x: str, prefix: str, out: int, inp: int) -> str:
        """x @ W.T + b with W as int8 (in, out) and a scale per output channel, both given
        at load. x is quantised per row (symmetric, a token's largest value is 127), never
        per pass, so a text's vector does not depend on the others in its pass. It is stored
        as uint8 around 128: onnxruntime's u8 x s8 kernels ran 10x faster than its s8 x s8
        ones here."""
        if not self.zero_point:
            self.zero_point = f"constant_{len(self.constants)}"
            self.constants.append(helper.make_tensor(self.zero_point, TensorProto.UINT8, [], [128]))
        if x not in self.quantised:
            top = self.op("ReduceMax", self.op("Abs", x), axes=[-1], keepdims=1)
            scale = self.op("Div", self.op("Max", top, self.floats(1e-12)), self.floats(127.0))
            rows = self.op("Add", self.op("Round", self.op("Div", x, scale)), self.floats(128.0))
            self.quantised[x] = (self.op("Cast", rows, to=TensorProto.UINT8), scale)
        rows, scale = self.quantised[x]
        weight, channel = f"{prefix}.weight.int8", f"{prefix}.weight.scale"
        self.given.append(given(weight, TensorProto.INT8, [inp, out]))
        self.given.append(given(channel, TensorProto.FLOAT, [out]))
        product = self.op(
            "Cast", self.op("MatMulInteger", rows, weight, self.zero_point), to=TensorProto.FLOAT
        )
        product = self.op("Mul", self.op("Mul", product, scale), channel)
        return self.op("Add", product, self.weight(f"{prefix}.bias", out))

    def layer_norm(self, x: str, prefix: str) -> str:
        gamma = self.weight(f"{prefix}.weight", HIDDEN)
        beta = self.weight(f"{prefix}.bias", HIDDEN)
        return self.op("LayerNormalization", x, gamma, beta, axis=-1, epsilon=EPS)


def given(name: str, kind: int, shape: list[int]) -> onnx.TensorProto:
    """An initializer whose data the loader supplies (`add_external_initializers`):
    nothing of it is stored."""
    tensor = onnx.TensorProto(name=name, data_type=kind, dims=shape)
    tensor.data_location = TensorProto.EXTERNAL
    size = math.prod(shape) * (1 if kind in (TensorProto.INT8, TensorProto.UINT8) else 4)
    for key, value in (("location", "given-by-the-encoder"), ("offset", 0), ("length", size)):
        tensor.external_data.add(key=key, value=str(value))
    return tensor


def shapes(g: Graph, shape: str) -> tuple[str, str]:
    """From (batch, length): the shape that splits states into heads, and (-1, hidden)."""
    return g.op("Concat", shape, g.ints(HEADS, -1), axis=0), g.ints(-1, HIDDEN)


def encoder_layers(g: Graph, x: str, mask_f: str, split: tuple[str, str], layers: int) -> str:
    """`layers` BERT layers over x (tokens, hidden); mask_f is the attention mask as floats
    and `split` what `shapes` made. Returns the last layer's states, (tokens, hidden)."""
    heads_shape, flat = split
    # Padding: -1e9 on the attention scores of padded keys, shaped (batch, 1, 1, length).
    one = g.floats(1.0)
    bias = g.op("Mul", g.op("Sub", one, mask_f), g.floats(-1e9))
    bias = g.op("Unsqueeze", bias, g.ints(1, 2))
    scale = g.floats(1 / math.sqrt(HIDDEN // HEADS))
    half, root2 = g.floats(0.5), g.floats(math.sqrt(2.0))

    def heads(t: str, perm: list[int]) -> str:
        return g.op("Transpose", g.op("Reshape", t, heads_shape), perm=perm)

    for i in range(layers):
        p = f"encoder.layer.{i}."
        q = heads(g.linear(x, p + "attention.self.query", HIDDEN, HIDDEN), [0, 2, 1, 3])
        k = heads(g.linear(x, p + "attention.self.key", HIDDEN, HIDDEN), [0, 2, 3, 1])
        v = heads(g.linear(x, p + "attention.self.value", HIDDEN, HIDDEN), [0, 2, 1, 3])
        scores = g.op("Add", g.op("Mul", g.op("MatMul", q, k), scale), bias)
        context = g.op("MatMul", g.op("Softmax", scores, axis=-1), v)
        context = g.op("Reshape", g.op("Transpose", context, perm=[0, 2, 1, 3]), flat)
        attended = g.linear(context, p + "attention.output.dense", HIDDEN, HIDDEN)
        x = g.layer_norm(g.op("Add", x, attended), p + "attention.output.LayerNorm")
        inner = g.linear(x, p + "intermediate.dense", INTERMEDIATE, HIDDEN)
        # Exact GELU: x/2 * (1 + erf(x / sqrt 2)).
        erf = g.op("Erf", g.op("Div", inner, root2))
        gelu = g.op("Mul", g.op("Mul", inner, half), g.op("Add", erf, one))
        out = g.linear(gelu, p + "output.dense", HIDDEN, INTERMEDIATE)
        x = g.layer_norm(g.op("Add", x, out), p + "output.LayerNorm")
    return x


def mean_pooled(g: Graph, tokens: str, mask_f: str) -> str:
    """The mean of each text's real tokens' states (tokens: batch, length, hidden)."""
    weights = g.op("Unsqueeze", mask_f, g.ints(2))
    summed = g.op("ReduceSum", g.op("Mul", tokens, weights), g.ints(1), keepdims=0)
    count = g.op("ReduceSum", weights, g.ints(1), keepdims=0)
    return g.op("Div", summed, g.op("Max", count, g.floats(1e-9)))
