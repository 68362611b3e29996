/**
 * Where a block's outputs go: a range of the block's shared slot (block-slots.ts) after its source bytes, so the
 * thread that writes them reads them where the compute thread put them — no buffer is allocated, transferred or
 * collected per block. Outputs that do not fit (or computed with no arena set) get their own buffer.
 */
interface Arena {
  buffer: ArrayBufferLike;
  at: number;
  end: number;
}

let arena: Arena | undefined;

/** Outputs go to `buffer` [start, end) until `clearOutputArena` */
export function useOutputArena(buffer: ArrayBufferLike, start: number, end: number): void {
  arena = { buffer, at: start, end };
}

export function clearOutputArena(): void {
  arena = undefined;
}

/** `n` bytes (contents undefined) in the arena, or in a new buffer */
export function outputBytes(n: number): Uint8Array {
  if (arena && arena.at + n <= arena.end) {
    const out = new Uint8Array(arena.buffer, arena.at, n);
    arena.at = Math.ceil((arena.at + n) / 16) * 16;
    return out;
  }
  return new Uint8Array(n);
}

/** a copy of `source` as an output */
export function outputCopy(source: Uint8Array): Uint8Array {
  const out = outputBytes(source.length);
  out.set(source);
  return out;
}
