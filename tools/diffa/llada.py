"""LLaDA masked-diffusion LM with OLMo-style names: model.transformer.{wte, blocks.{i}.*, ln_f, ff_out}.
RMSNorm, NeoX (rotate_half) RoPE computed from positions in the graph (no cached table, so no length cap),
SwiGLU, bidirectional attention, untied head, no biases."""
import torch
from torch import nn
from torch.nn import functional as F

from .config import LLaDAConfig


class RMSLayerNorm(nn.Module):
    def __init__(self, d, eps):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(d))

    def forward(self, x):
        x32 = x.float()
        x32 = x32 * torch.rsqrt(x32.pow(2).mean(-1, keepdim=True) + self.eps)
        return self.weight * x32.to(x.dtype)


def rotate_half(x):
    x1, x2 = x.chunk(2, dim=-1)
    return torch.cat((-x2, x1), dim=-1)


def rope_cos_sin(positions, head_dim, theta):
    """positions [T] float -> cos, sin [T, head_dim] (NeoX layout: the frequency vector is repeated twice)."""
    inv_freq = 1.0 / (theta ** (torch.arange(0, head_dim, 2, dtype=torch.float32) / head_dim))
    f = positions[:, None] * inv_freq[None, :]
    emb = torch.cat([f, f], dim=-1)
    return emb.cos(), emb.sin()


class LLaDABlock(nn.Module):
    def __init__(self, cfg: LLaDAConfig):
        super().__init__()
        d, hd = cfg.d_model, cfg.d_model // cfg.n_heads
        self.n_heads, self.n_kv_heads, self.head_dim = cfg.n_heads, cfg.n_kv_heads, hd
        self.attn_norm = RMSLayerNorm(d, cfg.rms_norm_eps)
        self.ff_norm = RMSLayerNorm(d, cfg.rms_norm_eps)
        self.q_proj = nn.Linear(d, d, bias=False)
        self.k_proj = nn.Linear(d, cfg.n_kv_heads * hd, bias=False)
        self.v_proj = nn.Linear(d, cfg.n_kv_heads * hd, bias=False)
        self.attn_out = nn.Linear(d, d, bias=False)
        self.ff_proj = nn.Linear(d, cfg.mlp_hidden_size, bias=False)
        self.up_proj = nn.Linear(d, cfg.mlp_hidden_size, bias=False)
        self.ff_out = nn.Linear(cfg.mlp_hidden_size, d, bias=False)

    def forward(self, x, cos, sin, attn_bias, past_k=None, past_v=None):
        """With past_k/past_v [B or 1, H_kv, P, head_dim] (keys with RoPE applied, values), x's positions also
        attend to those cached ones, and the result is (x, k, v): the new positions' keys/values before the
        grouped-query repeat, what a cache stores (tools/diffa/graphs_kv.py). Inside the block so that a traced
        block's nodes carry its scope (/blocks.i/) and tools/diffa/onnx_blocks.py can repeat it."""
        B, T, D = x.shape
        h = self.attn_norm(x)
        q = self.q_proj(h).view(B, T, self.n_heads, self.head_dim).transpose(1, 2)
        k = self.k_proj(h).view(B, T, self.n_kv_heads, self.head_dim).transpose(1, 2)
        v = self.v_proj(h).view(B, T, self.n_kv_heads, self.head_dim).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        new_k, new_v = k, v
        if past_k is not None:
            # the default (empty) cache has batch 1: expand it to the rows of this pass
            k = torch.cat([past_k.expand(B, -1, -1, -1), k], dim=2)
            v = torch.cat([past_v.expand(B, -1, -1, -1), v], dim=2)
        S = T if past_k is None else k.shape[2]
        if self.n_kv_heads != self.n_heads:
            # grouped-query attention: each K/V head serves n_heads / n_kv_heads query heads (repeat_interleave,
            # written as expand + reshape because repeat_interleave exports to an ONNX Loop)
            rep = self.n_heads // self.n_kv_heads
            k = k[:, :, None].expand(B, self.n_kv_heads, rep, S, self.head_dim).reshape(B, self.n_heads, S, self.head_dim)
            v = v[:, :, None].expand(B, self.n_kv_heads, rep, S, self.head_dim).reshape(B, self.n_heads, S, self.head_dim)
        s = q @ k.transpose(-1, -2) / self.head_dim ** 0.5
        if attn_bias is not None:
            s = s + attn_bias
        a = (torch.softmax(s, dim=-1) @ v).transpose(1, 2).reshape(B, T, D)
        x = x + self.attn_out(a)
        h = self.ff_norm(x)
        x = x + self.ff_out(F.silu(self.ff_proj(h)) * self.up_proj(h))
        return x if past_k is None else (x, new_k, new_v)


class LLaDATransformer(nn.Module):
    def __init__(self, cfg: LLaDAConfig):
        super().__init__()
        self.wte = nn.Embedding(cfg.vocab_size, cfg.d_model)
        self.blocks = nn.ModuleList([LLaDABlock(cfg) for _ in range(cfg.n_layers)])
        self.ln_f = RMSLayerNorm(cfg.d_model, cfg.rms_norm_eps)
        self.ff_out = nn.Linear(cfg.d_model, cfg.vocab_size, bias=False)  # untied LM head


class LLaDAInner(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.transformer = LLaDATransformer(cfg)


class LLaDAModelLM(nn.Module):
    def __init__(self, cfg: LLaDAConfig):
        super().__init__()
        self.cfg = cfg
        self.model = LLaDAInner(cfg)

    def embed(self, ids):
        return self.model.transformer.wte(ids)

    def hidden(self, inputs_embeds, key_padding=None):
        """inputs_embeds [B, T, d]; key_padding [B, T] bool (True = padding, never attended). Bidirectional."""
        t = self.model.transformer
        T = inputs_embeds.shape[1]
        # positions from a cumulative sum so that tracing keeps T dynamic
        pos = torch.cumsum(torch.ones_like(inputs_embeds[0, :, 0]), 0) - 1
        cos, sin = rope_cos_sin(pos, self.cfg.d_model // self.cfg.n_heads, self.cfg.rope_theta)
        bias = None
        if key_padding is not None:
            bias = torch.zeros(key_padding.shape, dtype=inputs_embeds.dtype, device=inputs_embeds.device)
            bias = bias.masked_fill(key_padding, float("-inf"))[:, None, None, :]
        x = inputs_embeds
        for blk in t.blocks:
            x = blk(x, cos, sin, bias)
        return t.ln_f(x)

    def logits(self, hidden):
        return self.model.transformer.ff_out(hidden)
