"""Deterministic synthetic corpus for the eight DIFFA-Tiny tasks (espeak-ng for speech, sox for signals and
containers, ffmpeg for decoding). An item is a plain dict drawn from a seeded RNG; rendering it is a pure function
of that dict, so a seed reproduces the corpus."""
import json
import os
import random
import subprocess

import numpy as np

from .tasks import BY_NAME, DIGITS

LANG_WORDS = {
    "English": DIGITS + "hello good morning thank you the weather is nice today please water house green table "
                        "music river window".split(),
    "French": "zéro un deux trois quatre cinq six sept huit neuf bonjour merci maison chat le temps est beau "
              "aujourd'hui eau vert table musique rivière fenêtre".split(),
    "German": "null eins zwei drei vier fünf sechs sieben acht neun guten Morgen danke Haus Wetter ist schön heute "
              "bitte Wasser grün Tisch Musik Fluss Fenster".split(),
    "Spanish": "cero uno dos tres cuatro cinco seis siete ocho nueve hola gracias casa buenos días el tiempo es bueno "
               "hoy agua verde mesa música río ventana".split(),
}
VOICES = {"English": ["en", "en-us"], "French": ["fr-fr"], "German": ["de"], "Spanish": ["es"]}
VARIANTS = {"male": ["m1", "m2", "m3", "m4", "m5", "m6", "m7"], "female": ["f1", "f2", "f3", "f4", "f5"]}
PITCH_HZ = {"low": (100, 280), "medium": (400, 800), "high": (1000, 3000)}
CONTAINERS = ["wav16", "wav24", "wavf32", "flac", "mp3", "ogg"]
EXT = {"wav16": "wav", "wav24": "wav", "wavf32": "wav", "flac": "flac", "mp3": "mp3", "ogg": "ogg"}
MAX_CLIP_S = 6.0


# ---------------------------------------------------------------- sampling (pure, seeded)

def _speech(rng, language=None, gender=None, digits_only=False):
    language = language or rng.choice(list(LANG_WORDS))
    gender = gender or rng.choice(["male", "female"])
    if digits_only:
        text = " ".join(rng.choice(DIGITS) for _ in range(rng.randint(2, 4)))
    else:
        text = " ".join(rng.choice(LANG_WORDS[language]) for _ in range(rng.randint(3, 7)))
    src = {"type": "speech", "language": language, "gender": gender, "text": text,
           "voice": rng.choice(VOICES[language]) + "+" + rng.choice(VARIANTS[gender]),
           "speed": rng.randint(130, 190), "espeak_pitch": rng.randint(30, 70)}
    attrs = {"kind": "speech", "language": language, "gender": gender}
    if language == "English" and all(w in DIGITS for w in text.split()):
        attrs["transcribe"] = text
    return src, attrs


def _tone(rng, band=None):
    band = band or rng.choice(list(PITCH_HZ))
    lo, hi = PITCH_HZ[band]
    f = round(lo * (hi / lo) ** rng.random(), 1)
    return {"type": "tone", "freq": f, "wave": rng.choice(["sine", "sine", "triangle"]),
            "dur": round(rng.uniform(1.0, MAX_CLIP_S - 0.5), 2)}, {"kind": "a tone", "pitch": band}


def _chirp(rng, direction=None):
    direction = direction or rng.choice(["rising", "falling"])
    ratio = rng.uniform(1.6, 5.0)
    f_lo = 150 * (2500 / 150 / ratio) ** rng.random()
    a, b = (f_lo, f_lo * ratio) if direction == "rising" else (f_lo * ratio, f_lo)
    return {"type": "chirp", "f1": round(a, 1), "f2": round(b, 1), "dur": round(rng.uniform(1.0, 4.0), 2)}, \
        {"kind": "a chirp", "direction": direction}


def _beeps(rng, n=None):
    n = n or rng.randint(1, 5)
    return {"type": "beeps", "n": n, "freq": rng.randint(500, 2500), "beep": round(rng.uniform(0.06, 0.25), 3),
            "gap": round(rng.uniform(0.12, 0.4), 3)}, {"kind": "beeps", "count": BY_NAME["count"]["answers"][n - 1]}


def _noise(rng, color=None):
    color = color or rng.choice(["white", "pink", "brown"])
    return {"type": "noise", "color": color, "dur": round(rng.uniform(1.0, MAX_CLIP_S - 0.5), 2)}, \
        {"kind": "noise", "noise": color}


def _silence(rng):
    return {"type": "silence", "dur": round(rng.uniform(1.0, MAX_CLIP_S - 0.5), 2),
            "floor_db": rng.choice([None, -85, -75])}, {"kind": "silence"}


def _source_for(rng, task):
    if task == "kind":
        k = rng.choice(BY_NAME["kind"]["answers"])
        return {"speech": _speech, "a tone": _tone, "a chirp": _chirp, "noise": _noise, "beeps": _beeps,
                "silence": _silence}[k](rng)
    if task in ("language", "gender"):
        return _speech(rng, digits_only=rng.random() < 0.3)
    if task == "transcribe":
        return _speech(rng, language="English", digits_only=True)
    return {"count": _beeps, "direction": _chirp, "pitch": _tone, "noise": _noise}[task](rng)


# Tasks whose answer survives cutting a region out of the middle of the sound (not counts, not digit strings).
EXCERPT_TASKS = ("kind", "language", "gender", "direction", "pitch", "noise")


def sample_item(rng: random.Random, task: str, embed_prob=0.25, excerpt_prob=0.0):
    src, attrs = _source_for(rng, task)
    item = {
        "task": task, "question": BY_NAME[task]["question"], "answer": attrs[task], "attrs": attrs, "source": src,
        "lead": round(rng.uniform(0.0, 0.4), 2), "tail": round(rng.uniform(0.0, 0.4), 2),
        "level_db": round(rng.uniform(-30.0, -1.0), 1) if src["type"] != "silence" else None,
        "sr": rng.choice([16000, 44100, 48000]), "channels": rng.choice([1, 1, 2]),
        "container": rng.choice(CONTAINERS), "embed": None,
    }
    if rng.random() < embed_prob:
        item["embed"] = {"pre": round(rng.uniform(0.5, 3.0), 2), "post": round(rng.uniform(0.5, 3.0), 2),
                         "context": rng.choice(["silence", "pink", "tone"]), "context_freq": rng.randint(200, 2000)}
    # (drawn only when asked for, so that the corpora made without excerpts keep their exact sequences)
    if excerpt_prob > 0 and rng.random() < excerpt_prob and task in EXCERPT_TASKS and "count" not in attrs:
        # a region cut from inside the sound, as a user drags one: no onset, no silence around it
        item["embed"], item["excerpt"] = None, {"from": round(rng.uniform(0.0, 0.5), 3), "min_s": 0.8}
    return item


def sample_items(seed: int, n: int, tasks, embed_prob=0.25, excerpt_prob=0.0):
    rng = random.Random(seed)
    return [sample_item(rng, tasks[i % len(tasks)], embed_prob, excerpt_prob) for i in range(n)]


# ---------------------------------------------------------------- rendering

def _run(cmd, stdin=None):
    return subprocess.run(cmd, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=True).stdout


def _sox_raw(sr, ch):
    return ["-t", "f32", "-r", str(sr), "-c", str(ch)]


def render_clip(item) -> np.ndarray:
    """The clip itself (no embedding) as float32 [samples, channels] at item['sr']."""
    s, sr, ch = item["source"], item["sr"], item["channels"]
    out = _sox_raw(sr, ch) + ["-"]
    gain = ["norm", str(item["level_db"])] if item["level_db"] is not None else []
    pad = ["pad", str(item["lead"]), str(item["tail"])]
    if s["type"] == "speech":
        wav = _run(["espeak-ng", "-v", s["voice"], "-s", str(s["speed"]), "-p", str(s["espeak_pitch"]),
                    "--stdout", s["text"]])
        raw = _run(["sox", "-t", "wav", "-"] + out + gain + pad, stdin=wav)
    elif s["type"] == "tone":
        raw = _run(["sox", "-n"] + out + ["synth", str(s["dur"]), s["wave"], str(s["freq"]),
                                          "fade", "0.02", str(s["dur"]), "0.02"] + gain + pad)
    elif s["type"] == "chirp":
        raw = _run(["sox", "-n"] + out + ["synth", str(s["dur"]), "sine", f"{s['f1']}-{s['f2']}",
                                          "fade", "0.02", str(s["dur"]), "0.02"] + gain + pad)
    elif s["type"] == "beeps":
        raw = _run(["sox", "-n"] + out + ["synth", str(s["beep"]), "sine", str(s["freq"]),
                                          "fade", "0.005", str(s["beep"]), "0.005",
                                          "pad", "0", str(s["gap"]), "repeat", str(s["n"] - 1)] + gain + pad)
    elif s["type"] == "noise":
        raw = _run(["sox", "-n"] + out + ["synth", str(s["dur"]), s["color"] + "noise"] + gain + pad)
    elif s["type"] == "silence":
        if s["floor_db"] is None:
            raw = np.zeros((int(s["dur"] * sr), ch), np.float32).tobytes()
        else:
            raw = _run(["sox", "-n"] + out + ["synth", str(s["dur"]), "whitenoise", "gain", str(s["floor_db"])])
    else:
        raise ValueError(s["type"])
    x = np.frombuffer(raw, dtype=np.float32).reshape(-1, ch)
    return x[: int(MAX_CLIP_S * sr)].copy()


def _context(item, dur) -> np.ndarray:
    e, sr, ch = item["embed"], item["sr"], item["channels"]
    if e["context"] == "silence":
        return np.zeros((int(dur * sr), ch), np.float32)
    if e["context"] == "pink":
        cmd = ["sox", "-n"] + _sox_raw(sr, ch) + ["-", "synth", str(dur), "pinknoise", "gain", "-45"]
    else:
        cmd = ["sox", "-n"] + _sox_raw(sr, ch) + ["-", "synth", str(dur), "sine", str(e["context_freq"]),
                                                  "gain", "-30"]
    return np.frombuffer(_run(cmd), dtype=np.float32).reshape(-1, ch)


def _excerpt_bounds(item, n):
    """(start, end) seconds of a region inside the sound's active part (between the lead and tail padding): it
    begins `from` of the way in and lasts at least min_s (or the whole active part when shorter)."""
    sr = item["sr"]
    a, b = item["lead"], n / sr - item["tail"]
    length = b - a
    start = a + item["excerpt"]["from"] * max(0.0, length - item["excerpt"]["min_s"])
    end = min(b, start + max(item["excerpt"]["min_s"], 0.5 * length))
    return round(start, 4), round(end, 4)


def render_file(item):
    """Whole file content [samples, channels] at item['sr'] plus (start, end) seconds of the clip, or None."""
    clip = render_clip(item)
    if item.get("excerpt"):
        return (clip,) + _excerpt_bounds(item, len(clip))
    if item["embed"] is None:
        return clip, None, None
    pre, post = _context(item, item["embed"]["pre"]), _context(item, item["embed"]["post"])
    sr = item["sr"]
    start = len(pre) / sr
    return np.concatenate([pre, clip, post]), round(start, 4), round(start + len(clip) / sr, 4)


def write_container(x: np.ndarray, item, path):
    fmt = {"wav16": ["-b", "16", "-e", "signed-integer"], "wav24": ["-b", "24", "-e", "signed-integer"],
           "wavf32": ["-b", "32", "-e", "floating-point"], "flac": ["-b", "16"], "mp3": ["-C", "128"],
           "ogg": ["-C", "3"]}[item["container"]]
    _run(["sox", "-D"] + _sox_raw(item["sr"], item["channels"]) + ["-"] + fmt + [path],
         stdin=np.ascontiguousarray(np.clip(x, -1, 1), dtype=np.float32).tobytes())


def decode_16k_mono(path, start=None, end=None) -> np.ndarray:
    """Decode with ffmpeg, cut [start, end], average channels, resample to 16 kHz."""
    cmd = ["ffmpeg", "-v", "error", "-nostdin", "-i", path]
    if start is not None:
        cmd += ["-ss", str(start), "-to", str(end)]
    cmd += ["-ac", "1", "-ar", "16000", "-f", "f32le", "-"]
    return np.frombuffer(_run(cmd), dtype=np.float32).copy()


def file_name(i, item):
    return f"{i:05d}-{item['task']}.{EXT[item['container']]}"


def write_eval_set(items, folder):
    """Eval-set format used by the engine: folder/index.jsonl, one {audio,start,end,task,question,answer} a line."""
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "index.jsonl"), "w") as f:
        for i, item in enumerate(items):
            x, start, end = render_file(item)
            name = file_name(i, item)
            write_container(x, item, os.path.join(folder, name))
            f.write(json.dumps({"audio": name, "start": start, "end": end, "task": item["task"],
                                "question": item["question"], "answer": item["answer"]}) + "\n")
