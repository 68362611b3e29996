import { type FileHandle, open } from 'node:fs/promises';
import { checkpointError } from './checkpoint-error';

/**
 * The checkpoint files a build reads, each opened once for the whole build (a build reads thousands of blocks).
 * Every read lands at the start of its own ArrayBuffer, so it can be transferred to a compute thread.
 */
export class SourceFiles {
  private readonly handles = new Map<string, Promise<FileHandle>>();

  /** Exactly `length` bytes at `offset`; a short read (a truncated file) is an error naming the file. */
  /** buffers handed back by the compute threads, reused for reads (fewer allocations, less garbage collection) */
  private readonly spare: ArrayBuffer[] = [];

  /** keeps `buffer` for a later read (a few at most) */
  recycle(buffer: ArrayBuffer): void {
    if (this.spare.length < 16) this.spare.push(buffer);
  }

  private buffer(length: number): Uint8Array {
    const i = this.spare.findIndex((b) => b.byteLength >= length && b.byteLength <= 2 * length);
    if (i >= 0) return new Uint8Array(this.spare.splice(i, 1)[0] as ArrayBuffer, 0, length);
    return new Uint8Array(Buffer.allocUnsafeSlow(length).buffer, 0, length); // its own ArrayBuffer, not zero-filled
  }

  async read(file: string, offset: number, length: number, tensor?: string): Promise<Uint8Array> {
    let handle = this.handles.get(file);
    if (!handle) {
      handle = open(file, 'r');
      this.handles.set(file, handle);
    }
    const h = await handle;
    const out = this.buffer(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await h.read(out, done, length - done, offset + done);
      if (bytesRead === 0) throw checkpointError(file, `the file ends before byte ${offset + length} (truncated download?)`, tensor);
      done += bytesRead;
    }
    return out;
  }

  async close(): Promise<void> {
    const handles = [...this.handles.values()];
    this.handles.clear();
    await Promise.all(handles.map((h) => h.then((f) => f.close()).catch(() => {})));
  }
}
