"""The reference decoding algorithms, written the way their papers' code does it, over a function that returns the
generation window's full logits. The app's sampler (src-common/diffusion/denoise.ts) must commit exactly the same
tokens at the same steps; src-main/engine/sampler-parity.test.ts checks it against sequences stored from here.

- LLaDA `generate` (ML-GSAI/LLaDA): semi-autoregressive blocks, steps/blocks steps each, get_num_transfer_tokens
  commits per step, remasking `low_confidence` (score p(x0) from softmax(logits), no temperature) or `random`
  (uniform scores); temperature > 0 samples x0 from softmax(logits / T); CFG mixes un + (s + 1)(cond − un).
- DIFFA-2 factor decoding: rank the block's masked positions by confidence, commit rank n while conf ≥ 1 − f/(n+1)
  (the top one always); loop until the block has no mask; EOS with no mask before it in its block ends decoding
  and fills the rest of the window with EOS.
- Fast-dLLM threshold decoding: commit every masked position of the block with conf ≥ τ, at least the top one.

Randomness: the app draws from a seeded xoshiro128** (seeded_random.py is its twin), G uniforms per step for
temperature sampling (inverse CDF in float64, the uniform rounded to float32 as the graph receives it) and, for
`random` remasking, G scores per step after the forward pass. LLaDA adds Gumbel noise instead; both sample from
softmax(logits / T), and inverse CDF needs one uniform per position instead of one per vocabulary entry."""
import numpy as np
import torch

from .seeded_random import SeededRandom

BELOW_ONE = float(np.float32(1 - 2 ** -24))


def num_transfer_tokens(masked, steps):
    base, rem = divmod(masked, steps)
    return [base + (1 if i < rem else 0) for i in range(steps)]


def _sample(logits, temperature, uniform):
    """x0 per position: argmax at T = 0, else inverse-CDF sampling of softmax(logits / T) in float64."""
    if temperature <= 0:
        return logits.argmax(-1)
    cdf = torch.cumsum(torch.softmax(logits.double() / float(np.float32(temperature)), -1), -1)
    u = torch.tensor(uniform, dtype=torch.float32).double()
    return (cdf < u[:, None]).long().sum(-1).clamp(max=logits.shape[-1] - 1)


def _rank(scores, positions):
    """Highest score first, ties to the leftmost position (the app's rule)."""
    return sorted(positions, key=lambda p: (-float(scores[p]), p))


def generate(window_logits, p):
    """window_logits(x: LongTensor[G]) -> FloatTensor[G, V] (CFG applied). p: dict with sampler, gen_length,
    block_length, steps, temperature, seed, factor, threshold, mask_id, eos_id. Returns tokens, forward passes and the
    (1-based) step at which each position was committed or filled by the early stop."""
    G, B, mask = p["gen_length"], p["block_length"], p["mask_id"]
    x = torch.full((G,), mask, dtype=torch.long)
    commit_step = [0] * G
    rng = SeededRandom(p["seed"])
    passes = 0

    def predict():
        nonlocal passes
        uniform = [min(rng.next(), BELOW_ONE) for _ in range(G)] if p["temperature"] > 0 else None
        logits = window_logits(x.clone()).float()
        passes += 1
        x0 = _sample(logits, p["temperature"], uniform)
        conf = torch.softmax(logits, -1).gather(1, x0[:, None])[:, 0]
        return x0, conf

    def commit(x0, positions):
        for q in positions:
            x[q] = x0[q]
            commit_step[q] = passes

    masked_in = lambda a, b: [q for q in range(a, b) if int(x[q]) == mask]
    if p["sampler"] in ("low-confidence", "random"):
        blocks = G // B
        assert G % B == 0 and p["steps"] % blocks == 0
        for b in range(blocks):
            counts = num_transfer_tokens(len(masked_in(b * B, (b + 1) * B)), p["steps"] // blocks)
            for k in counts:
                x0, conf = predict()
                scores = [rng.next() for _ in range(G)] if p["sampler"] == "random" else conf.tolist()
                commit(x0, _rank(scores, masked_in(b * B, (b + 1) * B))[:k])
        return x.tolist(), passes, commit_step

    for b in range(G // B):
        lo, hi = b * B, (b + 1) * B
        while masked_in(lo, hi):
            x0, conf = predict()
            ranked = _rank(conf.tolist(), masked_in(lo, hi))
            chosen = [ranked[0]]
            for n, q in enumerate(ranked[1:], start=2):
                bar = 1 - p["factor"] / (n + 1) if p["sampler"] == "factor" else p["threshold"]
                if float(conf[q]) >= bar:
                    chosen.append(q)
                elif p["sampler"] == "factor":
                    break  # later ranks have lower confidence and a higher bar
            commit(x0, chosen)
            if p["sampler"] == "factor":
                blk = x[lo:hi].tolist()
                if p["eos_id"] in blk:
                    e = blk.index(p["eos_id"])
                    if mask not in blk[:e]:
                        for q in range(lo + e + 1, G):
                            if int(x[q]) != p["eos_id"]:
                                x[q] = p["eos_id"]
                                commit_step[q] = passes
                        return x.tolist(), passes, commit_step
    return x.tolist(), passes, commit_step
