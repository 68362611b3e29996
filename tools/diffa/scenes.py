"""The second training corpus: sounds as they arrive in practice rather than studio-clean. Each item is the first
corpus's source (speech, tone, chirp, beeps, noise, silence) placed in a *scene*: a longer region with very quiet
room tone before and after, optional reverberation, a background (white / pink / brown noise, babble of other
speech, 50/60 Hz hum with harmonics) at 0-40 dB SNR, a peak level from -45 to 0 dBFS, and a delivery (8-48 kHz,
mono or stereo with one silent channel, WAV / FLAC / low-bitrate MP3 and Ogg). Speech comes from every espeak-ng
voice and variant (gender only where the variant declares one) and from Flite.

Like corpus.py, sampling is a pure function of a seeded RNG and rendering a pure function of the item dict (the
numpy parts draw from a generator seeded by the item's own `render_seed`). Some voices are kept out of this
corpus on purpose: the held-out evaluation set (tools/make_heldout_set.py) speaks with them."""
import os
import random
import subprocess
import tempfile

import numpy as np

from . import corpus
from .corpus import LANG_WORDS, PITCH_HZ
from .tasks import BY_NAME, DIGITS

MAX_REGION_S = 6.0  # the model's window

# espeak-ng language voices (dialects) and Flite voices used for training. Held out for evaluation, never here:
# en-us-nyc, en-gb-x-rp, es-419, fr-ch, variants m8 / steph* / belinda / Alicia / travis / victor / Denis / sandro /
# Gene / john / max, and Flite's rms and kal.
ESPEAK_VOICES = {"English": ["en", "en-us", "en-gb-scotland", "en-029", "en-gb-x-gbclan", "en-gb-x-gbcwmd"],
                 "French": ["fr-fr", "fr-be"], "German": ["de"], "Spanish": ["es"]}
ESPEAK_VARIANTS = {
    "male": ["m1", "m2", "m3", "m4", "m5", "m6", "m7", "Andy", "AnxiousAndy", "Demonic", "Diogo", "Henrique", "Hugo",
             "Lee", "Marco", "Storm", "UniRobot", "antonio", "croak", "michel", "miguel", "whisper"],
    "female": ["f1", "f2", "f3", "f4", "f5", "Andrea", "Annie", "anika", "anikaRobot", "aunty", "grandma", "linda",
               "whisperf"],
    # variants that declare no gender: used for language, transcription and kind only
    None: ["Alex", "Gene2", "Jacky", "Mario", "Michael", "Mike", "Mr serious", "Nguyen", "RicishayMax", "Tweaky",
           "adam", "announcer", "benjamin", "boris", "caleb", "david", "ed", "edward", "fast", "grandpa", "gustave",
           "iven", "iven2", "klatt", "klatt2", "klatt3", "kaukovalta", "marcelo", "norbert", "pablo", "paul", "pedro",
           "quincy", "rob", "robert", "robosoft", "shelby", "zac"],
}
FLITE_VOICES = {"male": ["kal16", "awb"], "female": ["slt"]}  # English only
BACKGROUNDS = ["white", "pink", "brown", "babble", "hum"]
RATES = [8000, 11025, 16000, 22050, 32000, 44100, 48000]
DELIVERIES = ["wav16", "wav24", "flac", "mp3", "mp3", "ogg", "ogg"]


# ---------------------------------------------------------------- sampling (pure, seeded)

def _voice(rng, language, gender):
    """(engine, voice, gender or None). Flite speaks English only; an undeclared espeak variant has no gender."""
    if language == "English" and rng.random() < 0.3 and gender in (None, "male", "female"):
        g = gender or rng.choice(["male", "female"])
        return "flite", rng.choice(FLITE_VOICES[g]), g
    g = gender if gender else rng.choice(["male", "female", None])
    return "espeak", rng.choice(ESPEAK_VOICES[language]) + "+" + rng.choice(ESPEAK_VARIANTS[g]), g


def _speech(rng, language=None, gender=None, digits_only=False, need_gender=False):
    language = language or rng.choice(list(LANG_WORDS))
    if need_gender and gender is None:
        gender = rng.choice(["male", "female"])
    engine, voice, g = _voice(rng, language, gender)
    if digits_only:
        text = " ".join(rng.choice(DIGITS) for _ in range(rng.randint(2, 4)))
    else:
        text = " ".join(rng.choice(LANG_WORDS[language]) for _ in range(rng.randint(2, 7)))
    src = {"type": "speech", "engine": engine, "voice": voice, "language": language, "text": text,
           "speed": rng.randint(120, 200), "espeak_pitch": rng.randint(25, 75), "stretch": round(rng.uniform(0.8, 1.25), 2)}
    attrs = {"kind": "speech", "language": language}
    if g:
        attrs["gender"] = g
    if language == "English" and all(w in DIGITS for w in text.split()):
        attrs["transcribe"] = text
    return src, attrs


def _duration(rng, lo=0.2, hi=5.0):
    """Log-uniform: short sounds (down to 0.2 s) are as common as long ones."""
    return round(lo * (hi / lo) ** rng.random(), 2)


def _tone(rng):
    band = rng.choice(list(PITCH_HZ))
    lo, hi = PITCH_HZ[band]
    return {"type": "tone", "freq": round(lo * (hi / lo) ** rng.random(), 1),
            "wave": rng.choice(["sine", "sine", "triangle", "square"]), "dur": _duration(rng)}, \
        {"kind": "a tone", "pitch": band}


def _chirp(rng):
    direction = rng.choice(["rising", "falling"])
    ratio = rng.uniform(1.6, 5.0)
    f_lo = 150 * (2500 / 150 / ratio) ** rng.random()
    a, b = (f_lo, f_lo * ratio) if direction == "rising" else (f_lo * ratio, f_lo)
    return {"type": "chirp", "f1": round(a, 1), "f2": round(b, 1), "dur": _duration(rng, 0.3, 4.0)}, \
        {"kind": "a chirp", "direction": direction}


def _beeps(rng):
    n = rng.randint(1, 5)
    return {"type": "beeps", "n": n, "freq": rng.randint(400, 3000), "beep": round(rng.uniform(0.05, 0.25), 3),
            "gap": round(rng.uniform(0.1, 0.4), 3)}, {"kind": "beeps", "count": BY_NAME["count"]["answers"][n - 1]}


def _noise(rng):
    color = rng.choice(["white", "pink", "brown"])
    return {"type": "noise", "color": color, "dur": _duration(rng)}, {"kind": "noise", "noise": color}


def _silence(rng):
    return {"type": "silence", "dur": _duration(rng, 0.3, 5.0), "floor_db": None}, {"kind": "silence"}


def _source_for(rng, task):
    if task == "kind":
        k = rng.choice(BY_NAME["kind"]["answers"])
        if k == "speech":
            return _speech(rng, digits_only=rng.random() < 0.3)
        return {"a tone": _tone, "a chirp": _chirp, "noise": _noise, "beeps": _beeps, "silence": _silence}[k](rng)
    if task == "language":
        return _speech(rng, digits_only=rng.random() < 0.3)
    if task == "gender":
        return _speech(rng, digits_only=rng.random() < 0.3, need_gender=True)
    if task == "transcribe":
        return _speech(rng, language="English", digits_only=True)
    return {"count": _beeps, "direction": _chirp, "pitch": _tone, "noise": _noise}[task](rng)


def _margin(rng):
    """Room tone before / after the sound inside the region: often almost none (a tight selection), else up to 2.5 s."""
    return round(rng.uniform(0.0, 0.15), 2) if rng.random() < 0.4 else round(rng.uniform(0.0, 2.5), 2)


def _scene(rng, src):
    """How the sound arrives. Silence stays silence (room tone at most) and a noise item gets no other noise on top
    (its colour is the answer); everything else may get any background."""
    kind = src["type"]
    clean = rng.random() < 0.3
    background = None
    if kind not in ("silence",) and not clean:
        choices = ["hum"] if kind == "noise" else BACKGROUNDS
        background = {"type": rng.choice(choices), "snr_db": round(rng.uniform(0.0, 35.0), 1),
                      "mains": rng.choice([50, 60]), "voices": rng.randint(2, 4)}
    room = None
    if rng.random() < 0.35 and kind != "silence":
        room = {"rt60": rng.choice([0.15, 0.3, 0.5, 0.8, 1.2]), "wet": round(rng.uniform(0.2, 0.8), 2)}
    tone_db = None if rng.random() < 0.3 else round(rng.uniform(-72.0, -50.0), 1)
    sr = rng.choice(RATES)
    return {"background": background, "room": room, "room_tone_db": tone_db,
            "room_tone_color": rng.choice(["pink", "brown", "white"]),
            "peak_db": round(rng.uniform(-45.0, 0.0), 1), "pre": _margin(rng), "post": _margin(rng), "sr": sr, "stereo": rng.choice(["mono", "mono", "both", "left", "right"]),
            "delivery": rng.choice(DELIVERIES), "kbps": rng.choice([24, 32, 48, 64, 96]), "ogg_q": rng.choice([-1, 0, 1, 2, 4]),
            "outer": [round(rng.uniform(0.2, 3.0), 2), round(rng.uniform(0.2, 3.0), 2)] if rng.random() < 0.3 else None,
            "render_seed": rng.randrange(2 ** 31)}


def sample_item(rng, task):
    src, attrs = _source_for(rng, task)
    t = BY_NAME[task]
    item = {"v": 2, "task": task, "question": t["question"], "answer": attrs[task], "attrs": attrs, "source": src,
            "scene": _scene(rng, src)}
    return item


def sample_items(seed, n, tasks, start=0):
    r = random.Random(seed)
    items = [sample_item(r, tasks[i % len(tasks)]) for i in range(start + n)]
    return items[start:]


# ---------------------------------------------------------------- rendering

def _speech_wave(src, sr):
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "s.wav")
        if src["engine"] == "flite":
            subprocess.run(["flite", "-voice", src["voice"], "--setf", f"duration_stretch={src['stretch']}",
                            "-t", src["text"], "-o", path], check=True, capture_output=True)
        else:
            subprocess.run(["espeak-ng", "-v", src["voice"], "-s", str(src["speed"]), "-p", str(src["espeak_pitch"]),
                            "-w", path, src["text"]], check=True, capture_output=True)
        raw = corpus._run(["sox", path] + corpus._sox_raw(sr, 1) + ["-"])
    return np.frombuffer(raw, np.float32).copy()


def _synth(src, sr):
    """Tone, chirp, beeps or noise through sox (as the first corpus), mono at sr."""
    item = {"source": {**src, "wave": src.get("wave", "sine") if src.get("wave") != "square" else "square"},
            "sr": sr, "channels": 1, "level_db": -1.0, "lead": 0, "tail": 0}
    if src["type"] == "silence":
        return np.zeros(int(src["dur"] * sr), np.float32)
    return corpus.render_clip(item)[:, 0]


def colored_noise(g, n, color):
    """White, pink (1/f power) or brown (1/f^2) noise, unit RMS, shaped in the frequency domain."""
    spec = np.fft.rfft(g.standard_normal(n))
    f = np.arange(len(spec), dtype=np.float64)
    f[0] = 1.0
    spec *= {"white": 1.0, "pink": f ** -0.5, "brown": f ** -1.0}[color]
    x = np.fft.irfft(spec, n)
    return (x / (np.sqrt(np.mean(x ** 2)) + 1e-12)).astype(np.float32)


def hum(g, n, sr, mains):
    t = np.arange(n) / sr
    x = np.zeros(n)
    for h in range(1, 9):
        if mains * h < sr / 2:
            x += g.uniform(0, 1) / h ** g.uniform(0.3, 1.5) * np.sin(2 * np.pi * mains * h * t + g.uniform(0, 6.3))
    if g.random() < 0.5:
        x = np.tanh(2 * x)  # a buzzier hum
    return (x / (np.sqrt(np.mean(x ** 2)) + 1e-12)).astype(np.float32)


def babble(g, n, sr, voices, rng_words):
    out = np.zeros(n, np.float32)
    for _ in range(voices):
        lang = rng_words.choice(list(LANG_WORDS))
        g_ = rng_words.choice(["male", "female"])
        src = {"engine": "espeak", "voice": rng_words.choice(ESPEAK_VOICES[lang]) + "+" + rng_words.choice(
            ESPEAK_VARIANTS[g_]), "text": " ".join(rng_words.choice(LANG_WORDS[lang]) for _ in range(12)),
               "speed": rng_words.randint(140, 200), "espeak_pitch": rng_words.randint(30, 70)}
        w = _speech_wave(src, sr)
        w = np.tile(w, int(np.ceil(n / max(1, len(w)))) + 1)
        off = rng_words.randrange(max(1, len(w) - n))
        out += w[off:off + n] / (np.sqrt(np.mean(w ** 2)) + 1e-12)
    return out / (np.sqrt(np.mean(out ** 2)) + 1e-12)


def reverberate(g, x, sr, rt60, wet):
    """Convolve with a synthetic room response: exponentially decaying noise (60 dB down at rt60)."""
    n = int(rt60 * sr)
    t = np.arange(n) / sr
    ir = g.standard_normal(n) * np.exp(-6.9 * t / rt60)
    ir[0] = 0.0
    ir /= np.sqrt(np.sum(ir ** 2)) + 1e-12
    m = len(x) + n - 1
    size = 1 << int(np.ceil(np.log2(m)))
    tail = np.fft.irfft(np.fft.rfft(x, size) * np.fft.rfft(ir, size), size)[:m]
    y = np.concatenate([x, np.zeros(n - 1)]) * (1 - wet) + wet * tail * (np.sqrt(np.mean(x ** 2)) / (np.sqrt(np.mean(tail[:len(x)] ** 2)) + 1e-12))
    return y.astype(np.float32)


def _active_rms(x):
    """RMS over the louder part of the sound (frames within 30 dB of the loudest), the 'signal' of an SNR."""
    frames = x[: len(x) // 160 * 160].reshape(-1, 160) if len(x) >= 160 else x[None]
    e = np.mean(frames ** 2, 1)
    keep = e >= e.max() * 1e-3
    return float(np.sqrt(np.mean(e[keep]))) if e.max() > 0 else 0.0


def render_region(item):
    """(mono float32 file at the scene's rate, (start, end) seconds of the region to ask about, or (None, None) for
    the whole file). Background and room tone run through the whole file, under and around the sound."""
    s, sc = item["source"], item["scene"]
    sr = sc["sr"]
    g = np.random.default_rng(sc["render_seed"])
    clip = _speech_wave(s, sr) if s["type"] == "speech" else _synth(s, sr)
    if s["type"] == "speech":  # trim the engine's own leading/trailing silence: the scene decides what is around it
        nz = np.nonzero(np.abs(clip) > 1e-4)[0]
        if len(nz):
            clip = clip[nz[0]:nz[-1] + 1]
    clip = clip[: int((MAX_REGION_S - 0.05) * sr)]
    if sc["room"]:
        clip = reverberate(g, clip, sr, sc["room"]["rt60"], sc["room"]["wet"])[: int((MAX_REGION_S - 0.05) * sr)]
    room = max(0.0, MAX_REGION_S - len(clip) / sr - 0.02)
    pre, post = min(sc["pre"], room), min(sc["post"], max(0.0, room - sc["pre"]))
    npre, npost = int(pre * sr), int(post * sr)
    outer = [int(o * sr) for o in sc.get("outer") or [0, 0]]
    npre += outer[0]
    x = np.concatenate([np.zeros(npre, np.float32), clip.astype(np.float32), np.zeros(npost + outer[1], np.float32)])
    sig = _active_rms(clip)
    bg = sc["background"]
    if bg and sig > 0:
        if bg["type"] == "hum":
            b = hum(g, len(x), sr, bg["mains"])
        elif bg["type"] == "babble":
            b = babble(g, len(x), sr, bg["voices"], random.Random(sc["render_seed"]))
        else:
            b = colored_noise(g, len(x), bg["type"])
        x = x + b * sig * 10 ** (-bg["snr_db"] / 20)
    peak = np.max(np.abs(x)) if len(x) else 0.0
    if peak > 0:
        x = x * (10 ** (sc["peak_db"] / 20) / peak)
    if sc["room_tone_db"] is not None:
        x = x + colored_noise(g, len(x), sc["room_tone_color"]) * 10 ** (sc["room_tone_db"] / 20)
    region = (outer[0] / sr, (len(x) - outer[1]) / sr) if sc.get("outer") else (None, None)
    return x.astype(np.float32), region


def write_delivery(x, sc, path):
    """Write the region as the scene's file: channels, container and codec (ffmpeg for MP3 / Ogg)."""
    sr = sc["sr"]
    if sc["stereo"] == "mono":
        data, ch = x[:, None], 1
    else:
        z = np.zeros_like(x)
        data = np.stack({"both": [x, x], "left": [x, z], "right": [z, x]}[sc["stereo"]], 1)
        ch = 2
    raw = np.ascontiguousarray(np.clip(data, -1, 1), np.float32).tobytes()
    d = sc["delivery"]
    if d in ("mp3", "ogg"):
        codec = ["-c:a", "libmp3lame", "-b:a", f"{sc['kbps']}k"] if d == "mp3" else \
            ["-c:a", "libvorbis", "-q:a", str(sc["ogg_q"])]
        if d == "mp3" and sr not in (8000, 11025, 16000, 22050, 32000, 44100, 48000):
            raise ValueError(sr)
        corpus._run(["ffmpeg", "-v", "error", "-nostdin", "-f", "f32le", "-ar", str(sr), "-ac", str(ch), "-i", "-"]
                    + codec + ["-y", path], stdin=raw)
    else:
        fmt = {"wav16": ["-b", "16", "-e", "signed-integer"], "wav24": ["-b", "24", "-e", "signed-integer"],
               "flac": ["-b", "16"]}[d]
        corpus._run(["sox", "-D"] + corpus._sox_raw(sr, ch) + ["-"] + fmt + [path], stdin=raw)


def file_name(i, item):
    ext = {"wav16": "wav", "wav24": "wav", "flac": "flac", "mp3": "mp3", "ogg": "ogg"}[item["scene"]["delivery"]]
    return f"{i:05d}-{item['task']}.{ext}"


def render_file(item, path):
    """Render the item's file to path; (start, end) of the region to ask about (None, None: the whole file)."""
    x, region = render_region(item)
    write_delivery(x, item["scene"], path)
    return region
