import { createHash } from 'node:crypto';
import { type FileHandle, open } from 'node:fs/promises';

const READ_BYTES = 4 << 20;

/**
 * SHA-256 of a file written out of order (several connections, each writing its own range): it follows the run of
 * bytes on disk from byte 0, reading back from the file (the page cache, just written) whatever joined that run
 * since it last looked. So the hash keeps up with the download instead of costing a second pass over the whole
 * file at the end, and holds no bytes in memory (bench/download.bench.ts measures both ways).
 */
export class PrefixHasher {
  private readonly hash = createHash('sha256');
  private hashed = 0;
  private running: Promise<void> | null = null;
  private failure: unknown;
  private handle: FileHandle | null = null;
  private buffer: Buffer | null = null;

  /** `prefixEnd` says how far the bytes from 0 are on disk; `follow: false` waits for `digest` (hash at the end). */
  constructor(
    private readonly path: string,
    private readonly prefixEnd: () => number,
    private readonly follow = true,
  ) {}

  /** Bytes were written: hash whatever joined the prefix (in the background, one read at a time). */
  poke(): void {
    if (!this.follow || this.running || this.failure !== undefined) return;
    // Whole reads only: many small reads cost more in system calls and thread hand-offs than the hashing they feed.
    if (this.prefixEnd() - this.hashed < READ_BYTES) return;
    this.running = this.catchUp(false)
      .catch((error: unknown) => {
        this.failure = error;
      })
      .finally(() => {
        this.running = null;
      });
  }

  /** Hashes the rest once the whole file (`size` bytes) is on disk; the hex digest. */
  async digest(size: number): Promise<string> {
    await this.running;
    if (this.failure !== undefined) throw this.failure;
    try {
      await this.catchUp(true);
    } finally {
      await this.close();
    }
    if (this.hashed !== size) throw new Error(`hashed ${this.hashed} of ${size} bytes`);
    return this.hash.digest('hex');
  }

  async close(): Promise<void> {
    await this.running;
    await this.handle?.close().catch(() => {});
    this.handle = null;
  }

  /** Hashes what joined the prefix: whole reads only, or (`all`) up to its end. */
  private async catchUp(all: boolean): Promise<void> {
    this.handle ??= await open(this.path, 'r');
    this.buffer ??= Buffer.allocUnsafe(READ_BYTES);
    const buffer = this.buffer;
    for (let end = this.prefixEnd(); this.hashed < end && (all || this.hashed + READ_BYTES <= end); end = this.prefixEnd()) {
      const { bytesRead } = await this.handle.read(buffer, 0, Math.min(READ_BYTES, end - this.hashed), this.hashed);
      if (bytesRead === 0) throw new Error(`the part file ends at ${this.hashed}, before the ${end} bytes recorded as written`);
      this.hash.update(buffer.subarray(0, bytesRead));
      this.hashed += bytesRead;
    }
  }
}
