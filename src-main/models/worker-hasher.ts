import { Worker } from 'node:worker_threads';
import type { StreamHasher } from './hasher';

/** Shared blocks both sides remember (oldest forgotten first); a download's ring is a handful of blocks. */
const SHARED_KEPT = 16;

/**
 * The worker's code, as plain JavaScript run with `eval`: it needs nothing but Node built-ins, so it starts in
 * milliseconds both from source (no tsx loader to register in the worker) and in the bundle (no extra entry point).
 * It hashes blocks of shared memory in the order they are posted and answers each one, so the sender knows when a
 * block may be refilled.
 */
const WORKER_SOURCE = `
const { createHash } = require('node:crypto');
const { createReadStream } = require('node:fs');
const { parentPort } = require('node:worker_threads');
let hash = createHash('sha256');
let queue = Promise.resolve();
const shared = new Map();
parentPort.on('message', (m) => {
  queue = queue.then(async () => {
    try {
      if (m.type === 'share') {
        shared.set(m.id, m.memory);
        if (shared.size > ${SHARED_KEPT}) shared.delete(shared.keys().next().value);
        return;
      }
      if (m.type === 'block') hash.update(new Uint8Array(shared.get(m.id), m.offset, m.length));
      else if (m.type === 'reset') hash = createHash('sha256');
      else if (m.type === 'seed') {
        hash = createHash('sha256');
        if (m.bytes > 0) for await (const chunk of createReadStream(m.path, { start: 0, end: m.bytes - 1, highWaterMark: 1 << 20 })) hash.update(chunk);
      } else if (m.type === 'digest') {
        parentPort.postMessage({ ok: true, hex: hash.digest('hex') });
        hash = createHash('sha256');
        return;
      }
      if (m.type !== 'reset') parentPort.postMessage({ ok: true });
    } catch (error) {
      parentPort.postMessage({ ok: false, message: String(error && error.message), code: error && error.code });
    }
  });
});
`;

type Reply = { ok: true; hex?: string } | { ok: false; message: string; code?: string };

/**
 * SHA-256 on a worker thread, so hashing overlaps with receiving and writing instead of adding to them (SHA-256 is
 * the largest single cost of a download on the receiving thread). Blocks backed by a SharedArrayBuffer are hashed in
 * place; anything else is copied once. Every request is answered in order, so pending promises are a FIFO.
 */
export class WorkerHasher implements StreamHasher {
  private readonly worker = new Worker(WORKER_SOURCE, { eval: true });
  private readonly pending: { resolve: (hex: string) => void; reject: (error: Error) => void }[] = [];
  private failure: Error | undefined;
  private readonly shared = new Map<SharedArrayBuffer, number>();
  private nextId = 0;

  constructor() {
    this.worker.on('message', (reply: Reply) => {
      const waiter = this.pending.shift();
      if (this.pending.length === 0) this.worker.unref();
      if (reply.ok) waiter?.resolve(reply.hex ?? '');
      else waiter?.reject(Object.assign(new Error(reply.message), { code: reply.code }));
    });
    this.worker.on('error', (error) => this.fail(error));
    this.worker.on('exit', () => this.fail(new Error('the hashing thread stopped')));
    // Only a hasher with work outstanding keeps the process alive (a CLI exits when its downloads are done).
    this.worker.unref();
  }

  update(chunk: Buffer): Promise<void> {
    const shared = chunk.buffer instanceof SharedArrayBuffer;
    const id = this.share(shared ? (chunk.buffer as SharedArrayBuffer) : copyToShared(chunk));
    return this.ask({ type: 'block', id, offset: shared ? chunk.byteOffset : 0, length: chunk.length }).then(() => {});
  }

  seedFromFile(path: string, bytes: number): Promise<void> {
    return this.ask({ type: 'seed', path, bytes }).then(() => {});
  }

  reset(): void {
    this.worker.postMessage({ type: 'reset' });
  }

  digest(): Promise<string> {
    return this.ask({ type: 'digest' });
  }

  close(): void {
    this.failure ??= new Error('the hasher was closed');
    void this.worker.terminate();
  }

  /**
   * Posting a SharedArrayBuffer costs far more than a small message (it was the largest cost on the receiving thread
   * when posted with every block), so each one is posted once and named by an id afterwards.
   */
  private share(memory: SharedArrayBuffer): number {
    const known = this.shared.get(memory);
    if (known !== undefined) return known;
    const id = this.nextId++;
    this.shared.set(memory, id);
    // Forget in the same order as the worker, so both sides agree on which ids are still valid.
    if (this.shared.size > SHARED_KEPT) this.shared.delete(this.shared.keys().next().value as SharedArrayBuffer);
    this.worker.postMessage({ type: 'share', id, memory });
    return id;
  }

  private ask(message: object): Promise<string> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject });
      this.worker.ref();
      this.worker.postMessage(message);
    });
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const waiter of this.pending.splice(0)) waiter.reject(this.failure);
  }
}

function copyToShared(chunk: Buffer): SharedArrayBuffer {
  const memory = new SharedArrayBuffer(chunk.length);
  chunk.copy(Buffer.from(memory));
  return memory;
}
