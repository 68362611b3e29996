/**
 * The shared memory blocks travel in: a slot holds one block's source bytes (read into it by the main thread) and,
 * after them, its outputs (written there by the compute thread, block-kernel.ts / output-arena.ts), until the main
 * thread has written and hashed them. A slot's buffer is sent to each compute thread once (block-pool.ts), so a
 * block costs no allocation, no transfer and no garbage: the build's memory is the slots, allocated once.
 *
 * There are never more slots than blocks in flight (the caller's bound); a slot too small for a block is replaced
 * by a larger one under the same id.
 */
export interface BlockSlot {
  id: number;
  buffer: SharedArrayBuffer;
}

const MIN_SLOT_BYTES = 4 * 1024 * 1024;
const align = (n: number) => Math.ceil(n / 16) * 16;

/** Bytes a slot needs for a block: its source, then outputs of at most 4 bytes per element (float32), aligned. */
export function slotBytes(sourceBytes: number, elements: number): number {
  return align(sourceBytes) + elements * 4 + 256;
}

export class BlockSlots {
  private readonly free: BlockSlot[] = [];
  private count = 0;

  constructor(private readonly max: number) {}

  /** A free slot of at least `bytes`; one is free whenever fewer than `max` are taken. */
  acquire(bytes: number): BlockSlot {
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      const size = (this.free[i] as BlockSlot).buffer.byteLength;
      if (size >= bytes && (best < 0 || size < (this.free[best] as BlockSlot).buffer.byteLength)) best = i;
    }
    if (best >= 0) return this.free.splice(best, 1)[0] as BlockSlot;
    const size = Math.max(MIN_SLOT_BYTES, Math.ceil(bytes / (1 << 20)) * (1 << 20));
    if (this.count < this.max) return { id: this.count++, buffer: new SharedArrayBuffer(size) };
    const replaced = this.free.shift();
    if (!replaced) throw new Error('build slots: all taken (more blocks in flight than slots)');
    return { id: replaced.id, buffer: new SharedArrayBuffer(size) };
  }

  release(slot: BlockSlot): void {
    this.free.push(slot);
  }
}
