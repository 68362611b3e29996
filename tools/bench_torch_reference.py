#!/usr/bin/env python3
"""The PyTorch reference of DIFFA-Tiny answering an eval set: same weights as the bundle, the reference decoders of
tools/diffa/reference_sampling.py, the Python front end (ffmpeg decode to 16 kHz mono, numpy log-mel). `npm run
bench:engine` runs it beside the app's engine in the same command and compares answers/s and time per step.

  OMP_NUM_THREADS=2 /usr/bin/python3 tools/bench_torch_reference.py --set models/diffa-tiny/eval \\
      [--sampler factor] [--steps 8 --gen-length 8 --block-length 8 --temperature 0 --seed 0 --factor 1 \\
      --threshold 0.9] [--limit N]
Prints one JSON object: per-item answers with their times, forward passes and step times."""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from diffa import features, prompt  # noqa: E402
from diffa.config import DiffaConfig  # noqa: E402
from diffa.corpus import decode_16k_mono  # noqa: E402
from diffa.graphs import AudioGraph, LLMGraph  # noqa: E402
from diffa.model import DiffaModel  # noqa: E402
from diffa.reference_sampling import generate  # noqa: E402
from diffa.tokenizer import WordTokenizer  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WEIGHTS = os.path.join(ROOT, "tools", "reference-weights", "diffa-tiny.pt")


def load_model(path):
    s = torch.load(path, map_location="cpu")
    model = DiffaModel(DiffaConfig.from_dict(s["config"]))
    model.load_state_dict(s["state_dict"])
    return model.eval(), s


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--set", required=True)
    ap.add_argument("--weights", default=WEIGHTS)
    ap.add_argument("--limit", type=int)
    ap.add_argument("--sampler", default="factor")
    ap.add_argument("--steps", type=int, default=8)
    ap.add_argument("--gen-length", type=int, default=8)
    ap.add_argument("--block-length", type=int, default=8)
    ap.add_argument("--temperature", type=float, default=0.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--factor", type=float, default=1.0)
    ap.add_argument("--threshold", type=float, default=0.9)
    a = ap.parse_args()
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "2")))
    model, stored = load_model(a.weights)
    tok = WordTokenizer(stored["vocab"])  # the weights carry the vocabulary they were trained with
    audio_graph, llm = AudioGraph(model), LLMGraph(model)
    mask_id, eos_id = model.cfg.llm.mask_token_id, model.cfg.llm.eos_token_id
    params = {"sampler": a.sampler, "gen_length": a.gen_length, "block_length": a.block_length, "steps": a.steps,
              "temperature": a.temperature, "seed": a.seed, "factor": a.factor, "threshold": a.threshold,
              "mask_id": mask_id, "eos_id": eos_id}
    items = [json.loads(line) for line in open(os.path.join(a.set, "index.jsonl")) if line.strip()][: a.limit]
    results, started = [], time.perf_counter()
    with torch.no_grad():
        for item in items:
            t0 = time.perf_counter()
            pcm = decode_16k_mono(os.path.join(a.set, item["audio"]), item["start"], item["end"])
            feats, n = features.featurize_audio(pcm[: features.CHUNK_SAMPLES])
            emb = audio_graph(torch.from_numpy(feats)[None], torch.tensor([n], dtype=torch.long))
            text = prompt.render_prompt(item["question"])
            ids, off = tok.encode(text), prompt.audio_offset(tok, text)
            step_ms = []

            def window_logits(x):
                s = time.perf_counter()
                out = llm.window_logits(torch.tensor([ids + x.tolist()]), emb, torch.tensor([off]),
                                        torch.tensor([a.gen_length]), torch.tensor([0.0]), torch.zeros(a.gen_length))
                step_ms.append((time.perf_counter() - s) * 1000)
                return out

            tokens, passes, _ = generate(window_logits, params)
            stop = next((i for i, t in enumerate(tokens) if t in (eos_id, tok.special_id("<|eot_id|>"))), len(tokens))
            results.append({"task": item["task"], "expected": item["answer"], "answer": tok.decode(tokens[:stop]).strip(),
                            "forward_passes": passes, "ms": (time.perf_counter() - t0) * 1000, "step_ms": step_ms})
    seconds = time.perf_counter() - started
    all_steps = [s for r in results for s in r["step_ms"]]
    print(json.dumps({"n": len(results), "answers_per_s": len(results) / seconds,
                      "median_answer_ms": float(np.median([r["ms"] for r in results])),
                      "median_step_ms": float(np.median(all_steps)), "threads": torch.get_num_threads(),
                      "accuracy": float(np.mean([r["answer"].lower() == r["expected"].lower() for r in results])),
                      "results": results}))


if __name__ == "__main__":
    main()
