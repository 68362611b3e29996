import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tempDir } from '../test-support/temp-dir';
import { downloadFile } from './download-file';
import { createDispatcher } from './network';
import { openPartFile } from './part-file';
import { TestHub } from './testing/hub-server';

const hub = new TestHub();
const dispatcher = createDispatcher({}, {});
// Many blocks and many pauses of the socket (the pull tests' files fit in one block).
const data = randomBytes(40 << 20);
const sha256 = createHash('sha256').update(data).digest('hex');

before(async () => {
  await hub.start();
  hub.addRepo('org/big', [{ path: 'weights.bin', data }]);
});
after(async () => {
  await hub.close();
  await dispatcher.close();
});

describe('download of a big file', () => {
  it('streams a big file to disk and hash across a dropped connection, resuming from the byte it stopped at', async () => {
    hub.resetCounts();
    hub.fault('weights.bin', { kind: 'drop', after: 9_000_001 });
    const path = join(tempDir(), 'weights.bin');
    let reported = 0;
    await downloadFile(
      { url: `${hub.url}/org/big/resolve/main/weights.bin`, path, partPath: `${path}.part`, size: data.length, sha256 },
      { dispatcher, signal: new AbortController().signal, backoffMs: 5, onBytes: (delta) => (reported += delta) },
    );
    assert.ok(readFileSync(path).equals(data));
    assert.equal(reported, data.length);
    // The second request resumes after every byte that arrived; only bytes the hub had handed to its socket but that
    // never reached the client when the connection was cut (none on a quiet machine) may come twice.
    const ranges = hub.requests.filter((r) => r.path === 'weights.bin').map((r) => r.range);
    assert.equal(ranges.length, 2);
    const resumedAt = Number(/^bytes=(\d+)-$/.exec(ranges[1] ?? '')?.[1]);
    assert.ok(resumedAt > 0 && resumedAt <= 9_000_001, `resumed at ${ranges[1]}`);
    assert.equal(hub.bytesServed('weights.bin'), data.length + 9_000_001 - resumedAt);
  });

  it('keeps the bytes that arrived while the part file was opening, when the connection is cut meanwhile', async () => {
    // A slow disk (or a loaded machine): the whole first response, cut after 200 kB, has arrived before the file is open.
    hub.fault('weights.bin', { kind: 'drop', after: 200_000 });
    const path = join(tempDir(), 'weights.bin');
    let opens = 0;
    await downloadFile(
      { url: `${hub.url}/org/big/resolve/main/weights.bin`, path, partPath: `${path}.part`, size: data.length, sha256 },
      {
        dispatcher,
        signal: new AbortController().signal,
        backoffMs: 5,
        openPart: async (at, keep) => {
          if (opens++ === 0) await new Promise((resolve) => setTimeout(resolve, 300));
          return openPartFile(at, keep);
        },
      },
    );
    assert.ok(readFileSync(path).equals(data));
    const ranges = hub.requests.filter((r) => r.path === 'weights.bin').map((r) => r.range);
    assert.equal(ranges.at(-1), 'bytes=200000-', 'the second request resumes after the bytes the first one delivered');
  });
});
