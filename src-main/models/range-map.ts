import { existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * Which byte ranges of a `.part` file are on disk, for a file fetched over several connections at once. It lives
 * beside the part file as `<name>.part.ranges`, replaced atomically (write, then rename), and only ever lists bytes
 * whose write had completed, so after a crash or a kill -9 it may list less than the file holds, never more.
 * A part file without one was written front to back by a single stream: its bytes are one range from 0.
 */
const SidecarSchema = z.object({
  version: z.literal(1),
  size: z.number().int().nonnegative(),
  sha256: z.string(),
  done: z.array(z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative()])),
});

export const rangesPath = (partPath: string) => `${partPath}.ranges`;

/** Half-open byte intervals [start, end), kept sorted and merged. */
export class RangeMap {
  private done: [number, number][] = [];

  constructor(
    readonly size: number,
    private readonly sha256: string,
  ) {}

  /**
   * The state of `partPath` for a file of `size` bytes with hash `sha256`: the sidecar's ranges (a sidecar for
   * other bytes is ignored), else a single stream's prefix. Ranges past the part file's end are dropped (a file
   * truncated after the sidecar was written).
   */
  static load(partPath: string, size: number, sha256: string): RangeMap {
    const map = new RangeMap(size, sha256);
    const onDisk = existsSync(partPath) ? statSync(partPath).size : 0;
    if (!existsSync(rangesPath(partPath))) {
      map.add(0, Math.min(onDisk, size));
      return map;
    }
    let sidecar: z.infer<typeof SidecarSchema> | null = null;
    try {
      sidecar = SidecarSchema.parse(JSON.parse(readFileSync(rangesPath(partPath), 'utf8')));
    } catch {
      // Unreadable (it is replaced atomically, so this is not a crash mid-write): trust no byte of the file.
      sidecar = null;
    }
    if (sidecar && sidecar.size === size && sidecar.sha256 === sha256) {
      for (const [start, end] of sidecar.done) map.add(start, Math.min(end, onDisk, size));
    }
    return map;
  }

  add(start: number, end: number): void {
    if (end <= start) return;
    const merged: [number, number][] = [];
    let next: [number, number] = [start, end];
    for (const range of this.done) {
      if (range[1] < next[0]) merged.push(range);
      else if (range[0] > next[1]) {
        merged.push(next);
        next = range;
      } else next = [Math.min(range[0], next[0]), Math.max(range[1], next[1])];
    }
    merged.push(next);
    this.done = merged;
  }

  get bytesDone(): number {
    return this.done.reduce((sum, [start, end]) => sum + end - start, 0);
  }

  get complete(): boolean {
    return this.prefixEnd() >= this.size;
  }

  /** Where the run of bytes from byte 0 ends (0 when byte 0 is missing). */
  prefixEnd(): number {
    const first = this.done[0];
    return first && first[0] === 0 ? first[1] : 0;
  }

  /** The missing intervals, in file order. */
  holes(): [number, number][] {
    const holes: [number, number][] = [];
    let at = 0;
    for (const [start, end] of this.done) {
      if (start > at) holes.push([at, start]);
      at = end;
    }
    if (at < this.size) holes.push([at, this.size]);
    return holes;
  }

  /** Writes the sidecar atomically: a crash leaves the old one or the new one, never half of one. */
  save(partPath: string): void {
    const path = rangesPath(partPath);
    const body = JSON.stringify({ version: 1, size: this.size, sha256: this.sha256, done: this.done });
    writeFileSync(`${path}.tmp`, body);
    renameSync(`${path}.tmp`, path);
  }

  /** Bytes of a part file that count (the sidecar's, or the file's size); undefined when there is no part file. */
  static bytesOnDisk(partPath: string): number | undefined {
    if (!existsSync(partPath)) return undefined;
    try {
      const sidecar = SidecarSchema.parse(JSON.parse(readFileSync(rangesPath(partPath), 'utf8')));
      return sidecar.done.reduce((sum, [start, end]) => sum + Math.max(0, end - start), 0);
    } catch {
      return statSync(partPath).size;
    }
  }

  static remove(partPath: string): void {
    rmSync(rangesPath(partPath), { force: true });
    rmSync(`${rangesPath(partPath)}.tmp`, { force: true });
  }
}
