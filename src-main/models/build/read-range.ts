import { open } from 'node:fs/promises';
import { checkpointError } from './checkpoint-error';
import type { TensorLocation } from './tensor-types';

/** Reads exactly `length` bytes at `offset`; a short read (a truncated file) is an error naming the file. */
export async function readRange(file: string, offset: number, length: number, tensor?: string): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const out = Buffer.allocUnsafe(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await handle.read(out, done, length - done, offset + done);
      if (bytesRead === 0) throw checkpointError(file, `the file ends before byte ${offset + length} (truncated download?)`, tensor);
      done += bytesRead;
    }
    return out;
  } finally {
    await handle.close();
  }
}

/** A tensor's raw bytes (little-endian, row-major). */
export function readTensorBytes(t: TensorLocation): Promise<Buffer> {
  return readRange(t.file, t.offset, t.length, t.name);
}
