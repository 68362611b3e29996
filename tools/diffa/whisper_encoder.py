"""Whisper encoder with HF `WhisperEncoder` parameter names (conv1, conv2, embed_positions, layers.{i}.*, layer_norm)."""
import math

import torch
from torch import nn
from torch.nn import functional as F

from .config import WhisperEncoderConfig


def sinusoids(length: int, channels: int) -> torch.Tensor:
    """Whisper's fixed positional table: [sin | cos] with timescales from 1 to 10000."""
    inc = math.log(10000) / (channels // 2 - 1)
    inv = torch.exp(-inc * torch.arange(channels // 2, dtype=torch.float32))
    t = torch.arange(length, dtype=torch.float32)[:, None] * inv[None, :]
    return torch.cat([torch.sin(t), torch.cos(t)], dim=1)


class WhisperAttention(nn.Module):
    def __init__(self, d: int, heads: int):
        super().__init__()
        self.heads, self.head_dim = heads, d // heads
        self.q_proj = nn.Linear(d, d)
        self.k_proj = nn.Linear(d, d, bias=False)  # Whisper's key projection has no bias
        self.v_proj = nn.Linear(d, d)
        self.out_proj = nn.Linear(d, d)

    def forward(self, x):
        B, T, D = x.shape
        split = lambda t: t.view(B, T, self.heads, self.head_dim).transpose(1, 2)
        q = split(self.q_proj(x)) * self.head_dim ** -0.5
        k, v = split(self.k_proj(x)), split(self.v_proj(x))
        w = torch.softmax(q @ k.transpose(-1, -2), dim=-1)
        return self.out_proj((w @ v).transpose(1, 2).reshape(B, T, D))


class WhisperEncoderLayer(nn.Module):
    """Pre-LN transformer layer."""

    def __init__(self, cfg: WhisperEncoderConfig):
        super().__init__()
        d = cfg.d_model
        self.self_attn = WhisperAttention(d, cfg.encoder_attention_heads)
        self.self_attn_layer_norm = nn.LayerNorm(d)
        self.fc1 = nn.Linear(d, cfg.encoder_ffn_dim)
        self.fc2 = nn.Linear(cfg.encoder_ffn_dim, d)
        self.final_layer_norm = nn.LayerNorm(d)

    def forward(self, x):
        x = x + self.self_attn(self.self_attn_layer_norm(x))
        return x + self.fc2(F.gelu(self.fc1(self.final_layer_norm(x))))


class WhisperEncoder(nn.Module):
    def __init__(self, cfg: WhisperEncoderConfig):
        super().__init__()
        d = cfg.d_model
        self.conv1 = nn.Conv1d(cfg.num_mel_bins, d, kernel_size=3, padding=1)
        self.conv2 = nn.Conv1d(d, d, kernel_size=3, stride=2, padding=1)
        # HF keeps the sinusoidal table as a (frozen) Embedding weight, so checkpoints carry it.
        self.embed_positions = nn.Embedding(cfg.max_source_positions, d)
        with torch.no_grad():
            self.embed_positions.weight.copy_(sinusoids(cfg.max_source_positions, d))
        self.embed_positions.requires_grad_(False)
        self.layers = nn.ModuleList([WhisperEncoderLayer(cfg) for _ in range(cfg.encoder_layers)])
        self.layer_norm = nn.LayerNorm(d)

    def forward(self, input_features):
        """input_features [B, n_mels, frames] -> tuple of L+1 hidden states [B, frames/2, d], as HF's
        `hidden_states`: entry 0 = embedding output, entry i = input of layer i, the last = final layer_norm output.
        The last entry is also `last_hidden_state`."""
        x = F.gelu(self.conv1(input_features))
        # GELU is elementwise, so transposing first is the same maths. It also keeps GELU's incoming gradient
        # contiguous: Debian's torch 1.13 computes GELU's backward wrongly (garbage, often inf/NaN) for a
        # non-contiguous gradient, which is what a transpose after GELU hands it.
        x = F.gelu(self.conv2(x).transpose(1, 2).contiguous())
        x = x + self.embed_positions.weight
        states = []
        for layer in self.layers:
            states.append(x)
            x = layer(x)
        states.append(self.layer_norm(x))
        return tuple(states)
