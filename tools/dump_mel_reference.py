#!/usr/bin/env python3
"""Dump reference Whisper log-mel features (tools/diffa/mel.py) for a few fixed test signals, so the TS front end
can be tested against them: tools/reference/mel.json (header) + mel.bin (little-endian float32 tensors).
  /usr/bin/python3 tools/dump_mel_reference.py
Signals are written with their samples, so the TS side needs no generator of its own."""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from diffa.mel import log_mel, mel_filters, mel_length  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "reference")
SR = 16000


def signals():
    t = lambda s: np.arange(int(s * SR)) / SR
    rng = np.random.RandomState(0)
    yield "sine440-0.5s", (0.5 * np.sin(2 * np.pi * 440 * t(0.5))).astype(np.float32)
    yield "chirp-6.2s-over-chunk", (0.3 * np.sin(2 * np.pi * (200 * t(6.2) + 150 * t(6.2) ** 2))).astype(np.float32)
    yield "noise-1.3s", (0.1 * rng.randn(int(1.3 * SR))).astype(np.float32)
    yield "silence-0.25s", np.zeros(int(0.25 * SR), np.float32)


def main():
    os.makedirs(OUT, exist_ok=True)
    blob, cases = bytearray(), []
    chunk_samples = 6 * SR
    for n_mels in (80,):
        f = mel_filters(n_mels)
        cases.append({"name": f"mel_filters-{n_mels}", "kind": "filters", "shape": list(f.shape), "offset": len(blob)})
        blob += f.astype("<f4").tobytes()
        for name, x in signals():
            feats = log_mel(x, n_mels, chunk_samples)
            cases.append({"name": name, "kind": "log_mel", "n_mels": n_mels, "chunk_samples": chunk_samples,
                          "mel_length": mel_length(len(x), chunk_samples),
                          "samples": {"shape": [len(x)], "offset": len(blob)},
                          "features": {"shape": list(feats.shape), "offset": len(blob) + 4 * len(x)}})
            blob += x.astype("<f4").tobytes() + feats.astype("<f4").tobytes()
    with open(os.path.join(OUT, "mel.bin"), "wb") as fh:
        fh.write(bytes(blob))
    with open(os.path.join(OUT, "mel.json"), "w") as fh:
        json.dump({"about": "Whisper log-mel reference from tools/diffa/mel.py: n_fft 400, hop 160, periodic Hann, "
                            "centred reflect-padded STFT, |X|^2, last frame dropped, Slaney mel filters, log10 "
                            "clamp 1e-10, max-8, (x+4)/4; audio zero-padded/trimmed to chunk_samples first",
                   "sample_rate": SR, "n_fft": 400, "hop_length": 160, "dtype": "float32", "bin": "mel.bin",
                   "cases": cases}, fh, indent=1)
    print("wrote", OUT, len(blob), "bytes")


if __name__ == "__main__":
    main()
