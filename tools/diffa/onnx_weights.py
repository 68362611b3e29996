"""Binds weights to an exported weight-less graph (onnx_export.py): each parameter input becomes an initializer
stored in one external data file beside the graph, written one tensor at a time. A Linear weight read only through
Transpose([1, 0]) is stored already transposed and the Transpose removed."""
import os

import numpy as np
import onnx
from onnx import TensorProto

from . import onnx_int4
from .onnx_fp16 import consumers

ALIGN = 4096  # page-aligned offsets, so ONNX Runtime can memory-map each tensor
_ONNX = {"float32": (np.float32, TensorProto.FLOAT), "float16": (np.float16, TensorProto.FLOAT16),
         "uint8": (np.uint8, TensorProto.UINT8)}


def strip_prefix(model, prefix):
    """Parameter inputs are named `m.<state_dict name>` (the graph wrappers hold the model as `self.m`)."""
    g = model.graph
    rename = {i.name: i.name[len(prefix):] for i in g.input if i.name.startswith(prefix)}
    for i in g.input:
        i.name = rename.get(i.name, i.name)
    for n in g.node:
        for k, t in enumerate(n.input):
            n.input[k] = rename.get(t, t)
    return set(rename.values())


def input_shapes(model, names):
    return {i.name: tuple(d.dim_value for d in i.type.tensor_type.shape.dim) for i in model.graph.input if i.name in names}


def fold_transposes(model, weights):
    """Returns the weights now used as W^T ([in, out])."""
    g = model.graph
    readers = consumers(g)
    folded = set()
    for w in weights:
        rs = readers.get(w, [])
        if rs and all(r.op_type == "Transpose" and [a.ints for a in r.attribute] == [[1, 0]] for r in rs):
            gone = {r.output[0] for r in rs}
            for n in g.node:
                for k, t in enumerate(n.input):
                    if t in gone:
                        n.input[k] = w
            for r in rs:
                g.node.remove(r)
            folded.add(w)
    return folded


def _nbytes(shape, np_t):
    n = 1
    for d in shape:
        n *= d
    return n * np.dtype(np_t).itemsize


def layout(model, weights, dtypes, transposed, int4, shapes):
    """Where every initializer goes in the external data file, in the order bind() writes them: a list of
    {name, source, op, dtype, shape, offset, length}. `op` says how the stored bytes come from the state-dict tensor
    `source` (float32, [out, in] for Linear weights): copy (cast to dtype), transpose (2-D, then cast), or one of
    MatMulNBits' three inputs (q4, scales, zero_points; onnx_int4.quantize). The TypeScript builder
    (src-main/models/build/) reads this plan to write the same bytes without Python."""
    entries, offset = [], 0

    def add(name, source, op, dtype, shape):
        nonlocal offset
        offset += -offset % ALIGN
        length = _nbytes(shape, _ONNX[dtype][0])
        entries.append({"name": name, "source": source, "source_shape": [int(d) for d in shapes[source]], "op": op,
                        "dtype": dtype, "shape": [int(d) for d in shape], "offset": offset, "length": length})
        offset += length

    for i in model.graph.input:
        w = i.name
        if w not in weights:
            continue
        shape = shapes[w]
        if w in int4:
            n, k = shape
            kb = k // onnx_int4.BLOCK
            add(w + "/q4", w, "q4", "uint8", (n, kb, onnx_int4.BLOCK // 2))
            add(w + "/scales", w, "scales", dtypes[w], (n * kb,))
            add(w + "/zero_points", w, "zero_points", "uint8", (n * ((kb + 1) // 2),))
        elif w in transposed:
            add(w, w, "transpose", dtypes[w], tuple(reversed(shape)))
        else:
            add(w, w, "copy", dtypes[w], shape)
    return entries


def _external(name, onnx_type, shape, location, offset, length):
    t = TensorProto(name=name, data_type=onnx_type, dims=list(shape))
    t.data_location = TensorProto.EXTERNAL
    for k, v in (("location", location), ("offset", str(offset)), ("length", str(length))):
        e = t.external_data.add()
        e.key, e.value = k, v
    return t


def template(model, onnx_path, weights, dtypes, transposed, int4, shapes):
    """Writes onnx_path with every weight as an external-data reference into onnx_path.data, but no data: the
    graph template the TypeScript builder fills. Returns the plan (layout) for that data file."""
    g = model.graph
    entries = layout(model, weights, dtypes, transposed, int4, shapes)
    location = os.path.basename(onnx_path) + ".data"
    for i in list(g.input):
        if i.name in weights:
            g.input.remove(i)
    g.initializer.extend(_external(e["name"], _ONNX[e["dtype"]][1], e["shape"], location, e["offset"], e["length"])
                         for e in entries)
    onnx.save_model(model, onnx_path)
    return {"graph": os.path.basename(onnx_path), "data": location,
            "size": entries[-1]["offset"] + entries[-1]["length"] if entries else 0, "tensors": entries}


class ExternalData:
    def __init__(self, onnx_path):
        self.name = os.path.basename(onnx_path) + ".data"
        self.f = open(os.path.join(os.path.dirname(onnx_path), self.name), "wb")

    def add(self, name, arr, onnx_type):
        pad = -self.f.tell() % ALIGN
        self.f.write(b"\0" * pad)
        offset = self.f.tell()
        data = np.ascontiguousarray(arr)
        data = data.astype(data.dtype.newbyteorder("<"), copy=False)
        self.f.write(memoryview(data).cast("B"))
        t = TensorProto(name=name, data_type=onnx_type, dims=list(arr.shape))
        t.data_location = TensorProto.EXTERNAL
        for k, v in (("location", self.name), ("offset", str(offset)), ("length", str(data.nbytes))):
            e = t.external_data.add()
            e.key, e.value = k, v
        return t

    def close(self):
        self.f.close()


def bind(model, onnx_path, source, weights, dtypes, transposed, int4):
    """Writes onnx_path and onnx_path.data. source.get(name) -> float32 array in state_dict layout.
    dtypes: {weight: 'float16'|'float32'}; int4: {weight: (N, K)} to store as MatMulNBits inputs."""
    g = model.graph
    ext = ExternalData(onnx_path)
    inits = []
    for i in list(g.input):
        w = i.name
        if w not in weights:
            continue
        g.input.remove(i)
        arr = source.get(w)
        np_t, onnx_t = _ONNX[dtypes[w]]
        if w in int4:
            b, scales, zps = onnx_int4.quantize(arr, dtype=np_t)
            inits += [ext.add(w + "/q4", b, TensorProto.UINT8), ext.add(w + "/scales", scales, onnx_t),
                      ext.add(w + "/zero_points", zps, TensorProto.UINT8)]
        else:
            if w in transposed:
                arr = arr.T
            inits.append(ext.add(w, arr.astype(np_t), onnx_t))
        del arr
    ext.close()
    g.initializer.extend(inits)
    onnx.save_model(model, onnx_path)
