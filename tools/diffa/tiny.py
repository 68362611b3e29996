"""DIFFA-Tiny's concrete choices: sizes, tokenizer vocabulary, generation window."""
from .config import AcousticAdapterConfig, DiffaConfig, LLaDAConfig, SemanticAdapterConfig, WhisperEncoderConfig
from .features import CHUNK_FRAMES, N_MELS
from .prompt import render_prompt
from .tasks import TASKS, all_texts
from .tokenizer import WordTokenizer

GEN_LENGTH = 8  # longest answer: four digits + <|eot_id|>; the rest is <|endoftext|> padding
DECODING = {"sampler": "factor", "steps": GEN_LENGTH, "gen_length": GEN_LENGTH, "block_length": GEN_LENGTH,
            "temperature": 0, "factor": 1.0, "cfg_scale": 0}

# Answer classes for the stage-1 audio heads (all tasks but transcription, which uses CTC over digits).
ATTR_CLASSES = {t["task"]: t["answers"] for t in TASKS if t["answers"]}


def build_tokenizer() -> WordTokenizer:
    questions = [q for t in TASKS for q in [t["question"]] + t["paraphrases"]]
    return WordTokenizer.build([render_prompt(q) for q in questions] + all_texts())


def tiny_config(tok: WordTokenizer) -> DiffaConfig:
    return DiffaConfig(
        whisper=WhisperEncoderConfig(num_mel_bins=N_MELS, d_model=96, encoder_layers=4, encoder_attention_heads=4,
                                     encoder_ffn_dim=256, max_source_positions=CHUNK_FRAMES // 2),
        acoustic=AcousticAdapterConfig(num_taps=2, prompt_size=16, qformer_layers=1, qformer_heads=4,
                                       qformer_ffn_dim=256),
        semantic=SemanticAdapterConfig(downsample_rate=4),
        llm=LLaDAConfig(d_model=128, n_heads=4, n_kv_heads=4, n_layers=4, mlp_hidden_size=384,
                        vocab_size=len(tok.vocab), rope_theta=10000.0, rms_norm_eps=1e-5,
                        mask_token_id=tok.special_id("<|mdm_mask|>"), eos_token_id=tok.special_id("<|endoftext|>")),
    )
