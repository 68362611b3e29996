"""The LLM graph with a key/value cache, for Fast-dLLM's prefix and dual caches (one graph serves every mode).

Inputs beyond the plain graph's (graphs.LLMGraph):
  position_start               [1] i64   absolute sequence position of the first position this pass computes
  past_key_values.{i}.key      [B, H_kv, P, head_dim] f32   keys of cached positions (RoPE applied), layer i
  past_key_values.{i}.value    [B, H_kv, P, head_dim] f32
Outputs beyond tokens/confidence/topk_ids/topk_probs (the last G computed positions, as before):
  present.{i}.key / .value     [B, H_kv, T, head_dim] f32   keys/values of the positions THIS pass computed

Names as ONNX Runtime GenAI and Optimum use them. Two deliberate differences from an autoregressive decoder:
`present` holds only this pass's positions, not past + new (a diffusion step never appends, and copying the whole
cache out at every step would cost as much as the step at full size), and the cached positions may be any set —
attention is bidirectional, so the order of the keys does not matter and the dual cache passes prefix and suffix
concatenated. Every input is required (onnxruntime-node feeds only the inputs a graph lists as required, so
initializer defaults would be silently ignored): a pass without a cache feeds position_start 0 and empty past tensors
[B, H_kv, 0, head_dim], as ONNX Runtime GenAI does for a prompt, and then computes exactly the plain graph.

A pass with no past and the whole prompt + window (audio spliced) is the plain forward pass and fills the cache; a
cached pass feeds only window positions (audio_embeds with A = 0) at their absolute positions."""
import torch
from torch import nn

from .graphs import TOPK, _iota
from .llada import rope_cos_sin
from .model import DiffaModel


class KVLLMGraph(nn.Module):
    def __init__(self, model: DiffaModel):
        super().__init__()
        self.m = model
        self.mask_id = model.cfg.llm.mask_token_id
        self.n_layers = model.cfg.llm.n_layers

    def window_logits(self, input_ids, audio_embeds, audio_offset, gen_length, cfg_scale, window_like, position_start, past):
        llm = self.m.llm_model
        cfg = llm.cfg
        wte = llm.embed(input_ids)                                        # [B, L, d]
        a_len = torch.ones_like(audio_embeds[0, :, 0], dtype=torch.long).sum()
        pos = _iota(torch.cat([wte[0, :, 0], audio_embeds[0, :, 0]]))    # 0..L+A-1 (local)
        off = audio_offset[0]
        is_audio = (pos >= off) & (pos < off + a_len)
        text_idx = torch.where(pos < off, pos, pos - a_len).clamp(min=0)
        # One spare row so that the gather below stays in range when this pass has no audio (A = 0).
        audio_ext = torch.cat([audio_embeds, torch.zeros_like(wte[:1, :1, :])], dim=1)
        audio_idx = torch.minimum((pos - off).clamp(min=0), torch.clamp(a_len - 1, min=0))
        text_part = wte.index_select(1, text_idx)
        audio_part = audio_ext.index_select(1, audio_idx)
        rows = _iota(input_ids[:, 0])
        uncond = (rows == rows.max()) & (rows > 0)
        mask_emb = llm.model.transformer.wte.weight[self.mask_id]
        audio_rows = torch.where(uncond[:, None, None], mask_emb[None, None, :], audio_part)
        x = torch.where(is_audio[None, :, None], audio_rows, text_part)
        cos, sin = rope_cos_sin((pos + position_start[0]).float(), cfg.d_model // cfg.n_heads, cfg.rope_theta)
        t = llm.model.transformer
        present = []
        for i, blk in enumerate(t.blocks):
            x, k, v = blk(x, cos, sin, None, past[2 * i], past[2 * i + 1])
            present += [k, v]
        h = t.ln_f(x)
        win = pos.max() + 1 - gen_length[0] + _iota(window_like)
        logits = llm.logits(h.index_select(1, win)).float()
        cond, un = logits[0], logits[-1]
        return un + (cfg_scale[0] + 1.0) * (cond - un), present

    def forward(self, input_ids, audio_embeds, audio_offset, gen_length, cfg_scale, temperature, uniform,
                position_start, *past):
        logits, present = self.window_logits(input_ids, audio_embeds, audio_offset, gen_length, cfg_scale,
                                             uniform[0], position_start, past)
        probs = torch.softmax(logits, dim=-1)
        greedy = logits.argmax(-1)
        t = torch.where(temperature[0] > 0, temperature[0], torch.ones_like(temperature[0])).double()
        cdf = torch.cumsum(torch.softmax(logits.double() / t, dim=-1), dim=-1)
        sampled = (cdf < uniform[0].double()[:, None]).long().sum(-1)
        sampled = torch.minimum(sampled, torch.full_like(sampled, logits.shape[-1] - 1))
        tokens = torch.where(temperature[0] > 0, sampled, greedy)
        confidence = torch.gather(probs, 1, tokens[:, None])[:, 0]
        top_p, top_i = torch.topk(probs, TOPK, dim=-1)
        return (tokens[None], confidence[None], top_i[None], top_p[None], *present)


def cache_names(n_layers):
    past = [f"past_key_values.{i}.{kv}" for i in range(n_layers) for kv in ("key", "value")]
    present = [f"present.{i}.{kv}" for i in range(n_layers) for kv in ("key", "value")]
    return past, present


def empty_past(cfg, batch=1):
    hd = cfg.d_model // cfg.n_heads
    return [torch.zeros(batch, cfg.n_kv_heads, 0, hd) for _ in range(2 * cfg.n_layers)]


def no_cache_inputs(cfg, batch=1):
    """The inputs that make the cached graph the plain one: position 0 and an empty cache."""
    past_names, _ = cache_names(cfg.n_layers)
    return {"position_start": torch.tensor([0]), **dict(zip(past_names, empty_past(cfg, batch)))}


def export_kv_llm(model, path, opset, gen_length):
    """Trace KVLLMGraph with a non-empty cache, so that P stays dynamic."""
    cfg = model.cfg.llm
    graph = KVLLMGraph(model).eval()
    past_names, present_names = cache_names(cfg.n_layers)
    hd = cfg.d_model // cfg.n_heads
    ids = torch.zeros(2, 12, dtype=torch.long)
    emb = torch.zeros(1, 7, cfg.d_model)
    past = [torch.zeros(2, cfg.n_kv_heads, 5, hd) for _ in past_names]
    args = (ids, emb, torch.tensor([3]), torch.tensor([gen_length]), torch.tensor([0.0]), torch.tensor([0.0]),
            torch.rand(1, gen_length), torch.tensor([5]), *past)
    dyn = {"input_ids": {0: "B", 1: "L"}, "audio_embeds": {1: "A"}, "uniform": {1: "G"}, "tokens": {1: "G"},
           "confidence": {1: "G"}, "topk_ids": {1: "G"}, "topk_probs": {1: "G"}}
    dyn.update({n: {0: "B", 2: "P"} for n in past_names})
    dyn.update({n: {0: "B", 2: "T"} for n in present_names})
    with torch.no_grad():
        torch.onnx.export(graph, args, path, opset_version=opset,
                          input_names=["input_ids", "audio_embeds", "audio_offset", "gen_length", "cfg_scale",
                                       "temperature", "uniform", "position_start", *past_names],
                          output_names=["tokens", "confidence", "topk_ids", "topk_probs", *present_names],
                          dynamic_axes=dyn)
