import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';

/** One reference case written by tools/diffa/parity.py: inputs and PyTorch outputs in one little-endian .bin. */
export interface TensorEntry {
  dtype: 'float32' | 'int64';
  shape: number[];
  offset: number;
}
export interface ParityCase {
  name: string;
  graph: 'audio' | 'llm';
  bin: string;
  inputs: Record<string, TensorEntry>;
  outputs: Record<string, TensorEntry>;
}

const count = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

export function tensorView(buf: Buffer, e: TensorEntry): Float32Array | BigInt64Array {
  const n = count(e.shape);
  const copy = new Uint8Array(buf.subarray(e.offset, e.offset + n * (e.dtype === 'float32' ? 4 : 8))); // aligned copy
  return e.dtype === 'float32' ? new Float32Array(copy.buffer, 0, n) : new BigInt64Array(copy.buffer, 0, n);
}

export function readParityCase(folder: string, file: string) {
  const c = JSON.parse(readFileSync(join(folder, file), 'utf8')) as ParityCase;
  const buf = readFileSync(join(folder, c.bin));
  const feeds: Record<string, ort.Tensor> = {};
  for (const [name, e] of Object.entries(c.inputs)) feeds[name] = new ort.Tensor(e.dtype, tensorView(buf, e), e.shape);
  const expected = Object.fromEntries(Object.entries(c.outputs).map(([name, e]) => [name, tensorView(buf, e)]));
  return { ...c, feeds, expected };
}
