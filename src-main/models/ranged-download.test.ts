import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { ApiError } from '../../src-common/api/errors';
import { tempDir } from '../test-support/temp-dir';
import { downloadFile, HashMismatch } from './download-file';
import { createDispatcher } from './network';
import { RangeMap, rangesPath } from './range-map';
import { downloadRanged, type RangedOptions } from './ranged-download';
import { TestHub } from './testing/hub-server';

const hub = new TestHub();
const dispatcher = createDispatcher({}, {});
const data = randomBytes(6 << 20);
const sha256 = createHash('sha256').update(data).digest('hex');
const url = () => `${hub.url}/org/big/resolve/main/weights.bin`;

before(async () => {
  await hub.start();
  hub.addRepo('org/big', [{ path: 'weights.bin', data }]);
});
after(async () => {
  await hub.close();
  await dispatcher.close();
});
beforeEach(() => hub.resetCounts());

function target() {
  const path = join(tempDir(), 'weights.bin');
  return { url: url(), path, partPath: `${path}.part`, size: data.length, sha256 };
}

const options = (extra: Partial<RangedOptions> = {}): RangedOptions => ({
  dispatcher,
  signal: new AbortController().signal,
  backoffMs: 5,
  connections: 4,
  pieceBytes: 512 << 10,
  ...extra,
});

const rangesAsked = () => hub.fetches.filter((f) => f.path === 'weights.bin').map((f) => f.range);

describe('a large file over several connections', () => {
  it('fetches every byte once, in pieces, each written at its place, and verifies the whole', async () => {
    const file = target();
    let reported = 0;
    await downloadRanged(file, options({ onBytes: (delta) => (reported += delta) }));
    assert.ok(readFileSync(file.path).equals(data));
    assert.equal(reported, data.length);
    assert.equal(hub.bytesServed('weights.bin'), data.length);
    const asked = rangesAsked();
    assert.equal(asked.length, 12, `6 MiB in 512 KiB pieces: ${asked.join(' ')}`);
    assert.ok(
      asked.every((r) => /^bytes=\d+-\d+$/.test(r ?? '')),
      'every request names its end',
    );
    assert.ok(!existsSync(file.partPath) && !existsSync(rangesPath(file.partPath)), 'no part file or sidecar left');
  });

  it('hashing only at the end gives the same file', async () => {
    const file = target();
    await downloadRanged(file, options({ hashAtEnd: true }));
    assert.ok(readFileSync(file.path).equals(data));
  });

  it('a connection dropped mid-piece asks again for the rest of that piece only', async () => {
    hub.fault('weights.bin', { kind: 'drop', after: 100_000 });
    const file = target();
    await downloadRanged(file, options());
    assert.ok(readFileSync(file.path).equals(data));
    assert.equal(hub.bytesServed('weights.bin'), data.length, 'no byte fetched twice');
    assert.ok(rangesAsked().includes(`bytes=100000-${(512 << 10) - 1}`), `the rest of the first piece: ${rangesAsked().join(' ')}`);
  });

  it('a stalled connection is dropped after the stall timeout and its piece finished', async () => {
    hub.fault('weights.bin', { kind: 'stall', after: 50_000 });
    const file = target();
    await downloadRanged(file, options({ stallMs: 500 }));
    assert.ok(readFileSync(file.path).equals(data));
    assert.equal(hub.bytesServed('weights.bin'), data.length);
  });

  it('a server that ignores Range gets the file over one stream', async () => {
    hub.fault('weights.bin', { kind: 'ignore-range' });
    const file = target();
    const log: string[] = [];
    await downloadRanged(file, options({ log: (line) => log.push(line) }));
    assert.ok(readFileSync(file.path).equals(data));
    assert.match(log.join('\n'), /does not serve byte ranges \(HTTP 200 for a range\); downloading it over one connection/);
  });

  it('416 for a range: the rest comes over one stream', async () => {
    hub.fault('weights.bin', { kind: 'status', status: 416 });
    const file = target();
    await downloadRanged(file, options());
    assert.ok(readFileSync(file.path).equals(data));
  });

  it('500 on a piece is retried; 404 stops every connection with one error naming the file', async () => {
    hub.fault('weights.bin', { kind: 'status', status: 500 });
    const file = target();
    await downloadRanged(file, options());
    assert.ok(readFileSync(file.path).equals(data));

    const second = target();
    hub.fault('weights.bin', { kind: 'status', status: 404 });
    await assert.rejects(downloadRanged(second, options()), (error: unknown) => error instanceof ApiError && /weights\.bin: not found/.test(error.message));
    assert.ok(!existsSync(second.path));
  });

  it('corrupt bytes in one piece: HashMismatch before the rename', async () => {
    hub.fault('weights.bin', { kind: 'corrupt' });
    const file = target();
    await assert.rejects(downloadRanged(file, options()), HashMismatch);
    assert.ok(!existsSync(file.path), 'a file with the wrong hash is never renamed into place');
  });

  it('stopped midway, resumes from the sidecar fetching only the missing ranges', async () => {
    hub.rate = 2_000_000;
    const file = target();
    const stop = new AbortController();
    let received = 0;
    const first = downloadRanged(file, options({ signal: stop.signal, onBytes: (delta) => (received += delta) }));
    while (received < 2_000_000) await new Promise((r) => setTimeout(r, 10));
    stop.abort();
    await assert.rejects(first, (error: unknown) => error instanceof ApiError && error.code === 'cancelled');
    hub.rate = 0;
    const kept = RangeMap.load(file.partPath, data.length, sha256);
    assert.ok(kept.holes().length > 1, `bytes in several places: ${JSON.stringify(kept.holes())}`);
    assert.equal(RangeMap.bytesOnDisk(file.partPath), kept.bytesDone);
    const servedFirst = hub.bytesServed('weights.bin');
    hub.resetCounts();
    await downloadRanged(file, options());
    assert.ok(readFileSync(file.path).equals(data));
    assert.equal(hub.bytesServed('weights.bin'), data.length - kept.bytesDone, 'only the missing bytes');
    // Everything received before the stop was written out and counted.
    assert.equal(servedFirst, kept.bytesDone);
  });

  it('takes over a single stream part file as its first range', async () => {
    const file = target();
    writeFileSync(file.partPath, data.subarray(0, 1_000_000));
    await downloadRanged(file, options());
    assert.ok(readFileSync(file.path).equals(data));
    assert.equal(hub.bytesServed('weights.bin'), data.length - 1_000_000);
  });

  it('one stream resumes a ranged part file from its run of bytes from 0, never from its holes', async () => {
    const file = target();
    // Bytes 0-999999 and 3000000-3999999 on disk, a hole between.
    const partial = Buffer.alloc(4_000_000);
    data.copy(partial, 0, 0, 1_000_000);
    data.copy(partial, 3_000_000, 3_000_000, 4_000_000);
    writeFileSync(file.partPath, partial);
    const map = new RangeMap(data.length, sha256);
    map.add(0, 1_000_000);
    map.add(3_000_000, 4_000_000);
    map.save(file.partPath);
    await downloadFile(file, { dispatcher, signal: new AbortController().signal, backoffMs: 5 });
    assert.ok(readFileSync(file.path).equals(data));
    assert.deepEqual(rangesAsked(), ['bytes=1000000-']);
    assert.ok(!existsSync(rangesPath(file.partPath)));
  });
});
