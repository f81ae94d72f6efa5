"""Expose an inner tensor of an ONNX model as an extra output, by editing its protobuf bytes (no `onnx` package).

A Piper voice computes each phoneme id's length in audio frames (the `Ceil` of its duration predictor)
but returns only the audio. Marking that tensor as a graph output gives exact phoneme times for free.
Protobuf merges a repeated message field, so appending `graph { output { name } }` to the model's
bytes adds one output without rewriting anything else.
"""

from __future__ import annotations

from collections.abc import Iterator

_VARINT, _I64, _LEN, _I32 = 0, 1, 2, 5
_MODEL_GRAPH = 7          # ModelProto.graph
_GRAPH_NODE = 1           # GraphProto.node
_GRAPH_OUTPUT = 12        # GraphProto.output
_NODE_OUTPUT = 2          # NodeProto.output
_NODE_OP_TYPE = 4         # NodeProto.op_type
_VALUE_INFO_NAME = 1      # ValueInfoProto.name


def _varint(buf: bytes | memoryview, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        b = buf[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        if b < 0x80:
            return value, pos
        shift += 7


def _fields(buf: memoryview) -> Iterator[tuple[int, int, memoryview | int]]:
    """(field number, wire type, value) of one message; LEN values are views, not copies."""
    pos, end = 0, len(buf)
    while pos < end:
        key, pos = _varint(buf, pos)
        number, wire = key >> 3, key & 7
        if wire == _VARINT:
            value, pos = _varint(buf, pos)
            yield number, wire, value
        elif wire == _LEN:
            size, pos = _varint(buf, pos)
            yield number, wire, buf[pos:pos + size]
            pos += size
        elif wire == _I64:
            pos += 8
        elif wire == _I32:
            pos += 4
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")


def _encode_varint(value: int) -> bytes:
    out = bytearray()
    while True:
        b = value & 0x7F
        value >>= 7
        if value:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _len_field(number: int, payload: bytes) -> bytes:
    return _encode_varint((number << 3) | _LEN) + _encode_varint(len(payload)) + payload


def node_outputs(model: bytes, op_type: str) -> list[str]:
    """Names of the tensors made by the top-level graph's nodes of `op_type`."""
    view = memoryview(model)
    names: list[str] = []
    for number, wire, graph in _fields(view):
        if number != _MODEL_GRAPH or wire != _LEN:
            continue
        for gnum, gwire, node in _fields(graph):  # type: ignore[arg-type]
            if gnum != _GRAPH_NODE or gwire != _LEN:
                continue
            outputs: list[str] = []
            op = ""
            for nnum, nwire, value in _fields(node):  # type: ignore[arg-type]
                if nnum == _NODE_OUTPUT and nwire == _LEN:
                    outputs.append(bytes(value).decode("utf-8"))  # type: ignore[arg-type]
                elif nnum == _NODE_OP_TYPE and nwire == _LEN:
                    op = bytes(value).decode("utf-8")  # type: ignore[arg-type]
            if op == op_type:
                names.extend(outputs)
    return names


def with_output(model: bytes, tensor: str) -> bytes:
    """The model with `tensor` also listed among the graph's outputs (type left for the runtime to infer)."""
    value_info = _len_field(_VALUE_INFO_NAME, tensor.encode("utf-8"))
    return model + _len_field(_MODEL_GRAPH, _len_field(_GRAPH_OUTPUT, value_info))
