import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { StreamHasher } from './hasher';
import { WorkerHasher } from './worker-hasher';

export type { StreamHasher };

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

/** Below this, starting a thread costs more than hashing the whole file inline. */
const WORKER_MIN_BYTES = 32 << 20;

/**
 * Big files hash on a worker thread, in parallel with receiving and writing (bench/download.bench.ts measures it:
 * hashing inline held a loopback download to half of curl's speed); small ones inline.
 */
export const createHasher = (size: number): StreamHasher => (size >= WORKER_MIN_BYTES ? new WorkerHasher() : new InlineHasher());
