"""Reference tensors for parity tests: one little-endian .bin per case plus a JSON header
{name, graph, bin, inputs: {name: {dtype, shape, offset}}, outputs: {...}} (offsets in bytes)."""
import json
import os

import numpy as np

DTYPES = {np.dtype("float32"): "float32", np.dtype("int64"): "int64"}


def write_case(folder, name, graph, inputs, outputs):
    blob, header = bytearray(), {"name": name, "graph": graph, "bin": f"{name}.bin", "inputs": {}, "outputs": {}}
    for kind, tensors in (("inputs", inputs), ("outputs", outputs)):
        for k, t in tensors.items():
            arr = np.ascontiguousarray(t.detach().cpu().numpy())
            if arr.dtype == np.float64:
                arr = arr.astype(np.float32)
            arr = arr.astype(arr.dtype.newbyteorder("<"))
            header[kind][k] = {"dtype": DTYPES[np.dtype(arr.dtype.name)], "shape": list(arr.shape),
                               "offset": len(blob)}
            blob += arr.tobytes()
    with open(os.path.join(folder, header["bin"]), "wb") as f:
        f.write(bytes(blob))
    with open(os.path.join(folder, f"{name}.json"), "w") as f:
        json.dump(header, f, indent=1)
    return f"{name}.json"


def tokenizer_cases(tok, questions, render_prompt, audio_offset):
    """Texts and prompts with the ids the Python side produces (checked against @huggingface/tokenizers)."""
    texts = questions + ["three seven one", "a chirp", "English", "What's this? Unknown wörds, punctuation!!",
                         "<|startoftext|>mixed<|eot_id|> specials <|mdm_mask|><|mdm_mask|>", "  spaces\n\nnewlines  "]
    out = {"texts": [], "prompts": []}
    for t in texts:
        ids = tok.encode(t)
        out["texts"].append({"text": t, "ids": ids, "decoded": tok.decode(ids)})
    for q in questions:
        p = render_prompt(q)
        out["prompts"].append({"question": q, "text": p, "ids": tok.encode(p), "audio_offset": audio_offset(tok, p)})
    return out
