import { statSync } from 'node:fs';
import type * as ort from 'onnxruntime-node';

/** The audio stage's result for one region: what the LLM needs, and what the answer reports about the region. */
export interface EncodedRegion {
  embeds: ort.Tensor;
  count: number;
  melLength: number;
  /** The span heard, the region (its end found while decoding when the question left it open), whether it was cut. */
  heard: { start: number; end: number };
  region: { start: number; end: number };
  truncated: boolean;
}

export interface AudioCacheBounds {
  maxEntries: number;
  maxBytes: number;
}

/**
 * 32 regions and 256 MiB of embeddings, whichever comes first. DIFFA-Tiny's embeddings are ≤ 47 KB a region (91 ×
 * 128 floats); DIFFA-2's up to ~12 MB (750 × 4096 floats), so the byte bound keeps ~20 of those.
 */
export const AUDIO_CACHE_BOUNDS: AudioCacheBounds = { maxEntries: 32, maxBytes: 256 * 1024 * 1024 };

/**
 * The key of a region's audio embeddings: the file's identity and content stamp (device, inode, size, change and
 * modification times in nanoseconds: a rewrite changes ctime even when size and mtime are kept), the region, and
 * the heard window's start, the ablation. One cache belongs to one loaded model, so a model switch drops it whole.
 */
export function regionKey(path: string, start: number, end: number | null, heardStart: number | null, ablation: string): string | null {
  // A file that cannot be stat'ed is not cached: decoding it reports the problem in its own words.
  const s = statSync(path, { bigint: true, throwIfNoEntry: false });
  if (!s) return null;
  return [s.dev, s.ino, s.size, s.mtimeNs, s.ctimeNs, path, start, end ?? 'end', heardStart ?? 'start', ablation].join('|');
}

/** A least-recently-used map of region → audio embeddings, bounded in entries and bytes. */
export class AudioEmbeddingCache {
  private readonly entries = new Map<string, EncodedRegion>();
  private bytes = 0;

  constructor(private readonly bounds: AudioCacheBounds = AUDIO_CACHE_BOUNDS) {}

  get size(): number {
    return this.entries.size;
  }

  get byteSize(): number {
    return this.bytes;
  }

  get(key: string): EncodedRegion | undefined {
    const hit = this.entries.get(key);
    if (hit) {
      // Map keeps insertion order: re-inserting marks the entry most recently used.
      this.entries.delete(key);
      this.entries.set(key, hit);
    }
    return hit;
  }

  set(key: string, value: EncodedRegion): void {
    const size = byteSize(value);
    if (size > this.bounds.maxBytes) return;
    this.delete(key);
    this.entries.set(key, value);
    this.bytes += size;
    for (const [oldest, entry] of this.entries) {
      if (this.entries.size <= this.bounds.maxEntries && this.bytes <= this.bounds.maxBytes) break;
      this.entries.delete(oldest);
      this.bytes -= byteSize(entry);
    }
  }

  delete(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.bytes -= byteSize(entry);
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }
}

const byteSize = (value: EncodedRegion) => value.embeds.size * 4;
