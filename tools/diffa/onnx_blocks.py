"""Repeats a traced transformer block in an ONNX graph, so that a 32-layer LLM is traced with one layer.

Why: PyTorch 1.13's exporter materialises every parameter while it infers shapes, whatever backs it (even a
zero-memory view), so tracing LLaDA-8B needs RAM of the fp32 model's size. Traced with one block, the graph holds
one block's weights plus the embedding and head; the other blocks are copies of block 0's nodes with their own
parameter inputs (`…blocks.{i}.…`), chained through the residual stream.

A block is the nodes named `/blocks.0/…` (the exporter names nodes by module scope). Its hidden-state input is
found through LLaDA's two residual additions: out = mid + ff(…), mid = in + attn(…)."""
import copy
import re


def _in_block(node, i):
    return node.name.startswith(f"/blocks.{i}/")


def _residual_input(nodes, block_out, produced_in_block):
    """The block's hidden-state input, from its output: the Add producing it has the mid-block residual (another
    Add of the block) as an input, whose Add in turn has the block input (made outside the block) as one. The
    exporter may route either through a float Cast of the norm that reads it (a no-op on float input)."""
    producer = {o: n for n in nodes for o in n.output}

    def through_casts(t):
        while t in produced_in_block and producer[t].op_type == "Cast":
            t = producer[t].input[0]
        return t

    out_add = producer[block_out]
    assert out_add.op_type == "Add", f"block output made by {out_add.op_type}, not the residual Add"
    mids = [through_casts(t) for t in out_add.input]
    for mid in mids:
        if mid in produced_in_block and producer[mid].op_type == "Add":
            outside = [u for u in map(through_casts, producer[mid].input) if u not in produced_in_block]
            if len(outside) == 1:
                return outside[0]
    raise AssertionError("no residual input found for the block")


def _layer_name(t, layer_io, i):
    """t renamed for layer i if it is one of layer 0's graph inputs/outputs (e.g. past_key_values.0.key), else None."""
    for pattern in layer_io:
        if t.startswith(pattern):
            return pattern.replace(".0.", f".{i}.", 1) + t[len(pattern):]
    return None


def _order_layers(container, layer_io):
    """Lists the per-layer graph inputs/outputs layer by layer (past_key_values.0.key, .0.value, .1.key, …), where
    layer 0's were, as a trace of every layer lists them."""
    patterns = [re.compile("^" + re.escape(p.split(".0.")[0]) + r"\.(\d+)\.") for p in layer_io]
    items = list(container)
    layer = {}
    for k, v in enumerate(items):
        for p in patterns:
            m = p.match(v.name)
            if m:
                layer[k] = int(m.group(1))
    if not layer:
        return
    first = min(layer)
    rest = [v for k, v in enumerate(items) if k not in layer]
    # within a layer, a copy goes where its layer-0 original is
    rank = {items[k].name: k for k in layer if layer[k] == 0}
    original = lambda k: next(p.sub(lambda m: m.group(0).replace(m.group(1), "0"), items[k].name)  # noqa: E731
                              for p in patterns if p.match(items[k].name))
    mine = [items[k] for k in sorted(layer, key=lambda k: (layer[k], rank.get(original(k), k)))]
    del container[:]
    container.extend(rest[:first] + mine + rest[first:])


def repeat_blocks(model, n_layers, param_prefix, layer_io=()):
    """model: ONNX ModelProto traced with one block; returns it with n_layers blocks. param_prefix: the parameter
    input names' prefix up to the block index, e.g. 'm.llm_model.model.transformer.blocks.'. layer_io: name
    prefixes of layer 0's own graph inputs and outputs (e.g. 'past_key_values.0.', 'present.0.'): each copy gets its
    own, named for its layer, listed layer by layer as a trace of every layer lists them. The weights of blocks
    1… are listed after the others (they are graph inputs only until they are bound or templated)."""
    g = model.graph
    nodes = list(g.node)
    block = [n for n in nodes if _in_block(n, 0)]
    assert block, "no /blocks.0/ nodes in the graph"
    made = {o for n in block for o in n.output}
    per_layer_outputs = {o.name for o in g.output if o.name in made and _layer_name(o.name, layer_io, 1)}
    used_outside = [t for t in made if any(t in n.input for n in nodes if not _in_block(n, 0))]
    used_outside += [o.name for o in g.output if o.name in made and o.name not in per_layer_outputs]
    assert len(used_outside) == 1, f"a one-block trace should pass one tensor on, not {used_outside}"
    block_out = used_outside[0]
    block_in = _residual_input(nodes, block_out, made)
    inputs = {i.name: i for i in g.input}
    outputs = {o.name: o for o in g.output}
    last_index = max(k for k, n in enumerate(nodes) if _in_block(n, 0))

    def layer_value(container, table, t, name, i):
        """The graph input/output `name` for layer i, a copy of layer 0's `t`, listed after layer i - 1's."""
        if name not in table:
            table[name] = copy.deepcopy(table[t])
            table[name].name = name
            for dim in table[name].type.tensor_type.shape.dim:  # symbolic sizes named after the tensor
                if dim.HasField("dim_param"):
                    dim.dim_param = dim.dim_param.replace(t, name)
            container.append(table[name])
        return name

    new_nodes, prev_out = [], block_out
    for i in range(1, n_layers):
        def rename(t, i=i, prev_out=prev_out):
            if t == block_in:
                return prev_out
            own = _layer_name(t, layer_io, i)
            if own and t in inputs:
                return layer_value(g.input, inputs, t, own, i)
            if own and t in per_layer_outputs:
                return layer_value(g.output, outputs, t, own, i)
            if t in made:
                return t.replace("/blocks.0/", f"/blocks.{i}/", 1)
            if t.startswith(param_prefix + "0."):
                name = param_prefix + f"{i}." + t[len(param_prefix) + 2:]
                if name not in inputs:
                    inputs[name] = copy.deepcopy(inputs[t])
                    inputs[name].name = name
                    g.input.append(inputs[name])
                return name
            return t  # shared: constants, RoPE tables, masks

        for n in block:
            c = copy.deepcopy(n)
            c.name = n.name.replace("/blocks.0/", f"/blocks.{i}/", 1)
            c.input[:] = [rename(t) for t in n.input]
            c.output[:] = [rename(t) for t in n.output]
            new_nodes.append(c)
        prev_out = rename(block_out)

    # the rest of the graph reads the last block's output
    for n in nodes[last_index + 1:]:
        if not _in_block(n, 0):
            n.input[:] = [prev_out if t == block_out else t for t in n.input]
    for o in g.output:
        if o.name == block_out:
            o.name = prev_out
    _order_layers(g.input, layer_io)
    _order_layers(g.output, layer_io)
    ordered = nodes[:last_index + 1] + new_nodes + nodes[last_index + 1:]
    del g.node[:]
    g.node.extend(ordered)
    return model
