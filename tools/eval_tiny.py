#!/usr/bin/env python3
"""Evaluate a DIFFA-Tiny checkpoint on the held-out split in PyTorch, with the bundle's default sampler (factor
decoding, temperature 0): per-task accuracy, digit error rate, and the silence ablation (every clip replaced by
digital silence of the same length).
  /usr/bin/python3 tools/eval_tiny.py [--ckpt PATH] [--json docs/diffa-tiny-eval.json]"""
import argparse
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import train_tiny  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", default=os.path.join(train_tiny.CACHE, "ckpt", "last.pt"))
    ap.add_argument("--json")
    a = ap.parse_args()
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "2")))
    args = train_tiny.parse_args([])
    tr = train_tiny.Trainer(args, load_train=False)
    tr.load(a.ckpt, optimizer=False)
    out = {"checkpoint": a.ckpt.replace(os.path.expanduser("~"), "~"),  # no machine paths in the docs
           "step": tr.step, "stage": tr.stage,
           "real": tr.evaluate(), "silence": tr.evaluate(silence=True)}
    print(json.dumps(out, indent=1))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
