import { createHash } from 'node:crypto';

const ZEROS = new Uint8Array(1 << 16);
/** at most this many bytes of hashed copies kept for reuse */
const SPARE_BYTES = 64 * 1024 * 1024;

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
  /** copies already hashed, by length, for the next pieces that must wait (a build's pieces come in few sizes) */
  private readonly spare = new Map<number, Uint8Array[]>();
  private spareBytes = 0;

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
      if (this.waitingBytes <= this.budget) this.waiting.set(position, this.copy(bytes));
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
        this.keep(next);
      }
    }
  }

  private copy(bytes: Uint8Array): Uint8Array {
    const reused = this.spare.get(bytes.length)?.pop();
    if (!reused) return Uint8Array.from(bytes);
    this.spareBytes -= reused.length;
    reused.set(bytes);
    return reused;
  }

  private keep(copy: Uint8Array): void {
    if (this.spareBytes + copy.length > SPARE_BYTES) return;
    const list = this.spare.get(copy.length) ?? [];
    list.push(copy);
    this.spare.set(copy.length, list);
    this.spareBytes += copy.length;
  }

  private abandon(): void {
    this.spare.clear();
    this.spareBytes = 0;
    this.abandoned = true;
    this.waiting.clear();
    this.waitingBytes = 0;
  }
}
