#!/usr/bin/env python3
"""The PyTorch reference of DIFFA-Tiny answering an eval set: same weights as the bundle, the reference decoders of
tools/diffa/reference_sampling.py, the Python front end (numpy log-mel). `npm run bench:engine` runs it beside the
app's engine in the same command and compares answers/s and time per step.

Run as a capable PyTorch user would: BLAS through OpenBLAS (Debian's libopenblas0-pthread behind libblas.so.3; the
reference BLAS is ~40x slower at these matrix sizes), the thread count set (OMP_NUM_THREADS) with passive waiting
(OMP_WAIT_POLICY=PASSIVE: idle OpenMP threads sleep instead of spinning on a core the next step needs), audio decoded
in process by libsndfile (python3-soundfile; an ffmpeg process per item cost 230-500 ms, most of the time), and
torch.inference_mode. The JSON says which BLAS the process loaded.

  OMP_NUM_THREADS=2 /usr/bin/python3 tools/bench_torch_reference.py --set models/diffa-tiny/eval \\
      [--sampler factor] [--steps 8 --gen-length 8 --block-length 8 --temperature 0 --seed 0 --factor 1 \\
      --threshold 0.9] [--limit N]
Prints one JSON object: per-item answers with their times, forward passes and step times."""
import argparse
import contextlib
import json
import os
import sys
import time

# Before torch loads: these are read when the OpenMP / OpenBLAS runtimes start.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("OPENBLAS_NUM_THREADS", os.environ.get("OMP_NUM_THREADS", "2"))

import numpy as np  # noqa: E402
import soundfile  # noqa: E402
import torch  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from diffa import features, prompt  # noqa: E402
from diffa.config import DiffaConfig  # noqa: E402
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


def decode_16k_mono(path, start=None, end=None):
    """In-process decode (libsndfile reads WAV, FLAC, Ogg Vorbis/Opus and MP3), channels averaged, cut to [start,
    end], linearly resampled to 16 kHz if the file is at another rate."""
    pcm, rate = soundfile.read(path, dtype="float32", always_2d=True)
    x = pcm.mean(axis=1)
    if start is not None:
        x = x[int(round(start * rate)): int(round(end * rate))]
    if rate != 16000:
        t = np.arange(int(len(x) * 16000 / rate)) * (rate / 16000)
        x = np.interp(t, np.arange(len(x)), x).astype(np.float32)
    return x


class Stages:
    """Wall and CPU time (this process, all its threads) per stage of an answer, summed over the set: the same stages
    the engine's bench reports, measured the same way (bench/engine-stages.ts)."""

    def __init__(self):
        self.sums = {}

    @contextlib.contextmanager
    def __call__(self, name):
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            total = self.sums.setdefault(name, [0.0, 0.0])
            total[0] += time.perf_counter() - wall
            total[1] += time.process_time() - cpu

    def per_item(self, n):
        return {k: {"wall_ms": 1000 * w / n, "cpu_ms": 1000 * c / n} for k, (w, c) in self.sums.items()}


def loaded_blas():
    """Which BLAS library this process mapped (torch on Debian calls libblas.so.3, whatever the alternative is)."""
    with open("/proc/self/maps") as f:
        libs = {line.split()[-1] for line in f if "blas" in line}
    if any("openblas" in lib for lib in libs):
        return "openblas"
    return "reference" if libs else "none found"


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
    ap.add_argument("--warmup", type=int, default=1, help="items answered before the clock starts")
    a = ap.parse_args()
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "2")))
    model, stored = load_model(a.weights)
    # The weights carry the vocabulary they were trained with (the bundle's tokenizer.json is the same list).
    tok = WordTokenizer(stored["vocab"])
    audio_graph, llm = AudioGraph(model), LLMGraph(model)
    mask_id, eos_id = model.cfg.llm.mask_token_id, model.cfg.llm.eos_token_id
    params = {"sampler": a.sampler, "gen_length": a.gen_length, "block_length": a.block_length, "steps": a.steps,
              "temperature": a.temperature, "seed": a.seed, "factor": a.factor, "threshold": a.threshold,
              "mask_id": mask_id, "eos_id": eos_id}
    items = [json.loads(line) for line in open(os.path.join(a.set, "index.jsonl")) if line.strip()][: a.limit]
    stages = Stages()
    with torch.inference_mode():
        # One answer before the clock starts, as the engine's bench warms its process: first-call costs (allocator,
        # decoder and BLAS set-up) are not what answers/s measures.
        for item in items[: a.warmup]:
            pcm = decode_16k_mono(os.path.join(a.set, item["audio"]), item["start"], item["end"])
            feats, n = features.featurize_audio(pcm[: features.CHUNK_SAMPLES])
            emb = audio_graph(torch.from_numpy(feats)[None], torch.tensor([n], dtype=torch.long))
            text = prompt.render_prompt(item["question"])
            ids, off = tok.encode(text), prompt.audio_offset(tok, text)
            generate(lambda x: llm.window_logits(torch.tensor([ids + x.tolist()]), emb, torch.tensor([off]),
                                                 torch.tensor([a.gen_length]), torch.tensor([0.0]),
                                                 torch.zeros(a.gen_length)), params)
    results, started = [], time.perf_counter()
    cpu_started = time.process_time()
    with torch.inference_mode():
        for item in items:
            t0 = time.perf_counter()
            with stages("decode"):
                pcm = decode_16k_mono(os.path.join(a.set, item["audio"]), item["start"], item["end"])
            with stages("log-mel"):
                feats, n = features.featurize_audio(pcm[: features.CHUNK_SAMPLES])
            with stages("audio graph"):
                emb = audio_graph(torch.from_numpy(feats)[None], torch.tensor([n], dtype=torch.long))
            with stages("prompt"):
                text = prompt.render_prompt(item["question"])
                ids, off = tok.encode(text), prompt.audio_offset(tok, text)
            step_ms = []

            def window_logits(x):
                s = time.perf_counter()
                out = llm.window_logits(torch.tensor([ids + x.tolist()]), emb, torch.tensor([off]),
                                        torch.tensor([a.gen_length]), torch.tensor([0.0]), torch.zeros(a.gen_length))
                step_ms.append((time.perf_counter() - s) * 1000)
                return out

            with stages("denoise"):
                tokens, passes, _ = generate(window_logits, params)
            stop = next((i for i, t in enumerate(tokens) if t in (eos_id, tok.special_id("<|eot_id|>"))), len(tokens))
            results.append({"task": item["task"], "expected": item["answer"], "answer": tok.decode(tokens[:stop]).strip(),
                            "forward_passes": passes, "ms": (time.perf_counter() - t0) * 1000, "step_ms": step_ms})
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started
    all_steps = [s for r in results for s in r["step_ms"]]
    print(json.dumps({"n": len(results), "answers_per_s": len(results) / seconds,
                      "median_answer_ms": float(np.median([r["ms"] for r in results])),
                      "median_step_ms": float(np.median(all_steps)), "threads": torch.get_num_threads(),
                      "cpu_ms_per_answer": 1000 * cpu_seconds / len(results),
                      "stages": stages.per_item(len(results)),
                      "blas": loaded_blas(), "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY"),
                      "accuracy": float(np.mean([r["answer"].lower() == r["expected"].lower() for r in results])),
                      "results": results}))


if __name__ == "__main__":
    main()
