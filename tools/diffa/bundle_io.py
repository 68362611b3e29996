"""Pieces of manifest.json shared by every bundle producer (DIFFA-Tiny's export, the DIFFA-2 converter)."""
import hashlib
import os


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def file_entries(out, files):
    return [{"path": f, "size": os.path.getsize(os.path.join(out, f)), "sha256": sha256(os.path.join(out, f))}
            for f in files]


def io_spec(d, n_mels, chunk_frames, cache=None):
    """The graphs' interface (docs/model-bundle.md). Float tensors are float32 at the interface whatever the
    weights' dtype, so the app feeds every bundle the same way. cache = (n_layers, n_kv_heads, head_dim) adds the
    key/value cache inputs and outputs of tools/diffa/graphs_kv.py."""
    spec = {
        "audio": {"file": "audio.onnx",
                  "inputs": {"input_features": {"dtype": "float32", "shape": [1, n_mels, chunk_frames]},
                             "mel_length": {"dtype": "int64", "shape": [1]}},
                  "outputs": {"audio_embeds": {"dtype": "float32", "shape": [1, "A", d]}}},
        "llm": {"file": "llm.onnx",
                "inputs": {"input_ids": {"dtype": "int64", "shape": ["B", "L"]},
                           "audio_embeds": {"dtype": "float32", "shape": [1, "A", d]},
                           "audio_offset": {"dtype": "int64", "shape": [1]},
                           "gen_length": {"dtype": "int64", "shape": [1]},
                           "cfg_scale": {"dtype": "float32", "shape": [1]},
                           "temperature": {"dtype": "float32", "shape": [1]},
                           "uniform": {"dtype": "float32", "shape": [1, "G"]}},
                "outputs": {"tokens": {"dtype": "int64", "shape": [1, "G"]},
                            "confidence": {"dtype": "float32", "shape": [1, "G"]},
                            "topk_ids": {"dtype": "int64", "shape": [1, "G", 5]},
                            "topk_probs": {"dtype": "float32", "shape": [1, "G", 5]}}},
    }
    if cache:
        layers, kv_heads, head_dim = cache
        llm = spec["llm"]
        llm["inputs"]["position_start"] = {"dtype": "int64", "shape": [1]}
        for i in range(layers):
            for kv in ("key", "value"):
                llm["inputs"][f"past_key_values.{i}.{kv}"] = {"dtype": "float32", "shape": ["B", kv_heads, "P", head_dim]}
                llm["outputs"][f"present.{i}.{kv}"] = {"dtype": "float32", "shape": ["B", kv_heads, "T", head_dim]}
    return spec
