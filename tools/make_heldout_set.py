#!/usr/bin/env python3
"""A held-out evaluation set written apart from the training generators (corpus.py, scenes.py): its own synthesis
(numpy signals instead of sox: exponential sweeps, raised-cosine beeps, pink noise by octave summing, brown noise by
leaky integration), its own sentences, seeds from 5000 on, voices the training corpora never use, and background
noises they never use (fan, traffic, cafe, rain), so its figure is not the training distribution again.

Every item carries a `condition`: clean, noisy20 / noisy10 / noisy0 (a held-out noise at that SNR), pink10 (pink
noise at 10 dB SNR: a training noise, kept for the "noisy >= 90 % of clean" target), quiet (the sound inside
-70...-50 dBFS room tone with 0.5-3 s around it, peak -45...-20 dBFS), short (regions of 0.2-1 s) and codec
(Opus, AAC, 16 kbps MP3, Ogg q -1, 8 kHz, stereo with one silent channel).

  /usr/bin/python3 tools/make_heldout_set.py --out /tmp/diffa-tiny-heldout             # 8 tasks x 8 conditions x 5
  npm run diffa -- eval --set /tmp/diffa-tiny-heldout --json                            # per task and per condition
  npm run diffa -- eval --set /tmp/diffa-tiny-heldout --ablate silence --json"""
import argparse
import json
import os
import random
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from diffa.tasks import BY_NAME, TASK_NAMES  # noqa: E402  (task names, questions and answer words only)

SR = 44100
CONDITIONS = ["clean", "noisy20", "noisy10", "noisy0", "pink10", "quiet", "short", "codec"]
# voices no training corpus speaks with
VOICES = {
    "English": ["en-us-nyc", "en-gb-x-rp"], "French": ["fr-ch"], "German": ["de"], "Spanish": ["es-419"],
}
VARIANTS = {"male": ["m8", "travis", "victor", "Denis", "sandro"], "female": ["steph", "steph2", "steph3", "belinda", "Alicia"]}
FLITE_MALE = ["rms", "kal"]
SENTENCES = {  # words the training corpora do not use (the language is heard, not looked up)
    "English": "the children walk to school every morning while the old man reads a newspaper near the station".split(),
    "French": "les enfants vont à l'école chaque matin pendant que le vieil homme lit le journal près de la gare".split(),
    "German": "die Kinder gehen jeden Morgen zur Schule während der alte Mann die Zeitung am Bahnhof liest".split(),
    "Spanish": "los niños van a la escuela cada mañana mientras el anciano lee el periódico cerca de la estación".split(),
}
DIGIT_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
BANDS = {"low": (110, 270), "medium": (420, 780), "high": (1050, 2900)}
NUMBER_WORDS = ["one", "two", "three", "four", "five"]


# ---------------------------------------------------------------- signals (numpy, own code path)

def unit(x):
    return x / (np.sqrt(np.mean(x ** 2)) + 1e-12)


def fade(x, ms=10):
    n = min(len(x) // 2, int(SR * ms / 1000))
    if n:
        ramp = 0.5 - 0.5 * np.cos(np.linspace(0, np.pi, n))
        x[:n] *= ramp
        x[-n:] *= ramp[::-1]
    return x


def tone(freq, dur, wave):
    ph = 2 * np.pi * freq * np.arange(int(dur * SR)) / SR
    x = np.sin(ph) if wave == "sine" else 2 / np.pi * np.arcsin(np.sin(ph))
    return fade(x)


def sweep(f1, f2, dur):
    """Exponential sweep (the training corpus sweeps linearly)."""
    t = np.arange(int(dur * SR)) / SR
    k = np.log(f2 / f1) / dur
    return fade(np.sin(2 * np.pi * f1 * (np.exp(k * t) - 1) / k))


def beeps(n, freq, beep, gap):
    one = np.sin(2 * np.pi * freq * np.arange(int(beep * SR)) / SR) * np.hanning(int(beep * SR)) ** 0.3
    parts = []
    for i in range(n):
        parts += [one, np.zeros(int(gap * SR))] if i < n - 1 else [one]
    return np.concatenate(parts)


def noise(g, color, n):
    w = g.standard_normal(n)
    if color == "white":
        return unit(w)
    if color == "brown":
        y = np.zeros(n)
        acc = 0.0
        for i in range(n):  # leaky integrator
            acc = 0.998 * acc + w[i]
            y[i] = acc
        return unit(y - y.mean())
    # pink: sum of octave-spaced held random values (Voss) plus a little white
    y = np.zeros(n)
    for k in range(12):
        step = 2 ** k
        vals = g.standard_normal(n // step + 2)
        y += np.repeat(vals, step)[:n]
    return unit(y + 0.5 * w)


def lowpass(x, alpha):
    y = np.empty_like(x)
    acc = 0.0
    for i in range(len(x)):
        acc += alpha * (x[i] - acc)
        y[i] = acc
    return y


def speak(text, voice, engine, speed=None):
    with tempfile.TemporaryDirectory() as d:
        p = os.path.join(d, "v.wav")
        if engine == "flite":
            subprocess.run(["flite", "-voice", voice, "-t", text, "-o", p], check=True, capture_output=True)
        else:
            subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed or 160), "-w", p, text], check=True,
                           capture_output=True)
        raw = subprocess.run(["ffmpeg", "-v", "error", "-i", p, "-ac", "1", "-ar", str(SR), "-f", "f64le", "-"],
                             check=True, capture_output=True).stdout
    x = np.frombuffer(raw, np.float64).copy()
    nz = np.nonzero(np.abs(x) > 1e-4)[0]
    return x[nz[0]:nz[-1] + 1] if len(nz) else x


def background(g, r, kind, n):
    """Held-out noises: none of these is in the training corpora."""
    if kind == "pink":
        return noise(g, "pink", n)
    if kind == "fan":
        t = np.arange(n) / SR
        motor = sum(np.sin(2 * np.pi * r.uniform(90, 140) * h * t) / h for h in (1, 2, 3))
        return unit(unit(lowpass(g.standard_normal(n), 0.08)) + 0.4 * unit(motor))
    if kind == "traffic":
        t = np.arange(n) / SR
        rumble = lowpass(lowpass(g.standard_normal(n), 0.02), 0.05)
        return unit(rumble * (1.2 + np.sin(2 * np.pi * r.uniform(0.1, 0.4) * t)))
    if kind == "rain":
        x = np.diff(g.standard_normal(n + 1)) * 0.3
        for _ in range(int(n / SR * 200)):
            i = r.randrange(n)
            m = min(n - i, 200)
            x[i:i + m] += g.standard_normal() * np.exp(-np.arange(m) / 20.0)
        return unit(x)
    if kind == "cafe":
        x = np.zeros(n)
        for _ in range(3):
            lang = r.choice(sorted(SENTENCES))
            v = r.choice(VOICES[lang]) + "+" + r.choice(VARIANTS[r.choice(["male", "female"])])
            s = speak(" ".join(r.sample(SENTENCES[lang], 10)), v, "espeak")
            s = np.tile(s, n // max(1, len(s)) + 2)
            off = r.randrange(len(s) - n)
            x += unit(s[off:off + n])
        for _ in range(int(n / SR * 2)):  # cups and cutlery
            i = r.randrange(n)
            m = min(n - i, int(0.08 * SR))
            x[i:i + m] += 2 * np.sin(2 * np.pi * r.uniform(2000, 5000) * np.arange(m) / SR) * np.exp(-np.arange(m) / (0.01 * SR))
        return unit(x)
    if kind == "tonal":  # for the noise-colour task: an interfering tone, not another noise
        t = np.arange(n) / SR
        return unit(sum(np.sin(2 * np.pi * r.uniform(300, 2000) * t) for _ in range(2)))
    raise ValueError(kind)


# ---------------------------------------------------------------- items

def source(r, task, short):
    """(signal at SR, answer). short: the sound itself lasts 0.2-1 s where the task allows."""
    dur = (lambda lo, hi: r.uniform(0.2, 1.0) if short else r.uniform(lo, hi))
    if task == "kind":
        task2 = r.choice(["speech", "a tone", "a chirp", "noise", "beeps", "silence"])
        sig, _ = source(r, {"speech": "language", "a tone": "pitch", "a chirp": "direction", "noise": "noise",
                            "beeps": "count", "silence": "silence"}[task2], short)
        return sig, task2
    if task == "silence":
        return np.zeros(int(dur(1.0, 4.0) * SR)), "silence"
    if task in ("language", "gender"):
        lang = r.choice(sorted(SENTENCES)) if task == "language" else r.choice(sorted(SENTENCES))
        gender = r.choice(["male", "female"])
        words = 2 if short else r.randint(3, 7)
        text = " ".join(r.sample(SENTENCES[lang], words))
        if lang == "English" and gender == "male" and r.random() < 0.3:
            sig = speak(text, r.choice(FLITE_MALE), "flite")
        else:
            sig = speak(text, r.choice(VOICES[lang]) + "+" + r.choice(VARIANTS[gender]), "espeak", r.randint(140, 190))
        if short:
            sig = sig[: int(r.uniform(0.5, 1.0) * SR)]
            sig = fade(sig.copy())
        return sig, lang if task == "language" else gender
    if task == "transcribe":
        digits = " ".join(r.choice(DIGIT_WORDS) for _ in range(2 if short else r.randint(2, 4)))
        gender = r.choice(["male", "female"])
        if gender == "male" and r.random() < 0.4:
            sig = speak(digits, r.choice(FLITE_MALE), "flite")
        else:
            sig = speak(digits, r.choice(VOICES["English"]) + "+" + r.choice(VARIANTS[gender]), "espeak",
                        r.randint(150, 200) if not short else 220)
        return sig, digits
    if task == "count":
        n = r.randint(1, 2) if short else r.randint(1, 5)
        beep, gap = (r.uniform(0.05, 0.12), r.uniform(0.1, 0.2)) if short else (r.uniform(0.06, 0.22), r.uniform(0.12, 0.35))
        return beeps(n, r.randint(450, 2800), beep, gap), NUMBER_WORDS[n - 1]
    if task == "direction":
        ans = r.choice(["rising", "falling"])
        ratio = r.uniform(1.8, 4.5)
        lo = r.uniform(160, 2400 / ratio)
        a, b = (lo, lo * ratio) if ans == "rising" else (lo * ratio, lo)
        return sweep(a, b, dur(1.0, 3.5)), ans
    if task == "pitch":
        ans = r.choice(sorted(BANDS))
        lo, hi = BANDS[ans]
        return tone(lo * (hi / lo) ** r.random(), dur(1.0, 4.5), r.choice(["sine", "triangle"])), ans
    if task == "noise":
        ans = r.choice(["white", "pink", "brown"])
        g = np.random.default_rng(r.randrange(2 ** 31))
        return fade(noise(g, ans, int(dur(1.0, 4.5) * SR))), ans
    raise ValueError(task)


def active_rms(x):
    frames = x[: len(x) // 441 * 441].reshape(-1, 441)
    e = np.mean(frames ** 2, 1) if len(frames) else np.array([0.0])
    return float(np.sqrt(np.mean(e[e >= e.max() * 1e-3]))) if e.max() > 0 else 0.0


def make_item(r, task, condition):
    g = np.random.default_rng(r.randrange(2 ** 31))
    sig, answer = source(r, task, condition == "short")
    is_silence = answer == "silence"
    is_noise_colour = task == "noise" or (task == "kind" and answer == "noise")
    pre, post = (r.uniform(0.5, 3.0), r.uniform(0.5, 3.0)) if condition == "quiet" else (r.uniform(0, 0.2), r.uniform(0, 0.2))
    room = max(0.0, 5.95 - len(sig) / SR)
    if pre + post > room:  # keep the whole sound inside the model's window
        pre, post = pre * room / (pre + post), post * room / (pre + post)
    x = np.concatenate([np.zeros(int(pre * SR)), sig, np.zeros(int(post * SR))])
    x = x[: int(5.95 * SR)]
    snr = {"noisy20": 20, "noisy10": 10, "noisy0": 0, "pink10": 10}.get(condition)
    if snr is not None and not is_silence:
        kind = "pink" if condition == "pink10" else r.choice(["fan", "traffic", "rain", "cafe"])
        if is_noise_colour:
            kind = "tonal"
        x = x + background(g, r, kind, len(x)) * active_rms(sig) * 10 ** (-snr / 20)
    peak = np.max(np.abs(x))
    level = r.uniform(-45, -20) if condition == "quiet" else r.uniform(-20, -1)
    if peak > 0:
        x = x * 10 ** (level / 20) / peak
    if condition == "quiet":
        hvac = unit(lowpass(g.standard_normal(len(x)), 0.15))  # held-out room tone colour
        x = x + hvac * 10 ** (r.uniform(-70, -50) / 20)
    return x, answer


def write(x, condition, r, folder, name):
    """Write as a user's file; returns the file name. Codecs and layouts differ per condition."""
    stem = os.path.join(folder, name)
    fmt, rate, stereo = "wav", SR, None
    if condition == "codec":
        fmt, rate, stereo = r.choice([("opus", 48000, None), ("m4a", 44100, None), ("mp3", 22050, None),
                                      ("ogg", 44100, None), ("wav", 8000, None), ("wav", 44100, "left"),
                                      ("wav", 48000, "right")])
    elif condition == "clean":
        fmt = r.choice(["wav", "flac"])
    ch = 2 if stereo else 1
    data = x[:, None] if not stereo else (np.stack([x, 0 * x], 1) if stereo == "left" else np.stack([0 * x, x], 1))
    codec = {"wav": ["-c:a", "pcm_s16le"], "flac": ["-c:a", "flac"], "opus": ["-c:a", "libopus", "-b:a", "16k"],
             "m4a": ["-c:a", "aac", "-b:a", "32k"], "mp3": ["-c:a", "libmp3lame", "-b:a", "16k"],
             "ogg": ["-c:a", "libvorbis", "-q:a", "-1"]}[fmt]
    path = f"{stem}.{fmt}"
    subprocess.run(["ffmpeg", "-v", "error", "-nostdin", "-f", "f64le", "-ar", str(SR), "-ac", str(ch), "-i", "-",
                    "-ar", str(rate)] + codec + ["-y", path],
                   input=np.ascontiguousarray(np.clip(data, -1, 1)).tobytes(), check=True, capture_output=True)
    return os.path.basename(path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--per-cell", type=int, default=5, help="items per task and condition")
    ap.add_argument("--seed", type=int, default=5000)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    rows = []
    for ci, condition in enumerate(CONDITIONS):
        for ti, task in enumerate(TASK_NAMES):
            r = random.Random(a.seed + 100 * ci + ti)
            for k in range(a.per_cell):
                x, answer = make_item(r, task, condition)
                name = write(x, condition, r, a.out, f"{condition}-{task}-{k}")
                rows.append({"audio": name, "start": None, "end": None, "task": task,
                             "question": BY_NAME[task]["question"], "answer": answer, "condition": condition})
        print(condition, "done", flush=True)
    with open(os.path.join(a.out, "index.jsonl"), "w") as f:
        for row in rows:
            f.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
