"""Masked-diffusion decoding in PyTorch for evaluation, batched over rows: DIFFA-2's factor-based parallel decoding
(default of the bundle) and LLaDA's low-confidence remasking. `step_fn(x)` returns logits [B, G, V] for the current
window x [B, G]. Temperature 0, no CFG (the bundle's defaults)."""
import torch


def factor_decode(step_fn, B, G, mask_id, eos_id, block_length=None, factor=1.0):
    """Each step, in the current block, rank the masked positions by confidence; commit rank n (1-based) when
    conf >= 1 - factor/(n+1); the top one always. A block loops until it has no mask. Early stop: once EOS is
    committed with no mask before it in the block, the rest is filled with EOS and the row is done."""
    block_length = block_length or G
    x = torch.full((B, G), mask_id, dtype=torch.long)
    done = torch.zeros(B, dtype=torch.bool)
    steps = 0
    for b0 in range(0, G, block_length):
        b1 = b0 + block_length
        while True:
            active = (~done) & (x[:, b0:b1] == mask_id).any(1)
            if not active.any():
                break
            probs = torch.softmax(step_fn(x).float(), dim=-1)
            steps += 1
            conf, x0 = probs.max(-1)
            for r in torch.nonzero(active).flatten().tolist():
                masked = torch.nonzero(x[r, b0:b1] == mask_id).flatten() + b0
                order = masked[torch.argsort(conf[r, masked], descending=True)]
                for n, p in enumerate(order.tolist(), start=1):
                    if n == 1 or conf[r, p] >= 1 - factor / (n + 1):
                        x[r, p] = x0[r, p]
                    else:
                        break
                blk = x[r, b0:b1]
                eos = torch.nonzero(blk == eos_id).flatten()
                if len(eos) and not (blk[: int(eos[0])] == mask_id).any():
                    x[r, b0 + int(eos[0]):] = eos_id
                    done[r] = True
        if done.all():
            break
    return x, steps


def low_confidence_decode(step_fn, B, G, mask_id, steps, block_length=None):
    """LLaDA's reference sampler (temperature 0): per block, steps/num_blocks steps, commit the top-k by
    softmax confidence, k from get_num_transfer_tokens."""
    block_length = block_length or G
    n_blocks = G // block_length
    per_block = steps // n_blocks
    x = torch.full((B, G), mask_id, dtype=torch.long)
    for b in range(n_blocks):
        b0, b1 = b * block_length, (b + 1) * block_length
        m = (x[:, b0:b1] == mask_id).sum(1)
        base, rem = m // per_block, m % per_block
        for s in range(per_block):
            k = base + (s < rem).long()
            probs = torch.softmax(step_fn(x).float(), dim=-1)
            conf, x0 = probs.max(-1)
            conf = torch.where(x == mask_id, conf, torch.full_like(conf, -float("inf")))
            conf[:, :b0] = -float("inf")
            conf[:, b1:] = -float("inf")
            for r in range(B):
                if k[r] > 0:
                    idx = torch.topk(conf[r], int(k[r])).indices
                    x[r, idx] = x0[r, idx]
    return x
