"""fp16 conversion of an exported graph (no onnxconverter-common here). Every node computes in float16 except the
ones `keep_fp32` names; Cast nodes are inserted where a tensor crosses between the two, graph inputs and outputs
stay float32 (so the app feeds every bundle the same way), and weights become float16 when any fp16 node reads
them. Done on the weight-less graph, before the weights are bound."""
import onnx
from onnx import TensorProto, helper, numpy_helper

F32, F16 = TensorProto.FLOAT, TensorProto.FLOAT16
# Ops that accept a tensor of any type without computing on its values: no Cast needed in front of them.
TYPE_AGNOSTIC = {"Shape", "Size"}


def elem_types(model):
    inferred = onnx.shape_inference.infer_shapes(model)
    g = inferred.graph
    return {v.name: v.type.tensor_type.elem_type for v in list(g.value_info) + list(g.input) + list(g.output)}


def _constant_to_f16(node):
    for a in node.attribute:
        if a.type == onnx.AttributeProto.TENSOR and a.t.data_type == F32:
            a.t.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(a.t).astype("float16"), a.t.name))


def convert(model, weights, keep_fp32):
    """weights: names of graph inputs that are weights. keep_fp32(node) -> bool. Returns {weight: 'float16'|'float32'}."""
    g = model.graph
    types = elem_types(model)
    if any(a.type == onnx.AttributeProto.GRAPH for n in g.node for a in n.attribute):
        raise ValueError("fp16 conversion does not handle subgraphs (Loop/If)")
    fp32_nodes = {id(n) for n in g.node if keep_fp32(n)}
    want = lambda n: F32 if id(n) in fp32_nodes else F16  # noqa: E731
    consumers = {}
    for n in g.node:
        for i in n.input:
            consumers.setdefault(i, []).append(n)
    home = {}
    for i in g.input:
        if types.get(i.name) == F32:
            if i.name in weights:
                readers = [c for c in consumers.get(i.name, []) if c.op_type not in TYPE_AGNOSTIC]
                home[i.name] = F16 if any(want(c) == F16 for c in readers) else F32
            else:
                home[i.name] = F32
    for n in g.node:
        d = want(n)
        if d == F16:
            if n.op_type == "Cast":
                to = next(a for a in n.attribute if a.name == "to")
                if to.i == F32:
                    to.i = F16
            elif n.op_type in ("Constant", "ConstantOfShape"):
                _constant_to_f16(n)
        for o in n.output:
            if types.get(o) == F32:
                home[o] = d
    new_nodes, casts = [], {}
    for n in g.node:
        if n.op_type not in TYPE_AGNOSTIC:
            for k, t in enumerate(n.input):
                if t in home and home[t] != want(n):
                    key = (t, want(n))
                    if key not in casts:
                        name = f"{t}/as_{'f16' if want(n) == F16 else 'f32'}"
                        new_nodes.append(helper.make_node("Cast", [t], [name], to=want(n), name=name + "/Cast"))
                        casts[key] = name
                    n.input[k] = casts[key]
        new_nodes.append(n)
    # float16 graph outputs are cast back to float32 under their own names
    for o in g.output:
        if home.get(o.name) == F16:
            inner = o.name + "/f16"
            for n in new_nodes:
                for lst in (n.input, n.output):
                    for k, t in enumerate(lst):
                        if t == o.name:
                            lst[k] = inner
            new_nodes.append(helper.make_node("Cast", [inner], [o.name], to=F32, name=o.name + "/Cast"))
    del g.node[:]
    g.node.extend(new_nodes)
    del g.value_info[:]  # stale types; ONNX Runtime infers them again
    for i in g.input:
        if i.name in weights and home.get(i.name) == F16:
            i.type.tensor_type.elem_type = F16
    return {w: ("float16" if home.get(w) == F16 else "float32") for w in weights}


def consumers(graph):
    """tensor name -> the nodes that read it."""
    out = {}
    for n in graph.node:
        for i in n.input:
            out.setdefault(i, []).append(n)
    return out


def _closure(start, neighbours):
    """ids of the nodes reachable from `start` (a list of nodes) through neighbours(node) -> nodes."""
    out, todo = set(), list(start)
    while todo:
        n = todo.pop()
        if id(n) not in out:
            out.add(id(n))
            todo.extend(neighbours(n))
    return out


def ancestors_through_floats(model, start_ops, types):
    """Nodes of type start_ops and every node feeding them through float tensors (e.g. RoPE's position maths)."""
    g = model.graph
    producer = {o: n for n in g.node for o in n.output}
    return _closure([n for n in g.node if n.op_type in start_ops],
                    lambda n: [producer[i] for i in n.input if types.get(i) in (F32, F16) and i in producer])


def descendants(model, tensor):
    """Nodes that read `tensor` or anything computed from it."""
    readers = consumers(model.graph)
    return _closure(readers.get(tensor, []), lambda n: [r for o in n.output for r in readers.get(o, [])])
