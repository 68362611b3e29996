#!/usr/bin/env python3
"""Export a DIFFA-Tiny checkpoint to the bundle folder models/diffa-tiny/:
audio.onnx, llm.onnx (opset 17), tokenizer.json, tokenizer_config.json, manifest.json, and parity reference
tensors (parity/*.json + *.bin) that src-main/models/diffa-tiny-parity.test.ts checks with onnxruntime-node.

  /usr/bin/python3 tools/export_bundle.py                       # from ~/.cache/diffa-tiny/ckpt/last.pt
  /usr/bin/python3 tools/export_bundle.py --ckpt PATH --out DIR
  /usr/bin/python3 tools/export_bundle.py --random-init          # pipeline test without a checkpoint
  /usr/bin/python3 tools/export_bundle.py --weights tools/reference-weights/diffa-tiny.pt --llm-only
                                              # rewrite llm.onnx, its manifest entries and its LLM parity cases only

llm.onnx carries the key/value cache inputs and outputs (tools/diffa/graphs_kv.py); fed position 0 and an empty
cache it is the plain graph, so the plain parity cases keep their PyTorch outputs."""
import argparse
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from diffa import bundle_io, features, prompt  # noqa: E402
from diffa.config import DiffaConfig  # noqa: E402
from diffa.graphs import AudioGraph, LLMGraph  # noqa: E402
from diffa.graphs_kv import export_kv_llm, no_cache_inputs  # noqa: E402
from diffa.model import DiffaModel  # noqa: E402
from diffa.parity import tokenizer_cases, write_case  # noqa: E402
from diffa.parity_kv import update_cache_cases  # noqa: E402
from diffa.sampler_parity import write_sampler_cases  # noqa: E402
from diffa.tasks import SUGGESTED_QUESTIONS, TASKS  # noqa: E402
from diffa.tiny import DECODING, GEN_LENGTH, build_tokenizer, tiny_config  # noqa: E402
from diffa.tokenizer import WordTokenizer  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CACHE = os.path.join(os.path.expanduser(os.environ.get("XDG_CACHE_HOME", "~/.cache")), "diffa-tiny")
OPSET = 17
# 0.2: fine-tuned on the scenes corpus (noise, room tone, reverberation, levels, codecs, regions), 10+ questions a task
MODEL_VERSION = "0.2.0"


def export_graphs(model, out):
    cfg = model.cfg
    feats = torch.zeros(1, cfg.whisper.num_mel_bins, features.CHUNK_FRAMES)
    ml = torch.tensor([features.CHUNK_FRAMES // 2], dtype=torch.long)
    audio = AudioGraph(model).eval()
    with torch.no_grad():
        torch.onnx.export(audio, (feats, ml), os.path.join(out, "audio.onnx"), opset_version=OPSET,
                          input_names=["input_features", "mel_length"], output_names=["audio_embeds"],
                          dynamic_axes={"audio_embeds": {1: "A"}})
    export_kv_llm(model, os.path.join(out, "llm.onnx"), OPSET, GEN_LENGTH)


def parity_cases(model, tok, out):
    """Fixed inputs -> PyTorch outputs, stored for the JS parity test."""
    pdir = os.path.join(out, "parity")
    os.makedirs(pdir, exist_ok=True)
    eval_dir = os.path.join(CACHE, "eval")
    cases = []
    if os.path.exists(os.path.join(eval_dir, "features.npy")):
        f, meta = features.load_cache(eval_dir)
        x0, n0 = torch.from_numpy(np.asarray(f[1], np.float32))[None], meta[1]["mel_length"]
    else:
        x0, n0 = torch.from_numpy(features.featurize_audio(np.sin(np.arange(40000) * 0.05) * 0.3)[0])[None], 250
    sil, _ = features.featurize_audio(np.zeros(37 * 160, np.float32))
    audio, llm = AudioGraph(model).eval(), LLMGraph(model).eval()
    with torch.no_grad():
        for name, x, n in [("audio-clip", x0, n0), ("audio-short-silence", torch.from_numpy(sil)[None], 37)]:
            ml = torch.tensor([n], dtype=torch.long)
            cases.append(write_case(pdir, name, "audio", {"input_features": x, "mel_length": ml},
                                    {"audio_embeds": audio(x, ml)}))
        emb = audio(x0, torch.tensor([n0], dtype=torch.long))
        p = prompt.render_prompt(TASKS[0]["question"])
        ids = tok.encode(p) + [model.cfg.llm.mask_token_id] * GEN_LENGTH
        off = prompt.audio_offset(tok, p)
        ids[-GEN_LENGTH + 2] = tok.encode("speech")[0]   # a partly decoded window
        cond = torch.tensor([ids])
        uncond = torch.where(torch.arange(len(ids)) < len(ids) - GEN_LENGTH,
                             torch.full_like(cond, model.cfg.llm.mask_token_id), cond)
        g = torch.Generator().manual_seed(5)
        u = torch.rand(1, GEN_LENGTH, generator=g)
        for name, inp_ids, cfg_s, temp in [("llm-greedy", cond, 0.0, 0.0),
                                           ("llm-cfg-temperature", torch.cat([cond, uncond]), 1.5, 0.8)]:
            inputs = {"input_ids": inp_ids, "audio_embeds": emb, "audio_offset": torch.tensor([off]),
                      "gen_length": torch.tensor([GEN_LENGTH]), "cfg_scale": torch.tensor([cfg_s]),
                      "temperature": torch.tensor([temp]), "uniform": u}
            outs = llm(**inputs)
            inputs.update(no_cache_inputs(model.cfg.llm, inp_ids.shape[0]))
            cases.append(write_case(pdir, name, "llm", inputs, dict(zip(
                ["tokens", "confidence", "topk_ids", "topk_probs"], outs))))
    write_sampler_cases(model, tok, pdir, task_clips(x0, n0))
    qs = [q for t in TASKS for q in [t["question"]] + t["paraphrases"]] + ["Is the tone loud?"]
    with open(os.path.join(pdir, "tokenizer-cases.json"), "w") as fh:
        json.dump(tokenizer_cases(tok, qs, prompt.render_prompt, prompt.audio_offset), fh, indent=1, ensure_ascii=False)
    with open(os.path.join(pdir, "index.json"), "w") as fh:
        json.dump({"tolerance": 1e-4, "cases": cases}, fh, indent=1)
    update_cache_cases(pdir, model)


def task_clips(fallback, fallback_length):
    """One held-out clip per task, in TASKS order (the sampler cases ask each task's question about its own clip)."""
    eval_dir = os.path.join(CACHE, "eval")
    if not os.path.exists(os.path.join(eval_dir, "features.npy")):
        return [(fallback, fallback_length)]
    f, meta = features.load_cache(eval_dir)
    first = {}
    for i, m in enumerate(meta):
        first.setdefault(m["task"], i)
    return [(torch.from_numpy(np.asarray(f[first[t["task"]]], np.float32))[None], meta[first[t["task"]]]["mel_length"])
            for t in TASKS]


def save_reference_weights(model, tok, info):
    """The exported weights as a PyTorch state dict, for the reference that `npm run bench:engine` runs beside the
    engine (tools/bench_torch_reference.py). Kept beside the tools, not in the bundle: the app never reads it."""
    path = os.path.join(ROOT, "tools", "reference-weights", "diffa-tiny.pt")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    torch.save({"config": model.cfg.to_dict(), "state_dict": model.state_dict(), "vocab": tok.vocab,
                "source": info}, path)


def io_spec(model):
    llm = model.cfg.llm
    cache = (llm.n_layers, llm.n_kv_heads, llm.d_model // llm.n_heads)
    return bundle_io.io_spec(llm.d_model, model.cfg.whisper.num_mel_bins, features.CHUNK_FRAMES, cache)


def manifest(model, tok, out, ckpt_info):
    cfg = model.cfg
    n_params = sum(p.numel() for p in model.parameters())
    files = ["audio.onnx", "llm.onnx", "tokenizer.json", "tokenizer_config.json"]
    sp = tok.special_id
    return {
        "format": "diffa-bundle", "format_version": 1, "id": "diffa-tiny", "name": "DIFFA-Tiny",
        "version": f"{MODEL_VERSION}+step{ckpt_info.get('step', 0)}",
        "licence": "MIT",
        "description": "A miniature DIFFA-2 (Whisper-style encoder, semantic + Q-Former acoustic adapters, LLaDA "
                       "masked-diffusion LM) trained from scratch on synthetic audio for eight question types. "
                       "A test and demo model: it knows only the questions listed in `tasks`.",
        "source_checkpoints": [{"name": "diffa-tiny (trained here)", **ckpt_info,
                                "training": "tools/train_tiny.py on tools/build_features.py corpus"}],
        "architecture": {**cfg.to_dict(), "tap_indices": cfg.tap_indices(), "parameters": n_params,
                         "acoustic_tokens": cfg.acoustic.prompt_size,
                         "semantic_tokens_per_second": 16000 / 160 / 2 / cfg.semantic.downsample_rate},
        "audio": {"sample_rate": 16000, "n_mels": cfg.whisper.num_mel_bins, "n_fft": 400, "hop_length": 160,
                  "chunk_s": features.CHUNK_S, "chunk_frames": features.CHUNK_FRAMES, "mel_scale": "slaney",
                  "log": "whisper", "downmix": "mean", "mel_length": "ceil(samples / hop_length), capped at chunk_frames"},
        "graphs": io_spec(model),
        "tokenizer": "tokenizer.json", "tokenizer_config": "tokenizer_config.json",
        "special_tokens": {"bos": sp("<|startoftext|>"), "eos": sp("<|endoftext|>"), "mask": sp("<|mdm_mask|>"),
                           "eot": sp("<|eot_id|>"), "start_header": sp("<|start_header_id|>"),
                           "end_header": sp("<|end_header_id|>"), "pad": sp("<|endoftext|>")},
        "chat_template": prompt.CHAT_TEMPLATE, "bos_token": "<|startoftext|>",
        "system_prompt": prompt.SYSTEM_PROMPT,
        "audio_insertion": {
            "after_text": prompt.AFTER_TEXT, "user_template": prompt.USER_CONTENT, "offset_adjust": prompt.OFFSET_ADJUST,
            "rule": "Render chat_template with messages [{role: system, content: system_prompt}, {role: user, content: "
                    "user_template with {question} replaced}], bos_token and add_generation_prompt=true; tokenize it "
                    "without adding special tokens. audio_offset = number of tokens of the rendered text's prefix that "
                    "ends right after the first occurrence of after_text, plus offset_adjust. The audio embeddings "
                    "(acoustic, then semantic) are spliced before token index audio_offset; the gen_length mask "
                    "tokens are appended after the prompt."},
        "decoding": DECODING,
        "tasks": [{"task": t["task"], "question": t["question"],
                   "answers": t["answers"] or ["2-4 English digits as lowercase words, e.g. \"three seven one\""]}
                  for t in TASKS],
        "suggested_questions": SUGGESTED_QUESTIONS,
        # What the app may ask it (docs/model-bundle.md): only these tasks, one question at a time (trained without
        # history), the first chunk_s seconds of a region.
        "capabilities": {"version": 1, "trained_tasks": [t["task"] for t in TASKS], "multi_turn": False,
                         "heard_seconds": features.CHUNK_S, "open_questions": False,
                         # calibrated on the held-out set (docs/answer-confidence.md); recalibrate after retraining
                         "unsure_below": 0.75},
        "files": bundle_io.file_entries(out, files),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", default=os.path.join(CACHE, "ckpt", "last.pt"))
    ap.add_argument("--out", default=os.path.join(ROOT, "models", "diffa-tiny"))
    ap.add_argument("--random-init", action="store_true")
    ap.add_argument("--weights", help="a reference-weights file (tools/reference-weights/*.pt) instead of --ckpt")
    ap.add_argument("--llm-only", action="store_true",
                    help="rewrite llm.onnx and its manifest entries only (parity cases and other files stay)")
    ap.add_argument("--parity-only", action="store_true", help="only rewrite parity/ (same checkpoint as the bundle)")
    ap.add_argument("--candidate", action="store_true",
                    help="a bundle to measure before shipping: leave tools/reference-weights/ as it is")
    a = ap.parse_args()
    tok = build_tokenizer()
    if a.weights:
        s = torch.load(a.weights, map_location="cpu")
        tok = WordTokenizer(s["vocab"])  # the vocabulary these weights were trained with
        model = DiffaModel(DiffaConfig.from_dict(s["config"]))
        model.load_state_dict(s["state_dict"])
        info = s["source"]
    elif a.random_init:
        torch.manual_seed(0)
        model, info = DiffaModel(tiny_config(tok)), {"step": 0, "stage": 0, "note": "random init"}
    else:
        s = torch.load(a.ckpt, map_location="cpu")
        assert s["vocab"] == tok.vocab, "checkpoint vocabulary differs from build_tokenizer()"
        model = DiffaModel(DiffaConfig.from_dict(s["config"]))
        model.load_state_dict(s["model"])
        info = {"step": s["step"], "stage": s["stage"], "sha256": bundle_io.sha256(a.ckpt)}
    model.eval()
    if a.parity_only:
        parity_cases(model, tok, a.out)
        save_reference_weights(model, tok, info)
        return print("parity cases and reference weights rewritten", a.out)
    if a.llm_only:
        export_kv_llm(model, os.path.join(a.out, "llm.onnx"), OPSET, GEN_LENGTH)
        path = os.path.join(a.out, "manifest.json")
        with open(path) as f:
            m = json.load(f)
        m["graphs"]["llm"] = io_spec(model)["llm"]
        m["files"] = [bundle_io.file_entries(a.out, [e["path"]])[0] if e["path"] == "llm.onnx" else e for e in m["files"]]
        with open(path, "w") as f:
            json.dump(m, f, indent=1, ensure_ascii=False)
        update_cache_cases(os.path.join(a.out, "parity"), model)
        return print("llm.onnx, its manifest entries and its parity cases rewritten", a.out)
    os.makedirs(a.out, exist_ok=True)
    export_graphs(model, a.out)
    with open(os.path.join(a.out, "tokenizer.json"), "w") as f:
        json.dump(tok.to_json(), f, indent=1, ensure_ascii=False)
    with open(os.path.join(a.out, "tokenizer_config.json"), "w") as f:
        json.dump(tok.config_json(), f, indent=1)
    parity_cases(model, tok, a.out)
    with open(os.path.join(a.out, "manifest.json"), "w") as f:
        json.dump(manifest(model, tok, a.out, info), f, indent=1, ensure_ascii=False)
    if not a.candidate:
        save_reference_weights(model, tok, info)
    print("exported", a.out)


if __name__ == "__main__":
    main()
