#!/usr/bin/env python3
"""A build plan (build-plan.json) for full-size checkpoints without tracing them at full size, for measuring the
app's builder at scale: the graphs are traced at the checkpoints' depth (layers, taps) but narrow widths, which
decides every weight's order, stored type, transposition and int4 choice; offsets and lengths are then laid out
with the checkpoints' real shapes. The graphs written beside the plan are the narrow ones: the plan is for writing
and measuring external data, the bundle it builds is not meant to run.

  python3 tools/plan_full_size.py --llada DIR --whisper DIR --diffa2 FILE --out DIR [--dtype fp16|fp32] [--int4]"""
import argparse
import dataclasses
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import convert_diffa2 as conv  # noqa: E402
from diffa import onnx_export, onnx_fp16, onnx_int4, onnx_weights  # noqa: E402
from diffa.checkpoints import Diffa2Weights  # noqa: E402


def narrow(cfg):
    return dataclasses.replace(
        cfg,
        whisper=dataclasses.replace(cfg.whisper, num_mel_bins=16, d_model=64, encoder_attention_heads=2, encoder_ffn_dim=128,
                                    max_source_positions=50),
        acoustic=dataclasses.replace(cfg.acoustic, prompt_size=4, qformer_heads=2, qformer_ffn_dim=64),
        llm=dataclasses.replace(cfg.llm, d_model=64, n_heads=4, n_kv_heads=4, mlp_hidden_size=128, vocab_size=320,
                                mask_token_id=302, eos_token_id=301))


def plan_graph(g, path, dtype, keep_fp32, int4, full_shapes):
    weights = onnx_weights.strip_prefix(g, onnx_export.PARAM_PREFIX)
    shapes = onnx_weights.input_shapes(g, weights)
    transposed = onnx_weights.fold_transposes(g, weights)
    if dtype == "fp16":
        dtypes = onnx_fp16.convert(g, weights, keep_fp32(g) if keep_fp32 else (lambda n: False))
    else:
        dtypes = {w: "float32" for w in weights}
    q4 = onnx_int4.replace_matmuls(g, shapes, transposed) if int4 else {}
    bad = [w for w in q4 if full_shapes[w][1] % onnx_int4.BLOCK]
    assert not bad, f"int4 chosen at narrow width but K is not a multiple of the block at full size: {bad[:3]}"
    return onnx_weights.template(g, path, weights, dtypes, transposed, q4, full_shapes)


def main():
    ap = argparse.ArgumentParser()
    for k in ("--llada", "--whisper", "--diffa2", "--out"):
        ap.add_argument(k, required=True)
    ap.add_argument("--dtype", choices=["fp16", "fp32"], default="fp16")
    ap.add_argument("--int4", action="store_true")
    a = ap.parse_args()
    for k, v in (("arch", "diffa2"), ("lora_alpha", 16.0), ("id", "diffa-2"), ("name", "DIFFA-2"), ("version", "2.0.0"), ("template", True)):
        setattr(a, k, v)
    os.makedirs(a.out, exist_ok=True)
    src = Diffa2Weights(a.llada, a.whisper, a.diffa2)
    cfg = src.config
    full = onnx_export.skeleton(cfg)
    full_shapes = {k: tuple(v.shape) for k, v in full.state_dict().items()}
    n_params = sum(p.numel() for p in full.parameters())
    del full
    small = onnx_export.skeleton(narrow(cfg))
    plans = [plan_graph(onnx_export.export_audio(small, 2 * small.cfg.whisper.max_source_positions),
                        os.path.join(a.out, "audio.onnx"), a.dtype, None, False, full_shapes),
             plan_graph(onnx_export.export_llm(small), os.path.join(a.out, "llm.onnx"), a.dtype, conv.llm_keep_fp32,
                        a.int4, full_shapes)]
    m = conv.manifest(a, src, cfg, n_params, a.out, {}, {}, [], {}, template=True)
    plan = {"format": "diffa-build-plan", "format_version": 1, "arch": "diffa2", "dtype": a.dtype + ("-int4" if a.int4 else ""),
            "config": cfg.to_dict(), "lora_alpha": a.lora_alpha, "specials": conv.SPECIALS, "graphs": plans, "manifest": m,
            "measurement_only": "graphs traced at narrow widths; the external data layout is full size"}
    with open(os.path.join(a.out, "build-plan.json"), "w") as f:
        json.dump(plan, f, indent=1)
    print("plan", a.out, {p["data"]: p["size"] for p in plans})


if __name__ == "__main__":
    main()
