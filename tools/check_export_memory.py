#!/usr/bin/env python3
"""Peak memory of tracing one bundle graph when the *other* half of the model is large: each graph must be traced
with only the modules it reads (tools/diffa/onnx_export.py `only`), so its peak must not grow with the other half.
At tiny sizes this cannot be seen; here the untraced half is ~1 GB of float32 while the traced half is small.

  python3 tools/check_export_memory.py --graph audio|llm      (prints JSON; exit 1 when over the bound)

The bound: peak RSS growth during the trace ≤ 2 × the traced half's float32 bytes + 150 MB (activations, the
exporter's own structures), and in any case < a quarter of the untraced half."""
import argparse
import json
import os
import resource
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from diffa import onnx_export  # noqa: E402
from diffa.config import AcousticAdapterConfig, DiffaConfig, LLaDAConfig, SemanticAdapterConfig, WhisperEncoderConfig  # noqa: E402,E501

SMALL_WHISPER = WhisperEncoderConfig(num_mel_bins=16, d_model=64, encoder_layers=2, encoder_attention_heads=2,
                                     encoder_ffn_dim=128, max_source_positions=100)
BIG_WHISPER = WhisperEncoderConfig(num_mel_bins=16, d_model=1024, encoder_layers=20, encoder_attention_heads=16,
                                   encoder_ffn_dim=4096, max_source_positions=50)
SMALL_LLM = LLaDAConfig(d_model=64, n_heads=4, n_kv_heads=4, n_layers=2, mlp_hidden_size=128, vocab_size=320,
                        rope_theta=500000.0, rms_norm_eps=1e-5, mask_token_id=302, eos_token_id=301)
BIG_LLM = LLaDAConfig(d_model=1024, n_heads=8, n_kv_heads=8, n_layers=2, mlp_hidden_size=2048, vocab_size=131072,
                      rope_theta=500000.0, rms_norm_eps=1e-5, mask_token_id=302, eos_token_id=301)


def peak_bytes():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB


def param_bytes(model, names):
    return sum(p.numel() * 4 for n, p in model.named_parameters() if n.split(".")[0] in names)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--graph", choices=["audio", "llm"], required=True)
    a = ap.parse_args()
    audio = a.graph == "audio"
    cfg = DiffaConfig(whisper=SMALL_WHISPER if audio else BIG_WHISPER,
                      acoustic=AcousticAdapterConfig(num_taps=2, prompt_size=4, qformer_layers=1, qformer_heads=2,
                                                     qformer_ffn_dim=64),
                      semantic=SemanticAdapterConfig(downsample_rate=4), llm=BIG_LLM if audio else SMALL_LLM)
    model = onnx_export.skeleton(cfg)
    audio_modules, llm_modules = ("whisper_model", "semantic_connector", "acoustic_connector"), ("llm_model",)
    traced, other = (audio_modules, llm_modules) if audio else (llm_modules, audio_modules)
    traced_bytes, other_bytes = param_bytes(model, traced), param_bytes(model, other)
    before = peak_bytes()
    if audio:
        onnx_export.export_audio(model, 2 * cfg.whisper.max_source_positions)
    else:
        onnx_export.export_llm(model)
    growth = peak_bytes() - before
    bound = min(2 * traced_bytes + 150e6, other_bytes / 4)
    report = {"graph": a.graph, "traced_bytes": traced_bytes, "untraced_bytes": other_bytes, "peak_growth": growth,
              "bound": bound, "ok": growth <= bound}
    print(json.dumps(report))
    sys.exit(0 if report["ok"] else 1)


if __name__ == "__main__":
    main()
