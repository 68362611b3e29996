"""Sampler parity cases: the PyTorch reference decoders (reference_sampling.py) run on the exported model for
fixed prompts and audio, every sampler and its main options; the stored token sequences, forward-pass counts and
commit steps must be reproduced exactly by the app's sampler over onnxruntime-node
(src-main/engine/sampler-parity.test.ts). Written to parity/samplers.json + samplers.bin."""
import json
import os

import numpy as np
import torch

from . import prompt
from .graphs import AudioGraph, LLMGraph
from .reference_sampling import generate
from .tasks import TASKS

# (sampler, options): defaults gen 8 = block 8 = steps 8, T 0, no CFG, seed 0, factor 1, threshold 0.9
CASES = [
    ("low-confidence", {}),                                            # faithful: one token per step
    ("low-confidence", {"steps": 4, "block_length": 4}),                # two blocks, two tokens per step
    ("low-confidence", {"temperature": 0.8, "seed": 3}),
    ("low-confidence", {"cfg_scale": 1.5}),
    ("random", {"seed": 7}),
    ("random", {"steps": 4, "temperature": 0.5, "seed": 11}),
    ("factor", {}),                                                    # the bundle's default
    ("factor", {"block_length": 4, "factor": 2.0}),
    ("threshold", {}),
    ("threshold", {"threshold": 0.5, "gen_length": 16, "block_length": 8}),
]


def write_sampler_cases(model, tok, folder, clips):
    """clips: list of (log-mel features [1, n_mels, frames], mel_length), cycled over the cases."""
    audio, llm = AudioGraph(model).eval(), LLMGraph(model).eval()
    mask_id, eos_id = model.cfg.llm.mask_token_id, model.cfg.llm.eos_token_id
    blob, cases = bytearray(), []
    with torch.no_grad():
        embeds = [audio(x, torch.tensor([n], dtype=torch.long)) for x, n in clips]
        for i, (sampler, opts) in enumerate(CASES):
            p = {"sampler": sampler, "gen_length": 8, "block_length": 8, "steps": 8, "temperature": 0.0,
                 "cfg_scale": 0.0, "seed": 0, "factor": 1.0, "threshold": 0.9, **opts}
            if "block_length" not in opts and "gen_length" in opts:
                p["block_length"] = p["gen_length"]
            question = TASKS[i % len(TASKS)]["question"]
            text = prompt.render_prompt(question)
            ids, off = tok.encode(text), prompt.audio_offset(tok, text)
            emb = embeds[i % len(embeds)]
            G = p["gen_length"]

            def window_logits(x):
                cond = torch.tensor([ids + x.tolist()])
                rows = cond if p["cfg_scale"] == 0 else torch.cat([cond, torch.tensor([[mask_id] * len(ids) + x.tolist()])])
                return llm.window_logits(rows, emb, torch.tensor([off]), torch.tensor([G]),
                                         torch.tensor([float(p["cfg_scale"])]), torch.zeros(G))

            tokens, passes, commit_step = generate(window_logits, {**p, "mask_id": mask_id, "eos_id": eos_id})
            arr = np.ascontiguousarray(emb.numpy().astype("<f4"))
            cases.append({"name": f"{sampler} {json.dumps(opts, sort_keys=True)}", "question": question,
                          "params": p, "prompt_ids": ids, "audio_offset": off,
                          "audio_embeds": {"offset": len(blob), "shape": list(arr.shape)},
                          "tokens": tokens, "forward_passes": passes, "commit_step": commit_step,
                          "text": tok.decode([t for t in tokens if t not in (mask_id, eos_id)])})
            blob += arr.tobytes()
    with open(os.path.join(folder, "samplers.bin"), "wb") as f:
        f.write(bytes(blob))
    with open(os.path.join(folder, "samplers.json"), "w") as f:
        json.dump({"bin": "samplers.bin", "mask_id": mask_id, "eos_id": eos_id, "cases": cases}, f, indent=1)
    return cases
