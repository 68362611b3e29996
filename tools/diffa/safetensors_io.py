"""A small safetensors reader and writer (the `safetensors` package is not available on the machines this runs
on). Format: 8-byte little-endian header length, a JSON header {name: {dtype, shape, data_offsets}}, raw
little-endian bytes. The reader memory-maps the file, so a tensor costs memory only while it is converted."""
import json
import struct

import numpy as np

_NP = {"F32": np.float32, "F16": np.float16, "BF16": np.uint16, "I64": np.int64, "I32": np.int32, "U8": np.uint8}


def bf16_to_f32(bits: np.ndarray) -> np.ndarray:
    """bfloat16 is the top half of a float32: shift the 16 bits up."""
    return (bits.astype(np.uint32) << 16).view(np.float32)


def f32_to_bf16(x: np.ndarray) -> np.ndarray:
    """Round to nearest even, as torch does when it stores bfloat16."""
    b = np.ascontiguousarray(x, np.float32).view(np.uint32)
    return ((b + 0x7FFF + ((b >> 16) & 1)) >> 16).astype(np.uint16)


class SafetensorsFile:
    def __init__(self, path):
        self.path = path
        with open(path, "rb") as f:
            (n,) = struct.unpack("<Q", f.read(8))
            header = json.loads(f.read(n))
        header.pop("__metadata__", None)
        self.header, self.base = header, 8 + n
        self._mm = None

    def keys(self):
        return self.header.keys()

    def shape(self, name):
        return tuple(self.header[name]["shape"])

    def get(self, name) -> np.ndarray:
        """The tensor as float32 (or its integer dtype), read from the memory map."""
        if self._mm is None:
            self._mm = np.memmap(self.path, dtype=np.uint8, mode="r")
        h = self.header[name]
        start, end = h["data_offsets"]
        raw = self._mm[self.base + start: self.base + end].view(_NP[h["dtype"]]).reshape(h["shape"])
        if h["dtype"] == "BF16":
            return bf16_to_f32(raw)
        if h["dtype"] in ("F16", "F32"):
            return raw.astype(np.float32)
        return np.array(raw)


def write_safetensors(path, tensors: dict, dtype="F32"):
    """tensors: name -> float numpy array, stored as dtype (F32, F16 or BF16)."""
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name, arr in tensors.items():
        a = np.asarray(arr, np.float32)
        raw = {"F32": lambda: a.astype("<f4"), "F16": lambda: a.astype("<f2"), "BF16": lambda: f32_to_bf16(a)}[dtype]()
        data = raw.tobytes()
        header[name] = {"dtype": dtype, "shape": list(a.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)  # the data must start 8-byte aligned
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text)
        for b in blobs:
            f.write(b)
