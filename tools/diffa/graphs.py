"""The two ONNX graphs of a DIFFA bundle, as torch modules to trace.

audio.onnx  input_features [1, n_mels, chunk_frames] f32, mel_length [1] i64
            -> audio_embeds [1, A, d] f32 (acoustic tokens, then the real-length semantic tokens; A dynamic)
llm.onnx    input_ids [B, L] i64, audio_embeds [1, A, d], audio_offset [1] i64, gen_length [1] i64,
            cfg_scale [1] f32, temperature [1] f32, uniform [1, G] f32
            -> tokens [1, G] i64, confidence [1, G] f32, topk_ids [1, G, 5] i64, topk_probs [1, G, 5] f32
Full logits never leave the graph. Shapes are derived with cumsum/nonzero rather than Python ints so that tracing
keeps L, A, G and B dynamic."""
import torch
from torch import nn

from .adapters import semantic_length
from .model import DiffaModel

TOPK = 5


def _iota(v):
    """0..n-1 as int64 for a 1-D tensor v of length n (traced as CumSum, so n stays dynamic)."""
    return torch.cumsum(torch.ones_like(v, dtype=torch.long), 0) - 1


class AudioGraph(nn.Module):
    def __init__(self, model: DiffaModel):
        super().__init__()
        self.m = model

    def forward(self, input_features, mel_length):
        m = self.m
        hs = m.whisper_model(input_features)
        acoustic = m.acoustic_connector(hs)
        r = m.cfg.semantic.downsample_rate
        n_real = semantic_length(mel_length, r)
        semantic = m.semantic_connector(hs[-1], n_real)
        keep = torch.nonzero(_iota(semantic[0, :, 0]) < torch.div(n_real, r, rounding_mode="floor")).flatten()
        return torch.cat([acoustic, semantic.index_select(1, keep)], dim=1)


class LLMGraph(nn.Module):
    def __init__(self, model: DiffaModel):
        super().__init__()
        self.m = model
        self.mask_id = model.cfg.llm.mask_token_id

    def window_logits(self, input_ids, audio_embeds, audio_offset, gen_length, cfg_scale, window_like):
        """Logits [G, V] of the generation window (the last G positions), CFG applied; never a graph output.
        window_like: any 1-D tensor of length G (traced as the window's iota, keeping G dynamic)."""
        llm = self.m.llm_model
        wte = llm.embed(input_ids)                                        # [B, L, d]
        a_len = torch.ones_like(audio_embeds[0, :, 0], dtype=torch.long).sum()
        pos = _iota(torch.cat([wte[0, :, 0], audio_embeds[0, :, 0]]))    # 0..L+A-1
        off = audio_offset[0]
        is_audio = (pos >= off) & (pos < off + a_len)
        text_idx = torch.where(pos < off, pos, pos - a_len).clamp(min=0)
        audio_idx = (pos - off).clamp(min=0, max=None)
        audio_idx = torch.minimum(audio_idx, a_len - 1)
        text_part = wte.index_select(1, text_idx)                         # [B, T, d]
        audio_part = audio_embeds.index_select(1, audio_idx)              # [1, T, d]
        # classifier-free guidance: the last row (when B > 1) is unconditional: its audio rows become [MASK]
        rows = _iota(input_ids[:, 0])
        uncond = (rows == rows.max()) & (rows > 0)
        mask_emb = llm.model.transformer.wte.weight[self.mask_id]
        audio_rows = torch.where(uncond[:, None, None], mask_emb[None, None, :], audio_part)
        x = torch.where(is_audio[None, :, None], audio_rows, text_part)
        h = llm.hidden(x)
        win = pos.max() + 1 - gen_length[0] + _iota(window_like)                # the last G positions
        logits = llm.logits(h.index_select(1, win)).float()              # [B, G, V]
        cond, un = logits[0], logits[-1]
        return un + (cfg_scale[0] + 1.0) * (cond - un)                    # [G, V]; B = 1 gives cond

    def forward(self, input_ids, audio_embeds, audio_offset, gen_length, cfg_scale, temperature, uniform):
        logits = self.window_logits(input_ids, audio_embeds, audio_offset, gen_length, cfg_scale, uniform[0])
        probs = torch.softmax(logits, dim=-1)
        greedy = logits.argmax(-1)
        # temperature sampling from softmax(logits / T) by inverse CDF in float64 with the given uniforms
        t = torch.where(temperature[0] > 0, temperature[0], torch.ones_like(temperature[0])).double()
        cdf = torch.cumsum(torch.softmax(logits.double() / t, dim=-1), dim=-1)
        sampled = (cdf < uniform[0].double()[:, None]).long().sum(-1)
        sampled = torch.minimum(sampled, torch.full_like(sampled, logits.shape[-1] - 1))
        tokens = torch.where(temperature[0] > 0, sampled, greedy)
        confidence = torch.gather(probs, 1, tokens[:, None])[:, 0]       # LLaDA low_confidence: no temperature
        top_p, top_i = torch.topk(probs, TOPK, dim=-1)
        return tokens[None], confidence[None], top_i[None], top_p[None]
