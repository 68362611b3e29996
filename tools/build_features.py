#!/usr/bin/env python3
"""Render a seeded synthetic corpus and cache its log-mel features for training.
  /usr/bin/python3 tools/build_features.py --seed 1 --n 12000 --out ~/.cache/diffa-tiny/train
Writes features.npy (float16 [N, n_mels, frames]) and meta.jsonl (item dict + mel_length) in --out.
More data later: another shard of the same sequence, e.g. --start 6500 --n 5500 --out ~/.cache/diffa-tiny/train-2
(training reads train, train-2, … together)."""
import argparse
import json
import os
import sys
from multiprocessing import Pool

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from diffa import features  # noqa: E402
from diffa import scenes  # noqa: E402
from diffa.corpus import sample_items  # noqa: E402
from diffa.tasks import TASK_NAMES  # noqa: E402

# transcription is the hardest task: it gets two shares of the training corpus
TRAIN_TASK_CYCLE = TASK_NAMES[:4] + ["transcribe"] + TASK_NAMES[4:]
# the scenes corpus: transcription and counting (the weakest tasks) get two shares each
SCENES_TASK_CYCLE = TASK_NAMES[:4] + ["transcribe", "count"] + TASK_NAMES[4:]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--n", type=int, default=12000)
    ap.add_argument("--out", default=os.path.expanduser(os.path.join(
        os.environ.get("XDG_CACHE_HOME", "~/.cache"), "diffa-tiny", "train")))
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--start", type=int, default=0, help="skip the first items of the seed's sequence (extra shards)")
    ap.add_argument("--tasks", choices=["train", "even", "speech", "excerpt"], default="train",
                    help="train: the main mix; even: one task after another; speech: language and gender items only "
                         "(a shard that rebalances languages: transcription items are all English); excerpt: regions "
                         "cut from inside sounds (kind, pitch, noise, direction, language, gender)")
    ap.add_argument("--corpus", choices=["studio", "scenes"], default="studio",
                    help="studio: the first corpus (corpus.py); scenes: sounds as they arrive (scenes.py: background "
                         "noise, room tone, reverberation, levels, codecs, rates, regions; --tasks train or even)")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    cycle = {"train": TRAIN_TASK_CYCLE, "even": TASK_NAMES, "speech": ["language", "gender"],
             "excerpt": ["kind", "pitch", "noise", "direction", "kind", "language", "gender"]}[a.tasks]
    if a.corpus == "scenes":
        items = scenes.sample_items(a.seed, a.n, SCENES_TASK_CYCLE if a.tasks == "train" else TASK_NAMES, a.start)
    else:
        items = sample_items(a.seed, a.start + a.n, cycle, excerpt_prob=1.0 if a.tasks == "excerpt" else 0.0)[a.start:]
    tmp = os.path.join(a.out, "features.tmp.npy")
    arr = np.lib.format.open_memmap(tmp, mode="w+", dtype=np.float16,
                                    shape=(a.n, features.N_MELS, features.CHUNK_FRAMES))
    with Pool(a.workers) as pool, open(os.path.join(a.out, "meta.tmp.jsonl"), "w") as meta:
        for i, (f, n) in enumerate(pool.imap(features.featurize_item, items, chunksize=16)):
            arr[i] = f
            meta.write(json.dumps({**items[i], "mel_length": int(n)}) + "\n")
            if i % 500 == 0:
                print(f"{i}/{a.n}", flush=True)
    arr.flush()
    del arr
    os.replace(tmp, os.path.join(a.out, "features.npy"))
    os.replace(os.path.join(a.out, "meta.tmp.jsonl"), os.path.join(a.out, "meta.jsonl"))
    print("done", a.out)


if __name__ == "__main__":
    main()
