#!/usr/bin/env python3
"""A DIFFA-2 checkpoint set at the released sizes, random, in the released layout and names, for measuring the
app's builder at scale (docs/benchmarks.md):

  OUT/llada/    LLaDA-8B-Instruct shapes: bf16 safetensors in 6 shards + index, config.json, the tiny fixture's
                tokenizer (the builder only copies it)
  OUT/whisper/  Whisper-large-v3 shapes: fp16 model.safetensors with the encoder and the decoder (the decoder's
                bytes are left as a hole: the builder never reads them)
  OUT/diffa2/   pytorch_model.bin (fp32 adapters at DIFFA-2's sizes, LoRA r 8 on q/k/v/ff/up of every block)

With --arch diffa, DIFFA (v1): Whisper-small shapes (F32, as openai/whisper-small ships) and OUT/diffa/
pytorch_model.bin with the adapters at DIFFA's sizes (4 Q-Former taps, 12 heads), the unused stage-1 prompts and
no LoRA.

  python3 tools/make_full_size_checkpoints.py --out DIR [--sparse] [--arch diffa2|diffa]

Values are random bit patterns of moderate magnitude (fast to make: ~16 GB). --sparse writes only the headers
and leaves every tensor as a hole (a set for tracing or planning that takes no disk)."""
import argparse
import json
import os
import struct
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from diffa import onnx_export  # noqa: E402
from diffa.config import AcousticAdapterConfig, DiffaConfig, LLaDAConfig, SemanticAdapterConfig, WhisperEncoderConfig  # noqa: E402,E501
import make_diffa2_fixture as tiny  # noqa: E402

WHISPER = WhisperEncoderConfig(num_mel_bins=128, d_model=1280, encoder_layers=32, encoder_attention_heads=20,
                               encoder_ffn_dim=5120, max_source_positions=1500)
LLADA = LLaDAConfig(d_model=4096, n_heads=32, n_kv_heads=32, n_layers=32, mlp_hidden_size=12288, vocab_size=126464,
                    rope_theta=500000.0, rms_norm_eps=1e-5, mask_token_id=126336, eos_token_id=126081)
ACOUSTIC = AcousticAdapterConfig(num_taps=8, prompt_size=64, qformer_layers=2, qformer_heads=20, qformer_ffn_dim=3072)
FULL = DiffaConfig(whisper=WHISPER, acoustic=ACOUSTIC, semantic=SemanticAdapterConfig(downsample_rate=4), llm=LLADA)
# DIFFA (v1): openai/whisper-small's encoder, the Q-Former sized for it (BertConfig defaults but heads and width)
WHISPER_SMALL = WhisperEncoderConfig(num_mel_bins=80, d_model=768, encoder_layers=12, encoder_attention_heads=12,
                                     encoder_ffn_dim=3072, max_source_positions=1500)
ACOUSTIC_V1 = AcousticAdapterConfig(num_taps=4, prompt_size=64, qformer_layers=2, qformer_heads=12, qformer_ffn_dim=3072)
FULL_V1 = DiffaConfig(whisper=WHISPER_SMALL, acoustic=ACOUSTIC_V1, semantic=SemanticAdapterConfig(downsample_rate=4),
                      llm=LLADA)
# Whisper-large-v3's decoder: 32 layers at d 1280 plus the 51866-token embedding (never read by the builder)
DECODER = [("model.decoder.embed_tokens.weight", (51866, 1280)), ("model.decoder.embed_positions.weight", (448, 1280))] + [
    (f"model.decoder.layers.{i}.{n}", s) for i in range(32)
    for n, s in (("self_attn.q_proj.weight", (1280, 1280)), ("encoder_attn.q_proj.weight", (1280, 1280)),
                 ("fc1.weight", (5120, 1280)), ("fc2.weight", (1280, 5120)))]
# Whisper-small's decoder: 12 layers at d 768 plus the 51865-token embedding (never read by the builder)
DECODER_SMALL = [("model.decoder.embed_tokens.weight", (51865, 768)), ("model.decoder.embed_positions.weight", (448, 768))] + [
    (f"model.decoder.layers.{i}.{n}", s) for i in range(12)
    for n, s in (("self_attn.q_proj.weight", (768, 768)), ("encoder_attn.q_proj.weight", (768, 768)),
                 ("fc1.weight", (3072, 768)), ("fc2.weight", (768, 3072)))]
ST = {"BF16": (2, 0x807F, 0x3C00), "F16": (2, 0x83FF, 0x2000),
      "F32": (4, 0x807F, 0x3C00)}  # F32: random low halves, the high halves as BF16's (moderate magnitudes)  # keep sign + low mantissa, fix a small exponent


def write_st(path, tensors, dtype, sparse, holes=()):
    """tensors: [(name, shape)]; bytes random unless sparse or the name is in holes."""
    item, keep, fixed = ST[dtype]
    header, offset, layout = {"__metadata__": {"format": "pt"}}, 0, []
    for name, shape in tensors:
        n = int(np.prod(shape)) * item
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + n]}
        layout.append((name, offset, n))
        offset += n
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    rng = np.random.default_rng(0)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text)
        base = f.tell()
        for name, start, n in layout:
            if sparse or name in holes:
                continue
            f.seek(base + start)
            for c in range(0, n // 2, 1 << 24):
                m = min(1 << 24, n // 2 - c)
                bits = (rng.integers(0, 1 << 16, m, dtype=np.uint16) & keep) | fixed
                f.write(bits.tobytes())
        f.truncate(base + offset)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--sparse", action="store_true")
    ap.add_argument("--arch", choices=["diffa2", "diffa"], default="diffa2")
    a = ap.parse_args()
    v1 = a.arch == "diffa"
    whisper = WHISPER_SMALL if v1 else WHISPER
    model = onnx_export.skeleton(FULL_V1 if v1 else FULL)
    shapes = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    llm = [(k[len("llm_model."):], s) for k, s in shapes.items() if k.startswith("llm_model.")]
    d = os.path.join(a.out, "llada")
    os.makedirs(d, exist_ok=True)
    shards = [llm[i::6] for i in range(6)]
    weight_map = {}
    for i, part in enumerate(shards):
        fn = f"model-0000{i + 1}-of-00006.safetensors"
        write_st(os.path.join(d, fn), part, "BF16", a.sparse)
        weight_map.update({k: fn for k, _ in part})
    with open(os.path.join(d, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {}, "weight_map": weight_map}, f)
    c = LLADA
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump({"d_model": c.d_model, "n_heads": c.n_heads, "n_kv_heads": c.n_kv_heads, "n_layers": c.n_layers,
                   "mlp_hidden_size": c.mlp_hidden_size, "vocab_size": 126464, "embedding_size": 126464,
                   "rope_theta": c.rope_theta, "rms_norm_eps": c.rms_norm_eps, "mask_token_id": c.mask_token_id,
                   "eos_token_id": c.eos_token_id, "weight_tying": False, "include_bias": False}, f, indent=1)
    with open(os.path.join(d, "tokenizer.json"), "w") as f:
        json.dump(tiny.tokenizer_json(), f, ensure_ascii=False)
    d = os.path.join(a.out, "whisper")
    os.makedirs(d, exist_ok=True)
    enc = [("model.encoder." + k[len("whisper_model."):], s) for k, s in shapes.items() if k.startswith("whisper_model.")]
    decoder = DECODER_SMALL if v1 else DECODER
    write_st(os.path.join(d, "model.safetensors"), enc + decoder, "F32" if v1 else "F16", a.sparse,
             holes={n for n, _ in decoder})
    w = whisper
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump({"num_mel_bins": w.num_mel_bins, "d_model": w.d_model, "encoder_layers": w.encoder_layers,
                   "encoder_attention_heads": w.encoder_attention_heads, "encoder_ffn_dim": w.encoder_ffn_dim,
                   "max_source_positions": w.max_source_positions}, f)
    g = torch.Generator().manual_seed(0)
    sd = {k: torch.randn(*s, generator=g) * 0.02 for k, s in shapes.items() if k.startswith(("semantic_connector.", "acoustic_connector."))}
    if v1:  # the stage-1 prompts ride along unused; no LoRA
        sd["trainable_prompts.weight"] = torch.randn(20, c.d_model, generator=g) * 0.02
    for i in range(0 if v1 else c.n_layers):
        for t in ("q_proj", "k_proj", "v_proj", "ff_proj", "up_proj"):
            out_f, in_f = shapes[f"llm_model.model.transformer.blocks.{i}.{t}.weight"]
            pre = f"llm_model.base_model.model.model.transformer.blocks.{i}.{t}"
            sd[f"{pre}.lora_A.default.weight"] = torch.randn(8, in_f, generator=g) * 0.01
            sd[f"{pre}.lora_B.default.weight"] = torch.randn(out_f, 8, generator=g) * 0.01
    os.makedirs(os.path.join(a.out, a.arch), exist_ok=True)
    torch.save(sd, os.path.join(a.out, a.arch, "pytorch_model.bin"))
    print("full-size checkpoints", a.out)


if __name__ == "__main__":
    main()
