import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/**
 * SHA-256 of a download as it streams in, seeded from the bytes already on disk when a download resumes. An
 * interface so the hashing strategy can change (e.g. a worker thread) without touching the downloader.
 */
export interface StreamHasher {
  update(chunk: Buffer): void | Promise<void>;
  /** Starts over from the first `bytes` of `path` (a resume, or a partial file that had to be re-read). */
  seedFromFile(path: string, bytes: number): Promise<void>;
  reset(): void;
  digest(): Promise<string>;
  close(): void;
}

export class InlineHasher implements StreamHasher {
  private hash: Hash = createHash('sha256');

  update(chunk: Buffer): void {
    this.hash.update(chunk);
  }

  async seedFromFile(path: string, bytes: number): Promise<void> {
    this.reset();
    if (bytes === 0) return;
    for await (const chunk of createReadStream(path, { start: 0, end: bytes - 1, highWaterMark: 1 << 20 })) this.hash.update(chunk as Buffer);
  }

  reset(): void {
    this.hash = createHash('sha256');
  }

  async digest(): Promise<string> {
    return this.hash.digest('hex');
  }

  close(): void {}
}

/**
 * Inline hashing: a worker-thread hasher was tried (bench/download.bench.ts) and was slower with more memory on a
 * loaded 2-core machine, so hashing stays on the receiving thread until a multi-core measurement says otherwise.
 */
export const createHasher = (_size: number): StreamHasher => new InlineHasher();
