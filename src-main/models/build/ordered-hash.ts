import { createHash } from 'node:crypto';

const ZEROS = new Uint8Array(1 << 16);

/**
 * SHA-256 of a data file computed from the pieces written into it, so the manifest needs no second pass over the
 * file. Pieces arrive in any order (blocks finish on different threads; a q4 block writes its codes, scales and
 * zero points in three regions); each is hashed once everything before it has been, and a copy kept until then. Ranges
 * never written (padding between tensors) are zeros and are hashed as such. When more than `budget` bytes would be
 * kept waiting (the strips of a transposed tensor larger than a block), it gives up and `digest()` says so: the
 * caller then hashes the file from disk, as it does for a resumed build.
 */
export class OrderedHash {
  private readonly hash = createHash('sha256');
  private position = 0;
  /** position → bytes waiting, or the length of a zero range */
  private readonly waiting = new Map<number, Uint8Array | number>();
  private waitingBytes = 0;
  private abandoned = false;

  /** `zeroRanges`: [start, end) ranges nobody writes (the file was extended with zeros) */
  constructor(
    private readonly size: number,
    zeroRanges: Iterable<[number, number]>,
    private readonly budget = 256 * 1024 * 1024,
  ) {
    for (const [start, end] of zeroRanges) if (end > start) this.waiting.set(start, end - start);
    this.drain();
  }

  /** Hashes `bytes` now, or a copy of them once what comes before is in: the caller may reuse them on return. */
  add(position: number, bytes: Uint8Array): void {
    if (this.abandoned || bytes.length === 0) return;
    if (position !== this.position) {
      this.waitingBytes += bytes.length;
      if (this.waitingBytes <= this.budget) this.waiting.set(position, Uint8Array.from(bytes));
      else this.abandon();
      return;
    }
    this.hash.update(bytes);
    this.position += bytes.length;
    this.drain();
  }

  /** The file's SHA-256 (hex) if every byte of it went through `add` or a zero range; otherwise undefined. */
  digest(): string | undefined {
    if (this.abandoned || this.position !== this.size || this.waiting.size > 0) return undefined;
    return this.hash.digest('hex');
  }

  private drain(): void {
    for (let next = this.waiting.get(this.position); next !== undefined; next = this.waiting.get(this.position)) {
      this.waiting.delete(this.position);
      if (typeof next === 'number') {
        for (let left = next; left > 0; left -= ZEROS.length) this.hash.update(left >= ZEROS.length ? ZEROS : ZEROS.subarray(0, left));
        this.position += next;
      } else {
        this.waitingBytes -= next.length;
        this.hash.update(next);
        this.position += next.length;
      }
    }
  }

  private abandon(): void {
    this.abandoned = true;
    this.waiting.clear();
    this.waitingBytes = 0;
  }
}
