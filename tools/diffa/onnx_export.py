"""Traces the two bundle graphs (tools/diffa/graphs.py) at any size without holding the weights: the model is
built with uninitialised parameters (large ones are untouched virtual memory), exported with every parameter as a
named graph input, and the weights are bound afterwards, one tensor at a time (onnx_weights.py)."""
import contextlib
import dataclasses
import io

import onnx
import torch
from torch import nn

from .graphs import AudioGraph, LLMGraph
from .graphs_kv import KVLLMGraph, cache_names
from .model import DiffaModel
from .onnx_blocks import repeat_blocks

OPSET = 17
LLM_INPUTS = ["input_ids", "audio_embeds", "audio_offset", "gen_length", "cfg_scale", "temperature", "uniform"]
LLM_OUTPUTS = ["tokens", "confidence", "topk_ids", "topk_probs"]
PARAM_PREFIX = "m."  # the graphs wrap the model as `self.m`


def _zero_small(module):
    # Small tensors are zeroed so that tracing sees no garbage; large ones are left untouched (no memory used).
    for p in module.parameters(recurse=False):
        if p.numel() < (1 << 20):
            with torch.no_grad():
                p.zero_()


@contextlib.contextmanager
def no_init():
    """Skip the random initialisation of the layers DiffaModel uses (it would write every weight once)."""
    kinds = (nn.Linear, nn.Embedding, nn.Conv1d, nn.LayerNorm)
    saved = {k: k.reset_parameters for k in kinds}
    try:
        for k in kinds:
            k.reset_parameters = _zero_small
        yield
    finally:
        for k, f in saved.items():
            k.reset_parameters = f


@contextlib.contextmanager
def keep_duplicate_parameters():
    """torch merges parameters with equal values into one input (+ Identity nodes). Placeholder weights are all
    equal, so that pass is switched off here; every parameter must stay its own named input."""
    saved = torch._C._jit_pass_onnx_deduplicate_initializers
    torch._C._jit_pass_onnx_deduplicate_initializers = lambda graph, params, training: params
    try:
        yield
    finally:
        torch._C._jit_pass_onnx_deduplicate_initializers = saved


@contextlib.contextmanager
def only(model: DiffaModel, *keep):
    """The model with only the named submodules, for the length of a trace: the exporter materialises every
    parameter of the module it is given, read or not, so tracing audio.onnx with LLaDA attached cost LLaDA's size
    in RAM (> 64 GB at full size) and the LLM trace carried Whisper and the adapters the same way."""
    saved = dict(model._modules)
    try:
        for name in saved:
            if name not in keep:
                model._modules[name] = nn.Module()
        yield model
    finally:
        model._modules.clear()
        model._modules.update(saved)


AUDIO_MODULES = ("whisper_model", "semantic_connector", "acoustic_connector")
LLM_MODULES = ("llm_model",)


def skeleton(cfg) -> DiffaModel:
    with no_init():
        return DiffaModel(cfg).eval()


def _export(module, args, **kw) -> onnx.ModelProto:
    buf = io.BytesIO()
    with torch.no_grad(), keep_duplicate_parameters():
        torch.onnx.export(module, args, buf, opset_version=OPSET, export_params=False, do_constant_folding=False, **kw)
    return onnx.load_from_string(buf.getvalue())


def export_audio(model: DiffaModel, chunk_frames: int) -> onnx.ModelProto:
    feats = torch.zeros(1, model.cfg.whisper.num_mel_bins, chunk_frames)
    ml = torch.tensor([chunk_frames // 2], dtype=torch.long)
    with only(model, *AUDIO_MODULES):
        return _export(AudioGraph(model).eval(), (feats, ml), input_names=["input_features", "mel_length"],
                       output_names=["audio_embeds"], dynamic_axes={"audio_embeds": {1: "A"}})


def export_llm(model: DiffaModel, cache: bool = True) -> onnx.ModelProto:
    """The LLM graph, with the key/value cache (graphs_kv.py) unless cache is False (the plain graphs.LLMGraph, as
    bundles converted before the cache have it). Traced with one LLaDA block, which is then repeated in the graph
    with its weights and cache inputs/outputs (onnx_blocks.py): the exporter materialises every parameter it sees,
    and one block of LLaDA-8B is 0.9 GB where all 32 are 29 GB."""
    n_layers = model.cfg.llm.n_layers
    if n_layers > 1:
        one = skeleton(dataclasses.replace(model.cfg, llm=dataclasses.replace(model.cfg.llm, n_layers=1)))
        return repeat_blocks(export_llm(one, cache), n_layers, PARAM_PREFIX + "llm_model.model.transformer.blocks.",
                             LAYER_IO if cache else ())
    return trace_kv_llm(model) if cache else trace_plain_llm(model)


def trace_plain_llm(model: DiffaModel) -> onnx.ModelProto:
    d, g = model.cfg.llm.d_model, 4
    # B = 2 so that the batch axis (classifier-free guidance) is traced as dynamic; a short L keeps tracing cheap.
    args = (torch.zeros(2, 10, dtype=torch.long), torch.zeros(1, 3, d), torch.tensor([2]), torch.tensor([g]),
            torch.tensor([0.0]), torch.tensor([0.0]), torch.zeros(1, g))
    with only(model, *LLM_MODULES):
        return _export(LLMGraph(model).eval(), args, input_names=LLM_INPUTS, output_names=LLM_OUTPUTS,
                       dynamic_axes={"input_ids": {0: "B", 1: "L"}, "audio_embeds": {1: "A"}, "uniform": {1: "G"},
                                     "tokens": {1: "G"}, "confidence": {1: "G"}, "topk_ids": {1: "G"},
                                     "topk_probs": {1: "G"}})


# The graph inputs and outputs of one layer, by the name pattern of layer 0 (repeated with the blocks).
LAYER_IO = ("past_key_values.0.", "present.0.")


def trace_kv_llm(model: DiffaModel) -> onnx.ModelProto:
    """KVLLMGraph as traced, all layers. Traced with a non-empty cache (P = 5) so that P stays dynamic, B = 2 so
    that the batch axis (classifier-free guidance) does, and a short L to keep tracing cheap."""
    cfg = model.cfg.llm
    d, g, hd = cfg.d_model, 4, cfg.d_model // cfg.n_heads
    past_names, present_names = cache_names(cfg.n_layers)
    past = [torch.zeros(2, cfg.n_kv_heads, 5, hd) for _ in past_names]
    args = (torch.zeros(2, 12, dtype=torch.long), torch.zeros(1, 3, d), torch.tensor([2]), torch.tensor([g]),
            torch.tensor([0.0]), torch.tensor([0.0]), torch.zeros(1, g), torch.tensor([5]), *past)
    dyn = {"input_ids": {0: "B", 1: "L"}, "audio_embeds": {1: "A"}, "uniform": {1: "G"}, "tokens": {1: "G"},
           "confidence": {1: "G"}, "topk_ids": {1: "G"}, "topk_probs": {1: "G"}}
    dyn.update({n: {0: "B", 2: "P"} for n in past_names})
    dyn.update({n: {0: "B", 2: "T"} for n in present_names})
    with only(model, *LLM_MODULES):
        return _export(KVLLMGraph(model).eval(), args, input_names=LLM_INPUTS + ["position_start", *past_names],
                       output_names=LLM_OUTPUTS + present_names, dynamic_axes=dyn)
