#!/usr/bin/env python3
"""A random DIFFA-2 checkpoint set at tiny sizes, laid out exactly like the released files, and PyTorch reference
outputs for it (for src-main/models/diffa2-convert.test.ts):

  OUT/llada/    config.json, model-0000{1,2}-of-00002.safetensors (bf16, model.transformer.*), the index,
                tokenizer.json (byte-level BPE with LLaDA's special tokens), tokenizer_config.json (chat template)
  OUT/whisper/  config.json, model.safetensors (fp16; model.encoder.* and a decoder tensor that must be ignored)
  OUT/diffa2/   pytorch_model.bin (fp32: trainable_prompts, semantic_connector.*, acoustic_connector.*, LoRA r 8
                under llm_model.base_model.model.model.transformer.blocks.{i}.*.lora_{A,B}.default.weight)
  OUT/parity/   index.json + cases: inputs and the outputs of tools/diffa/graphs.py with the LoRA merged in torch,
                and cached steps (tools/diffa/parity_kv.py)
  OUT/parity-int4/  the same with the LLM's Linear weights quantized to 4 bits and back

With --arch diffa, DIFFA (v1)'s layout instead: Whisper as fp32 (as openai/whisper-small ships), 4 Q-Former taps
over 4 encoder layers (DIFFA's whisper-tiny taps [0,1,2,3]), and OUT/diffa/pytorch_model.bin with the adapters and
the unused stage-1 prompts but no LoRA (DIFFA trains none).

  python3 tools/make_diffa2_fixture.py --out DIR [--arch diffa2|diffa]"""
import argparse
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from diffa import onnx_int4, prompt  # noqa: E402
from diffa.config import AcousticAdapterConfig, DiffaConfig, LLaDAConfig, SemanticAdapterConfig, WhisperEncoderConfig  # noqa: E402,E501
from diffa.graphs import AudioGraph, LLMGraph  # noqa: E402
from diffa.model import DiffaModel  # noqa: E402
from diffa.parity import write_case  # noqa: E402
from diffa.parity_kv import update_cache_cases  # noqa: E402
from diffa.reference_cached import cached_window_logits  # noqa: E402
from diffa.reference_sampling import generate  # noqa: E402
from diffa.safetensors_io import write_safetensors  # noqa: E402

SPECIALS = ["<|startoftext|>", "<|endoftext|>", "<|mdm_mask|>", "<|eot_id|>", "<|start_header_id|>",
            "<|end_header_id|>"]
MERGES = [("T", "h"), ("i", "s"), ("Ġ", "a"), ("Ġa", "u"), ("d", "i"), ("Ġau", "di"), ("Ġaudi", "o"), ("Ġ", "i"),
          ("Ġi", "s"), ("Ġ", "t"), ("h", "e"), ("Ġt", "he"), ("Th", "is")]
LORA_R, LORA_ALPHA = 8, 16.0
SPECIAL_BASE, EMBEDDING_SIZE = 300, 320
GEN = 8


def byte_alphabet():
    """GPT-2's byte-to-unicode table (printable bytes keep their character, the rest move above 255)."""
    keep = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    chars, extra = {}, 0
    for b in range(256):
        if b in keep:
            chars[b] = chr(b)
        else:
            chars[b] = chr(256 + extra)
            extra += 1
    return [chars[b] for b in range(256)]


def tokenizer_json():
    vocab = {c: i for i, c in enumerate(byte_alphabet())}
    for a, b in MERGES:
        vocab[a + b] = len(vocab)
    added = [{"id": SPECIAL_BASE + i, "content": s, "single_word": False, "lstrip": False, "rstrip": False,
              "normalized": False, "special": True} for i, s in enumerate(SPECIALS)]
    return {"version": "1.0", "truncation": None, "padding": None, "added_tokens": added, "normalizer": None,
            "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
            "post_processor": None,
            "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
            "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
                      "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False, "vocab": vocab,
                      "merges": [f"{a} {b}" for a, b in MERGES]}}


def config(arch="diffa2"):
    return DiffaConfig(
        whisper=WhisperEncoderConfig(num_mel_bins=16, d_model=32, encoder_layers=4, encoder_attention_heads=2,
                                     encoder_ffn_dim=64, max_source_positions=100),
        acoustic=AcousticAdapterConfig(num_taps=4 if arch == "diffa" else 2, prompt_size=4, qformer_layers=2, qformer_heads=2, qformer_ffn_dim=64),
        semantic=SemanticAdapterConfig(downsample_rate=4),
        llm=LLaDAConfig(d_model=64, n_heads=4, n_kv_heads=2, n_layers=2, mlp_hidden_size=128,
                        vocab_size=EMBEDDING_SIZE, rope_theta=500000.0, rms_norm_eps=1e-5,
                        mask_token_id=SPECIAL_BASE + 2, eos_token_id=SPECIAL_BASE + 1))


def randomised(model):
    """Default init plus: norms away from 1 (so a wrongly bound norm shows) and a sharper LM head (peaked outputs
    make token comparisons meaningful)."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("norm.weight") or "layer_norm" in name or "LayerNorm.weight" in name or name.endswith("ln_f.weight"):
                p.copy_(1 + 0.2 * torch.randn_like(p))
            elif "layer_weights" in name or "LayerNorm.bias" in name:
                p.copy_(torch.randn_like(p))
        model.llm_model.model.transformer.ff_out.weight.mul_(8.0)


def write_checkpoints(model, cfg, out, arch="diffa2"):
    sd = {k: v.detach().clone() for k, v in model.state_dict().items()}
    # LLaDA ships bf16, Whisper-large-v3 fp16 (Whisper-small fp32): the reference uses the same rounded values the
    # converter will read.
    v1 = arch == "diffa"
    llm = {k[len("llm_model."):]: v.bfloat16().float() for k, v in sd.items() if k.startswith("llm_model.")}
    enc = {"model.encoder." + k[len("whisper_model."):]: v if v1 else v.half().float()
           for k, v in sd.items() if k.startswith("whisper_model.")}
    d = os.path.join(out, "llada")
    os.makedirs(d, exist_ok=True)
    names = sorted(llm)
    shards = [names[: len(names) // 2], names[len(names) // 2:]]
    weight_map = {}
    for i, part in enumerate(shards):
        fn = f"model-0000{i + 1}-of-00002.safetensors"
        write_safetensors(os.path.join(d, fn), {k: llm[k].numpy() for k in part}, "BF16")
        weight_map.update({k: fn for k in part})
    with open(os.path.join(d, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {}, "weight_map": weight_map}, f)
    c = cfg.llm
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump({"architectures": ["LLaDAModelLM"], "model_type": "llada", "d_model": c.d_model,
                   "n_heads": c.n_heads, "n_kv_heads": c.n_kv_heads, "n_layers": c.n_layers,
                   "mlp_hidden_size": c.mlp_hidden_size, "vocab_size": SPECIAL_BASE + len(SPECIALS),
                   "embedding_size": EMBEDDING_SIZE, "rope_theta": c.rope_theta, "rms_norm_eps": c.rms_norm_eps,
                   "mask_token_id": c.mask_token_id, "eos_token_id": c.eos_token_id, "pad_token_id": c.eos_token_id,
                   "weight_tying": False, "include_bias": False, "block_type": "llama", "activation_type": "silu",
                   "layer_norm_type": "rms", "max_sequence_length": 4096}, f, indent=1)
    with open(os.path.join(d, "tokenizer.json"), "w") as f:
        json.dump(tokenizer_json(), f, ensure_ascii=False)
    with open(os.path.join(d, "tokenizer_config.json"), "w") as f:
        json.dump({"bos_token": "<|startoftext|>", "eos_token": "<|endoftext|>", "chat_template": prompt.CHAT_TEMPLATE,
                   "tokenizer_class": "PreTrainedTokenizerFast"}, f)
    d = os.path.join(out, "whisper")
    os.makedirs(d, exist_ok=True)
    enc["model.decoder.embed_tokens.weight"] = torch.randn(10, cfg.whisper.d_model)  # unused: must be ignored
    write_safetensors(os.path.join(d, "model.safetensors"), {k: v.numpy() for k, v in enc.items()}, "F32" if v1 else "F16")
    w = cfg.whisper
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump({"model_type": "whisper", "num_mel_bins": w.num_mel_bins, "d_model": w.d_model,
                   "encoder_layers": w.encoder_layers, "encoder_attention_heads": w.encoder_attention_heads,
                   "encoder_ffn_dim": w.encoder_ffn_dim, "max_source_positions": w.max_source_positions}, f)
    adapters = {k: v for k, v in sd.items() if k.startswith(("semantic_connector.", "acoustic_connector."))}
    lora = {}
    for i in range(0 if v1 else c.n_layers):  # DIFFA (v1) trains no LoRA
        for t in ("q_proj", "k_proj", "v_proj", "ff_proj", "up_proj"):
            out_f, in_f = sd[f"llm_model.model.transformer.blocks.{i}.{t}.weight"].shape
            pre = f"llm_model.base_model.model.model.transformer.blocks.{i}.{t}"
            lora[f"{pre}.lora_A.default.weight"] = torch.randn(LORA_R, in_f) * 0.05
            lora[f"{pre}.lora_B.default.weight"] = torch.randn(out_f, LORA_R) * 0.05
    os.makedirs(os.path.join(out, arch), exist_ok=True)
    # stage-1 prompt embeddings ride along in the release; the converter must skip them
    prompts = {"trainable_prompts.weight": torch.randn(20, cfg.llm.d_model)}
    torch.save({**adapters, **prompts, **lora}, os.path.join(out, arch, "pytorch_model.bin"))
    # the reference model: the rounded base weights with the LoRA merged here, in torch
    ref = {**{"llm_model." + k: v for k, v in llm.items()},
           **{"whisper_model." + k[len("model.encoder."):]: v for k, v in enc.items() if k.startswith("model.encoder.")},
           **adapters}
    for k, v in lora.items():
        if ".lora_A." in k:
            base = k.replace("base_model.model.", "").replace(".lora_A.default", "")
            ref[base] = ref[base] + (LORA_ALPHA / LORA_R) * (lora[k.replace("lora_A", "lora_B")] @ v)
    return ref


def int4_weights(model):
    """The LLM's Linear weights as the int4 bundle computes with them (quantized, then dequantized): the reference
    for checking the MatMulNBits layout itself, separately from the quantization error."""
    with torch.no_grad():
        for name, p in model.llm_model.named_parameters():
            if p.dim() == 2 and not name.endswith("wte.weight") and p.shape[1] % onnx_int4.BLOCK == 0:
                q = onnx_int4.quantize(p.numpy())
                p.copy_(torch.from_numpy(onnx_int4.dequantize(*q)))


def reference_cases(model, cfg, out, folder="parity"):
    pdir = os.path.join(out, folder)
    os.makedirs(pdir, exist_ok=True)
    frames = 2 * cfg.whisper.max_source_positions
    g = torch.Generator().manual_seed(1)
    cases = []
    audio, llm = AudioGraph(model).eval(), LLMGraph(model).eval()
    with torch.no_grad():
        feats = torch.rand(1, cfg.whisper.num_mel_bins, frames, generator=g) * 2 - 1
        for name, n in (("audio-part", 130), ("audio-full", frames)):
            ml = torch.tensor([n])
            cases.append(write_case(pdir, name, "audio", {"input_features": feats, "mel_length": ml},
                                    {"audio_embeds": audio(feats, ml)}))
        emb = audio(feats, torch.tensor([130]))
        ids = torch.randint(0, SPECIAL_BASE, (1, 24), generator=g)
        ids[0, -GEN:] = cfg.llm.mask_token_id
        ids[0, -3] = 65
        uncond = ids.clone()
        uncond[0, :-GEN] = cfg.llm.mask_token_id
        u = torch.rand(1, GEN, generator=g)
        for name, x, cfg_s, temp in (("llm-greedy", ids, 0.0, 0.0), ("llm-cfg-temperature", torch.cat([ids, uncond]), 1.5, 0.8)):
            inputs = {"input_ids": x, "audio_embeds": emb, "audio_offset": torch.tensor([6]),
                      "gen_length": torch.tensor([GEN]), "cfg_scale": torch.tensor([cfg_s]),
                      "temperature": torch.tensor([temp]), "uniform": u}
            outs = llm(**inputs)
            cases.append(write_case(pdir, name, "llm", inputs, dict(zip(["tokens", "confidence", "topk_ids", "topk_probs"], outs))))
    with open(os.path.join(pdir, "index.json"), "w") as f:
        json.dump({"cases": cases}, f, indent=1)
    # llm.onnx has the key/value cache: the plain cases get position 0 and an empty cache, and each gets a cached
    # twin (a prefix-cache step over the window's second half, computed in PyTorch)
    update_cache_cases(pdir, model)
    cached_decode_case(model, cfg, pdir, ids[0, :-GEN], emb, 6)


DECODE = {"sampler": "low-confidence", "gen_length": 16, "block_length": 4, "steps": 16, "temperature": 2.0,
          "seed": 7, "factor": 1.0, "threshold": 0.9}


def cached_decode_case(model, cfg, pdir, prompt_ids, emb, audio_offset):
    """decode-cached.json: one answer decoded with `none`, the prefix and the dual cache in PyTorch
    (tools/diffa/reference_cached.py); not in index.json (it is a whole answer, not one graph run)."""
    p = {**DECODE, "mask_id": cfg.llm.mask_token_id, "eos_id": cfg.llm.eos_token_id}
    spb = p["steps"] // (p["gen_length"] // p["block_length"])
    outputs = {}
    for mode in ("none", "prefix", "dual"):
        f = cached_window_logits(model, prompt_ids, emb, audio_offset, p["gen_length"], p["block_length"], spb, mode)
        tokens, _, _ = generate(f, p)
        outputs[f"tokens_{mode}"] = torch.tensor(tokens)
    write_case(pdir, "decode-cached", "decode", {"prompt_ids": prompt_ids, "audio_embeds": emb,
                                                 "audio_offset": torch.tensor([audio_offset])}, outputs)
    with open(os.path.join(pdir, "decode-cached-params.json"), "w") as f:
        json.dump(p, f, indent=1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--arch", choices=["diffa2", "diffa"], default="diffa2")
    a = ap.parse_args()
    torch.manual_seed(0)
    cfg = config(a.arch)
    model = DiffaModel(cfg).eval()
    randomised(model)
    ref = write_checkpoints(model, cfg, a.out, a.arch)
    model.load_state_dict(ref)
    reference_cases(model, cfg, a.out)
    int4_weights(model)
    reference_cases(model, cfg, a.out, "parity-int4")
    print("fixture", a.out)


if __name__ == "__main__":
    main()
