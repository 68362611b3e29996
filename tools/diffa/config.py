"""Size configuration for the DIFFA-2 architecture. Every module takes its sizes from here, so the same code
builds DIFFA-Tiny and the full DIFFA-2 (Whisper large-v3 + Q-Former + LLaDA-8B)."""
from dataclasses import asdict, dataclass, field
from typing import List


@dataclass
class WhisperEncoderConfig:
    num_mel_bins: int = 80
    d_model: int = 128
    encoder_layers: int = 4
    encoder_attention_heads: int = 4
    encoder_ffn_dim: int = 512
    # Number of encoder positions = chunk_frames // 2 (conv2 has stride 2). Whisper: 1500 for 30 s.
    max_source_positions: int = 300


@dataclass
class AcousticAdapterConfig:
    """Q-Former connector (DIFFA-2 `QformerConnector`). hidden size = encoder d_model, as in DIFFA-2."""
    num_taps: int = 4           # K: encoder hidden states used; taps (j+1)*L/K - 1
    prompt_size: int = 16       # learned queries per tap (DIFFA-2: 64)
    qformer_layers: int = 2
    qformer_heads: int = 4
    qformer_ffn_dim: int = 512  # BertConfig default intermediate_size is 3072 (DIFFA-2)
    layer_norm_eps: float = 1e-12


@dataclass
class SemanticAdapterConfig:
    downsample_rate: int = 4


@dataclass
class LLaDAConfig:
    d_model: int = 192
    n_heads: int = 4
    n_kv_heads: int = 4
    n_layers: int = 4
    mlp_hidden_size: int = 512
    vocab_size: int = 128
    rope_theta: float = 10000.0
    rms_norm_eps: float = 1e-5
    mask_token_id: int = 0
    eos_token_id: int = 0


@dataclass
class DiffaConfig:
    whisper: WhisperEncoderConfig = field(default_factory=WhisperEncoderConfig)
    acoustic: AcousticAdapterConfig = field(default_factory=AcousticAdapterConfig)
    semantic: SemanticAdapterConfig = field(default_factory=SemanticAdapterConfig)
    llm: LLaDAConfig = field(default_factory=LLaDAConfig)

    def tap_indices(self) -> List[int]:
        """Indices into the encoder's hidden_states tuple (index 0 = embedding output), as DIFFA-2 hard-codes them:
        whisper-tiny [0,1,2,3], small [2,5,8,11], medium [5,11,17,23], large-v3 [3,7,...,31]."""
        L, K = self.whisper.encoder_layers, self.acoustic.num_taps
        return [(j + 1) * L // K - 1 for j in range(K)]

    def to_dict(self):
        return asdict(self)

    @staticmethod
    def from_dict(d):
        return DiffaConfig(
            whisper=WhisperEncoderConfig(**d["whisper"]),
            acoustic=AcousticAdapterConfig(**d["acoustic"]),
            semantic=SemanticAdapterConfig(**d["semantic"]),
            llm=LLaDAConfig(**d["llm"]),
        )
