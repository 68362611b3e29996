"""4-bit weights for ONNX Runtime's com.microsoft MatMulNBits, quantized in numpy (onnxruntime's Python
quantizer is not available here). Per output column n and block of `block` inputs along K: asymmetric,
w ≈ (q - zp) · scale with q, zp in 0..15; the range always includes 0 (as ORT's own quantizer does).
Layout (ORT contrib op spec): B uint8 [N, K/block, block/2], two codes per byte, the lower index in the low nibble;
scales [N · K/block]; zero_points uint8 [N · ceil((K/block)/2)], packed the same way."""
import numpy as np
from onnx import helper

BLOCK = 32


def quantize(w: np.ndarray, block=BLOCK, dtype=np.float32, rows=4096):
    """w: [N, K] float (torch Linear layout: out × in), K a multiple of block. Returns (B, scales, zero_points).
    Works through `rows` output columns at a time to bound the temporary memory."""
    n, k = w.shape
    kb = k // block
    packed = np.empty((n, kb, block // 2), np.uint8)
    scales = np.empty((n, kb), dtype)
    zps = np.zeros((n, (kb + 1) // 2), np.uint8)
    for r0 in range(0, n, rows):
        x = np.asarray(w[r0: r0 + rows], np.float32).reshape(-1, kb, block)
        lo = np.minimum(x.min(-1), 0.0)
        hi = np.maximum(x.max(-1), 0.0)
        scale = (hi - lo) / 15.0
        scale = np.where(scale == 0, 1.0, scale).astype(np.float32)
        zp = np.clip(np.round(-lo / scale), 0, 15).astype(np.uint8)
        q = np.clip(np.round(x / scale[..., None]) + zp[..., None], 0, 15).astype(np.uint8)
        packed[r0: r0 + rows] = q[..., 0::2] | (q[..., 1::2] << 4)
        scales[r0: r0 + rows] = scale
        zp_pad = np.zeros((zp.shape[0], ((kb + 1) // 2) * 2), np.uint8)
        zp_pad[:, :kb] = zp
        zps[r0: r0 + rows] = zp_pad[:, 0::2] | (zp_pad[:, 1::2] << 4)
    return packed, scales.reshape(-1), zps.reshape(-1)


def dequantize(packed, scales, zps, block=BLOCK):
    """The weights MatMulNBits computes with, [N, K] (for tests)."""
    n, kb, _ = packed.shape
    q = np.stack([packed & 15, packed >> 4], -1).reshape(n, kb, block).astype(np.float32)
    z = np.stack([zps.reshape(n, -1) & 15, zps.reshape(n, -1) >> 4], -1).reshape(n, -1)[:, :kb].astype(np.float32)
    return ((q - z[..., None]) * scales.reshape(n, kb)[..., None]).reshape(n, kb * block)


def replace_matmuls(model, weight_shapes, transposed, block=BLOCK):
    """MatMul(x, W^T) nodes whose weight is a folded Linear weight ([out, in] with in % block == 0) become
    MatMulNBits. Returns {weight: (N, K)} for the weights to bind as int4 (B, scales, zero points)."""
    g = model.graph
    chosen = {}
    for i, n in enumerate(g.node):
        if n.op_type != "MatMul" or n.input[1] not in transposed:
            continue
        w = n.input[1]
        out_f, in_f = weight_shapes[w]
        if in_f % block:
            continue
        chosen[w] = (out_f, in_f)
        q = helper.make_node("MatMulNBits", [n.input[0], w + "/q4", w + "/scales", w + "/zero_points"],
                             list(n.output), name=n.name + "/NBits", domain="com.microsoft",
                             K=in_f, N=out_f, bits=4, block_size=block)
        g.node[i].CopyFrom(q)
    if chosen and not any(o.domain == "com.microsoft" for o in model.opset_import):
        model.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    return chosen
