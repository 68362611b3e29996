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
