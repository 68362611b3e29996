#!/usr/bin/env python3
"""Train DIFFA-Tiny on cached synthetic features, resumable across sessions.

Stage 1 (audio alignment, as DIFFA-2 trains its adapter before the LLM sees it): encoder + both connectors learn
from the audio alone, through per-task classification heads on the pooled connector outputs and a CTC head over
the semantic tokens for the digit transcription. Stage 2 (LLaDA SFT): the encoder is frozen (DIFFA-2 keeps Whisper
frozen), connectors + LLM train on the masked-diffusion objective (only answer tokens masked, ratio t ~ U[1e-3, 1],
loss on masked tokens weighted 1/t), with the stage-1 heads kept as a small auxiliary loss.

  export OMP_NUM_THREADS=2
  nice -n 10 /usr/bin/python3 tools/train_tiny.py            # fresh run
  nice -n 10 /usr/bin/python3 tools/train_tiny.py --resume   # continue from the last checkpoint
Checkpoints, logs: ${XDG_CACHE_HOME:-~/.cache}/diffa-tiny/{ckpt,logs}."""
import argparse
import json
import math
import os
import random
import signal
import sys
import time

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from diffa.features import load_cache, load_shards  # noqa: E402
from diffa.model import DiffaModel, build_sequences  # noqa: E402
from diffa.prompt import answer_ids, audio_offset, render_prompt  # noqa: E402
from diffa.sampler import factor_decode  # noqa: E402
from diffa.tasks import BY_NAME, DIGITS, TASK_NAMES  # noqa: E402
from diffa.tiny import ATTR_CLASSES, GEN_LENGTH, build_tokenizer, tiny_config  # noqa: E402

CACHE = os.path.join(os.path.expanduser(os.environ.get("XDG_CACHE_HOME", "~/.cache")), "diffa-tiny")
EPS = 1e-3


class AudioHeads(nn.Module):
    """Training-only heads for stage 1 (not exported): MLP per attribute on [mean acoustic ; mean semantic], and a
    CTC projection of each semantic token onto blank + ten digit words."""

    def __init__(self, d):
        super().__init__()
        self.heads = nn.ModuleDict({k: nn.Sequential(nn.Linear(2 * d, d), nn.ReLU(), nn.Linear(d, len(v)))
                                    for k, v in ATTR_CLASSES.items()})
        self.ctc = nn.Linear(d, 1 + len(DIGITS))

    def forward(self, acoustic, semantic, sem_len):
        valid = (torch.arange(semantic.shape[1])[None, :] < sem_len[:, None]).float()[..., None]
        sem_mean = (semantic * valid).sum(1) / valid.sum(1).clamp(min=1)
        pooled = torch.cat([acoustic.mean(1), sem_mean], -1)
        return {k: h(pooled) for k, h in self.heads.items()}, self.ctc(semantic)


def class_weights(meta):
    """Inverse class frequency per attribute (capped at 3): the corpus is not balanced (every transcription item is
    English, so English is most of the speech), and an unweighted head learns the prior instead of the language."""
    out = {}
    for attr, classes in ATTR_CLASSES.items():
        counts = np.array([sum(1 for m in meta if m["attrs"].get(attr) == c) for c in classes], np.float64)
        w = np.where(counts > 0, counts.sum() / (len(classes) * np.maximum(counts, 1)), 0.0)
        w = np.minimum(w, 3.0)  # a rare class (silence: kind items only) must not dominate its head
        out[attr] = torch.tensor(w, dtype=torch.float32)
    return out


def heads_loss(heads_out, ctc_logits, sem_len, metas, weights=None):
    logits, losses = heads_out, []
    for attr, classes in ATTR_CLASSES.items():
        rows = [i for i, m in enumerate(metas) if attr in m["attrs"]]
        if rows:
            y = torch.tensor([classes.index(metas[i]["attrs"][attr]) for i in rows])
            losses.append(F.cross_entropy(logits[attr][rows], y, weight=None if weights is None else weights[attr]))
    rows = [i for i, m in enumerate(metas) if "transcribe" in m["attrs"]]
    if rows:
        targets = [[1 + DIGITS.index(w) for w in metas[i]["attrs"]["transcribe"].split()] for i in rows]
        lp = F.log_softmax(ctc_logits[rows], -1).transpose(0, 1)
        losses.append(F.ctc_loss(lp, torch.tensor(sum(targets, [])), sem_len[rows],
                                 torch.tensor([len(t) for t in targets]), zero_infinity=True))
    return sum(losses) / len(losses)


class Trainer:
    def __init__(self, a, load_train=True):
        self.a = a
        self.tok = build_tokenizer()
        self.cfg = tiny_config(self.tok)
        torch.manual_seed(a.seed)
        self.model = DiffaModel(self.cfg)
        self.heads = AudioHeads(self.cfg.llm.d_model)
        self.class_weights = None
        if load_train:
            self.feats, self.meta, shards = load_shards(CACHE, "train")
            print(f"training data: {len(self.meta)} items from {shards}", flush=True)
            self.class_weights = class_weights(self.meta) if a.balance_heads else None
            if self.class_weights is not None:
                print("head class weights:", {k: [round(x, 2) for x in v.tolist()] for k, v in self.class_weights.items()})
        self.eval_feats, self.eval_meta = load_cache(os.path.join(CACHE, "eval"))
        self.step, self.stage, self.epoch, self.pos, self.nonfinite = 0, 1, 0, 0, 0
        self.best = -1.0
        self.rng = random.Random(a.seed)
        self.make_optimizer()
        self.mask_id = self.tok.special_id("<|mdm_mask|>")
        self.eos_id = self.tok.special_id("<|endoftext|>")
        os.makedirs(os.path.join(CACHE, "ckpt"), exist_ok=True)
        os.makedirs(os.path.join(CACHE, "logs"), exist_ok=True)
        self.log_path = os.path.join(CACHE, "logs", "train.jsonl")
        self.stop = False
        self.stage1_done = False
        # stage 2 normally keeps the encoder frozen (as DIFFA-2 keeps Whisper frozen); --unfreeze-encoder lets the
        # tiny encoder, trained from scratch in stage 1, keep learning the speech tasks jointly with the LLM
        self.encoder_trainable = False

    # ------------------------------------------------------------ setup
    def make_optimizer(self):
        m = self.model
        if self.stage == 1:
            groups = [{"params": list(m.whisper_model.parameters()) + list(m.semantic_connector.parameters())
                       + list(m.acoustic_connector.parameters()) + list(self.heads.parameters()), "lr": self.a.lr1}]
        else:
            m.whisper_model.requires_grad_(self.encoder_trainable)
            groups = [{"params": list(m.llm_model.parameters()), "lr": self.a.lr2},
                      {"params": list(m.semantic_connector.parameters()) + list(m.acoustic_connector.parameters())
                       + list(self.heads.parameters()), "lr": self.a.lr2 * 0.3}]
            if self.encoder_trainable:
                groups.append({"params": list(m.whisper_model.parameters()), "lr": self.a.lr2 * self.a.encoder_lr})
        for g in groups:
            g["params"] = [p for p in g["params"] if p.requires_grad]
            g["base_lr"] = g["lr"]
        self.opt = torch.optim.AdamW(groups, weight_decay=0.01)
        self.stage_start = self.step

    def set_encoder_trainable(self, on):
        """Switching mid-run builds a fresh optimizer (its parameter groups change) with its own warm-up."""
        if on != self.encoder_trainable:
            self.encoder_trainable = on
            if self.stage == 2:
                self.make_optimizer()
                self.enc_cache = None

    def ckpt_path(self, name="last.pt"):
        return os.path.join(CACHE, "ckpt", name)

    def save(self, name="last.pt"):
        state = {"model": self.model.state_dict(), "heads": self.heads.state_dict(), "opt": self.opt.state_dict(),
                 "best": self.best,
                 "step": self.step, "stage": self.stage, "encoder_trainable": self.encoder_trainable,
                 "stage_start": self.stage_start, "epoch": self.epoch,
                 "pos": self.pos, "nonfinite": self.nonfinite, "config": self.cfg.to_dict(),
                 "vocab": self.tok.vocab, "rng": {"python": self.rng.getstate(), "numpy": np.random.get_state(),
                                                  "torch": torch.get_rng_state()}}
        tmp = self.ckpt_path(name + ".tmp")
        torch.save(state, tmp)
        os.replace(tmp, self.ckpt_path(name))  # atomic: a kill never leaves a half-written checkpoint

    def load(self, path=None, optimizer=True):
        s = torch.load(path or self.ckpt_path(), map_location="cpu")
        assert s["vocab"] == self.tok.vocab, "tokenizer changed since the checkpoint"
        self.model.load_state_dict(s["model"])
        self.heads.load_state_dict(s["heads"])
        self.step, self.stage, self.epoch, self.pos = s["step"], s["stage"], s["epoch"], s["pos"]
        self.nonfinite = s["nonfinite"]
        self.best = s.get("best", -1.0)
        self.encoder_trainable = s.get("encoder_trainable", False)
        self.make_optimizer()
        if optimizer:
            self.opt.load_state_dict(s["opt"])
            self.stage_start = s["stage_start"]
        self.rng.setstate(s["rng"]["python"])
        np.random.set_state(s["rng"]["numpy"])
        torch.set_rng_state(s["rng"]["torch"])
        print(f"resumed at step {self.step} (stage {self.stage}, epoch {self.epoch}, pos {self.pos})", flush=True)

    def init_from(self, path):
        """Start from released weights (a reference-weights file: config, state_dict, vocab, source step) for a
        fine-tune: the tokenizer may have grown since (new question words), so the vocabulary-sized matrices are
        re-indexed by word; a new word's embedding is drawn at the scale of the old ones, and its output row is the
        mean of the old rows of words that never are answers (so it starts as unlikely as they are). The audio heads
        are training-only and not released: they start fresh."""
        s = torch.load(path, map_location="cpu")
        old_vocab, sd = s["vocab"], dict(s["state_dict"])
        old_ids = {w: i for i, w in enumerate(old_vocab)}
        answers = {w for t in BY_NAME.values() for a in (t["answers"] or DIGITS) for w in a.split()} | set(DIGITS)
        quiet = [old_ids[w] for w in old_vocab if w not in answers and not w.startswith("<|")]
        g = torch.Generator().manual_seed(self.a.seed)
        for name in ("llm_model.model.transformer.wte.weight", "llm_model.model.transformer.ff_out.weight"):
            w_old = sd[name]
            w_new = torch.empty(len(self.tok.vocab), w_old.shape[1])
            for i, word in enumerate(self.tok.vocab):
                if word in old_ids:
                    w_new[i] = w_old[old_ids[word]]
                elif name.endswith("wte.weight"):
                    w_new[i] = torch.randn(w_old.shape[1], generator=g) * w_old.std()
                else:
                    w_new[i] = w_old[quiet].mean(0)
            sd[name] = w_new
        self.model.load_state_dict(sd)
        self.step, self.stage = s["source"]["step"], 2
        self.make_optimizer()
        print(f"initialised from {path} (step {self.step}, vocabulary {len(old_vocab)} -> {len(self.tok.vocab)})",
              flush=True)

    def reload_shards(self):
        """Shards finished while training runs (the corpus is built alongside) join at the next checkpoint."""
        names = sorted(n for n in os.listdir(CACHE) if (n == "train" or n.startswith("train-"))
                       and os.path.exists(os.path.join(CACHE, n, "meta.jsonl")))
        if len(names) == len(self.feats.arrays):
            return
        self.feats, self.meta, shards = load_shards(CACHE, "train")
        self.class_weights = class_weights(self.meta) if self.a.balance_heads else None
        self.enc_cache = None
        self.log({"type": "data", "step": self.step, "items": len(self.meta), "shards": shards})

    def log(self, rec):
        rec = {"time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), **rec}
        with open(self.log_path, "a") as f:
            f.write(json.dumps(rec) + "\n")
        print(json.dumps(rec), flush=True)

    # ------------------------------------------------------------ data
    def next_batch(self):
        n = len(self.meta)
        perm = np.random.RandomState(self.a.seed * 1000 + self.epoch).permutation(n)
        bs = self.a.batch if self.stage == 1 else self.a.batch2
        if self.pos + bs > n:
            self.epoch, self.pos = self.epoch + 1, 0
            perm = np.random.RandomState(self.a.seed * 1000 + self.epoch).permutation(n)
        idx = np.sort(perm[self.pos:self.pos + bs])
        self.pos += bs
        return self.batch_of(self.feats, self.meta, idx) + (idx,)

    @staticmethod
    def batch_of(feats, meta, idx):
        x = torch.from_numpy(np.asarray(feats[idx], dtype=np.float32))
        ml = torch.tensor([meta[i]["mel_length"] for i in idx], dtype=torch.long)
        return x, ml, [meta[i] for i in idx]

    def pick_question(self, m, train=True):
        """Training asks the item's own task half the time, otherwise any attribute the audio has."""
        if not train:
            return m["task"], m["question"]
        task = m["task"] if self.rng.random() < 0.5 else self.rng.choice(sorted(m["attrs"]))
        t = BY_NAME[task]
        q = t["question"] if self.rng.random() < 0.75 else self.rng.choice(t["paraphrases"])
        return task, q

    def prompt_parts(self, question):
        p = render_prompt(question)
        ids = self.tok.encode(p)
        off = audio_offset(self.tok, p)
        return torch.tensor(ids[:off]), torch.tensor(ids[off:])

    # ------------------------------------------------------------ frozen-encoder cache (stage 2)
    def encoder_needed(self):
        """hidden_states entries the connectors read: the Q-Former taps and the last one."""
        return sorted(set(self.cfg.tap_indices()) | {self.cfg.whisper.encoder_layers})

    def build_encoder_cache(self):
        """Stage 2 keeps the encoder frozen, so its outputs for the training corpus are computed once (fp16 memmap,
        keyed by a hash of the encoder weights) instead of at every step."""
        import hashlib
        import io
        buf = io.BytesIO()
        torch.save({k: v for k, v in self.model.whisper_model.state_dict().items()}, buf)
        buf.write(str(len(self.meta)).encode())  # the cache also depends on the corpus size
        key = hashlib.sha256(buf.getvalue()).hexdigest()[:16]
        path = os.path.join(CACHE, "ckpt", f"encoder-cache-{key}.npy")
        need = self.encoder_needed()
        if not os.path.exists(path):
            n, T, d = len(self.meta), self.cfg.whisper.max_source_positions, self.cfg.whisper.d_model
            tmp = path + ".tmp.npy"
            arr = np.lib.format.open_memmap(tmp, mode="w+", dtype=np.float16, shape=(n, len(need), T, d))
            t0 = time.time()
            with torch.no_grad():
                for b0 in range(0, n, 64):
                    idx = np.arange(b0, min(n, b0 + 64))
                    x, _, _ = self.batch_of(self.feats, self.meta, idx)
                    hs = self.model.whisper_model(x)
                    arr[b0:b0 + len(idx)] = torch.stack([hs[i] for i in need], 1).numpy().astype(np.float16)
                    if b0 % 1280 == 0:
                        print(f"encoder cache {b0}/{n} ({time.time() - t0:.0f} s)", flush=True)
                    if self.stop:
                        raise SystemExit("stopped while building the encoder cache")
            arr.flush()
            del arr
            os.replace(tmp, path)
        self.enc_cache = np.load(path, mmap_mode="r")

    def cached_hidden_states(self, idx):
        states = torch.from_numpy(np.asarray(self.enc_cache[idx], dtype=np.float32))
        hs = [None] * (self.cfg.whisper.encoder_layers + 1)
        for j, i in enumerate(self.encoder_needed()):
            hs[i] = states[:, j]
        return hs

    # ------------------------------------------------------------ steps
    def train_step(self, x, ml, metas, idx):
        m = self.model
        if self.stage == 1 or self.encoder_trainable:
            hs = m.whisper_model(x)
        else:
            hs = self.cached_hidden_states(idx)
        acoustic, semantic, sem_len = m.audio_tower(x, ml, hidden_states=hs)
        logits, ctc = self.heads(acoustic, semantic, sem_len)
        aux = heads_loss(logits, ctc, sem_len, metas, self.class_weights)
        if self.stage == 1:
            return aux, {"aux": aux.item()}
        prefixes, suffixes, targets = [], [], []
        for meta in metas:
            task, q = self.pick_question(meta)
            pre, suf = self.prompt_parts(q)
            prefixes.append(pre)
            suffixes.append(suf)
            targets.append(answer_ids(self.tok, meta["attrs"][task], GEN_LENGTH))
        y = torch.tensor(targets)                                     # [B, G]
        t = torch.rand(len(metas), 1)
        p_mask = (1 - EPS) * t + EPS                                   # t ~ U[eps, 1]
        masked = torch.rand(y.shape) < p_mask
        noisy = torch.where(masked, torch.full_like(y, self.mask_id), y)
        emb, pad, lengths = build_sequences(m, prefixes, [torch.cat([s, n]) for s, n in zip(suffixes, noisy)],
                                            acoustic, semantic, sem_len)
        h = m.llm_model.hidden(emb, pad)
        win = (lengths[:, None] - GEN_LENGTH + torch.arange(GEN_LENGTH)[None, :])
        hw = torch.gather(h, 1, win[..., None].expand(-1, -1, h.shape[-1]))
        ce = F.cross_entropy(m.llm_model.logits(hw).transpose(1, 2), y, reduction="none")
        diff = (ce * masked.float() / p_mask).sum() / (len(metas) * GEN_LENGTH)
        loss = diff + self.a.aux_weight * aux
        return loss, {"diff": diff.item(), "aux": aux.item(), "masked_ce": (ce * masked).sum().item()
                      / max(1, int(masked.sum()))}

    def lr_scale(self):
        warm = min(1.0, (self.step - self.stage_start + 1) / self.a.warmup)
        if self.a.decay_end and self.step >= self.a.decay_start:
            # a final linear decay to a tenth of the rate: the last steps settle instead of bouncing around
            done = min(1.0, (self.step - self.a.decay_start) / max(1, self.a.decay_end - self.a.decay_start))
            return warm * (1.0 - 0.9 * done)
        return warm

    # ------------------------------------------------------------ evaluation
    @torch.no_grad()
    def evaluate(self, silence=False, decode=True):
        """Per-task accuracy on the held-out split: stage-1 heads, and (stage 2) a factor decode of the canonical
        question. silence=True replaces every clip by digital silence of the same length (the ablation)."""
        m = self.model
        m.eval()
        n = len(self.eval_meta)
        head_ok, dec_ok, digit_err = {}, {}, []
        for b0 in range(0, n, 40):
            idx = np.arange(b0, min(n, b0 + 40))
            x, ml, metas = self.batch_of(self.eval_feats, self.eval_meta, idx)
            if silence:
                x = self.silence_features(ml)
            acoustic, semantic, sem_len = m.audio_tower(x, ml)
            logits, ctc = self.heads(acoustic, semantic, sem_len)
            for i, meta in enumerate(metas):
                task = meta["task"]
                if task in ATTR_CLASSES:
                    ok = ATTR_CLASSES[task][int(logits[task][i].argmax())] == meta["answer"]
                else:  # greedy CTC: collapse repeats, drop blanks
                    path = ctc[i, : int(sem_len[i])].argmax(-1).tolist()
                    words = [DIGITS[c - 1] for j, c in enumerate(path) if c and (j == 0 or c != path[j - 1])]
                    ok = " ".join(words) == meta["answer"]
                head_ok.setdefault(task, []).append(ok)
            if self.stage < 2 or not decode:
                continue
            parts = [self.prompt_parts(meta["question"]) for meta in metas]
            mask_win = torch.full((GEN_LENGTH,), self.mask_id)
            emb, pad, lengths = build_sequences(m, [p for p, _ in parts], [torch.cat([s, mask_win]) for _, s in parts],
                                                acoustic, semantic, sem_len)
            win = (lengths[:, None] - GEN_LENGTH + torch.arange(GEN_LENGTH)[None, :])
            wte = m.llm_model.embed

            def step_fn(xw):
                e = emb.clone()
                e.scatter_(1, win[..., None].expand(-1, -1, e.shape[-1]), wte(xw))
                h = m.llm_model.hidden(e, pad)
                return m.llm_model.logits(torch.gather(h, 1, win[..., None].expand(-1, -1, h.shape[-1])))

            out, _ = factor_decode(step_fn, len(metas), GEN_LENGTH, self.mask_id, self.eos_id)
            for i, meta in enumerate(metas):
                ids = out[i].tolist()
                stop = [j for j, t in enumerate(ids) if t in (self.eos_id, self.tok.special_id("<|eot_id|>"))]
                text = self.tok.decode(ids[: stop[0]] if stop else ids).strip()
                dec_ok.setdefault(meta["task"], []).append(text == meta["answer"])
                if meta["task"] == "transcribe":
                    digit_err.append((edit_distance(text.split(), meta["answer"].split()), len(meta["answer"].split())))
        m.train()
        acc = lambda d: {k: round(sum(v) / len(v), 3) for k, v in sorted(d.items())}
        rec = {"type": "eval", "step": self.step, "stage": self.stage, "encoder_trainable": self.encoder_trainable, "silence": silence, "heads_acc": acc(head_ok)}
        if dec_ok:
            rec["decode_acc"] = acc(dec_ok)
            rec["decode_mean"] = round(float(np.mean(list(rec["decode_acc"].values()))), 3)
            rec["digit_error_rate"] = round(sum(e for e, _ in digit_err) / max(1, sum(n for _, n in digit_err)), 3)
        return rec

    _silence_cache = {}

    def silence_features(self, ml):
        from diffa.features import CHUNK_SAMPLES, N_MELS
        from diffa.mel import log_mel
        out = []
        for n in ml.tolist():
            if n not in self._silence_cache:
                self._silence_cache[n] = log_mel(np.zeros(n * 160, np.float32), N_MELS, CHUNK_SAMPLES)
            out.append(self._silence_cache[n])
        return torch.from_numpy(np.stack(out))

    # ------------------------------------------------------------ loop
    def run(self):
        signal.signal(signal.SIGTERM, lambda *_: setattr(self, "stop", True))
        signal.signal(signal.SIGINT, lambda *_: setattr(self, "stop", True))
        last_save, t_log, window = time.time(), time.time(), []
        self.model.train()
        self.enc_cache = None
        while not self.stop and self.step < self.a.max_steps:
            if self.stage == 1 and (self.step >= self.a.stage1_steps or self.stage1_done):
                if not self.stage1_done:
                    self.log(self.evaluate())
                self.log(self.evaluate(silence=True))
                self.save("stage1.pt")
                self.stage = 2
                self.make_optimizer()
                self.save()
            if self.stage == 2 and self.enc_cache is None and not self.encoder_trainable:
                self.build_encoder_cache()
            t0 = time.time()
            for g in self.opt.param_groups:
                g["lr"] = g["base_lr"] * self.lr_scale()
            x, ml, metas, idx = self.next_batch()
            loss, parts = self.train_step(x, ml, metas, idx)
            self.opt.zero_grad()
            if not torch.isfinite(loss):
                self.nonfinite += 1
            else:
                loss.backward()
                params = [p for g in self.opt.param_groups for p in g["params"]]
                gn = torch.nn.utils.clip_grad_norm_(params, self.a.clip)
                if torch.isfinite(gn):
                    self.opt.step()
                else:
                    self.nonfinite += 1  # skip the update, count it
            self.step += 1
            window.append((time.time() - t0, loss.item(), parts))
            if self.step % self.a.log_every == 0:
                self.log({"type": "train", "step": self.step, "stage": self.stage, "encoder_trainable": self.encoder_trainable, "epoch": self.epoch,
                          "loss": round(float(np.mean([w[1] for w in window])), 4),
                          **{k: round(float(np.mean([w[2][k] for w in window])), 4) for k in window[-1][2]},
                          "s_per_batch": round(float(np.mean([w[0] for w in window])), 3),
                          "lr": self.opt.param_groups[0]["lr"], "nonfinite": self.nonfinite})
                window = []
            if self.stage == 1 and self.step % self.a.stage1_eval_every == 0:
                rec = self.evaluate()
                self.log(rec)
                # move on once the audio heads are good enough (after a minimum number of steps)
                self.stage1_done = (self.step >= self.a.stage1_min_steps
                                    and np.mean(list(rec["heads_acc"].values())) >= self.a.stage1_target)
            if self.stage == 2 and self.step % self.a.eval_every == 0:
                rec = self.evaluate()
                self.log(rec)
                if rec["decode_mean"] > self.best:  # the best validation decode so far is kept apart
                    self.best = rec["decode_mean"]
                    self.save("best.pt")
                if self.step % (2 * self.a.eval_every) == 0:
                    self.log(self.evaluate(silence=True))
            if time.time() - last_save > self.a.save_every_s:
                self.save()
                last_save = time.time()
                self.reload_shards()
        self.save()
        print("saved at step", self.step, flush=True)


def edit_distance(a, b):
    d = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        prev, d[0] = d[0], i
        for j in range(1, len(b) + 1):
            prev, d[j] = d[j], min(d[j] + 1, d[j - 1] + 1, prev + (a[i - 1] != b[j - 1]))
    return d[len(b)]


def parse_args(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--init-from", help="fine-tune from released weights (tools/reference-weights/diffa-tiny.pt) "
                                        "when there is no checkpoint to resume")
    ap.add_argument("--init-ckpt", help="start from a training checkpoint's weights (e.g. an earlier run's best.pt) "
                                        "with a fresh optimizer, learning-rate schedule and best-so-far, when there "
                                        "is no checkpoint to resume")
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--batch", type=int, default=16, help="stage-1 batch")
    ap.add_argument("--batch2", type=int, default=16, help="stage-2 batch (more updates per CPU second)")
    ap.add_argument("--lr1", type=float, default=1e-3)
    ap.add_argument("--lr2", type=float, default=1e-3)
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--clip", type=float, default=1.0)
    ap.add_argument("--aux-weight", type=float, default=0.2)
    ap.add_argument("--unfreeze-encoder", action="store_true", help="stage 2 also trains the encoder")
    ap.add_argument("--balance-heads", action="store_true", help="weight the audio heads' classes by inverse frequency")
    ap.add_argument("--encoder-lr", type=float, default=0.3, help="encoder lr as a fraction of --lr2")
    ap.add_argument("--stage1-steps", type=int, default=1500, help="at most this many stage-1 steps")
    ap.add_argument("--stage1-min-steps", type=int, default=200)
    ap.add_argument("--stage1-target", type=float, default=0.8, help="mean held-out head accuracy that ends stage 1")
    ap.add_argument("--stage1-eval-every", type=int, default=100)
    ap.add_argument("--max-steps", type=int, default=100000)
    ap.add_argument("--decay-start", type=int, default=0, help="step where the lr starts its linear decay")
    ap.add_argument("--decay-end", type=int, default=0, help="step where it reaches a tenth (0: no decay)")
    ap.add_argument("--log-every", type=int, default=10)
    ap.add_argument("--eval-every", type=int, default=250)
    ap.add_argument("--save-every-s", type=float, default=240)
    return ap.parse_args(argv)


def main():
    a = parse_args()
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "2")))
    tr = Trainer(a)
    if a.resume and os.path.exists(tr.ckpt_path()):
        tr.load()
    elif a.init_ckpt:
        tr.load(a.init_ckpt, optimizer=False)  # make_optimizer restarts the warm-up at this step
        tr.best = -1.0  # the new run's best.pt is chosen among its own evaluations
    elif a.init_from:
        tr.init_from(a.init_from)
    tr.set_encoder_trainable(a.unfreeze_encoder)
    tr.run()


if __name__ == "__main__":
    main()
