#!/usr/bin/env python3
"""Convert DIFFA-2 (LLaDA-8B-Instruct + Whisper-large-v3 encoder + the DIFFA-2 adapters and LoRA) or DIFFA (v1:
LLaDA-8B-Instruct + Whisper-small encoder + the DIFFA adapters) to a model bundle (docs/model-bundle.md; user
guide: docs/diffa2.md):

  python3 tools/convert_diffa2.py [--arch diffa2|diffa] --llada DIR --whisper DIR --diffa2 CHECKPOINT --out DIR
                                  [--dtype fp16|fp32] [--int4]

Sizes come from the checkpoints' config.json files and tensor shapes, so the same code converts the real models
and the tiny random ones the tests make. llm.onnx has the key/value cache inputs and outputs of DIFFA-Tiny's
(tools/diffa/graphs_kv.py), so the engine runs Fast-dLLM's prefix and dual caches on it. Weights are read one tensor at a time from memory-mapped files and
written straight into the graphs' external data; the model is never held in memory."""
import argparse
import json
import os
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from diffa import bundle_io, onnx_export, onnx_fp16, onnx_int4, onnx_weights, prompt  # noqa: E402
from diffa.archs import ARCHS, check_lora  # noqa: E402
from diffa.checkpoints import Diffa2Weights  # noqa: E402

SPECIALS = {"bos": "<|startoftext|>", "eos": "<|endoftext|>", "mask": "<|mdm_mask|>", "eot": "<|eot_id|>",
            "start_header": "<|start_header_id|>", "end_header": "<|end_header_id|>", "pad": "<|endoftext|>"}
# RMSNorm is computed in float32, as LLaDA does (x.float()): squares of large activations overflow float16.
FP32_SCOPES = ("/attn_norm/", "/ff_norm/", "/ln_f/")
HEAD = "llm_model.model.transformer.ff_out.weight"


def log(msg, t0=[time.time()]):
    print(f"[{time.time() - t0[0]:7.1f}s] {msg}", flush=True)


def llm_keep_fp32(model):
    """fp32 nodes of the LLM graph: RMSNorm, RoPE's position maths (positions and angles above 2048 are not exact
    in float16), and everything after the LM head (softmax over the vocabulary, sampling, top-k)."""
    types = onnx_fp16.elem_types(model)
    rope = onnx_fp16.ancestors_through_floats(model, {"Cos", "Sin"}, types)
    head_out = next(n.output[0] for n in model.graph.node if n.op_type == "MatMul" and HEAD in n.input)
    after_head = onnx_fp16.descendants(model, head_out)
    return lambda n: id(n) in rope or id(n) in after_head or any(s in n.name for s in FP32_SCOPES)


def write_graph(onnx_model, path, source, dtype, keep_fp32=None, int4=False, plans=None):
    weights = onnx_weights.strip_prefix(onnx_model, onnx_export.PARAM_PREFIX)
    shapes = onnx_weights.input_shapes(onnx_model, weights)
    transposed = onnx_weights.fold_transposes(onnx_model, weights)
    if dtype == "fp16":
        dtypes = onnx_fp16.convert(onnx_model, weights, keep_fp32(onnx_model) if keep_fp32 else (lambda n: False))
    else:
        dtypes = {w: "float32" for w in weights}
    q4 = onnx_int4.replace_matmuls(onnx_model, shapes, transposed) if int4 else {}
    if plans is not None:
        plans.append(onnx_weights.template(onnx_model, path, weights, dtypes, transposed, q4, shapes))
    else:
        onnx_weights.bind(onnx_model, path, source, weights, dtypes, transposed, q4)
    return {"weights": len(weights), "int4_matmuls": len(q4)}


def special_ids(tokenizer_json):
    ids = {t["content"]: t["id"] for t in tokenizer_json.get("added_tokens", [])}
    vocab = tokenizer_json.get("model", {}).get("vocab", {})
    out = {}
    for key, name in SPECIALS.items():
        if name in ids:
            out[key] = ids[name]
        elif isinstance(vocab, dict) and name in vocab:
            out[key] = vocab[name]
        else:
            raise KeyError(f"tokenizer.json has no {name}")
    return out


def copy_tokenizer(llada_dir, out):
    shutil.copyfile(os.path.join(llada_dir, "tokenizer.json"), os.path.join(out, "tokenizer.json"))
    cfg_path = os.path.join(llada_dir, "tokenizer_config.json")
    tcfg = {}
    if os.path.exists(cfg_path):
        with open(cfg_path) as f:
            tcfg = json.load(f)
        shutil.copyfile(cfg_path, os.path.join(out, "tokenizer_config.json"))
    with open(os.path.join(out, "tokenizer.json")) as f:
        tok = json.load(f)
    return tok, tcfg


def source_info(a, src):
    def files(d):
        return [{"file": f, "size": os.path.getsize(os.path.join(d, f))} for f in sorted(os.listdir(d))
                if f.endswith((".safetensors", ".bin", ".json"))]
    return [
        {"name": "LLaDA-8B-Instruct (GSAI-ML/LLaDA-8B-Instruct)", "licence": "MIT", "files": files(a.llada)},
        {"name": ARCHS[a.arch]["whisper"], "licence": "Apache-2.0", "files": files(a.whisper)},
        {"name": ARCHS[a.arch]["checkpoint"], "licence": ARCHS[a.arch]["checkpoint_licence"],
         "file": os.path.basename(a.diffa2), "sha256": bundle_io.sha256(a.diffa2), **src.sources()},
    ]


def manifest(a, src, cfg, n_params, out, tok, tcfg, files, stats, template=False):
    """template: without what depends on the user's files (sources, tokenizer ids, file hashes)."""
    bos = tcfg.get("bos_token", SPECIALS["bos"])
    frames = 2 * cfg.whisper.max_source_positions
    m = {
        "format": "diffa-bundle", "format_version": 1, "id": a.id, "name": a.name, "version": a.version,
        "licence": ARCHS[a.arch]["licence"],
        "description": ARCHS[a.arch]["description"] + " Converted by "
                       f"tools/convert_diffa2.py ({a.dtype}{', int4 MatMulNBits' if a.int4 else ''}).",
        "source_checkpoints": None if template else source_info(a, src),
        "architecture": {**cfg.to_dict(), "tap_indices": cfg.tap_indices(), "parameters": n_params,
                         "acoustic_tokens": cfg.acoustic.prompt_size, "dtype": a.dtype, "int4": a.int4,
                         "lora_alpha": a.lora_alpha, "graphs": stats,
                         "semantic_tokens_per_second": 16000 / 160 / 2 / cfg.semantic.downsample_rate},
        "audio": {"sample_rate": 16000, "n_mels": cfg.whisper.num_mel_bins, "n_fft": 400, "hop_length": 160,
                  "chunk_s": frames / 100, "chunk_frames": frames, "mel_scale": "slaney", "log": "whisper",
                  "downmix": "mean", "mel_length": "ceil(samples / hop_length), capped at chunk_frames"},
        "graphs": bundle_io.io_spec(cfg.llm.d_model, cfg.whisper.num_mel_bins, frames,
                                    None if getattr(a, "no_cache", False) else
                                    (cfg.llm.n_layers, cfg.llm.n_kv_heads, cfg.llm.d_model // cfg.llm.n_heads)),
        "tokenizer": "tokenizer.json",
        **({"tokenizer_config": "tokenizer_config.json"} if "tokenizer_config.json" in files else {}),
        "special_tokens": None if template else special_ids(tok),
        "chat_template": tcfg.get("chat_template") or prompt.CHAT_TEMPLATE,
        "bos_token": bos["content"] if isinstance(bos, dict) else bos,
        "system_prompt": prompt.SYSTEM_PROMPT,
        "audio_insertion": {
            "after_text": prompt.AFTER_TEXT, "user_template": prompt.USER_CONTENT,
            # DIFFA-2 splices the audio at len(tokenize(prefix ending in "This is the audio: ")) - 1: the BPE
            # makes the trailing space its own token there.
            "offset_adjust": -1,
            "rule": "DIFFA-2's build_chat_prompt: the audio embeddings (acoustic, then semantic) go before token "
                    "index len(tokens of the prompt up to and including after_text) + offset_adjust."},
        "decoding": ARCHS[a.arch]["decoding"],
        "tasks": [],
        "suggested_questions": ["Please transcribe the audio to text.", "What is the speaker's emotion?",
                                "What sound events can you hear?", "What instrument is playing?"],
        # DIFFA-2 answers open questions. Its audio stages were tuned on one instruction per clip (one user turn in
        # build_chat_prompt), so it is not declared multi-turn: the app sends it no earlier answers. It hears the
        # encoder's window.
        "capabilities": {"version": 1, "trained_tasks": [], "multi_turn": False, "heard_seconds": frames / 100,
                         "open_questions": True},
    }
    if template:
        for key in ("source_checkpoints", "special_tokens", "bos_token"):
            m.pop(key)
        return m
    return {**m, "files": bundle_io.file_entries(out, files)}


def write_template_plan(a, src, cfg, n_params, stats, plans):
    """build-plan.json: what the app's builder needs besides the graphs: where each weight goes (plans), how LLaDA,
    Whisper and the adapter checkpoint name them, the LoRA scale, and the manifest less what depends on the user's
    files (tokenizer ids, chat template, sources, file hashes), which the builder fills in."""
    m = manifest(a, src, cfg, n_params, a.out, {}, {}, [], stats, template=True)
    m["description"] = m["description"].replace("Converted by tools/convert_diffa2.py", "Built by Diffa Studio")
    plan = {"format": "diffa-build-plan", "format_version": 1, "arch": a.arch, "dtype": a.dtype + ("-int4" if a.int4 else ""),
            "config": cfg.to_dict(), "lora_alpha": a.lora_alpha, "specials": SPECIALS, "graphs": plans, "manifest": m}
    with open(os.path.join(a.out, "build-plan.json"), "w") as f:
        json.dump(plan, f, indent=1, ensure_ascii=False)
    log(f"wrote the templates and build-plan.json to {a.out}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--arch", choices=sorted(ARCHS), default="diffa2",
                    help="diffa2: DIFFA-2 (Whisper-large-v3, LoRA); diffa: DIFFA v1 (Whisper-small, no LoRA)")
    ap.add_argument("--llada", required=True, help="LLaDA-8B-Instruct folder (config.json, *.safetensors, tokenizer)")
    ap.add_argument("--whisper", required=True,
                    help="whisper-large-v3 (diffa2) or whisper-small (diffa) folder (config.json, model.safetensors)")
    ap.add_argument("--diffa2", "--checkpoint", dest="diffa2", required=True,
                    help="the DIFFA-2 or DIFFA checkpoint: pytorch_model.bin or *.safetensors")
    ap.add_argument("--out", required=True)
    ap.add_argument("--dtype", choices=["fp16", "fp32"], default="fp16")
    ap.add_argument("--int4", action="store_true", help="LLM linear weights as 4-bit MatMulNBits (block 32)")
    ap.add_argument("--lora-alpha", type=float, default=None, help="DIFFA-2: r 8, alpha 16 (DIFFA v1: no LoRA)")
    ap.add_argument("--qformer-heads", type=int, default=None, help="default: the Whisper encoder's head count")
    ap.add_argument("--id", default=None, help="default: diffa-2 / diffa")
    ap.add_argument("--name", default=None, help="default: DIFFA-2 / DIFFA")
    ap.add_argument("--version", default=None)
    ap.add_argument("--no-cache", action="store_true",
                    help="llm.onnx without the key/value cache (as bundles converted before it; for tests)")
    ap.add_argument("--template", action="store_true",
                    help="write graph templates and build-plan.json (no weights) for the app's builder")
    a = ap.parse_args()
    for key in ("id", "name", "version", "lora_alpha"):
        if getattr(a, key) is None:
            setattr(a, key, ARCHS[a.arch][key])
    os.makedirs(a.out, exist_ok=True)
    src = Diffa2Weights(a.llada, a.whisper, a.diffa2, a.lora_alpha, a.qformer_heads)
    check_lora(a.arch, src.adapter.lora, a.diffa2)
    cfg = src.config
    log(f"config: {json.dumps(cfg.to_dict())}")
    model = onnx_export.skeleton(cfg)
    names = list(model.state_dict().keys())
    src.check(names)
    n_params = sum(p.numel() for p in model.parameters())
    if src.ignored:
        log(f"not used for inference: {src.ignored[:8]}{' …' if len(src.ignored) > 8 else ''}")
    stats = {}
    plans = [] if a.template else None
    log("tracing audio.onnx")
    g = onnx_export.export_audio(model, 2 * cfg.whisper.max_source_positions)
    stats["audio"] = write_graph(g, os.path.join(a.out, "audio.onnx"), src, a.dtype, plans=plans)
    del g
    log("tracing llm.onnx")
    g = onnx_export.export_llm(model, cache=not a.no_cache)
    stats["llm"] = write_graph(g, os.path.join(a.out, "llm.onnx"), src, a.dtype, llm_keep_fp32, a.int4, plans=plans)
    del g, model
    if a.template:
        write_template_plan(a, src, cfg, n_params, stats, plans)
        return
    log("tokenizer and manifest")
    tok, tcfg = copy_tokenizer(a.llada, a.out)
    files = ["audio.onnx", "audio.onnx.data", "llm.onnx", "llm.onnx.data", "tokenizer.json"]
    if os.path.exists(os.path.join(a.out, "tokenizer_config.json")):
        files.append("tokenizer_config.json")
    m = manifest(a, src, cfg, n_params, a.out, tok, tcfg, files, stats)
    with open(os.path.join(a.out, "manifest.json"), "w") as f:
        json.dump(m, f, indent=1, ensure_ascii=False)
    log(f"wrote {a.out}: {sum(e['size'] for e in m['files']) / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
