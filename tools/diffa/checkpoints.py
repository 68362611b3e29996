"""Reading DIFFA-2's three released checkpoints as one lazy weight source named like `DiffaModel.state_dict()`:
LLaDA-8B-Instruct (HF folder, `model.transformer.*` in bf16 safetensors shards), Whisper-large-v3 (HF folder; only
`model.encoder.*`) and the DIFFA-2 adapters (`semantic_connector.*`, `acoustic_connector.*` and the LLM's LoRA).
Tensors are read one at a time from memory-mapped files, and the LoRA is merged into a weight only when that
weight is read, so converting needs memory for a few tensors, not for the model."""
import glob
import json
import os
import re

import numpy as np

from .config import AcousticAdapterConfig, DiffaConfig, LLaDAConfig, SemanticAdapterConfig, WhisperEncoderConfig
from .safetensors_io import SafetensorsFile

LORA_TARGETS = ("q_proj", "k_proj", "v_proj", "ff_proj", "up_proj")
# PEFT wraps the LLM (base_model.model.); DIFFA-2's own loader also accepts the unwrapped form.
LORA_RE = re.compile(r"^llm_model\.(?:base_model\.model\.)?model\.transformer\.blocks\.(\d+)\.(" +
                     "|".join(LORA_TARGETS) + r")\.lora_([AB])(?:\.default)?\.weight$")


def _read_json(path):
    with open(path) as f:
        return json.load(f)


class TensorDir:
    """Every tensor of an HF folder's safetensors files (sharded or not), or of a torch .bin as a fallback."""

    def __init__(self, folder):
        files = sorted(glob.glob(os.path.join(folder, "*.safetensors")))
        self.where, self._bin = {}, None
        for path in files:
            st = SafetensorsFile(path)
            for k in st.keys():
                self.where[k] = st
        if not files:
            bins = sorted(glob.glob(os.path.join(folder, "*.bin")))
            if not bins:
                raise FileNotFoundError(f"{folder}: no *.safetensors or *.bin weights")
            self._bin = load_torch_bin(bins)
            self.where = {k: None for k in self._bin}

    def keys(self):
        return self.where.keys()

    def get(self, name):
        if self._bin is not None:
            return self._bin[name]
        return self.where[name].get(name)

    def shape(self, name):
        return tuple(self.get(name).shape) if self._bin is not None else self.where[name].shape(name)


def load_torch_bin(paths):
    import torch
    out = {}
    for p in paths:
        sd = torch.load(p, map_location="cpu")
        out.update({k: v.float().numpy() for k, v in sd.items() if hasattr(v, "float")})
    return out


class AdapterCheckpoint:
    """DIFFA-2's pytorch_model.bin (adapters + LoRA, ~400 MB in fp32, so read whole) or a safetensors file."""

    def __init__(self, path):
        if path.endswith(".safetensors"):
            st = SafetensorsFile(path)
            self.tensors = {k: st.get(k) for k in st.keys()}
        else:
            self.tensors = load_torch_bin([path])
        self.lora = {}   # (block, target) -> {"A": arr, "B": arr}
        for k, v in self.tensors.items():
            m = LORA_RE.match(k)
            if m:
                self.lora.setdefault((int(m.group(1)), m.group(2)), {})[m.group(3)] = v


def llada_config(cfg: dict) -> LLaDAConfig:
    for key, ok in (("weight_tying", (False, None)), ("include_bias", (False, None)), ("bias_for_layer_norm", (False, None))):
        if cfg.get(key) not in ok:
            raise ValueError(f"LLaDA config.json: {key}={cfg.get(key)} is not supported by this converter")
    return LLaDAConfig(
        d_model=cfg["d_model"], n_heads=cfg["n_heads"], n_kv_heads=cfg.get("n_kv_heads") or cfg["n_heads"],
        n_layers=cfg["n_layers"], mlp_hidden_size=cfg["mlp_hidden_size"],
        # embedding_size is the padded row count of wte and the head (LLaDA: 126464); vocab_size may be smaller
        vocab_size=cfg.get("embedding_size") or cfg["vocab_size"], rope_theta=float(cfg.get("rope_theta", 10000.0)),
        rms_norm_eps=float(cfg.get("rms_norm_eps", 1e-5)), mask_token_id=cfg.get("mask_token_id", 126336),
        eos_token_id=cfg.get("eos_token_id", 126081))


def whisper_config(cfg: dict) -> WhisperEncoderConfig:
    return WhisperEncoderConfig(
        num_mel_bins=cfg["num_mel_bins"], d_model=cfg["d_model"], encoder_layers=cfg["encoder_layers"],
        encoder_attention_heads=cfg["encoder_attention_heads"], encoder_ffn_dim=cfg["encoder_ffn_dim"],
        max_source_positions=cfg["max_source_positions"])


def adapter_configs(ad: AdapterCheckpoint, whisper: WhisperEncoderConfig, qformer_heads=None):
    """The connectors' sizes, read from the tensors' shapes. The Q-Former's head count is not in any shape:
    it defaults to the Whisper encoder's (20 for large-v3, head dim 64 as BERT's)."""
    t = ad.tensors
    taps = sorted(int(m.group(1)) for k in t if (m := re.match(r"^acoustic_connector\.layer_prompts\.(\d+)$", k)))
    layers = {int(m.group(1)) for k in t if (m := re.match(r"^acoustic_connector\.qformer\.layer\.(\d+)\.", k))}
    if not taps or not layers:
        raise ValueError("adapter checkpoint: no acoustic_connector.layer_prompts / qformer layers found")
    acoustic = AcousticAdapterConfig(
        num_taps=len(taps), prompt_size=t["acoustic_connector.layer_prompts.0"].shape[1], qformer_layers=len(layers),
        qformer_heads=qformer_heads or whisper.encoder_attention_heads,
        qformer_ffn_dim=t["acoustic_connector.qformer.layer.0.intermediate.dense.weight"].shape[0])
    conv2 = t["semantic_connector.conv.2.weight"]
    semantic = SemanticAdapterConfig(downsample_rate=conv2.shape[0] // conv2.shape[1])
    return acoustic, semantic


class Diffa2Weights:
    """name in DiffaModel.state_dict() -> float32 numpy array, LoRA merged: W + (alpha / r) · B · A."""

    def __init__(self, llada_dir, whisper_dir, adapter_path, lora_alpha=16.0, qformer_heads=None):
        self.llada, self.whisper = TensorDir(llada_dir), TensorDir(whisper_dir)
        self.adapter = AdapterCheckpoint(adapter_path)
        wcfg = whisper_config(_read_json(os.path.join(whisper_dir, "config.json")))
        acoustic, semantic = adapter_configs(self.adapter, wcfg, qformer_heads)
        self.config = DiffaConfig(whisper=wcfg, acoustic=acoustic, semantic=semantic,
                                  llm=llada_config(_read_json(os.path.join(llada_dir, "config.json"))))
        self.lora_alpha = lora_alpha
        self.map = {}
        for k in self.llada.keys():
            if k.startswith("model.transformer."):
                self.map["llm_model." + k] = (self.llada, k)
        for k in self.whisper.keys():
            if k.startswith("model.encoder."):
                self.map["whisper_model." + k[len("model.encoder."):]] = (self.whisper, k)
        for k in self.adapter.tensors:
            if k.startswith(("semantic_connector.", "acoustic_connector.")):
                self.map[k] = (self, k)
        self.ignored = sorted(k for k in self.adapter.tensors
                              if not k.startswith(("semantic_connector.", "acoustic_connector.")) and not LORA_RE.match(k))

    def _adapter(self, k):
        return self.adapter.tensors[k]

    def check(self, names):
        """Every model parameter must come from a checkpoint, and every LoRA pair must hit a known weight."""
        missing = [n for n in names if n not in self.map]
        if missing:
            raise KeyError(f"{len(missing)} weights missing from the checkpoints, e.g. {missing[:5]}")
        for (blk, target), ab in self.adapter.lora.items():
            if set(ab) != {"A", "B"}:
                raise KeyError(f"LoRA of block {blk} {target} lacks lora_A or lora_B")
            if f"llm_model.model.transformer.blocks.{blk}.{target}.weight" not in self.map:
                raise KeyError(f"LoRA for block {blk} {target}, which the LLM does not have")

    def get(self, name) -> np.ndarray:
        src, key = self.map[name]
        w = src._adapter(key) if src is self else src.get(key)
        m = re.match(r"^llm_model\.model\.transformer\.blocks\.(\d+)\.(\w+)\.weight$", name)
        if m and (int(m.group(1)), m.group(2)) in self.adapter.lora:
            ab = self.adapter.lora[(int(m.group(1)), m.group(2))]
            a, b = ab["A"], ab["B"]
            w = w + (self.lora_alpha / a.shape[0]) * (b @ a)
        return np.asarray(w, np.float32)

    def sources(self):
        """Provenance for the manifest."""
        return {"lora_pairs": len(self.adapter.lora), "lora_alpha": self.lora_alpha, "ignored_adapter_tensors": self.ignored}
