"""Parity cases for the LLM graph's key/value cache (tools/diffa/graphs_kv.py).

- The plain cases (llm-greedy, llm-cfg-temperature) feed position 0 and an empty cache: the graph must give the
  plain graph's outputs.
- Each cached case is built from a plain case: a full pass fills the cache, then a step over the window's second
  half runs against the keys/values of everything before it (the prefix cache), in PyTorch; ONNX Runtime must give
  the same outputs for the same cached inputs."""
import json
import os

import numpy as np
import torch

from .graphs_kv import KVLLMGraph, cache_names, no_cache_inputs
from .parity import write_case


def read_case(folder, file):
    with open(os.path.join(folder, file)) as f:
        header = json.load(f)
    with open(os.path.join(folder, header["bin"]), "rb") as f:
        blob = f.read()

    def tensor(e):
        dtype = np.float32 if e["dtype"] == "float32" else np.int64
        n = int(np.prod(e["shape"])) if e["shape"] else 1
        return torch.from_numpy(np.frombuffer(blob, dtype=dtype, count=n, offset=e["offset"]).reshape(e["shape"]).copy())

    return header, {k: tensor(e) for k, e in header["inputs"].items()}, {k: tensor(e) for k, e in header["outputs"].items()}


def add_cache_inputs(folder, cfg):
    """Adds position 0 and an empty cache to every stored LLM case that lacks them (outputs unchanged)."""
    with open(os.path.join(folder, "index.json")) as f:
        index = json.load(f)
    for file in index["cases"]:
        header, inputs, outputs = read_case(folder, file)
        if header["graph"] != "llm" or "position_start" in inputs:
            continue
        inputs.update(no_cache_inputs(cfg, inputs["input_ids"].shape[0]))
        write_case(folder, header["name"], "llm", inputs, outputs)


def write_cached_case(folder, model, base_file, name):
    """From a plain case: the prefix-cache step over the second half of its window, checked against PyTorch."""
    _, inputs, _ = read_case(folder, base_file)
    cfg = model.cfg.llm
    graph = KVLLMGraph(model).eval()
    past_names, _ = cache_names(cfg.n_layers)
    ids, emb = inputs["input_ids"], inputs["audio_embeds"]
    G = int(inputs["gen_length"][0])
    plain = {k: inputs[k] for k in ["input_ids", "audio_embeds", "audio_offset", "gen_length", "cfg_scale",
                                     "temperature", "uniform"]}
    with torch.no_grad():
        full = graph(*plain.values(), *no_cache_inputs(cfg, ids.shape[0]).values())
        present = full[4:]
        window_start = ids.shape[1] + emb.shape[1] - G
        start = G // 2
        past = [p[:, :, :window_start + start].contiguous() for p in present]
        cached = {"input_ids": ids[:, ids.shape[1] - G + start:], "audio_embeds": emb[:, :0],
                  "audio_offset": torch.tensor([0]), "gen_length": torch.tensor([G - start]),
                  "cfg_scale": inputs["cfg_scale"], "temperature": inputs["temperature"],
                  "uniform": inputs["uniform"][:, start:].contiguous(), "position_start": torch.tensor([window_start + start]),
                  **dict(zip(past_names, past))}
        outs = graph(*cached.values())
    return write_case(folder, name, "llm", cached, dict(zip(["tokens", "confidence", "topk_ids", "topk_probs"], outs[:4])))


def update_cache_cases(folder, model):
    """add_cache_inputs, then one cached case per plain LLM case, listed in index.json."""
    add_cache_inputs(folder, model.cfg.llm)
    with open(os.path.join(folder, "index.json")) as f:
        index = json.load(f)
    plain = [c for c in index["cases"] if c.startswith("llm-") and "-cached" not in c]
    for file in plain:
        name = file[:-len(".json")] + "-cached"
        written = write_cached_case(folder, model, file, name)
        if written not in index["cases"]:
            index["cases"].append(written)
    with open(os.path.join(folder, "index.json"), "w") as f:
        json.dump(index, f, indent=1)
