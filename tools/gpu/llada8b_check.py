#!/usr/bin/env python3
"""GPU check for a machine with an NVIDIA GPU and no internet: LLaDA-8B-sized llm.onnx with random weights,
exported through the DIFFA-2 converter's own path (skeleton trace, fp16 pass, streamed external data), then one
forward pass timed at L = 512 and 1024 with onnxruntime-node's CUDA provider (tools/gpu/llm_timing.mjs) and
compared with the floors of docs/benchmarks.md ("DIFFA-2 on GPU").

  python3 tools/gpu/llada8b_check.py --out /scratch/llada8b            # full size: ~16 GB disk, ~8 GB RAM
  python3 tools/gpu/llada8b_check.py --tiny --provider cpu --out DIR   # end-to-end check of the script itself

Needs torch, onnx, numpy, node with this repository's node_modules, and onnxruntime-node's CUDA binaries
(`npm run install:cuda` while online)."""
import argparse
import json
import os
import subprocess
import sys
import time
import zlib

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from convert_diffa2 import llm_keep_fp32, write_graph  # noqa: E402
from diffa import onnx_export  # noqa: E402
from diffa.config import AcousticAdapterConfig, DiffaConfig, LLaDAConfig, WhisperEncoderConfig  # noqa: E402

# LLaDA-8B-Instruct (docs/../research: 32 layers, d 4096, 32 heads, SwiGLU 12288, vocab 126464, RoPE θ 500000)
FULL = LLaDAConfig(d_model=4096, n_heads=32, n_kv_heads=32, n_layers=32, mlp_hidden_size=12288, vocab_size=126464,
                   rope_theta=500000.0, rms_norm_eps=1e-5, mask_token_id=126336, eos_token_id=126081)
TINY = LLaDAConfig(d_model=128, n_heads=4, n_kv_heads=4, n_layers=2, mlp_hidden_size=256, vocab_size=1024,
                   rope_theta=500000.0, rms_norm_eps=1e-5, mask_token_id=1000, eos_token_id=1001)


class RandomWeights:
    """Deterministic random weights by name (norms 1, the rest N(0, 0.02)), generated when the binder asks."""

    def __init__(self, model):
        self.shapes = {k: tuple(v.shape) for k, v in model.state_dict().items()}

    def get(self, name):
        if name.endswith("norm.weight") or name.endswith("ln_f.weight"):
            return np.ones(self.shapes[name], np.float32)
        rng = np.random.default_rng(zlib.crc32(name.encode()))
        return rng.standard_normal(self.shapes[name], dtype=np.float32) * 0.02


def export(a, llm_cfg):
    # The LLM graph reads audio embeddings as an input, so the audio side is minimal here: it is never exported.
    cfg = DiffaConfig(whisper=WhisperEncoderConfig(num_mel_bins=8, d_model=8, encoder_layers=1,
                                                   encoder_attention_heads=1, encoder_ffn_dim=8,
                                                   max_source_positions=4),
                      acoustic=AcousticAdapterConfig(num_taps=1, prompt_size=1, qformer_layers=1, qformer_heads=1,
                                                     qformer_ffn_dim=8), llm=llm_cfg)
    model = onnx_export.skeleton(cfg)
    g = onnx_export.export_llm(model)
    src = RandomWeights(model)
    llm_only = {k for k in src.shapes if k.startswith("llm_model.")}
    assert llm_only, "no LLM weights"
    os.makedirs(a.out, exist_ok=True)
    t = time.time()
    stats = write_graph(g, os.path.join(a.out, "llm.onnx"), src, a.dtype, llm_keep_fp32, a.int4)
    n_params = sum(int(np.prod(src.shapes[k])) for k in llm_only)
    return {"export_s": round(time.time() - t, 1), "llm_parameters": n_params, **stats}


def floors(n_params, vocab, d, length, gen, int4, tflops, gbs):
    """Compute floor: 2 FLOPs per weight per position (the head only over the generation window).
    Memory floor: every weight read once per forward."""
    body = n_params - 2 * vocab * d           # embedding rows are gathered, not multiplied
    flops = 2 * body * length + 2 * vocab * d * gen
    weight_bytes = (body + vocab * d) * (0.5 + 2 / 32 if int4 else 2)
    return {"compute_floor_ms": round(flops / (tflops * 1e12) * 1e3, 2),
            "memory_floor_ms": round(weight_bytes / (gbs * 1e9) * 1e3, 2)}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True, help="folder for llm.onnx + llm.onnx.data (16 GB at full size)")
    ap.add_argument("--tiny", action="store_true", help="a 2-layer d 128 model (checks the script, any machine)")
    ap.add_argument("--layers", type=int, default=None, help="override the number of layers")
    ap.add_argument("--dtype", choices=["fp16", "fp32"], default="fp16")
    ap.add_argument("--int4", action="store_true")
    ap.add_argument("--provider", default="cuda", help="cuda | cpu")
    ap.add_argument("--lengths", default=None, help="comma-separated L (default 512,1024; tiny: 192,320)")
    ap.add_argument("--gen", type=int, default=32, help="generation window G")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--skip-export", action="store_true", help="reuse an llm.onnx already in --out")
    # H100 SXM: 989 TFLOP/s dense fp16, 3350 GB/s HBM3; pass the figures of the card at hand.
    ap.add_argument("--peak-tflops", type=float, default=989.0)
    ap.add_argument("--bandwidth-gbs", type=float, default=3350.0)
    a = ap.parse_args()
    base = TINY if a.tiny else FULL
    llm_cfg = LLaDAConfig(**{**base.__dict__, **({"n_layers": a.layers} if a.layers else {})})
    lengths = a.lengths or ("192,320" if a.tiny else "512,1024")
    report = {"config": llm_cfg.__dict__, "dtype": a.dtype, "int4": a.int4, "provider": a.provider}
    if not a.skip_export:
        report["export"] = export(a, llm_cfg)
    n_params = report.get("export", {}).get("llm_parameters") or 0
    cmd = ["node", os.path.join(HERE, "llm_timing.mjs"), os.path.join(a.out, "llm.onnx"), a.provider, lengths,
           str(a.gen), str(a.runs), str(llm_cfg.d_model), str(llm_cfg.vocab_size - 1)]
    run = subprocess.run(cmd, capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(f"timing failed:\n{run.stdout}\n{run.stderr}")
    report["timing"] = json.loads(run.stdout.strip().splitlines()[-1])
    if n_params:
        for t in report["timing"]["lengths"]:
            t.update(floors(n_params, llm_cfg.vocab_size, llm_cfg.d_model, t["L"], a.gen, a.int4,
                            a.peak_tflops, a.bandwidth_gbs))
    try:
        report["gpu"] = subprocess.run(["nvidia-smi", "--query-gpu=name,memory.total,driver_version", "--format=csv,noheader"],
                                       capture_output=True, text=True).stdout.strip()
    except FileNotFoundError:
        report["gpu"] = None
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
