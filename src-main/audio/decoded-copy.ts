import { randomBytes } from 'node:crypto';
import { type FileHandle, mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Block } from './source';

/**
 * A seekable copy of a compressed file's decoded audio, written during the peaks pass (which decodes everything
 * anyway): a 16-bit PCM WAV in the cache. The spectrogram's sample windows of a long MP3/AAC/Opus/FLAC file are then
 * read by seeking in it instead of decoding from the start of the file each time (an hour in, that took a minute).
 * 16 bits keep the quantisation floor near −100 dBFS, below any spectrogram range the app draws; measured facts
 * never use this copy (they decode the original in full precision).
 */
const MAX_BYTES = 0xffffffff - 44; // a plain RIFF size field; longer files are not copied (their windows decode)

export class DecodedCopyWriter {
  private handle: FileHandle | null = null;
  private readonly temporary: string;
  private bytes = 0;
  private tooLong = false;

  constructor(
    private readonly path: string,
    private readonly sampleRate: number,
    private readonly channels: number,
  ) {
    this.temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  }

  async push(block: Block): Promise<void> {
    if (this.tooLong) return;
    if (!this.handle) {
      await mkdir(dirname(this.path), { recursive: true });
      this.handle = await open(this.temporary, 'w');
      await this.handle.write(Buffer.alloc(44), 0, 44, 0);
    }
    const frames = block[0]?.length ?? 0;
    if (this.bytes + frames * this.channels * 2 > MAX_BYTES) {
      this.tooLong = true;
      return;
    }
    const out = new Int16Array(frames * this.channels);
    for (let c = 0; c < this.channels; c++) {
      const x = block[c] as Float32Array;
      for (let i = 0, j = c; i < frames; i++, j += this.channels) {
        out[j] = Math.max(-32768, Math.min(32767, Math.round((x[i] as number) * 32768)));
      }
    }
    await this.handle.write(new Uint8Array(out.buffer), 0, out.byteLength, 44 + this.bytes);
    this.bytes += out.byteLength;
  }

  /** Writes the header and moves the copy into place; a copy that could not be completed is removed. */
  async finish(): Promise<void> {
    if (!this.handle) return;
    try {
      if (this.tooLong) throw new Error('too long for a RIFF copy');
      const header = Buffer.alloc(44);
      header.write('RIFF', 0, 'latin1');
      header.writeUInt32LE(36 + this.bytes, 4);
      header.write('WAVEfmt ', 8, 'latin1');
      header.writeUInt32LE(16, 16);
      header.writeUInt16LE(1, 20);
      header.writeUInt16LE(this.channels, 22);
      header.writeUInt32LE(this.sampleRate, 24);
      header.writeUInt32LE(this.sampleRate * this.channels * 2, 28);
      header.writeUInt16LE(this.channels * 2, 32);
      header.writeUInt16LE(16, 34);
      header.write('data', 36, 'latin1');
      header.writeUInt32LE(this.bytes, 40);
      await this.handle.write(header, 0, 44, 0);
      await this.handle.close();
      this.handle = null;
      await rename(this.temporary, this.path);
    } catch {
      await this.abandon();
    }
  }

  async abandon(): Promise<void> {
    await this.handle?.close().catch(() => undefined);
    this.handle = null;
    await rm(this.temporary, { force: true });
  }
}
