#!/usr/bin/env python3
"""Proves that the LLM graph made by tracing one LLaDA block and repeating it (tools/diffa/onnx_blocks.py) is the
graph a trace of every block gives: the DIFFA-2 converter traces one block because the exporter materialises every
parameter it sees (LLaDA-8B: 29 GB for all 32 blocks).

  python3 tools/check_repeated_blocks.py [--layers 3]      (prints JSON; exit 1 when the graphs differ)

Both LLM graphs are checked: with the key/value cache (whose past/present inputs and outputs are per layer) and plain.

At a small size with several layers and grouped-query attention, both graphs are walked node by node in order:
same operator, same attributes, same graph inputs and outputs (names, types, shapes, order; the weights of blocks
1… are listed last in the repeated graph, which only changes where they go in the external data) and the same
wiring, where constants (Constant nodes, `onnx::` initializers, which the exporter names and places by global
counters) are matched through the wiring by value."""
import argparse
import dataclasses
import json
import os
import sys

from onnx import numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from diffa import onnx_export  # noqa: E402
from diffa.config import LLaDAConfig  # noqa: E402
import make_diffa2_fixture as fixture  # noqa: E402


def value_infos(values):
    return [(v.name, v.type.SerializeToString()) for v in values]


def compare(traced, repeated):
    """Differences between two graphs (empty when they are the same graph)."""
    a, b = traced.graph, repeated.graph
    problems = []
    weight = lambda v: v.name.startswith(onnx_export.PARAM_PREFIX)  # noqa: E731
    if value_infos(v for v in a.input if not weight(v)) != value_infos(v for v in b.input if not weight(v)):
        problems.append("graph inputs differ (names, types, shapes or order)")
    if sorted(value_infos(v for v in a.input if weight(v))) != sorted(value_infos(v for v in b.input if weight(v))):
        problems.append("weight inputs differ (names, types or shapes)")
    if value_infos(a.output) != value_infos(b.output):
        problems.append("graph outputs differ (names, types, shapes or order)")
    # Constant nodes are values, not computation: the exporter places some of a block's at the top level (named
    # by a global counter) when it traces every block. They are matched by value like initializers.
    values_a = {t.name: numpy_helper.to_array(t) for t in a.initializer}
    values_b = {t.name: numpy_helper.to_array(t) for t in b.initializer}
    for g, values in ((a, values_a), (b, values_b)):
        for n in g.node:
            if n.op_type == "Constant":
                values[n.output[0]] = numpy_helper.to_array(n.attribute[0].t)
    ops_a = [n for n in a.node if n.op_type != "Constant"]
    ops_b = [n for n in b.node if n.op_type != "Constant"]
    if len(ops_a) != len(ops_b):
        problems.append(f"{len(ops_a)} operators traced, {len(ops_b)} repeated")
    inits_a, inits_b = values_a, values_b
    same = {v.name: v.name for v in a.input}  # traced tensor name -> repeated tensor name
    for na, nb in zip(ops_a, ops_b):
        where = f"node {na.name} ({na.op_type}) / {nb.name} ({nb.op_type})"
        if na.op_type != nb.op_type or [x.SerializeToString() for x in na.attribute] != [x.SerializeToString() for x in nb.attribute]:
            problems.append(f"{where}: operator or attributes differ")
            break
        if na.name.startswith("/") and na.name != nb.name:
            problems.append(f"{where}: scoped names differ")
        if len(na.input) != len(nb.input) or len(na.output) != len(nb.output):
            problems.append(f"{where}: arity differs")
            break
        for ta, tb in zip(na.input, nb.input):
            if ta in inits_a or tb in inits_b:
                x, y = inits_a.get(ta), inits_b.get(tb)
                if x is None or y is None or x.dtype != y.dtype or x.shape != y.shape or x.tobytes() != y.tobytes():
                    problems.append(f"{where}: constant input {ta} / {tb} differs")
            elif ta in same:
                if same[ta] != tb:
                    problems.append(f"{where}: reads {tb}, the traced graph reads {ta} (= {same[ta]})")
            elif ta != "" or tb != "":
                problems.append(f"{where}: input {ta} / {tb} unmatched")
        for ta, tb in zip(na.output, nb.output):
            same[ta] = tb
        if len(problems) > 20:
            break
    for o in a.output:
        if same.get(o.name) != o.name:
            problems.append(f"graph output {o.name} is made by another node in the repeated graph")
    return problems


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--layers", type=int, default=3)
    a = ap.parse_args()
    cfg = fixture.config()
    # grouped-query attention (4 query heads, 2 K/V heads) and more than two layers, so a wrong chain shows
    cfg = dataclasses.replace(cfg, llm=dataclasses.replace(cfg.llm, n_layers=a.layers))
    assert isinstance(cfg.llm, LLaDAConfig) and cfg.llm.n_kv_heads != cfg.llm.n_heads
    report, failed = {"layers": a.layers}, False
    for name, trace, cache in (("cache", onnx_export.trace_kv_llm, True), ("plain", onnx_export.trace_plain_llm, False)):
        traced = trace(onnx_export.skeleton(cfg))
        repeated = onnx_export.export_llm(onnx_export.skeleton(cfg), cache=cache)
        problems = compare(traced, repeated)
        failed = failed or bool(problems)
        report[name] = {"operators": sum(n.op_type != "Constant" for n in traced.graph.node),
                        "inputs": len(traced.graph.input), "outputs": len(traced.graph.output), "same": not problems,
                        "problems": problems[:20]}
    print(json.dumps(report))
    sys.exit(1 if failed else 0)

if __name__ == "__main__":
    main()
