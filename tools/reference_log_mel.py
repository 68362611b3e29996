"""Writes the log-mel reference the TypeScript front end is tested against (src-common/dsp/log-mel.test.ts).

Each case stores its input waveform and the expected features as little-endian float32, with a JSON header, so the
test needs no Python. Run: /usr/bin/python3 tools/reference_log_mel.py
"""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from diffa.mel import log_mel  # noqa: E402

OUT = os.path.join(os.path.dirname(__file__), "..", "src-common", "dsp", "fixtures")
SR = 16000


def signals():
    rng = np.random.default_rng(1234)
    t = np.arange(int(0.8 * SR)) / SR
    yield "sine440", 0.5 * np.sin(2 * np.pi * 440 * t), 80, SR
    yield "chirp", 0.3 * np.sin(2 * np.pi * (200 * t + 2000 * t**2)), 80, SR
    yield "noise", 0.1 * rng.standard_normal(int(1.3 * SR)), 128, SR  # longer than the chunk: cut
    yield "quiet-burst", np.concatenate([np.zeros(3000), 0.01 * rng.standard_normal(500), np.zeros(2000)]), 128, SR


def whisper_torch(audio, n_mels, chunk):
    """The same features the way openai/whisper's audio.py computes them (torch.stft), as an independent check."""
    import torch
    from diffa.mel import mel_filters

    x = torch.zeros(chunk)
    a = torch.from_numpy(audio[:chunk].astype(np.float32))
    x[: len(a)] = a
    stft = torch.stft(x, 400, 160, window=torch.hann_window(400), return_complex=True)
    magnitudes = stft[..., :-1].abs() ** 2
    mel = torch.from_numpy(mel_filters(n_mels)) @ magnitudes
    log_spec = torch.clamp(mel, min=1e-10).log10()
    log_spec = torch.maximum(log_spec, log_spec.max() - 8.0)
    return ((log_spec + 4.0) / 4.0).numpy()


def main():
    os.makedirs(OUT, exist_ok=True)
    cases = []
    for name, audio, n_mels, chunk in signals():
        audio = audio.astype(np.float32)
        feats = log_mel(audio, n_mels, chunk)
        try:
            diff = float(np.abs(whisper_torch(audio, n_mels, chunk) - feats).max())
            assert diff < 1e-4, f"{name}: numpy and torch.stft disagree by {diff}"
        except ImportError:
            pass
        audio.astype("<f4").tofile(os.path.join(OUT, f"{name}.audio.f32"))
        feats.astype("<f4").tofile(os.path.join(OUT, f"{name}.mel.f32"))
        cases.append({"name": name, "n_mels": n_mels, "chunk_samples": chunk, "samples": len(audio), "frames": feats.shape[1]})
    with open(os.path.join(OUT, "log-mel-cases.json"), "w") as f:
        json.dump({"sample_rate": SR, "n_fft": 400, "hop_length": 160, "cases": cases}, f, indent=1)
    print(f"wrote {len(cases)} cases to {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
