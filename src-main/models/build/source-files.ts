import { type FileHandle, open } from 'node:fs/promises';
import { checkpointError } from './checkpoint-error';

/**
 * The checkpoint files a build reads, each opened once for the whole build (a build reads thousands of blocks).
 * Blocks are read into their shared slot (block-slots.ts); the small LoRA factors into their own buffers.
 */
export class SourceFiles {
  private readonly handles = new Map<string, Promise<FileHandle>>();

  /** Exactly `length` bytes at `offset`, in a new buffer; a short read (a truncated file) is an error naming the file. */
  read(file: string, offset: number, length: number, tensor?: string): Promise<Uint8Array> {
    return this.readInto(file, offset, new Uint8Array(length), tensor);
  }

  /** Fills `into` from `offset` (one read call unless the system returns less) */
  async readInto(file: string, offset: number, into: Uint8Array, tensor?: string): Promise<Uint8Array> {
    let handle = this.handles.get(file);
    if (!handle) {
      handle = open(file, 'r');
      this.handles.set(file, handle);
    }
    const h = await handle;
    const length = into.length;
    let done = 0;
    while (done < length) {
      const { bytesRead } = await h.read(into, done, length - done, offset + done);
      if (bytesRead === 0) throw checkpointError(file, `the file ends before byte ${offset + length} (truncated download?)`, tensor);
      done += bytesRead;
    }
    return into;
  }

  async close(): Promise<void> {
    const handles = [...this.handles.values()];
    this.handles.clear();
    await Promise.all(handles.map((h) => h.then((f) => f.close()).catch(() => {})));
  }
}
