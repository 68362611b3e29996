#!/usr/bin/env python3
"""Checkpoint files made by torch itself, for the TypeScript readers' tests (src-main/models/build/readers.test.ts):

  OUT/st/single/model.safetensors     F32, F16, BF16 and I64 tensors in one file
  OUT/st/sharded/                     two shards + model.safetensors.index.json
  OUT/bin/state.pt                    torch.save of a module's state_dict: fp32, fp16, bf16, int64, a 0-d tensor,
                                      two views of one storage (one at an offset), nn.Parameter, _metadata
  OUT/bin/wrapped.pt                  {"state_dict": ..., "epoch": 3} as training scripts save it
  OUT/bin/legacy.pt                   the pre-1.6 (non-zip) format
  OUT/bin/transposed.pt               a non-contiguous view
  OUT/hostile/*.pt                    torch.save of objects whose pickle calls os.system, builtins.eval, an unknown
                                      global, and a tensor subclass; each would write OUT/pwned if it ran
  OUT/expected.json                   every tensor's dtype, shape and values (as float64 / int) per file

  python3 tools/make_reader_fixtures.py --out DIR"""
import argparse
import collections
import json
import os
import struct
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from diffa.safetensors_io import f32_to_bf16  # noqa: E402

ST_DTYPES = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.int64: "I64"}


def write_st(path, tensors):
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name, t in tensors.items():
        if t.dtype == torch.bfloat16:
            data = f32_to_bf16(t.float().numpy()).tobytes()
        else:
            data = t.contiguous().numpy().tobytes()
        header[name] = {"dtype": ST_DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def expected(tensors):
    out = {}
    for name, t in tensors.items():
        v = t.float() if t.is_floating_point() else t
        out[name] = {"dtype": ST_DTYPES[t.dtype], "shape": list(t.shape), "values": v.reshape(-1).tolist()}
    return out


class Pwn:
    def __init__(self, fn, arg):
        self.fn, self.arg = fn, arg

    def __reduce__(self):
        return (self.fn, (self.arg,))


class Tagged(torch.Tensor):
    """A tensor subclass: torch pickles it through _rebuild_from_type_v2, which a state dict never needs."""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    out = ap.parse_args().out
    for d in ("st/single", "st/sharded", "bin", "hostile"):
        os.makedirs(os.path.join(out, d), exist_ok=True)
    g = torch.Generator().manual_seed(1)
    exp = {}

    single = {"w.f32": torch.randn(3, 5, generator=g), "w.f16": torch.randn(4, 6, generator=g).half(),
              "w.bf16": torch.randn(2, 3, 4, generator=g).bfloat16(), "ids": torch.arange(-3, 4, dtype=torch.int64),
              "tiny": torch.tensor([1e-7, 6e-8, 3e-5, 65504.0, -2.5])}
    write_st(os.path.join(out, "st/single/model.safetensors"), single)
    exp["st/single"] = expected(single)

    shard1 = {"model.a.weight": torch.randn(8, 4, generator=g).bfloat16(), "model.b.weight": torch.randn(4, generator=g).bfloat16()}
    shard2 = {"model.c.weight": torch.randn(3, 3, generator=g).bfloat16()}
    index = {"metadata": {"total_size": 0}, "weight_map": {}}
    for i, part in enumerate((shard1, shard2), 1):
        name = f"model-0000{i}-of-00002.safetensors"
        write_st(os.path.join(out, "st/sharded", name), part)
        index["weight_map"].update({k: name for k in part})
    with open(os.path.join(out, "st/sharded/model.safetensors.index.json"), "w") as f:
        json.dump(index, f)
    exp["st/sharded"] = expected({**shard1, **shard2})

    m = torch.nn.Sequential(collections.OrderedDict(lin=torch.nn.Linear(5, 3), emb=torch.nn.Embedding(4, 2)))
    sd = m.state_dict()
    base = torch.randn(10, generator=g)
    sd["view.offset"] = base[4:8]  # shares base's storage, at element 4
    sd["view.whole"] = base
    sd["half"] = torch.randn(2, 2, generator=g).half()
    sd["bf16"] = torch.randn(3, generator=g).bfloat16()
    sd["long"] = torch.tensor([5, -7, 2 ** 40])
    sd["scalar"] = torch.tensor(2.5)
    sd["param"] = torch.nn.Parameter(torch.randn(2, generator=g))
    torch.save(sd, os.path.join(out, "bin/state.pt"))
    plain = {k: v.detach() for k, v in sd.items()}
    exp["bin/state.pt"] = expected(plain)
    torch.save({"state_dict": sd, "epoch": 3}, os.path.join(out, "bin/wrapped.pt"))
    exp["bin/wrapped.pt"] = expected(plain)
    torch.save(sd, os.path.join(out, "bin/legacy.pt"), _use_new_zipfile_serialization=False)
    torch.save({"t": torch.randn(3, 4, generator=g).t()}, os.path.join(out, "bin/transposed.pt"))

    marker = os.path.join(out, "pwned")
    hostile = {
        "os-system.pt": {"w": torch.zeros(2), "x": Pwn(os.system, f"touch {marker}")},
        "eval.pt": {"w": torch.zeros(2), "x": Pwn(eval, f"open({marker!r}, 'w')")},
        "unknown-global.pt": {"w": torch.zeros(2), "x": collections.Counter(a=1)},
        "tensor-subclass.pt": {"w": torch.zeros(2).as_subclass(Tagged)},
    }
    for name, obj in hostile.items():
        torch.save(obj, os.path.join(out, "hostile", name))
    # float32 -> float16 as numpy rounds it (what the reference converter writes): random values over the whole
    # range, subnormals, exact ties and overflow
    import numpy as np
    rng = np.random.default_rng(0)
    vals = np.concatenate([rng.standard_normal(2000) * 10.0 ** rng.integers(-9, 6, 2000),
                           np.array([0.0, -0.0, 65504.0, 65520.0, 65519.0, 1e6, -1e6, 2 ** -24, 2 ** -25, 3 * 2 ** -26,
                                     2 ** -14, 2 ** -14 * (1 - 2 ** -11), 1 + 2 ** -11, 1 + 3 * 2 ** -11, np.inf, -np.inf])])
    v32 = vals.astype(np.float32)
    with np.errstate(over="ignore"):
        f16 = v32.astype(np.float16)
    exp["f16_cases"] = {"f32_bits": v32.view(np.uint32).tolist(), "f16_bits": f16.view(np.uint16).tolist()}
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump(exp, f)
    print("fixtures", out)


if __name__ == "__main__":
    main()
