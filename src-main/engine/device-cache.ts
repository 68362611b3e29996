import * as ort from 'onnxruntime-node';
import type { CacheMode } from '../../src-common/decoding/caches';
import { cacheSliceGraph } from './cache-slice-graph';
import { type ProviderName, sessionOptions } from './providers';

/** The part of a refresh pass's keys/values the cached steps attend to: [0, prefixEnd) and, for dual, the suffix. */
export interface KeptRange {
  prefixEnd: number;
  /** Dual only: the positions after the block, [suffixStart, sequenceEnd). */
  suffixStart?: number;
  sequenceEnd?: number;
}

const int64 = (value: number) => new ort.Tensor('int64', BigInt64Array.from([BigInt(value)]), [1]);

/**
 * Cuts keys/values that live in device memory, on the device (cache-slice-graph.ts), returning device tensors that
 * the next steps feed straight back: the cache does not travel to the host and back at every block.
 */
export class DeviceCacheSlicer {
  private readonly sessions = new Map<'prefix' | 'dual', Promise<ort.InferenceSession>>();

  constructor(
    private readonly layers: number,
    private readonly provider: ProviderName,
  ) {}

  async slice(present: Record<string, ort.Tensor>, mode: Exclude<CacheMode, 'none'>, range: KeptRange): Promise<Record<string, ort.Tensor>> {
    const session = await this.session(mode);
    const feeds: Record<string, ort.Tensor> = { prefix_end: int64(range.prefixEnd) };
    if (mode === 'dual') {
      feeds.suffix_start = int64(range.suffixStart ?? 0);
      feeds.sequence_end = int64(range.sequenceEnd ?? 0);
    }
    for (const name of session.inputNames) {
      if (!name.startsWith('present.')) continue;
      const tensor = present[name];
      if (!tensor) throw new Error(`the refresh pass returned no ${name}`);
      feeds[name] = tensor;
    }
    return (await session.run(feeds)) as Record<string, ort.Tensor>;
  }

  private session(mode: 'prefix' | 'dual'): Promise<ort.InferenceSession> {
    let session = this.sessions.get(mode);
    if (!session) {
      const outputs = Array.from({ length: this.layers }, (_, i) => [`past_key_values.${i}.key`, `past_key_values.${i}.value`]).flat();
      session = ort.InferenceSession.create(cacheSliceGraph(this.layers, mode), sessionOptions(this.provider, undefined, outputs));
      this.sessions.set(mode, session);
    }
    return session;
  }

  async release(): Promise<void> {
    const sessions = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all(sessions.map(async (session) => (await session.catch(() => null))?.release()));
  }
}

/** Frees device memory held by tensors that live there; host tensors are left to the garbage collector as before. */
export function disposeOnDevice(tensors: Iterable<ort.Tensor | undefined>): void {
  for (const tensor of tensors) if (tensor && tensor.location !== 'cpu' && tensor.location !== 'none') tensor.dispose();
}
