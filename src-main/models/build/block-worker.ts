import { parentPort } from 'node:worker_threads';
import { type BlockJob, computeBlockResult } from './block-kernel';
import type { BlockSlot } from './block-slots';

/**
 * A model build's compute thread: takes blocks (block-kernel.ts) one message at a time. The source bytes are in a
 * shared slot (block-slots.ts) whose buffer came once, with the first job that used it; the outputs go into the
 * same slot after them, and only their places go back. Outputs that did not fit come back transferred.
 */
export type BlockRequest = { id: number; job: Omit<BlockJob, 'raw'>; rawLength: number; slot: number; buffer?: SharedArrayBuffer };
export type ReplyPiece = { position: number; at: number; length: number } | { position: number; bytes: Uint8Array };
export type BlockReply = { id: number; pieces: ReplyPiece[] } | { id: number; error: string };

const slots = new Map<number, SharedArrayBuffer>();

parentPort?.on('message', ({ id, job, rawLength, slot, buffer }: BlockRequest) => {
  try {
    if (buffer) slots.set(slot, buffer);
    const shared = slots.get(slot);
    if (!shared) throw new Error(`build slot ${slot} was never sent to this thread`);
    const arena: BlockSlot['buffer'] = shared;
    const { pieces } = computeBlockResult({ ...job, raw: new Uint8Array(shared, 0, rawLength) } as BlockJob, {
      buffer: arena,
      start: Math.ceil(rawLength / 16) * 16,
      end: shared.byteLength,
    });
    const transfer = new Set<ArrayBuffer>();
    const reply: ReplyPiece[] = pieces.map((p) => {
      if (p.bytes.buffer === shared) return { position: p.position, at: p.bytes.byteOffset, length: p.bytes.length };
      transfer.add(p.bytes.buffer as ArrayBuffer);
      return { position: p.position, bytes: p.bytes };
    });
    parentPort?.postMessage({ id, pieces: reply } satisfies BlockReply, [...transfer]);
  } catch (error) {
    parentPort?.postMessage({ id, error: (error as Error).message } satisfies BlockReply);
  }
});
