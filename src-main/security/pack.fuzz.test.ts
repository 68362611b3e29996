import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as fc from 'fast-check';
import { exportModel } from '../models/pack';
import { tarEnd, tarHeader, tarPadding } from '../models/tar';
import { makeBundle, writeBundle } from '../models/testing/make-bundle';
import { tempDir } from '../test-support/temp-dir';
import { fuzzParameters, fuzzWorker, type GuardedReply, GuardedWorker } from './fuzz-support';
import { filesUnder, type PackJob, type PackOutcome } from './workers/pack-worker';

/**
 * Model packs (`.tar`, imported by `models.import` from a file the user picks): a damaged or hostile pack installs a
 * verified model or fails with an ApiError; no file is ever written outside the models folder; nothing hangs.
 */
const dir = tempDir('diffa-fuzz-pack-');
const worker = new GuardedWorker<PackJob, PackOutcome>(fuzzWorker('pack-worker.ts'), 5000);
after(() => worker.close());
let pack: Buffer;
let counter = 0;

before(async () => {
  const bundle = makeBundle('packed-model', { 'audio.onnx': 700, 'llm.onnx': 1300, 'tokenizer.json': 40 });
  const source = writeBundle(bundle, join(dir, 'source'));
  await exportModel(source, join(dir, 'seed.tar'));
  pack = readFileSync(join(dir, 'seed.tar'));
});

/** Imports `bytes` into a fresh models folder inside a fresh sandbox; returns the reply and what the sandbox holds. */
async function importPack(bytes: Buffer): Promise<{ reply: GuardedReply<PackOutcome>; sandbox: string[] }> {
  const sandbox = join(dir, `run-${counter++}`);
  mkdirSync(join(sandbox, 'models'), { recursive: true });
  writeFileSync(join(sandbox, 'pack.tar'), bytes);
  const reply = await worker.run({ pack: join(sandbox, 'pack.tar'), modelsDir: join(sandbox, 'models') });
  const files = filesUnder(sandbox);
  rmSync(sandbox, { recursive: true, force: true });
  return { reply, sandbox: files };
}

function assertClean({ reply, sandbox }: { reply: GuardedReply<PackOutcome>; sandbox: string[] }, what: string): void {
  if ('hang' in reply) assert.fail(`${what}: no answer after ${reply.ms} ms (hang)`);
  if ('crashed' in reply) assert.fail(`${what}: crashed the worker: ${reply.crashed}`);
  if (!reply.ok) assert.ok(reply.error.apiCode, `${what}: threw ${reply.error.name}: ${reply.error.message}\n${reply.error.stack}`);
  const outside = sandbox.filter((path) => path !== 'pack.tar' && !path.startsWith('models/'));
  assert.deepEqual(outside, [], `${what}: wrote outside the models folder`);
  if (!reply.ok)
    assert.deepEqual(
      sandbox.filter((path) => path.startsWith('models/') && !path.startsWith('models/.staging')),
      [],
      `${what}: a failed import left files`,
    );
}

/** A tar of hand-made entries (names, types and sizes as given). */
const tarOf = (entries: { name: string; type?: string; data: Buffer }[]) =>
  Buffer.concat([
    ...entries.flatMap((e) => [tarHeader({ name: e.name, size: e.data.length, type: e.type ?? '0' }), e.data, tarPadding(e.data.length)]),
    tarEnd(),
  ]);

describe('fuzz: model packs', () => {
  it('the seed pack imports', async () => {
    const result = await importPack(pack);
    assert.ok('ok' in result.reply && result.reply.ok, JSON.stringify(result.reply));
    assertClean(result, 'seed');
  });

  it('entries that climb out of the folder, absolute names and links are refused', async () => {
    const refused = async (entries: Parameters<typeof tarOf>[0], pattern: RegExp) => {
      const result = await importPack(tarOf(entries));
      assertClean(result, entries[0]?.name ?? '');
      assert.ok(
        'ok' in result.reply && !result.reply.ok && result.reply.error.apiCode === 'bad_model' && pattern.test(result.reply.error.message),
        JSON.stringify(result.reply),
      );
    };
    for (const name of ['../evil.txt', '/tmp/evil.txt', 'a/../../evil.txt', 'C:/evil.txt', '..'])
      await refused([{ name, data: Buffer.from('x') }], /unsafe path/);
    await refused([{ name: 'link', type: '2', data: Buffer.alloc(0) }], /not a regular file/);
    await refused([{ name: 'hard', type: '1', data: Buffer.alloc(0) }], /not a regular file/);
  });

  it('header bytes overwritten, bytes anywhere overwritten, cut at any length', async () => {
    const blocks = Math.ceil(pack.length / 512);
    const edit = fc.oneof(
      // inside some header-sized spot: name, mode, size, checksum, type, magic, prefix
      fc.record({
        block: fc.nat({ max: blocks - 1 }),
        at: fc.constantFrom(0, 50, 99, 100, 124, 130, 135, 148, 156, 257, 345, 400),
        byte: fc.integer({ min: 0, max: 255 }),
      }),
      fc.record({ block: fc.nat({ max: blocks - 1 }), at: fc.nat({ max: 511 }), byte: fc.integer({ min: 0, max: 255 }) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(edit, { minLength: 1, maxLength: 6 }), fc.option(fc.double({ min: 0, max: 1, noNaN: true })), async (edits, cut) => {
        const bytes = Buffer.from(pack);
        for (const { block, at, byte } of edits) if (block * 512 + at < bytes.length) bytes[block * 512 + at] = byte;
        const input = cut === null ? bytes : bytes.subarray(0, Math.floor(bytes.length * cut));
        assertClean(await importPack(input), `${JSON.stringify(edits)} cut ${cut}`);
      }),
      fuzzParameters(120, 8000),
    );
  });

  it('pax and GNU long-name records with odd sizes and paths', async () => {
    const record = (key: string, value: string) => {
      const body = ` ${key}=${value}\n`;
      let length = body.length + 2;
      if (`${length}${body}`.length !== length) length++;
      return `${length}${body}`;
    };
    const value = fc.constantFrom('-5', 'NaN', '1e30', '99999999999999999999', '0', '../../evil', '/abs', 'a\u0000b', '');
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('x', 'L'), fc.constantFrom('size', 'path'), value, async (type, key, v) => {
        const meta = Buffer.from(type === 'x' ? record(key, v) : v);
        const archive = Buffer.concat([tarHeader({ name: 'meta', size: meta.length, type }), meta, tarPadding(meta.length), pack]);
        assertClean(await importPack(archive), `${type} ${key}=${JSON.stringify(v)}`);
      }),
      fuzzParameters(60, 8000),
    );
  });
});
