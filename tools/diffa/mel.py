"""Whisper's log-mel front end in numpy, written from its definition (the TS engine reimplements and tests against
this): pad/trim the waveform to the chunk, STFT (n_fft 400, hop 160, periodic Hann, centred with reflect padding),
|X|^2, drop the last frame, Slaney mel filters (librosa's default: slaney scale, slaney area normalisation),
log10(max(x, 1e-10)), clamp to (max - 8), (x + 4) / 4."""
import math

import numpy as np

SAMPLE_RATE, N_FFT, HOP = 16000, 400, 160


def hz_to_mel(f):
    """Slaney mel scale: linear below 1 kHz (3 bins per 200 Hz), logarithmic above."""
    f = np.asarray(f, dtype=np.float64)
    f_sp, min_log_hz, min_log_mel, logstep = 200.0 / 3, 1000.0, 15.0, math.log(6.4) / 27.0
    lin = f / f_sp
    return np.where(f >= min_log_hz, min_log_mel + np.log(np.maximum(f, 1e-30) / min_log_hz) / logstep, lin)


def mel_to_hz(m):
    m = np.asarray(m, dtype=np.float64)
    f_sp, min_log_hz, min_log_mel, logstep = 200.0 / 3, 1000.0, 15.0, math.log(6.4) / 27.0
    return np.where(m >= min_log_mel, min_log_hz * np.exp(logstep * (m - min_log_mel)), f_sp * m)


def mel_filters(n_mels: int, sr: int = SAMPLE_RATE, n_fft: int = N_FFT) -> np.ndarray:
    """[n_mels, n_fft//2+1] triangular filters between 0 Hz and sr/2, each scaled to unit area (2 / bandwidth)."""
    fft_freqs = np.linspace(0, sr / 2, n_fft // 2 + 1)
    mel_pts = mel_to_hz(np.linspace(hz_to_mel(0.0), hz_to_mel(sr / 2), n_mels + 2))
    fdiff = np.diff(mel_pts)
    ramps = mel_pts[:, None] - fft_freqs[None, :]
    lower = -ramps[:-2] / fdiff[:-1, None]
    upper = ramps[2:] / fdiff[1:, None]
    w = np.maximum(0.0, np.minimum(lower, upper))
    w *= (2.0 / (mel_pts[2:] - mel_pts[:-2]))[:, None]
    return w.astype(np.float32)


def hann_periodic(n: int) -> np.ndarray:
    return (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n) / n)).astype(np.float64)


def log_mel(audio: np.ndarray, n_mels: int, chunk_samples: int) -> np.ndarray:
    """audio: mono float at 16 kHz. Returns float32 [n_mels, chunk_samples // HOP]."""
    x = np.zeros(chunk_samples, dtype=np.float64)
    a = np.asarray(audio, dtype=np.float64)[:chunk_samples]
    x[: len(a)] = a
    x = np.pad(x, N_FFT // 2, mode="reflect")
    n_frames = 1 + (len(x) - N_FFT) // HOP
    idx = np.arange(N_FFT)[None, :] + HOP * np.arange(n_frames)[:, None]
    spec = np.abs(np.fft.rfft(x[idx] * hann_periodic(N_FFT), axis=1)) ** 2   # [frames, 201]
    spec = spec[:-1].T                                                       # drop the last frame
    mel = mel_filters(n_mels).astype(np.float64) @ spec
    log = np.log10(np.maximum(mel, 1e-10))
    log = np.maximum(log, log.max() - 8.0)
    return ((log + 4.0) / 4.0).astype(np.float32)


def mel_length(n_samples: int, chunk_samples: int) -> int:
    """Frames that hold real audio (HF's attention mask sampled every hop): ceil(n / hop), capped at the chunk."""
    return min(-(-min(n_samples, chunk_samples) // HOP), chunk_samples // HOP)
