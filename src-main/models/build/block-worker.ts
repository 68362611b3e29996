import { parentPort } from 'node:worker_threads';
import { type BlockJob, type BlockResult, computeBlockResult } from './block-kernel';

/**
 * A model build's compute thread: takes blocks (block-kernel.ts) one message at a time and sends back the bytes
 * for the data file. The source bytes come in transferred and the result goes back transferred (with the source's
 * buffer, for the next read), so nothing is copied between threads but the small LoRA factors.
 */
export type BlockRequest = { id: number; job: BlockJob };
export type BlockReply = { id: number; result: BlockResult } | { id: number; error: string };

parentPort?.on('message', ({ id, job }: BlockRequest) => {
  try {
    const result = computeBlockResult(job);
    const buffers = new Set<ArrayBuffer>();
    for (const p of result.pieces) buffers.add(p.bytes.buffer as ArrayBuffer);
    if (result.spare) buffers.add(result.spare);
    parentPort?.postMessage({ id, result } satisfies BlockReply, [...buffers]);
  } catch (error) {
    parentPort?.postMessage({ id, error: (error as Error).message } satisfies BlockReply);
  }
});
