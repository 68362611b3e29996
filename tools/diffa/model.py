"""DIFFA-2 assembled: Whisper encoder + semantic and acoustic connectors + LLaDA. Attribute names follow
DIFFA-2's `DIFFAModel` (whisper_model, semantic_connector, acoustic_connector, llm_model) so state_dict keys
line up with the released checkpoints."""
import torch
from torch import nn

from .adapters import QformerConnector, WhisperProjector, semantic_length
from .config import DiffaConfig
from .llada import LLaDAModelLM
from .whisper_encoder import WhisperEncoder


class DiffaModel(nn.Module):
    def __init__(self, cfg: DiffaConfig):
        super().__init__()
        self.cfg = cfg
        d_enc, d_llm = cfg.whisper.d_model, cfg.llm.d_model
        self.whisper_model = WhisperEncoder(cfg.whisper)
        self.semantic_connector = WhisperProjector(cfg.semantic, d_enc, d_llm)
        self.acoustic_connector = QformerConnector(cfg.acoustic, cfg.tap_indices(), d_enc, d_llm)
        self.llm_model = LLaDAModelLM(cfg.llm)

    def audio_tower(self, input_features, mel_length, hidden_states=None):
        """input_features [B, n_mels, frames], mel_length [B] int64.
        Returns acoustic [B, Q, d], semantic [B, S, d] (padded), sem_len [B] real semantic tokens."""
        hs = self.whisper_model(input_features) if hidden_states is None else hidden_states
        acoustic = self.acoustic_connector(hs)
        n_real = semantic_length(mel_length, self.cfg.semantic.downsample_rate)
        semantic = self.semantic_connector(hs[-1], n_real)
        return acoustic, semantic, torch.div(n_real, self.cfg.semantic.downsample_rate, rounding_mode="floor")


def build_sequences(model: DiffaModel, prefix_ids, suffix_ids, acoustic, semantic, sem_len):
    """Splice audio into each row: [prefix tokens][acoustic][semantic[:sem_len]][suffix tokens], right-padded.
    prefix_ids/suffix_ids: lists of LongTensors. Returns embeds [B, T, d], key_padding [B, T] bool, lengths [B]."""
    wte = model.llm_model.embed
    rows = []
    for i in range(len(prefix_ids)):
        rows.append(torch.cat([wte(prefix_ids[i]), acoustic[i], semantic[i, : int(sem_len[i])], wte(suffix_ids[i])]))
    lengths = torch.tensor([r.shape[0] for r in rows])
    T = int(lengths.max())
    d = acoustic.shape[-1]
    emb = acoustic.new_zeros(len(rows), T, d)
    for i, r in enumerate(rows):
        emb[i, : r.shape[0]] = r
    pad = torch.arange(T)[None, :] >= lengths[:, None]
    return emb, pad, lengths
