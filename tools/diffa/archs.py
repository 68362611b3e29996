"""The architectures tools/convert_diffa2.py converts, and what differs between them (docs/diffa2.md):

  diffa2  DIFFA-2: Whisper-large-v3 encoder, 8 Q-Former taps, LoRA r 8 / alpha 16 merged into LLaDA, factor decoding.
  diffa   DIFFA (v1): Whisper-small encoder, 4 taps, LLaDA frozen (no LoRA: the checkpoint holds only the adapters
          and the unused stage-1 prompts), LLaDA's low-confidence remasking as its inference scripts run it.

Both share the graphs (tools/diffa/onnx_export.py): sizes and tap indices come from the checkpoints' shapes."""

# DIFFA-2's benchmark setting (run_*_inference.sh): factor-based parallel decoding, 16 steps / block / tokens.
DIFFA2_DECODING = {"sampler": "factor", "steps": 16, "gen_length": 16, "block_length": 16, "temperature": 0,
                   "factor": 1.0, "cfg_scale": 0}
# DIFFA's inference_stage2_mmau.py defaults: steps 16, block 16, 16 new tokens, temperature 0, no CFG,
# remasking 'low_confidence' (src/llm_generate.py: LLaDA's fixed number of tokens per step).
DIFFA_DECODING = {"sampler": "low-confidence", "steps": 16, "gen_length": 16, "block_length": 16, "temperature": 0,
                  "cfg_scale": 0}

ARCHS = {
    "diffa2": {
        "id": "diffa-2", "name": "DIFFA-2", "version": "2.0.0", "lora": True, "lora_alpha": 16.0,
        "decoding": DIFFA2_DECODING,
        "whisper": "Whisper-large-v3 encoder (openai/whisper-large-v3)",
        "checkpoint": "DIFFA-2 adapters + LoRA (zhoujiaming777/DIFFA-2)", "checkpoint_licence": "not stated",
        "licence": "LLaDA-8B-Instruct: MIT; Whisper-large-v3: Apache-2.0; DIFFA-2 adapters and LoRA: no licence tag "
                   "on the release, check with the authors before use",
        "description": "DIFFA-2 (arXiv 2601.23161): Whisper-large-v3 encoder, semantic and Q-Former acoustic adapters, "
                       "LLaDA-8B-Instruct masked-diffusion LM with the DIFFA-2 LoRA merged.",
    },
    "diffa": {
        "id": "diffa", "name": "DIFFA", "version": "1.0.0", "lora": False, "lora_alpha": 0.0,
        "decoding": DIFFA_DECODING,
        "whisper": "Whisper-small encoder (openai/whisper-small)",
        "checkpoint": "DIFFA adapters (zhoujiaming777/DIFFA)", "checkpoint_licence": "CC-BY-NC-SA-4.0",
        "licence": "DIFFA checkpoint: CC-BY-NC-SA-4.0 (non-commercial, share alike); LLaDA-8B-Instruct: MIT; "
                   "Whisper-small: Apache-2.0",
        "description": "DIFFA (arXiv 2507.18452): Whisper-small encoder, semantic and Q-Former acoustic adapters, "
                       "frozen LLaDA-8B-Instruct masked-diffusion LM.",
    },
}


def check_lora(arch, lora_pairs, path):
    """DIFFA (v1) trains no LoRA: LoRA tensors in its checkpoint mean a DIFFA-2 checkpoint given as v1, and
    merging or dropping them silently would give a different model. (DIFFA-2's stage-1 checkpoint has no LoRA
    either, so its absence is not an error for diffa2.)"""
    if not ARCHS[arch]["lora"] and lora_pairs:
        raise ValueError(f"{path}: holds {len(lora_pairs)} LoRA pairs, e.g. {sorted(lora_pairs)[0]}; DIFFA (v1) has "
                         "no LoRA. Is this a DIFFA-2 checkpoint? (use --arch diffa2)")
