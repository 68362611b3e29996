#!/usr/bin/env python3
"""Write the held-out eval set (seed 1001, 20 items per task) in the engine's eval-set format:
  /usr/bin/python3 tools/make_eval_set.py --out models/diffa-tiny/eval
The same seed and count give the same items as `build_features.py --seed 1001 --n 160 --tasks even`.
A small committable sample (same items, re-encoded as 16 kHz mono MP3/Ogg):
  /usr/bin/python3 tools/make_eval_set.py --small --n 32 --out models/diffa-tiny/eval
Regions cut from inside longer sounds (no onset, no silence around them), 20 per task of six tasks:
  /usr/bin/python3 tools/make_eval_set.py --excerpt --n 120 --out DIR"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from diffa.corpus import EXCERPT_TASKS, sample_items, write_eval_set  # noqa: E402
from diffa.tasks import TASK_NAMES  # noqa: E402

EVAL_SEED, EVAL_N = 1001, 160


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=EVAL_SEED)
    ap.add_argument("--n", type=int, default=EVAL_N)
    ap.add_argument("--excerpt", action="store_true",
                    help="regions cut from inside sounds, as a user drags them (seed 1002 unless --seed; the tasks "
                         "whose answer survives the cut)")
    ap.add_argument("--small", action="store_true",
                    help="a committable sample: 16 kHz mono MP3/Ogg files, the first --n items (e.g. --n 32)")
    a = ap.parse_args()
    if a.excerpt:
        seed = a.seed if a.seed != EVAL_SEED else EVAL_SEED + 1
        items = sample_items(seed, a.n, list(EXCERPT_TASKS), excerpt_prob=1.0)
    else:
        items = sample_items(a.seed, a.n, TASK_NAMES)
    if a.small:
        for i, it in enumerate(items):
            it.update(sr=16000, channels=1, container=["mp3", "ogg"][i % 2])
    write_eval_set(items, a.out)
    print("wrote", a.out)


if __name__ == "__main__":
    main()
