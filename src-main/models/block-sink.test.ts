import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { tempDir } from '../test-support/temp-dir';
import { BlockSink } from './block-sink';
import { type OpenPart, openPartFile } from './part-file';
import { InlineHasher, type StreamHasher } from './stream-hasher';
import { WorkerHasher } from './worker-hasher';

const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** Pushes `data` in uneven chunks, waiting whenever the ring is full, as the downloader does. */
async function pushAll(sink: BlockSink, data: Buffer): Promise<void> {
  for (let offset = 0, step = 1; offset < data.length; step = (step * 7 + 3) % 90_001) {
    const chunk = data.subarray(offset, offset + step + 1);
    offset += chunk.length;
    if (!sink.push(chunk)) await sink.ready();
  }
  await sink.flush();
}

describe('block sink', () => {
  for (const [name, makeHasher] of [
    ['inline', () => new InlineHasher()],
    ['worker thread', () => new WorkerHasher()],
  ] as [string, () => StreamHasher][]) {
    it(`lands every byte in order in the file and the hash (${name})`, async () => {
      const path = join(tempDir(), 'f.part');
      const data = randomBytes(1_000_003);
      const hasher = makeHasher();
      try {
        const part = await openPartFile(path, 0);
        // Small blocks, so the ring fills and wraps many times.
        await pushAll(new BlockSink(part, 0, hasher, 64 * 1024, 3), data);
        await part.close();
        assert.ok(readFileSync(path).equals(data));
        assert.equal(await hasher.digest(), sha(data));
      } finally {
        hasher.close();
      }
    });
  }

  it('resumes after the kept bytes and cuts off anything past them', async () => {
    const path = join(tempDir(), 'f.part');
    const data = randomBytes(300_000);
    writeFileSync(path, Buffer.concat([data.subarray(0, 100_000), Buffer.alloc(5_000, 1)]));
    const hasher = new WorkerHasher();
    try {
      await hasher.seedFromFile(path, 100_000);
      const part = await openPartFile(path, 100_000);
      await pushAll(new BlockSink(part, 100_000, hasher, 32 * 1024, 2), data.subarray(100_000));
      await part.close();
      assert.ok(readFileSync(path).equals(data));
      assert.equal(await hasher.digest(), sha(data));
    } finally {
      hasher.close();
    }
  });

  it('reports a failed write and lands no block after it (no hole in the file)', async () => {
    const path = join(tempDir(), 'f.part');
    const openPart: OpenPart = async (file, keep) => {
      const real = await openPartFile(file, keep);
      let writes = 0;
      return {
        write: async (data, position) => {
          if (++writes === 3) throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
          await real.write(data, position);
        },
        close: () => real.close(),
      };
    };
    const part = await openPart(path, 0);
    await assert.rejects(pushAll(new BlockSink(part, 0, new InlineHasher(), 10_000, 4), randomBytes(100_000)), { code: 'ENOSPC' });
    await part.close();
    assert.equal(readFileSync(path).length, 20_000, 'the two blocks before the failure, nothing after it');
  });
});
