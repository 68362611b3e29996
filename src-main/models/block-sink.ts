import type { PartFile } from './part-file';
import type { StreamHasher } from './stream-hasher';

const KiB = 1 << 10;
const MiB = 1 << 20;

/**
 * Lands a response body in the part file and the hash. Each chunk off the socket is hashed at once, on this thread
 * (SHA-256 runs at more than 1 GB/s; handing blocks to a hashing thread cost more in messages and wake-ups than it
 * saved on two cores), and kept by reference, not copied; once `blockSize` bytes are waiting they go to the disk in
 * one positional `writev`. Blocks are small enough that a chunk is written while it is still in the CPU's cache
 * (batches of several MiB measured slower than the minimal Node downloader, which writes every chunk at once). One write is in flight at a time, so a failed write (a full disk) leaves the file a clean
 * prefix of the body, never a hole. When `maxBuffered` bytes are waiting or being written, `push` says stop and the
 * caller pauses the socket: memory stays flat whatever the file's size. Bytes that trickle in are written once the
 * oldest has waited `maxDelayMs`, so a killed process loses at most that much of a slow download.
 *
 * The hash runs ahead of the file by the bytes not yet written; `flush` writes them, after which file and hash agree.
 */
export class BlockSink {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** The write in flight; it never rejects (a failure is kept in `failure`). */
  private inFlight: Promise<void> | null = null;
  private inFlightBytes = 0;
  private position: number;
  private failure: unknown;
  /** When the oldest waiting byte arrived. */
  private oldestAt = 0;

  constructor(
    private readonly file: PartFile,
    position: number,
    /** null: bytes fetched out of order, hashed later from the file (`prefix-hasher.ts`). */
    private readonly hasher: Pick<StreamHasher, 'update'> | null,
    private readonly blockSize = 128 * KiB,
    private readonly maxBuffered = 4 * MiB,
    private readonly maxDelayMs = 100,
    /** Told of every completed write: `bytes` from `position` are on disk. */
    private readonly onWritten?: (position: number, bytes: number) => void,
  ) {
    this.position = position;
  }

  /** Hashes `chunk` and queues it for the disk (by reference: the caller must not change it). False: await `ready()`. */
  push(chunk: Buffer): boolean {
    if (this.failure) throw this.failure;
    this.hasher?.update(chunk);
    if (this.pendingBytes === 0) this.oldestAt = performance.now();
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    this.startWrite(false);
    return this.pendingBytes + this.inFlightBytes < this.maxBuffered;
  }

  /** Resolves once the sink can take more; rejects when a write failed. */
  async ready(): Promise<void> {
    while (!this.failure && this.pendingBytes + this.inFlightBytes >= this.maxBuffered) {
      this.startWrite(true);
      await this.inFlight;
    }
    if (this.failure) throw this.failure;
  }

  /** Writes everything waiting and waits for it; afterwards file and hash agree (or the failure is thrown). */
  async flush(): Promise<void> {
    while (!this.failure && (this.inFlight || this.pendingBytes > 0)) {
      this.startWrite(true);
      await this.inFlight;
    }
    if (this.failure) throw this.failure;
  }

  private startWrite(force: boolean): void {
    if (this.inFlight || this.failure || this.pendingBytes === 0) return;
    if (!force && this.pendingBytes < this.blockSize && performance.now() - this.oldestAt < this.maxDelayMs) return;
    const chunks = this.pending;
    const at = this.position;
    const bytes = this.pendingBytes;
    this.inFlightBytes = bytes;
    this.position += bytes;
    this.pending = [];
    this.pendingBytes = 0;
    this.inFlight = this.file.writev(chunks, at).then(
      () => {
        this.inFlight = null;
        this.inFlightBytes = 0;
        this.onWritten?.(at, bytes);
        this.startWrite(false);
      },
      (error: unknown) => {
        this.failure ??= error;
        this.inFlight = null;
        this.inFlightBytes = 0;
      },
    );
  }
}
