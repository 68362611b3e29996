import { type FileHandle, open } from 'node:fs/promises';
import { checkpointError } from './checkpoint-error';

/**
 * The checkpoint files a build reads, each opened once for the whole build (a build reads thousands of blocks).
 * Every read lands in its own ArrayBuffer, so it can be transferred to a compute thread.
 */
export class SourceFiles {
  private readonly handles = new Map<string, Promise<FileHandle>>();

  /** Exactly `length` bytes at `offset`; a short read (a truncated file) is an error naming the file. */
  async read(file: string, offset: number, length: number, tensor?: string): Promise<Uint8Array> {
    let handle = this.handles.get(file);
    if (!handle) {
      handle = open(file, 'r');
      this.handles.set(file, handle);
    }
    const h = await handle;
    const out = new Uint8Array(length);
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
