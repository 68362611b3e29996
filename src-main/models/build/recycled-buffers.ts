/**
 * Output buffers of this thread, reused: the main thread hands back the buffers of results it has written (with
 * the next job), so a build in steady state allocates (and the garbage collector frees) almost nothing.
 */
const free: ArrayBuffer[] = [];
const MAX_KEPT = 32;

export function recycle(buffers: Iterable<ArrayBuffer>): void {
  for (const b of buffers) if (free.length < MAX_KEPT && b.byteLength > 0) free.push(b);
}

/** `n` bytes (contents undefined) at the start of a reused buffer, or a new one */
export function outputBytes(n: number): Uint8Array {
  const i = free.findIndex((b) => b.byteLength >= n && b.byteLength <= 2 * n);
  if (i >= 0) return new Uint8Array(free.splice(i, 1)[0] as ArrayBuffer, 0, n);
  return new Uint8Array(n);
}

/** a copy of `source` in an output buffer */
export function outputCopy(source: Uint8Array): Uint8Array {
  const out = outputBytes(source.length);
  out.set(source);
  return out;
}
