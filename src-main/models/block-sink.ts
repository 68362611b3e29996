import type { PartFile } from './part-file';
import type { StreamHasher } from './stream-hasher';

const MiB = 1 << 20;

/**
 * Lands a response body in the part file and the hash in large blocks. Chunks off the socket (16–64 KiB each) are
 * copied into a small ring of shared-memory blocks; each full block gets one positional write and is hashed (on the
 * hasher's thread) at the same time, and is refilled once both are done. Per-chunk writes and hashing on the
 * receiving thread were what kept a loopback download at half of curl's speed; the ring keeps memory flat whatever
 * the file's size, and a full ring pushes back on the socket. A block that fills slowly is written once its oldest
 * byte has waited `maxDelayMs`, so a killed process loses at most that much of a slow download, not a whole block.
 */
export class BlockSink {
  private readonly blocks: Buffer[];
  /** Per block: the write + hash in flight, or null when the block may be filled. */
  private readonly busy: (Promise<void> | null)[];
  private current = 0;
  private fill = 0;
  private position: number;
  private writes: Promise<void> = Promise.resolve();
  private failure: unknown;
  private backlog: { chunk: Buffer; offset: number } | null = null;
  /** When the current block got its first byte. */
  private filledSince = 0;

  constructor(
    private readonly file: PartFile,
    position: number,
    private readonly hasher: StreamHasher,
    private readonly blockSize = 2 * MiB,
    blockCount = 4,
    private readonly maxDelayMs = 100,
  ) {
    this.position = position;
    this.blocks = Array.from({ length: blockCount }, () => Buffer.from(new SharedArrayBuffer(blockSize)));
    this.busy = this.blocks.map(() => null);
  }

  /** Takes `chunk` (copied, so the caller may reuse it). False when the ring is full: await `ready()` before the next push. */
  push(chunk: Buffer): boolean {
    if (this.failure) throw this.failure;
    this.backlog = { chunk, offset: 0 };
    return this.copyBacklog();
  }

  /** Resolves once the ring can take another chunk; rejects when a write or the hash failed. */
  async ready(): Promise<void> {
    while (!this.copyBacklog()) await this.busy[this.current];
    if (this.failure) throw this.failure;
  }

  /** Writes and hashes what is buffered and waits for everything in flight; afterwards file and hash agree. */
  async flush(): Promise<void> {
    await this.ready().catch(() => {});
    if (this.fill > 0 && !this.failure) this.submit();
    await Promise.allSettled(this.busy);
    if (this.failure) throw this.failure;
  }

  private copyBacklog(): boolean {
    while (this.backlog) {
      if (this.busy[this.current]) return false;
      const { chunk, offset } = this.backlog;
      if (this.fill === 0) this.filledSince = performance.now();
      const copied = chunk.copy(this.blocks[this.current] as Buffer, this.fill, offset);
      this.fill += copied;
      if (offset + copied === chunk.length) this.backlog = null;
      else this.backlog.offset += copied;
      if (this.fill === this.blockSize || performance.now() - this.filledSince >= this.maxDelayMs) this.submit();
    }
    return this.busy[this.current] === null;
  }

  private submit(): void {
    const index = this.current;
    const data = (this.blocks[index] as Buffer).subarray(0, this.fill);
    const at = this.position;
    this.position += this.fill;
    this.fill = 0;
    this.current = (index + 1) % this.blocks.length;
    // Writes run one after another: after a failed one (a full disk) none may land later and leave a hole.
    this.writes = this.writes.then(() => this.file.write(data, at));
    const job = Promise.all([this.writes, this.hasher.update(data)]).then(
      () => {
        this.busy[index] = null;
      },
      (error: unknown) => {
        this.failure ??= error;
        throw this.failure;
      },
    );
    // The failure is reported by the next push, ready or flush; the job itself needs no other listener.
    job.catch(() => {});
    this.busy[index] = job;
  }
}
