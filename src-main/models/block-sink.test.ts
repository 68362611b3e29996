import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { tempDir } from '../test-support/temp-dir';
import { BlockSink } from './block-sink';
import { type OpenPart, openPartFile } from './part-file';
import { InlineHasher } from './stream-hasher';

const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** Pushes `data` in uneven chunks, waiting whenever the sink says stop, as the downloader does. */
async function pushAll(sink: BlockSink, data: Buffer): Promise<void> {
  for (let offset = 0, step = 1; offset < data.length; step = (step * 7 + 3) % 90_001) {
    const chunk = data.subarray(offset, offset + step + 1);
    offset += chunk.length;
    if (!sink.push(chunk)) await sink.ready();
  }
  await sink.flush();
}

describe('block sink', () => {
  it('lands every byte in order in the file and the hash, in few large writes', async () => {
    const path = join(tempDir(), 'f.part');
    const data = randomBytes(1_000_003);
    const hasher = new InlineHasher();
    const real = await openPartFile(path, 0);
    const writes: number[] = [];
    const part = {
      writev: async (chunks: Buffer[], position: number) => {
        writes.push(chunks.reduce((sum, c) => sum + c.length, 0));
        await real.writev(chunks, position);
      },
      close: () => real.close(),
    };
    // Small blocks and little room, so the sink says stop and resumes many times.
    await pushAll(new BlockSink(part, 0, hasher, 64 * 1024, 192 * 1024, 60_000), data);
    await part.close();
    assert.ok(readFileSync(path).equals(data));
    assert.equal(await hasher.digest(), sha(data));
    assert.ok(
      writes.slice(0, -1).every((bytes) => bytes >= 64 * 1024),
      `every write but the last is a whole block: ${writes.join(' ')}`,
    );
  });

  it('resumes after the kept bytes and cuts off anything past them', async () => {
    const path = join(tempDir(), 'f.part');
    const data = randomBytes(300_000);
    writeFileSync(path, Buffer.concat([data.subarray(0, 100_000), Buffer.alloc(5_000, 1)]));
    const hasher = new InlineHasher();
    await hasher.seedFromFile(path, 100_000);
    const part = await openPartFile(path, 100_000);
    await pushAll(new BlockSink(part, 100_000, hasher, 32 * 1024, 64 * 1024), data.subarray(100_000));
    await part.close();
    assert.ok(readFileSync(path).equals(data));
    assert.equal(await hasher.digest(), sha(data));
  });

  it('continues a short write where it stopped', async () => {
    const path = join(tempDir(), 'f.part');
    const data = randomBytes(50_000);
    const part = await openPartFile(path, 0);
    // writev may write fewer bytes than asked (a signal, a pipe, a nearly full disk): the rest follows.
    await part.writev([data.subarray(0, 10_000), data.subarray(10_000, 30_000), data.subarray(30_000)], 0);
    await part.close();
    assert.ok(readFileSync(path).equals(data));
  });

  it('reports a failed write and lands nothing after it (no hole in the file)', async () => {
    const path = join(tempDir(), 'f.part');
    let landed = 0;
    let afterFailure = 0;
    let failed = false;
    const openPart: OpenPart = async (file, keep) => {
      const real = await openPartFile(file, keep);
      let writes = 0;
      return {
        writev: async (chunks, position) => {
          if (failed) afterFailure++;
          if (++writes === 3) {
            failed = true;
            throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
          }
          await real.writev(chunks, position);
          landed += chunks.reduce((sum, c) => sum + c.length, 0);
        },
        close: () => real.close(),
      };
    };
    const part = await openPart(path, 0);
    await assert.rejects(pushAll(new BlockSink(part, 0, new InlineHasher(), 1_000, 4_000), randomBytes(100_000)), { code: 'ENOSPC' });
    await part.close();
    assert.equal(afterFailure, 0, 'no write is attempted after a failed one');
    assert.equal(readFileSync(path).length, landed, 'the file is exactly the writes before the failure');
  });
});
