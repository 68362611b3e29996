#!/usr/bin/env python3
"""The DIFFA-2 (or DIFFA v1) build templates for several dtypes from one trace (docs/diffa2.md, "Templates"):

  python3 tools/make_diffa2_templates.py [--arch diffa2|diffa] --llada DIR --whisper DIR --diffa2 CHECKPOINT \
      --out-root DIR [--dtypes fp32,fp16,int4]

writes DIR/<arch>-fp32/, DIR/<arch>-fp16/, DIR/<arch>-int4/ (audio.onnx, llm.onnx, build-plan.json), each the same
as `tools/convert_diffa2.py --arch ARCH --template --dtype D [--int4]` writes. The traced graphs do not depend on the dtype: the
fp16 graph is the traced (fp32) one with its weights and activations cast (onnx_fp16.convert, RMSNorm, RoPE and the
sampling kept in fp32), and int4 is fp16 with the LLM's linear layers as MatMulNBits. Tracing is what costs time and
memory at full size (minutes and ~10 GB), so each graph is traced once here and every dtype's template is derived
from a copy of it, instead of one full trace per dtype."""
import argparse
import json
import os
import sys

import onnx

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import convert_diffa2 as conv  # noqa: E402
from diffa import onnx_export  # noqa: E402
from diffa.archs import ARCHS, check_lora  # noqa: E402
from diffa.checkpoints import Diffa2Weights  # noqa: E402

# template folder suffix -> (dtype of the weights and activations, int4 MatMulNBits for the LLM's linear layers)
DTYPES = {"fp32": ("fp32", False), "fp16": ("fp16", False), "int4": ("fp16", True)}


def copy(model: onnx.ModelProto) -> onnx.ModelProto:
    # write_graph rewrites the graph in place (names, casts, MatMulNBits): each dtype gets its own copy.
    out = onnx.ModelProto()
    out.CopyFrom(model)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--arch", choices=sorted(ARCHS), default="diffa2")
    ap.add_argument("--llada", required=True)
    ap.add_argument("--whisper", required=True)
    ap.add_argument("--diffa2", "--checkpoint", dest="diffa2", required=True)
    ap.add_argument("--out-root", required=True, help="the templates go to OUT_ROOT/<arch>-<dtype>/")
    ap.add_argument("--dtypes", default="fp32,fp16,int4", help="comma-separated: fp32, fp16, int4")
    ap.add_argument("--lora-alpha", type=float, default=None, help="default: the architecture's (DIFFA-2: 16)")
    ap.add_argument("--qformer-heads", type=int, default=None)
    a = ap.parse_args()
    wanted = [d.strip() for d in a.dtypes.split(",") if d.strip()]
    unknown = [d for d in wanted if d not in DTYPES]
    if unknown or not wanted:
        ap.error(f"--dtypes: {', '.join(unknown) or 'none given'}; choose from {', '.join(DTYPES)}")

    arch = ARCHS[a.arch]
    lora_alpha = arch["lora_alpha"] if a.lora_alpha is None else a.lora_alpha
    src = Diffa2Weights(a.llada, a.whisper, a.diffa2, lora_alpha, a.qformer_heads)
    check_lora(a.arch, src.adapter.lora, a.diffa2)
    cfg = src.config
    conv.log(f"config: {json.dumps(cfg.to_dict())}")
    model = onnx_export.skeleton(cfg)
    src.check(list(model.state_dict().keys()))
    n_params = sum(p.numel() for p in model.parameters())
    conv.log("tracing audio.onnx")
    audio = onnx_export.export_audio(model, 2 * cfg.whisper.max_source_positions)
    conv.log("tracing llm.onnx")
    llm = onnx_export.export_llm(model, cache=True)
    del model

    for name in wanted:
        dtype, int4 = DTYPES[name]
        out = os.path.join(a.out_root, f"{a.arch}-{name}")
        os.makedirs(out, exist_ok=True)
        # The fields write_template_plan reads from convert_diffa2's command line.
        opts = argparse.Namespace(arch=a.arch, out=out, dtype=dtype, int4=int4, lora_alpha=lora_alpha,
                                  id=arch["id"], name=arch["name"], version=arch["version"], no_cache=False)
        plans, stats = [], {}
        stats["audio"] = conv.write_graph(copy(audio), os.path.join(out, "audio.onnx"), src, dtype, plans=plans)
        stats["llm"] = conv.write_graph(copy(llm), os.path.join(out, "llm.onnx"), src, dtype, conv.llm_keep_fp32,
                                        int4, plans=plans)
        conv.write_template_plan(opts, src, cfg, n_params, stats, plans)


if __name__ == "__main__":
    main()
