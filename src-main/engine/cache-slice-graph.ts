/**
 * A small ONNX graph, written here as bytes, that cuts a refresh pass's keys/values [B, H, S, D] down to what the
 * cached steps attend to — on the execution provider where they already are. On CUDA the LLM's `present.N.*`
 * outputs stay in device memory (IO binding: `preferredOutputLocation: 'gpu-buffer'`), and JavaScript cannot slice
 * device memory; this graph does, so the cache never crosses to the host between steps. On the CPU the engine slices
 * the arrays itself (llm-forward.ts) and does not use it.
 *
 *   prefix: past = present[:, :, 0:prefix_end, :]
 *   dual:   past = concat(present[:, :, 0:prefix_end, :], present[:, :, suffix_start:sequence_end, :], axis 2)
 *
 * Only the protobuf fields the graph needs are written (onnx.proto3 field numbers); ONNX Runtime parses and checks
 * it like any model file.
 */
import type { CacheMode } from '../../src-common/decoding/caches';

const pastKey = (i: number, kv: 'key' | 'value') => `past_key_values.${i}.${kv}`;
const presentKey = (i: number, kv: 'key' | 'value') => `present.${i}.${kv}`;

/** Protobuf wire encoding: varints and length-delimited fields, nothing more. */
class ProtoWriter {
  private readonly bytes: number[] = [];

  private varint(value: number | bigint): void {
    let v = BigInt(value);
    if (v < 0n) v += 1n << 64n; // two's complement, as protobuf writes negative int64
    do {
      const low = Number(v & 0x7fn);
      v >>= 7n;
      this.bytes.push(v > 0n ? low | 0x80 : low);
    } while (v > 0n);
  }

  int(field: number, value: number | bigint): this {
    this.varint(field << 3);
    this.varint(value);
    return this;
  }

  raw(field: number, data: Uint8Array): this {
    this.varint((field << 3) | 2);
    this.varint(data.length);
    for (const byte of data) this.bytes.push(byte);
    return this;
  }

  string(field: number, text: string): this {
    return this.raw(field, new TextEncoder().encode(text));
  }

  message(field: number, build: (writer: ProtoWriter) => void): this {
    const inner = new ProtoWriter();
    build(inner);
    return this.raw(field, inner.finish());
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

const FLOAT = 1;
const INT64 = 7;
const ATTRIBUTE_INT = 2;

/** ValueInfoProto: a name and a tensor type whose dimensions are named (symbolic) or fixed. */
function valueInfo(w: ProtoWriter, field: number, name: string, elemType: number, dims: (string | number)[]): void {
  w.message(field, (v) =>
    v.string(1, name).message(2, (type) =>
      type.message(1, (tensor) =>
        tensor.int(1, elemType).message(2, (shape) => {
          for (const dim of dims) shape.message(1, (d) => (typeof dim === 'number' ? d.int(1, dim) : d.string(2, dim)));
        }),
      ),
    ),
  );
}

function node(w: ProtoWriter, op: string, inputs: string[], outputs: string[], attributes: Record<string, number> = {}): void {
  w.message(1, (n) => {
    for (const input of inputs) n.string(1, input);
    for (const output of outputs) n.string(2, output);
    n.string(3, `${op}_${outputs[0]}`).string(4, op);
    for (const [name, value] of Object.entries(attributes)) n.message(5, (a) => a.string(1, name).int(3, value).int(20, ATTRIBUTE_INT));
  });
}

function int64Initializer(w: ProtoWriter, name: string, values: number[]): void {
  w.message(5, (t) => {
    t.int(1, values.length).int(2, INT64);
    const data = new DataView(new ArrayBuffer(8 * values.length));
    for (const [i, value] of values.entries()) data.setBigInt64(8 * i, BigInt(value), true);
    t.string(8, name).raw(9, new Uint8Array(data.buffer));
  });
}

/**
 * The slicing graph for `layers` layers' keys and values. Inputs: `present.N.key/value` [B, H, S, D] and the int64
 * scalars-as-[1] `prefix_end` (and for dual `suffix_start`, `sequence_end`); outputs: `past_key_values.N.key/value`.
 */
export function cacheSliceGraph(layers: number, mode: Exclude<CacheMode, 'none'>): Uint8Array {
  const model = new ProtoWriter();
  model.int(1, 8); // ir_version 8
  model.string(2, 'diffa-cache-slice');
  model.message(8, (opset) => opset.string(1, '').int(2, 13));
  model.message(7, (graph) => {
    const bounds = mode === 'dual' ? ['prefix_end', 'suffix_start', 'sequence_end'] : ['prefix_end'];
    for (let i = 0; i < layers; i++) {
      for (const kv of ['key', 'value'] as const) {
        const input = presentKey(i, kv);
        const output = pastKey(i, kv);
        if (mode === 'prefix') node(graph, 'Slice', [input, 'zero', 'prefix_end', 'seq_axis'], [output]);
        else {
          node(graph, 'Slice', [input, 'zero', 'prefix_end', 'seq_axis'], [`${output}.before`]);
          node(graph, 'Slice', [input, 'suffix_start', 'sequence_end', 'seq_axis'], [`${output}.after`]);
          node(graph, 'Concat', [`${output}.before`, `${output}.after`], [output], { axis: 2 });
        }
      }
    }
    graph.string(2, `cache-slice-${mode}`);
    int64Initializer(graph, 'zero', [0]);
    int64Initializer(graph, 'seq_axis', [2]);
    for (let i = 0; i < layers; i++) for (const kv of ['key', 'value'] as const) valueInfo(graph, 11, presentKey(i, kv), FLOAT, ['B', 'H', 'S', 'D']);
    for (const bound of bounds) valueInfo(graph, 11, bound, INT64, [1]);
    for (let i = 0; i < layers; i++) for (const kv of ['key', 'value'] as const) valueInfo(graph, 12, pastKey(i, kv), FLOAT, ['B', 'H', 'P', 'D']);
  });
  return model.finish();
}
