import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import type { DenoiseParams } from '../../../src-common/diffusion/denoise';

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

/**
 * The first case of a bundle's sampler parity references (parity/samplers.json, tools/diffa/parity.py): its prompt,
 * its audio embeddings as the LLM takes them, and the decoding those references use (low-confidence, gen 32, blocks
 * of 8, 32 steps), so the cache tests and the IO-binding bench answer the same question.
 */
export function readSamplerCase(modelDir: string) {
  const folder = join(modelDir, 'parity');
  const stored = JSON.parse(readFileSync(join(folder, 'samplers.json'), 'utf8')) as {
    bin: string;
    mask_id: number;
    eos_id: number;
    cases: { prompt_ids: number[]; audio_offset: number; audio_embeds: { offset: number; shape: number[] } }[];
  };
  const first = stored.cases[0];
  if (!first) throw new Error(`${folder}: samplers.json has no case`);
  const blob = readFileSync(join(folder, stored.bin));
  const audio = {
    embeds: new ort.Tensor('float32', tensorView(blob, { dtype: 'float32', ...first.audio_embeds }), first.audio_embeds.shape),
    count: first.audio_embeds.shape[1] ?? 0,
  };
  const params = (over: Partial<DenoiseParams> = {}): DenoiseParams => ({
    sampler: 'low-confidence',
    genLength: 32,
    blockLength: 8,
    steps: 32,
    temperature: 0,
    cfgScale: 0,
    seed: 0,
    factor: 1,
    threshold: 0.9,
    maskId: stored.mask_id,
    eosId: stored.eos_id,
    ...over,
  });
  return { maskId: stored.mask_id, eosId: stored.eos_id, promptIds: first.prompt_ids, audioOffset: first.audio_offset, audio, params };
}
