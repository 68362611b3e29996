import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { type BlockJob, type BlockResult, computeBlockResult } from './block-kernel';
import type { BlockSlot } from './block-slots';
import type { BlockReply, BlockRequest } from './block-worker';

/**
 * One compute thread per core (the main thread only reads, writes and hashes), at most 8: past that a build is
 * bound by the disk, and each thread holds its own blocks (write-graph-data.ts states the memory bound).
 */
export function defaultBuildThreads(): number {
  return Math.max(1, Math.min(availableParallelism(), 8));
}

/**
 * The worker's script: the bundle beside this file in dist/main, or, from source through tsx, a bootstrap that
 * registers tsx's loader inside the worker first (as src-main/audio/run-analysis.ts does).
 */
function workerScript(): { script: string; eval: boolean } {
  const here = dirname(fileURLToPath(import.meta.url));
  const source = join(here, 'block-worker.ts');
  if (!existsSync(source)) return { script: join(here, 'block-worker.js'), eval: false };
  const api = import.meta.resolve('tsx/esm/api');
  const entry = pathToFileURL(source).href;
  return { script: `import(${JSON.stringify(api)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); });`, eval: true };
}

interface Pending {
  resolve: (result: BlockResult) => void;
  reject: (error: Error) => void;
  slot: BlockSlot;
}

/**
 * Worker threads that compute blocks, each given the next job when it is free. `threads` 0 computes inline on the
 * calling thread (no workers; for tiny builds and tests).
 */
export class BlockPool {
  private readonly idle: Worker[] = [];
  private readonly queue: { request: BlockRequest; slot: BlockSlot }[] = [];
  /** the slot buffers each thread has been sent, by slot id */
  private readonly sent = new Map<Worker, Map<number, SharedArrayBuffer>>();
  private readonly pending = new Map<number, Pending>();
  private readonly busy = new Map<Worker, number>();
  private readonly workers: Worker[] = [];
  private nextId = 0;
  private failure: Error | undefined;
  private closed = false;

  constructor(readonly threads = defaultBuildThreads()) {
    if (threads === 0) return;
    const { script, eval: isCode } = workerScript();
    for (let i = 0; i < threads; i++) {
      const worker = new Worker(script, { eval: isCode });
      worker.on('message', (reply: BlockReply) => this.settle(worker, reply));
      worker.on('error', (error) => this.fail(new Error(`a model build thread failed: ${error.message}`)));
      worker.on('exit', (code) => {
        if (!this.closed && (this.busy.has(worker) || code !== 0)) this.fail(new Error(`a model build thread stopped (exit code ${code})`));
      });
      this.workers.push(worker);
      this.idle.push(worker);
      this.sent.set(worker, new Map());
    }
  }

  /** How many blocks are worth having read and waiting: one computing and one queued per thread. */
  get parallelism(): number {
    return Math.max(1, this.threads);
  }

  /**
   * Computes `job`, whose `raw` is a view at the start of `slot`'s buffer; the result's pieces are views of the
   * slot (or their own buffers, for outputs that did not fit), valid until the slot is used again.
   */
  run(job: BlockJob, slot: BlockSlot): Promise<BlockResult> {
    if (job.raw.buffer !== slot.buffer || job.raw.byteOffset !== 0)
      return Promise.reject(new Error('a block job must read its source from the start of its slot'));
    const arena = { buffer: slot.buffer, start: Math.ceil(job.raw.length / 16) * 16, end: slot.buffer.byteLength };
    if (this.threads === 0) {
      try {
        return Promise.resolve(computeBlockResult(job, arena));
      } catch (error) {
        return Promise.reject(error);
      }
    }
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    const { raw, ...rest } = job;
    return new Promise<BlockResult>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, slot });
      this.queue.push({ request: { id, job: rest, rawLength: raw.length, slot: slot.id }, slot });
      this.pump();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const workers = this.workers.splice(0);
    this.idle.length = 0;
    this.sent.clear();
    await Promise.all(workers.map((w) => w.terminate()));
  }

  private pump(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const worker = this.idle.pop() as Worker;
      const { request, slot } = this.queue.shift() as { request: BlockRequest; slot: BlockSlot };
      // a slot's buffer goes to a thread once (and again when the slot was replaced by a larger one)
      const sent = this.sent.get(worker) as Map<number, SharedArrayBuffer>;
      if (sent.get(slot.id) !== slot.buffer) {
        sent.set(slot.id, slot.buffer);
        request.buffer = slot.buffer;
      }
      this.busy.set(worker, request.id);
      worker.postMessage(request);
    }
  }

  private settle(worker: Worker, reply: BlockReply): void {
    this.busy.delete(worker);
    this.idle.push(worker);
    const waiting = this.pending.get(reply.id);
    this.pending.delete(reply.id);
    if (waiting) {
      if ('error' in reply) waiting.reject(new Error(reply.error));
      else {
        const buffer = waiting.slot.buffer;
        const pieces = reply.pieces.map((p) => ('bytes' in p ? p : { position: p.position, bytes: new Uint8Array(buffer, p.at, p.length) }));
        waiting.resolve({ pieces });
      }
    }
    this.pump();
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
    this.queue.length = 0;
  }
}
