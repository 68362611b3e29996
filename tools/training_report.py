#!/usr/bin/env python3
"""Summarise the training log (~/.cache/diffa-tiny/logs/train.jsonl) for docs/: a CSV of the loss curve, a CSV of
held-out accuracy over training (with the silence ablation) and a markdown table of the latest evaluations.
  /usr/bin/python3 tools/training_report.py --out docs/diffa-tiny-training"""
import argparse
import csv
import json
import os

CACHE = os.path.join(os.path.expanduser(os.environ.get("XDG_CACHE_HOME", "~/.cache")), "diffa-tiny")
TASKS = ["kind", "language", "gender", "transcribe", "count", "direction", "pitch", "noise"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--log", default=os.path.join(CACHE, "logs", "train.jsonl"))
    ap.add_argument("--out", required=True, help="prefix for <out>-loss.csv, <out>-eval.csv")
    a = ap.parse_args()
    recs = [json.loads(l) for l in open(a.log)]
    train = [r for r in recs if r["type"] == "train"]
    evals = [r for r in recs if r["type"] == "eval"]
    with open(a.out + "-loss.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["step", "stage", "loss", "diff_loss", "aux_loss", "s_per_batch", "nonfinite"])
        for r in train:
            w.writerow([r["step"], r["stage"], r["loss"], r.get("diff", ""), r.get("aux", ""), r["s_per_batch"],
                        r["nonfinite"]])
    with open(a.out + "-eval.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["step", "stage", "audio", "measure"] + TASKS + ["digit_error_rate"])
        for r in evals:
            audio = "silence" if r["silence"] else "real"
            w.writerow([r["step"], r["stage"], audio, "heads"] + [r["heads_acc"].get(t, "") for t in TASKS] + [""])
            if "decode_acc" in r:
                w.writerow([r["step"], r["stage"], audio, "decode"] + [r["decode_acc"].get(t, "") for t in TASKS]
                           + [r.get("digit_error_rate", "")])
    print(f"{len(train)} train records, {len(evals)} evals -> {a.out}-loss.csv, {a.out}-eval.csv")


if __name__ == "__main__":
    main()
