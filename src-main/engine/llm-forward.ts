import * as ort from 'onnxruntime-node';
import type { CacheMode } from '../../src-common/decoding/caches';
import type { Forward, ForwardInput, WindowPrediction } from '../../src-common/diffusion/denoise';
import { type DeviceCacheSlicer, disposeOnDevice } from './device-cache';

/** What the engine needs of the LLM session (a test can wrap the real one to play a damaged bundle). */
export interface LlmRunner {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, ort.Tensor>, fetches?: string[]): Promise<Record<string, ort.Tensor>>;
}

export interface AudioEmbeds {
  embeds: ort.Tensor;
  count: number;
}

/** The key/value cache a graph offers (layers, and the K/V heads and head size of its past inputs), or why none. */
export type CacheSupport = { layers: number; heads: number; headDim: number } | { reason: string };

const PREDICTION_OUTPUTS = ['tokens', 'confidence', 'topk_ids', 'topk_probs'];
const pastKey = (i: number, kv: 'key' | 'value') => `past_key_values.${i}.${kv}`;
const presentKey = (i: number, kv: 'key' | 'value') => `present.${i}.${kv}`;

/**
 * Reads the cache interface off the graph (tools/diffa/graphs_kv.py): past_key_values.N.key/value inputs of shape
 * [B, H_kv, P, head_dim] with H_kv and head_dim fixed, present.N.key/value outputs, position_start. `shapeOf`
 * gives an input's declared shape (the session's metadata, else the manifest's).
 */
export function cacheSupport(
  runner: Pick<LlmRunner, 'inputNames' | 'outputNames'>,
  shapeOf: (input: string) => readonly (number | string)[] | undefined,
): CacheSupport {
  const inputs = new Set(runner.inputNames);
  const outputs = new Set(runner.outputNames);
  let layers = 0;
  while (inputs.has(pastKey(layers, 'key'))) layers++;
  if (layers === 0) return { reason: 'the LLM graph has no key/value cache inputs (past_key_values.N.key/value)' };
  if (!inputs.has('position_start')) return { reason: 'the LLM graph has cache inputs but no position_start input' };
  const first = shapeOf(pastKey(0, 'key')) ?? [];
  const [, heads, , headDim] = first;
  if (first.length !== 4 || typeof heads !== 'number' || typeof headDim !== 'number') {
    return { reason: `the cache input ${pastKey(0, 'key')} has shape [${first.join(', ')}], not [B, H, P, D] with H and D fixed` };
  }
  for (let i = 0; i < layers; i++) {
    for (const kv of ['key', 'value'] as const) {
      if (!inputs.has(pastKey(i, kv))) return { reason: `the LLM graph lacks the input ${pastKey(i, kv)}` };
      if (!outputs.has(presentKey(i, kv))) return { reason: `the LLM graph lacks the cache output ${presentKey(i, kv)}` };
      const shape = shapeOf(pastKey(i, kv)) ?? [];
      if (shape[1] !== heads || shape[3] !== headDim) {
        return { reason: `the cache input ${pastKey(i, kv)} has shape [${shape.join(', ')}], unlike ${pastKey(0, 'key')}'s` };
      }
    }
  }
  return { layers, heads, headDim };
}

/** What an answer reports about the cache: the mode asked for, the one that ran, why they differ, the work done. */
export interface CacheReport {
  requested: CacheMode;
  used: CacheMode;
  /** Why `used` is not `requested` (a bundle without a cache, a cache whose shapes do not match), else null. */
  note: string | null;
  /** Sum over forward passes of the sequence positions the LLM computed (one row; CFG's second row not counted). */
  positionsComputed: number;
}

interface CachedBlock {
  from: number;
  to: number;
  /** Sequence position of the window's first token. */
  windowStart: number;
  past: Record<string, ort.Tensor>;
  /** The latest prediction for every window position; cached passes overwrite the positions they compute. */
  latest: WindowPrediction;
}

const scalar = (type: 'int64' | 'float32', value: number) =>
  type === 'int64' ? new ort.Tensor('int64', BigInt64Array.from([BigInt(value)]), [1]) : new ort.Tensor('float32', Float32Array.from([value]), [1]);

/**
 * The per-step forward pass for the sampler over prompt ids + window, audio spliced at `audioOffset`, with
 * Fast-dLLM's prefix or dual cache when the graph has one. With CFG a second, unconditional row has its prompt
 * masked (LLaDA's classifier-free guidance). `none` feeds exactly what the plain graph takes.
 */
export class LlmForward {
  readonly report: CacheReport;
  /** Duration of the latest session.run. */
  lastRunMs = 0;
  private readonly conditional: BigInt64Array;
  private readonly unconditional: BigInt64Array;
  private block: CachedBlock | null = null;
  private readonly emptyAudio: ort.Tensor;
  private readonly support: { layers: number; heads: number; headDim: number } | null;

  constructor(
    private readonly runner: LlmRunner,
    private readonly audio: AudioEmbeds,
    private readonly audioOffset: number,
    promptIds: readonly number[],
    private readonly maskId: number,
    cache: CacheMode,
    support: CacheSupport,
    /** Where the session's cache outputs stay in device memory: cuts them there (else they are cut on the host). */
    private readonly deviceSlicer: DeviceCacheSlicer | null = null,
  ) {
    // The prompt rows never change between steps: convert them once, copy them in each step.
    this.conditional = BigInt64Array.from(promptIds, BigInt);
    this.unconditional = new BigInt64Array(promptIds.length).fill(BigInt(maskId));
    const note = cache !== 'none' && 'reason' in support ? `${support.reason}: ran without a cache` : null;
    this.report = { requested: cache, used: note ? 'none' : cache, note, positionsComputed: 0 };
    const width = Number(audio.embeds.dims[2] ?? 0);
    this.emptyAudio = new ort.Tensor('float32', new Float32Array(0), [1, 0, width]);
    this.support = 'layers' in support ? support : null;
  }

  /** Position 0 and an empty cache: what makes the cached graph the plain one (none of it if the graph is plain). */
  private noCache(rows: number): Record<string, ort.Tensor> {
    if (!this.support) return {};
    const { layers, heads, headDim } = this.support;
    const empty = new ort.Tensor('float32', new Float32Array(0), [rows, heads, 0, headDim]);
    const feeds: Record<string, ort.Tensor> = { position_start: scalar('int64', 0) };
    for (let i = 0; i < layers; i++) for (const kv of ['key', 'value'] as const) feeds[pastKey(i, kv)] = empty;
    return feeds;
  }

  readonly forward: Forward = async (input) => {
    const { block } = input;
    if (this.report.used === 'none' || !block) return this.fullPass(input, false);
    const cached = this.block;
    if (cached && cached.from === block.from && cached.to === block.to) {
      try {
        return await this.cachedPass(input, cached);
      } catch (error) {
        this.fallBack(`a cached step failed (${(error as Error).message})`);
        return this.fullPass(input, false);
      }
    }
    return this.fullPass(input, true);
  };

  private fallBack(reason: string): void {
    this.report.used = 'none';
    this.report.note = `${reason}: ran without a cache from then on`;
    this.setBlock(null);
  }

  /** Replaces the kept block; keys/values held in device memory are freed when their block is done with. */
  private setBlock(block: CachedBlock | null): void {
    if (this.block && this.block.past !== block?.past) disposeOnDevice(Object.values(this.block.past));
    this.block = block;
  }

  /** Frees what the answer kept in device memory (nothing on the CPU, where the garbage collector does it). */
  dispose(): void {
    this.setBlock(null);
  }

  private rows(cfgScale: number): number {
    return cfgScale > 0 ? 2 : 1;
  }

  private async run(feeds: Record<string, ort.Tensor>, fetches?: string[]): Promise<Record<string, ort.Tensor>> {
    const started = performance.now();
    const outputs = await this.runner.run(feeds, fetches);
    this.lastRunMs = performance.now() - started;
    return outputs;
  }

  /** The whole sequence; with `refresh`, also keeps the keys/values the block's other steps will reuse. */
  private async fullPass({ window, temperature, cfgScale, uniform, block }: ForwardInput, refresh: boolean): Promise<WindowPrediction> {
    const genLength = window.length;
    const rows = this.rows(cfgScale);
    const promptLength = this.conditional.length;
    const length = promptLength + genLength;
    const ids = new BigInt64Array(rows * length);
    for (let r = 0; r < rows; r++) {
      ids.set(r === 0 ? this.conditional : this.unconditional, r * length);
      for (let i = 0; i < genLength; i++) ids[r * length + promptLength + i] = BigInt(window[i] ?? this.maskId);
    }
    const feeds = {
      input_ids: new ort.Tensor('int64', ids, [rows, length]),
      audio_embeds: this.audio.embeds,
      audio_offset: scalar('int64', this.audioOffset),
      gen_length: scalar('int64', genLength),
      cfg_scale: scalar('float32', cfgScale),
      temperature: scalar('float32', temperature),
      uniform: new ort.Tensor('float32', uniform ?? new Float32Array(genLength), [1, genLength]),
      ...this.noCache(rows),
    };
    const fetchAll = refresh && block !== undefined;
    // A graph with cache outputs would copy every layer's keys/values out: ask for them only when they are kept.
    const outputs = await this.run(feeds, this.support && !fetchAll ? PREDICTION_OUTPUTS : undefined);
    const sequence = length + this.audio.count;
    this.report.positionsComputed += sequence;
    const prediction = readPrediction(outputs);
    if (fetchAll && block) {
      const windowStart = sequence - genLength;
      const blockStart = windowStart + block.from;
      const blockEnd = windowStart + block.to;
      const shape = this.checkPresent(outputs, rows, sequence);
      let past: Record<string, ort.Tensor> | null = null;
      try {
        if (shape && this.deviceSlicer) {
          const mode = this.report.used === 'dual' ? 'dual' : 'prefix';
          past = await this.deviceSlicer.slice(outputs, mode, { prefixEnd: blockStart, suffixStart: blockEnd, sequenceEnd: sequence }).catch((error: Error) => {
            this.fallBack(`cutting the cache in device memory failed (${error.message.split('\n')[0]})`);
            return null;
          });
        } else if (shape) past = this.keepPast(outputs, rows, sequence, blockStart, blockEnd, shape);
      } finally {
        disposeOnDevice(Object.values(outputs));
      }
      this.setBlock(past ? { ...block, windowStart, past, latest: prediction } : null);
    }
    return prediction;
  }

  /** The heads and head size of the refresh pass's cache outputs, or null (and the cache off) when shapes are wrong. */
  private checkPresent(outputs: Record<string, ort.Tensor>, rows: number, sequence: number): { heads: number; headDim: number } | null {
    let heads = -1;
    let headDim = -1;
    for (let i = 0; i < (this.support?.layers ?? 0); i++) {
      for (const kv of ['key', 'value'] as const) {
        const present = outputs[presentKey(i, kv)];
        const dims = present?.dims ?? [];
        const [b, h, s, d] = dims as number[];
        if (present?.type !== 'float32' || dims.length !== 4 || b !== rows || s !== sequence || (heads >= 0 && (h !== heads || d !== headDim))) {
          const shape = present ? `${present.type} [${dims.join(', ')}]` : 'missing';
          this.fallBack(`the cache output ${presentKey(i, kv)} is ${shape}, expected float32 [${rows}, H, ${sequence}, D]`);
          return null;
        }
        heads = h ?? 0;
        headDim = d ?? 0;
      }
    }
    return { heads, headDim };
  }

  /**
   * Slices the refresh pass's keys/values [B, H, S, D] (host arrays) down to what cached steps attend to: the
   * positions before the block (prefix), and for the dual cache those after it too.
   */
  private keepPast(
    outputs: Record<string, ort.Tensor>,
    rows: number,
    sequence: number,
    blockStart: number,
    blockEnd: number,
    { heads, headDim }: { heads: number; headDim: number },
  ): Record<string, ort.Tensor> {
    const ranges: [number, number][] =
      this.report.used === 'dual'
        ? [
            [0, blockStart],
            [blockEnd, sequence],
          ]
        : [[0, blockStart]];
    const kept = ranges.reduce((n, [a, b]) => n + b - a, 0);
    const past: Record<string, ort.Tensor> = {};
    for (let i = 0; i < (this.support?.layers ?? 0); i++) {
      for (const kv of ['key', 'value'] as const) {
        const data = (outputs[presentKey(i, kv)] as ort.Tensor).data as Float32Array;
        const out = new Float32Array(rows * heads * kept * headDim);
        let at = 0;
        for (let plane = 0; plane < rows * heads; plane++) {
          for (const [from, to] of ranges) {
            out.set(data.subarray((plane * sequence + from) * headDim, (plane * sequence + to) * headDim), at);
            at += (to - from) * headDim;
          }
        }
        past[pastKey(i, kv)] = new ort.Tensor('float32', out, [rows, heads, kept, headDim]);
      }
    }
    return past;
  }

  /** A step inside a block: only the block (dual) or the block and the rest of the window (prefix). */
  private async cachedPass({ window, temperature, cfgScale, uniform }: ForwardInput, cached: CachedBlock): Promise<WindowPrediction> {
    const rows = this.rows(cfgScale);
    const from = cached.from;
    const to = this.report.used === 'dual' ? cached.to : window.length;
    const count = to - from;
    const ids = new BigInt64Array(rows * count);
    for (let r = 0; r < rows; r++) for (let i = 0; i < count; i++) ids[r * count + i] = BigInt(window[from + i] ?? this.maskId);
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', ids, [rows, count]),
      audio_embeds: this.emptyAudio,
      audio_offset: scalar('int64', 0),
      gen_length: scalar('int64', count),
      cfg_scale: scalar('float32', cfgScale),
      temperature: scalar('float32', temperature),
      uniform: new ort.Tensor('float32', uniform ? uniform.slice(from, to) : new Float32Array(count), [1, count]),
      position_start: scalar('int64', cached.windowStart + from),
      ...cached.past,
    };
    const part = readPrediction(await this.run(feeds, PREDICTION_OUTPUTS));
    this.report.positionsComputed += count;
    const latest = cached.latest;
    if (part.topk !== latest.topk) throw new Error(`top-k ${part.topk} differs from the full pass's ${latest.topk}`);
    latest.tokens.set(part.tokens, from);
    latest.confidence.set(part.confidence, from);
    latest.topkIds.set(part.topkIds, from * latest.topk);
    latest.topkProbs.set(part.topkProbs, from * latest.topk);
    return {
      tokens: latest.tokens.slice(),
      confidence: latest.confidence.slice(),
      topkIds: latest.topkIds.slice(),
      topkProbs: latest.topkProbs.slice(),
      topk: latest.topk,
    };
  }
}

function readPrediction(outputs: Record<string, ort.Tensor>): WindowPrediction {
  const { tokens, confidence, topk_ids: topkIds, topk_probs: topkProbs } = outputs;
  if (!tokens || !confidence || !topkIds || !topkProbs) throw new Error('The LLM graph is missing an output (tokens, confidence, topk_ids, topk_probs)');
  return {
    tokens: Int32Array.from(tokens.data as BigInt64Array, Number),
    confidence: Float32Array.from(confidence.data as Float32Array),
    topkIds: Int32Array.from(topkIds.data as BigInt64Array, Number),
    topkProbs: Float32Array.from(topkProbs.data as Float32Array),
    topk: Number(topkIds.dims[2] ?? 0),
  };
}
