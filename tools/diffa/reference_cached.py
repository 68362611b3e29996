"""Fast-dLLM's prefix and dual caches as its reference code runs them, over the PyTorch graph with the key/value cache
(graphs_kv.KVLLMGraph), for reference_sampling.generate: the engine's cached decoding (src-main/engine/llm-forward.ts)
must commit the same tokens on the same weights.

Per block (semi-autoregressive blocks of `block_length`, `steps_per_block` forward passes each):
- the block's first pass runs the whole sequence (prompt, audio, window) and keeps every layer's keys/values;
- prefix: the other passes run the block and the rest of the window against the keys/values of everything before
  the block (Fast-dLLM's generate_with_prefix_cache);
- dual: they run only the block against the keys/values before AND after it (generate_with_dual_cache).
Positions a pass does not compute keep the prediction of the block's first pass. The caches are approximations:
keys/values of positions outside the computed part stay as they were at the block's first pass, so the tokens may
differ from `none` (Fast-dLLM reports the accuracy cost as small); they must not differ between the engine and here."""
import torch

from .graphs_kv import KVLLMGraph, no_cache_inputs


def cached_window_logits(model, prompt_ids, audio_embeds, audio_offset, gen_length, block_length, steps_per_block, mode):
    """A window_logits(x) for reference_sampling.generate (greedy rows, no classifier-free guidance). mode: none,
    prefix or dual."""
    graph = KVLLMGraph(model).eval()
    cfg = model.cfg.llm
    prompt = torch.as_tensor(prompt_ids, dtype=torch.long)[None]
    start = prompt.shape[1] + audio_embeds.shape[1]  # sequence position of the window's first token
    zero = torch.tensor([0.0])
    state = {"passes": 0, "past": None, "latest": None}

    def full(x):
        ids = torch.cat([prompt, x[None]], dim=1)
        empty = list(no_cache_inputs(cfg, 1).values())
        logits, present = graph.window_logits(ids, audio_embeds, torch.tensor([audio_offset]),
                                              torch.tensor([gen_length]), zero, torch.zeros(gen_length), empty[0],
                                              empty[1:])
        return logits, present

    def window_logits(x):
        p = state["passes"]
        state["passes"] += 1
        with torch.no_grad():
            if mode == "none":
                return full(x)[0]
            b, first = divmod(p, steps_per_block)
            lo, hi = b * block_length, (b + 1) * block_length
            if first == 0:
                logits, present = full(x)
                if mode == "prefix":
                    state["past"] = [t[:, :, :start + lo] for t in present]
                else:
                    state["past"] = [torch.cat([t[:, :, :start + lo], t[:, :, start + hi:]], dim=2) for t in present]
                state["latest"] = logits.clone()
                return logits
            to = gen_length if mode == "prefix" else hi
            part, _ = graph.window_logits(x[None, lo:to], audio_embeds[:, :0], torch.tensor([0]),
                                          torch.tensor([to - lo]), zero, torch.zeros(to - lo),
                                          torch.tensor([start + lo]), state["past"])
            state["latest"][lo:to] = part
            return state["latest"].clone()

    return window_logits
