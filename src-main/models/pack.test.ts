import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ApiError } from '../../src-common/api/errors';
import { tempDir } from '../test-support/temp-dir';
import { listInstalledModels } from './installed-models';
import { exportModel, importModel } from './pack';
import { readTar, tarEnd, tarHeader, tarPadding } from './tar';
import { makeBundle, writeBundle } from './testing/make-bundle';

const installedIds = (models: string) => listInstalledModels(join(models, 'none'), models).map((m) => m.id);
const hasTar = spawnSync('tar', ['--version']).status === 0;

async function* chunks(buffer: Buffer, size = 777) {
  for (let i = 0; i < buffer.length; i += size) yield buffer.subarray(i, i + size);
}

describe('tar', () => {
  it('round-trips entries through its own writer and reader, whatever the chunking', async () => {
    const long = `${'d'.repeat(90)}/${'e'.repeat(60)}/file-with-a-long-name.onnx`;
    const files = [
      { name: 'm/manifest.json', data: Buffer.from('{}') },
      { name: long, data: Buffer.alloc(1500, 3) },
      { name: 'm/empty', data: Buffer.alloc(0) },
    ];
    const archive = Buffer.concat([
      ...files.flatMap((f) => [tarHeader({ name: f.name, size: f.data.length, type: '0' }), f.data, tarPadding(f.data.length)]),
      tarEnd(),
    ]);
    const read: { name: string; data: Buffer }[] = [];
    for await (const entry of readTar(chunks(archive))) {
      const parts: Buffer[] = [];
      for await (const part of entry.body) parts.push(part);
      read.push({ name: entry.name, data: Buffer.concat(parts) });
    }
    assert.deepEqual(read, files);
  });

  it('skips bodies the consumer does not read', async () => {
    const archive = Buffer.concat([
      tarHeader({ name: 'a', size: 600, type: '0' }),
      Buffer.alloc(600, 1),
      tarPadding(600),
      tarHeader({ name: 'b', size: 1, type: '0' }),
      Buffer.from('x'),
      tarPadding(1),
      tarEnd(),
    ]);
    const names: string[] = [];
    for await (const entry of readTar(chunks(archive, 100))) names.push(entry.name);
    assert.deepEqual(names, ['a', 'b']);
  });

  it('encodes sizes over 8 GiB in base-256', async () => {
    const header = tarHeader({ name: 'big.onnx', size: 10_000_000_000, type: '0' });
    assert.equal(header[124], 0x80);
    for await (const entry of readTar(chunks(header))) {
      assert.equal(entry.size, 10_000_000_000);
      break;
    }
  });

  it('refuses something that is not a tar file', async () => {
    await assert.rejects(async () => {
      for await (const _ of readTar(chunks(Buffer.alloc(1024, 65)))) {
        // nothing
      }
    }, /bad header checksum/);
  });

  it('writes archives GNU tar reads', { skip: !hasTar }, async () => {
    const dir = tempDir();
    const bundle = makeBundle('gnu-check');
    writeBundle(bundle, join(dir, 'src'));
    await exportModel(join(dir, 'src'), join(dir, 'pack.tar'));
    const listing = spawnSync('tar', ['-tf', join(dir, 'pack.tar')], { encoding: 'utf8' });
    assert.equal(listing.status, 0, listing.stderr);
    assert.deepEqual(listing.stdout.trim().split('\n'), ['gnu-check/manifest.json', 'gnu-check/audio.onnx', 'gnu-check/llm.onnx', 'gnu-check/tokenizer.json']);
  });
});

describe('model packs', () => {
  it('exports an installed model and imports it elsewhere, verified', async () => {
    const dir = tempDir();
    const bundle = makeBundle('packed');
    writeBundle(bundle, join(dir, 'a', 'packed'));
    const { bytes } = await exportModel(join(dir, 'a', 'packed'), join(dir, 'packed.tar'));
    assert.ok(bytes > 160_000);
    const models = join(dir, 'b');
    mkdirSync(models);
    const result = await importModel(join(dir, 'packed.tar'), models);
    assert.equal(result.id, 'packed');
    assert.deepEqual(installedIds(models), ['packed']);
    for (const f of bundle.files) assert.deepEqual(readFileSync(join(models, 'packed', f.path)), f.data);
    assert.ok(!existsSync(join(models, '.staging', 'import')), 'no staging left behind');
  });

  it('imports a bundle folder', async () => {
    const dir = tempDir();
    writeBundle(makeBundle('from-folder'), join(dir, 'usb', 'from-folder'));
    mkdirSync(join(dir, 'models'));
    await importModel(join(dir, 'usb', 'from-folder'), join(dir, 'models'));
    assert.deepEqual(installedIds(join(dir, 'models')), ['from-folder']);
  });

  it('imports a pack made by GNU tar with the bundle at its root', { skip: !hasTar }, async () => {
    const dir = tempDir();
    writeBundle(makeBundle('gnu-made'), join(dir, 'src'));
    assert.equal(spawnSync('tar', ['-cf', join(dir, 'gnu.tar'), '-C', join(dir, 'src'), '.']).status, 0);
    mkdirSync(join(dir, 'models'));
    await importModel(join(dir, 'gnu.tar'), join(dir, 'models'));
    assert.deepEqual(installedIds(join(dir, 'models')), ['gnu-made']);
  });

  it('refuses a damaged pack and installs nothing', async () => {
    const dir = tempDir();
    writeBundle(makeBundle('damaged'), join(dir, 'src'));
    await exportModel(join(dir, 'src'), join(dir, 'pack.tar'));
    const bytes = readFileSync(join(dir, 'pack.tar'));
    bytes[5000] = (bytes[5000] as number) ^ 1; // inside audio.onnx's data
    writeFileSync(join(dir, 'pack.tar'), bytes);
    mkdirSync(join(dir, 'models'));
    await assert.rejects(
      importModel(join(dir, 'pack.tar'), join(dir, 'models')),
      (e: ApiError) => e.code === 'bad_model' && /audio\.onnx is corrupt in the pack/.test(e.message),
    );
    assert.deepEqual(installedIds(join(dir, 'models')), []);
  });

  it('refuses a pack with a path that escapes the folder', async () => {
    const dir = tempDir();
    const evil = Buffer.concat([tarHeader({ name: '../evil.sh', size: 2, type: '0' }), Buffer.from('hi'), tarPadding(2), tarEnd()]);
    writeFileSync(join(dir, 'evil.tar'), evil);
    mkdirSync(join(dir, 'models'));
    await assert.rejects(importModel(join(dir, 'evil.tar'), join(dir, 'models')), /unsafe path: \.\.\/evil\.sh/);
    assert.ok(!existsSync(join(dir, 'evil.sh')));
  });

  it('will not export a corrupt model', async () => {
    const dir = tempDir();
    const bundle = makeBundle('rotten');
    writeBundle(bundle, join(dir, 'rotten'));
    writeFileSync(join(dir, 'rotten', 'llm.onnx'), Buffer.alloc(120_000));
    await assert.rejects(exportModel(join(dir, 'rotten'), join(dir, 'out.tar')), /llm\.onnx is corrupt .* run `models verify rotten --repair`/);
    assert.ok(!existsSync(join(dir, 'out.tar')) && !existsSync(join(dir, 'out.tar.part')));
  });
});
