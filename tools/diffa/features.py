"""Cached log-mel features: the corpus is rendered and decoded once, exactly as the app would read it
(container file -> ffmpeg decode -> region cut -> 16 kHz mono -> Whisper log-mel), then training reads fp16
features from a memmap."""
import json
import os
import tempfile

import numpy as np

from . import corpus
from .mel import log_mel, mel_length

N_MELS, CHUNK_S = 80, 6
CHUNK_SAMPLES = CHUNK_S * 16000
CHUNK_FRAMES = CHUNK_SAMPLES // 160


def featurize_audio(audio16k: np.ndarray):
    return log_mel(audio16k, N_MELS, CHUNK_SAMPLES), mel_length(len(audio16k), CHUNK_SAMPLES)


def featurize_item(item):
    if item.get("v") == 2:
        from . import scenes
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, scenes.file_name(0, item))
            start, end = scenes.render_file(item, path)
            audio = corpus.decode_16k_mono(path, start, end)
        feats, n = featurize_audio(audio)
        return feats.astype(np.float16), n
    with tempfile.TemporaryDirectory() as d:
        x, start, end = corpus.render_file(item)
        path = os.path.join(d, corpus.file_name(0, item))
        corpus.write_container(x, item, path)
        audio = corpus.decode_16k_mono(path, start, end)
    feats, n = featurize_audio(audio)
    return feats.astype(np.float16), n


def load_cache(folder):
    feats = np.load(os.path.join(folder, "features.npy"), mmap_mode="r")
    meta = [json.loads(l) for l in open(os.path.join(folder, "meta.jsonl"))]
    return feats, meta


class ShardedFeatures:
    """Several feature caches (train, train-2, …) read as one array (indexing by integer arrays only)."""

    def __init__(self, arrays):
        self.arrays = arrays
        self.starts = np.cumsum([0] + [len(a) for a in arrays])

    def __len__(self):
        return int(self.starts[-1])

    def __getitem__(self, idx):
        idx = np.atleast_1d(np.asarray(idx))
        shard = np.searchsorted(self.starts, idx, side="right") - 1
        out = [np.asarray(self.arrays[s][i - self.starts[s]]) for s, i in zip(shard, idx)]
        return np.stack(out)


def load_shards(root, prefix="train"):
    """All complete caches root/<prefix>, root/<prefix>-2, … in name order (a shard still being built is skipped)."""
    names = sorted(n for n in os.listdir(root) if (n == prefix or n.startswith(prefix + "-"))
                   and os.path.exists(os.path.join(root, n, "meta.jsonl")))
    arrays, meta = [], []
    for n in names:
        f, m = load_cache(os.path.join(root, n))
        arrays.append(f)
        meta += m
    return ShardedFeatures(arrays), meta, names
