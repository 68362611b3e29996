import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { describe, it } from 'node:test';
import { tempDir } from '../test-support/temp-dir';
import { parseRange, rangeReply } from './range';

describe('parseRange', () => {
  const size = 1000;
  const cases: [string | undefined, ReturnType<typeof parseRange>][] = [
    [undefined, null],
    ['bytes=0-99', { start: 0, end: 99 }],
    ['bytes=500-', { start: 500, end: 999 }],
    ['bytes=-100', { start: 900, end: 999 }],
    ['bytes=-5000', { start: 0, end: 999 }],
    ['bytes=990-5000', { start: 990, end: 999 }],
    ['bytes=1000-', 'unsatisfiable'],
    ['bytes=50-10', 'unsatisfiable'],
    ['bytes=-0', 'unsatisfiable'],
    ['bytes=0-1,5-6', null],
    ['items=0-1', null],
    ['bytes=-', null],
  ];
  for (const [header, expected] of cases) {
    it(`${header ?? '(none)'} → ${JSON.stringify(expected)}`, () => assert.deepEqual(parseRange(header, size), expected));
  }
});

describe('rangeReply', () => {
  const dir = tempDir();
  const path = join(dir, 'data.bin');
  writeFileSync(path, '0123456789');

  it('serves a byte range with 206 and Content-Range', async () => {
    const reply = rangeReply(path, 10, 'audio/wav', 'bytes=2-5');
    assert.equal(reply.status, 206);
    assert.equal(reply.headers['Content-Range'], 'bytes 2-5/10');
    assert.equal(reply.headers['Content-Length'], '4');
    assert.ok(reply.body);
    assert.equal(await text(reply.body), '2345');
  });

  it('serves the whole file with 200 and advertises ranges', async () => {
    const reply = rangeReply(path, 10, 'audio/wav', undefined);
    assert.equal(reply.status, 200);
    assert.equal(reply.headers['Accept-Ranges'], 'bytes');
    assert.ok(reply.body);
    assert.equal(await text(reply.body), '0123456789');
  });

  it('answers 416 outside the file', () => {
    const reply = rangeReply(path, 10, 'audio/wav', 'bytes=10-');
    assert.equal(reply.status, 416);
    assert.equal(reply.headers['Content-Range'], 'bytes */10');
    assert.equal(reply.body, null);
  });
});
