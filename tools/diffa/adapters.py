"""DIFFA-2's two audio connectors, with the checkpoint's parameter names:
`semantic_connector` (WhisperProjector: conv.0, conv.2, linear_connector.0, linear_connector.2, layernorm) and
`acoustic_connector` (QformerConnector: layer_prompts.{j}, layer_weights, qformer.layer.{i}.* as HF BertEncoder,
proj.0 LayerNorm, proj.1 Linear)."""
import torch
from torch import nn
from torch.nn import functional as F

from .config import AcousticAdapterConfig, SemanticAdapterConfig


def semantic_length(mel_length: torch.Tensor, rate: int) -> torch.Tensor:
    """Encoder frames that hold real audio, `(mel_len-1)//2+1` (conv2 has stride 2), trimmed to a multiple of the
    downsample rate (WhisperProjector discards the remainder)."""
    n = torch.div(mel_length - 1, 2, rounding_mode="floor") + 1
    return torch.div(n, rate, rounding_mode="floor") * rate


class WhisperProjector(nn.Module):
    """Semantic adapter: Conv1d k3 -> GELU -> Conv1d k3 stride r -> Linear -> ReLU -> Linear -> ReLU -> LayerNorm."""

    def __init__(self, cfg: SemanticAdapterConfig, idim: int, odim: int):
        super().__init__()
        r = self.ds_rate = cfg.downsample_rate
        self.conv = nn.Sequential(
            nn.Conv1d(idim, idim, kernel_size=3, padding=1),
            nn.GELU(),
            nn.Conv1d(idim, idim * r, kernel_size=3, stride=r, padding=1),
        )
        self.linear_connector = nn.Sequential(
            nn.Linear(idim * r, idim), nn.ReLU(), nn.Linear(idim, odim), nn.ReLU()
        )
        self.layernorm = nn.LayerNorm(odim)

    def forward(self, x, n_real):
        """x [B, T, idim] (T a multiple of r), n_real [B] real frames (multiple of r).
        Equivalent to DIFFA-2 running on x[:, :n_real]: zeroing the frames past n_real reproduces the zero padding
        the convolutions see at the cut, and with n_real a multiple of r the first n_real/r outputs only read real
        frames. Returns [B, T/r, odim]; rows past n_real/r are padding (callers drop or mask them)."""
        keep = (torch.arange(x.shape[1], device=x.device)[None, :] < n_real[:, None]).to(x.dtype)[:, None, :]
        h = x.transpose(1, 2) * keep
        h = self.conv[1](self.conv[0](h)) * keep
        h = self.conv[2](h).transpose(1, 2)
        return self.layernorm(self.linear_connector(h))


class BertSelfAttention(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.heads, self.head_dim = heads, d // heads
        self.query, self.key, self.value = nn.Linear(d, d), nn.Linear(d, d), nn.Linear(d, d)

    def forward(self, x, kv):
        B, Tq, D = x.shape
        Tk = kv.shape[1]
        q = self.query(x).view(B, Tq, self.heads, self.head_dim).transpose(1, 2)
        k = self.key(kv).view(B, Tk, self.heads, self.head_dim).transpose(1, 2)
        v = self.value(kv).view(B, Tk, self.heads, self.head_dim).transpose(1, 2)
        w = torch.softmax(q @ k.transpose(-1, -2) / self.head_dim ** 0.5, dim=-1)
        return (w @ v).transpose(1, 2).reshape(B, Tq, D)


class BertSelfOutput(nn.Module):
    def __init__(self, d, eps):
        super().__init__()
        self.dense = nn.Linear(d, d)
        self.LayerNorm = nn.LayerNorm(d, eps=eps)

    def forward(self, h, residual):
        return self.LayerNorm(self.dense(h) + residual)  # post-LN, as BERT


class BertAttention(nn.Module):
    def __init__(self, d, heads, eps):
        super().__init__()
        self.self = BertSelfAttention(d, heads)
        self.output = BertSelfOutput(d, eps)

    def forward(self, x, kv=None):
        return self.output(self.self(x, x if kv is None else kv), x)


class BertIntermediate(nn.Module):
    def __init__(self, d, ffn):
        super().__init__()
        self.dense = nn.Linear(d, ffn)

    def forward(self, x):
        return F.gelu(self.dense(x))


class BertOutput(nn.Module):
    def __init__(self, d, ffn, eps):
        super().__init__()
        self.dense = nn.Linear(ffn, d)
        self.LayerNorm = nn.LayerNorm(d, eps=eps)

    def forward(self, h, residual):
        return self.LayerNorm(self.dense(h) + residual)


class BertLayer(nn.Module):
    """Self-attention over the queries, cross-attention to the encoder states, FFN (no masks: DIFFA-2 passes none)."""

    def __init__(self, d, heads, ffn, eps):
        super().__init__()
        self.attention = BertAttention(d, heads, eps)
        self.crossattention = BertAttention(d, heads, eps)
        self.intermediate = BertIntermediate(d, ffn)
        self.output = BertOutput(d, ffn, eps)

    def forward(self, x, enc):
        x = self.attention(x)
        x = self.crossattention(x, enc)
        return self.output(self.intermediate(x), x)


class BertEncoder(nn.Module):
    def __init__(self, d, heads, ffn, layers, eps):
        super().__init__()
        self.layer = nn.ModuleList([BertLayer(d, heads, ffn, eps) for _ in range(layers)])

    def forward(self, x, enc):
        for layer in self.layer:
            x = layer(x, enc)
        return x


class QformerConnector(nn.Module):
    """Acoustic adapter: per tap, its own learned queries go through ONE shared Q-Former cross-attending to that
    encoder hidden state; the K outputs are mixed per query by softmax(layer_weights) [Q, K]; LayerNorm; Linear.
    Uses the full padded chunk (no length cut), as DIFFA-2 does."""

    def __init__(self, cfg: AcousticAdapterConfig, taps, enc_dim: int, odim: int):
        super().__init__()
        self.target_layer_ids = list(taps)
        self.layer_prompts = nn.ParameterList(
            [nn.Parameter(torch.randn(1, cfg.prompt_size, enc_dim)) for _ in taps]
        )
        self.layer_weights = nn.Parameter(torch.zeros(cfg.prompt_size, len(taps)))
        self.qformer = BertEncoder(enc_dim, cfg.qformer_heads, cfg.qformer_ffn_dim, cfg.qformer_layers,
                                   cfg.layer_norm_eps)
        self.proj = nn.Sequential(nn.LayerNorm(enc_dim), nn.Linear(enc_dim, odim))

    def forward(self, hidden_states):
        # The K taps share the Q-Former, so they run as one batch of K*B rows (same maths as one call per tap,
        # fewer small matrix products on the CPU).
        taps = [hidden_states[idx] for idx in self.target_layer_ids]
        B = taps[0].shape[0]
        enc = torch.cat(taps, dim=0)                                               # [K*B, T, d]
        queries = torch.cat([p.expand(B, -1, -1) for p in self.layer_prompts], 0)  # [K*B, Q, d]
        out = self.qformer(queries, enc)
        stacked = out.view(len(taps), B, out.shape[1], out.shape[2]).permute(1, 2, 0, 3)  # [B, Q, K, d]
        w = torch.softmax(self.layer_weights, dim=-1)[None, :, :, None]
        return self.proj((stacked * w).sum(dim=2))                                 # [B, Q, odim]
