import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import fc from 'fast-check';
import { tempDir } from '../../test-support/temp-dir';
import { floatToHalfBits, halfBitsToFloat, toFloat32 } from './dtype-cast';
import { readTensorBytes } from './read-range';
import { PickleRefused, readRestrictedPickle } from './restricted-pickle';
import { parseHeader, readSafetensorsHeader, SafetensorsFolder } from './safetensors';
import type { TensorSource } from './tensor-types';
import { TorchCheckpoint } from './torch-bin';

/**
 * The checkpoint readers against files written by torch itself (tools/make_reader_fixtures.py): safetensors
 * (single and sharded), torch.save zips through the restricted pickle reader, hostile pickles that would run code
 * in Python, and truncated or malformed files.
 */
const root = join(import.meta.dirname, '..', '..', '..');
const env = { ...process.env, OMP_NUM_THREADS: '1' };
const python = [process.env.DIFFA_PYTHON, 'python3', '/usr/bin/python3'].find((p) => p && spawnSync(p, ['-c', 'import torch, numpy'], { env }).status === 0);
const missing = 'python3 with torch and numpy is needed (Debian: apt install python3-torch python3-numpy)';
if (!python && process.env.CI) throw new Error(missing);

interface Expected {
  dtype: string;
  shape: number[];
  values: number[];
}

async function values(source: TensorSource, name: string): Promise<number[]> {
  const t = source.locate(name);
  const bytes = await readTensorBytes(t);
  if (t.dtype === 'I64') return Array.from(new BigInt64Array(Uint8Array.from(bytes).buffer), Number);
  return Array.from(toFloat32(bytes, t.dtype));
}

async function assertMatches(source: TensorSource, want: Record<string, Expected>) {
  assert.deepEqual(source.names().sort(), Object.keys(want).sort());
  for (const [name, w] of Object.entries(want)) {
    const t = source.locate(name);
    assert.equal(t.dtype, w.dtype, `${name} dtype`);
    assert.deepEqual(t.shape, w.shape, `${name} shape`);
    const got = await values(source, name);
    // float32 values compared exactly: JSON carries them as doubles, and every reader widens exactly
    assert.deepEqual(
      got,
      w.values.map((v) => (t.dtype === 'I64' ? v : Math.fround(v))),
      `${name} values`,
    );
  }
}

describe('checkpoint readers on files made by torch', { skip: python ? false : missing }, () => {
  const dir = tempDir('builder-readers-');
  const fx = join(dir, 'fx');
  let expected: Record<string, Record<string, Expected>> & { f16_cases: { f32_bits: number[]; f16_bits: number[] } };

  before(() => {
    const r = spawnSync(python as string, ['tools/make_reader_fixtures.py', '--out', fx], { cwd: root, env, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    expected = JSON.parse(readFileSync(join(fx, 'expected.json'), 'utf8'));
  });

  it('reads a safetensors file: F32, F16, BF16 and I64 with their exact values', async () => {
    await assertMatches(await SafetensorsFolder.open(join(fx, 'st/single')), expected['st/single'] as Record<string, Expected>);
  });

  it('reads a sharded safetensors folder through its index', async () => {
    const folder = await SafetensorsFolder.open(join(fx, 'st/sharded'));
    await assertMatches(folder, expected['st/sharded'] as Record<string, Expected>);
    assert.match(folder.locate('model.c.weight').file, /model-00002-of-00002/);
  });

  it('reads a torch.save state dict (views at an offset, fp16, bf16, int64, 0-d, Parameter)', async () => {
    const ckpt = await TorchCheckpoint.open(join(fx, 'bin/state.pt'));
    await assertMatches(ckpt, expected['bin/state.pt'] as Record<string, Expected>);
    assert.deepEqual(ckpt.skipped, []);
  });

  it('finds the state dict inside a training checkpoint ({state_dict, epoch})', async () => {
    await assertMatches(await TorchCheckpoint.open(join(fx, 'bin/wrapped.pt')), expected['bin/wrapped.pt'] as Record<string, Expected>);
  });

  it('explains the files it does not read: the pre-1.6 format and non-contiguous views', async () => {
    await assert.rejects(TorchCheckpoint.open(join(fx, 'bin/legacy.pt')), /legacy\.pt: not a zip archive \(a PyTorch file saved before 1\.6\?\)/);
    await assert.rejects(TorchCheckpoint.open(join(fx, 'bin/transposed.pt')), /transposed\.pt, tensor t: is not contiguous/);
  });

  for (const [file, what] of [
    ['os-system.pt', /refused: it asks for posix\.system/],
    ['eval.pt', /refused: it asks for (__builtin__|builtins)\.eval/],
    ['unknown-global.pt', /refused: it asks for collections\.Counter/],
    ['tensor-subclass.pt', /refused: it asks for torch\._tensor\._rebuild_from_type_v2/],
  ] as const) {
    it(`refuses ${file} without running it`, async () => {
      await assert.rejects(TorchCheckpoint.open(join(fx, 'hostile', file)), (e: Error) => {
        assert.match(e.message, what);
        assert.match(e.message, new RegExp(`^${file.replace('.', '\\.')}: `));
        return true;
      });
      assert.equal(existsSync(join(fx, 'pwned')), false, 'the payload ran');
    });
  }

  it('refuses opcodes a state dict never uses (NEWOBJ, INST, EXT1) and unbalanced or short pickles', () => {
    for (const [bytes, what] of [
      [[0x80, 0x02, 0x81], /NEWOBJ/],
      [[0x80, 0x02, 0x69], /INST/],
      [[0x80, 0x02, 0x82, 0x01], /EXT1/],
      [[0x80, 0x02, 0x7d, 0x4b], /ends early/],
      [[0x80, 0x02, 0x7d, 0x7d, 0x2e], /unbalanced/],
      [[0x80, 0x02, 0x68, 0x05], /memo 5 read before/],
      [[0x80, 0x02, 0x29, 0x29, 0x52, 0x2e], /REDUCE on something that is not an allowed global/],
    ] as const) {
      assert.throws(
        () => readRestrictedPickle(Uint8Array.from(bytes)),
        (e: Error) => e instanceof PickleRefused && what.test(e.message),
      );
    }
    // a storage type is a global it accepts, but only inside a persistent id: calling it is refused
    const callStorage = Buffer.concat([Buffer.from([0x80, 0x02, 0x63]), Buffer.from('torch\nFloatStorage\n'), Buffer.from([0x29, 0x52, 0x2e])]);
    assert.throws(() => readRestrictedPickle(callStorage), /only allowed as a storage type/);
  });

  it('fuzz: any bytes either unpickle to data or are refused with PickleRefused (never another error)', () => {
    const prefix = Buffer.from([0x80, 0x02]);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        try {
          readRestrictedPickle(Buffer.concat([prefix, bytes]));
        } catch (error) {
          if (!(error instanceof PickleRefused)) throw error;
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('names the file when a download is truncated: zip, safetensors shard, missing shard', async () => {
    const cut = join(dir, 'cut');
    mkdirSync(cut, { recursive: true });
    copyFileSync(join(fx, 'bin/state.pt'), join(cut, 'state.pt'));
    truncateSync(join(cut, 'state.pt'), Math.floor(statSync(join(cut, 'state.pt')).size / 2));
    await assert.rejects(TorchCheckpoint.open(join(cut, 'state.pt')), /state\.pt: its end is missing \(truncated download\?\)/);

    const shards = join(dir, 'shards');
    mkdirSync(shards, { recursive: true });
    for (const f of ['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors', 'model.safetensors.index.json']) {
      copyFileSync(join(fx, 'st/sharded', f), join(shards, f));
    }
    const second = join(shards, 'model-00002-of-00002.safetensors');
    truncateSync(second, statSync(second).size - 4);
    await assert.rejects(
      SafetensorsFolder.open(shards),
      /model-00002-of-00002\.safetensors, tensor model\.c\.weight: ends at byte \d+ but the file has \d+ \(truncated download\?\)/,
    );
    rmSync(second);
    await assert.rejects(SafetensorsFolder.open(shards), /model-00002-of-00002\.safetensors: is listed in model\.safetensors\.index\.json but missing/);
    truncateSync(join(shards, 'model-00001-of-00002.safetensors'), 5);
    await assert.rejects(readSafetensorsHeader(join(shards, 'model-00001-of-00002.safetensors')), /not a safetensors file/);
  });

  it('rounds float32 to float16 exactly as numpy does (ties to even, subnormals, overflow)', () => {
    const { f32_bits, f16_bits } = expected.f16_cases;
    const f = new Float32Array(new Uint32Array(f32_bits).buffer);
    let wrong = 0;
    f.forEach((v, i) => {
      if (floatToHalfBits(v) !== f16_bits[i]) wrong++;
    });
    assert.equal(wrong, 0, `${wrong} of ${f.length} values rounded differently`);
    assert.equal(halfBitsToFloat(0x3c00), 1);
    assert.equal(halfBitsToFloat(0x0001), 2 ** -24);
  });
});

describe('safetensors header checks', () => {
  const header = (h: unknown) => Buffer.from(JSON.stringify(h));
  it('refuses a wrong byte count, overlapping tensors, unknown dtypes and bad JSON, naming the tensor', () => {
    assert.throws(
      () => parseHeader(header({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 4] } }), 'x.safetensors'),
      /x\.safetensors, tensor a: holds 4 bytes/,
    );
    assert.throws(
      () =>
        parseHeader(header({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }), 'x.safetensors'),
      /tensor b: overlaps tensor a/,
    );
    assert.throws(() => parseHeader(header({ a: { dtype: 'Q4', shape: [2], data_offsets: [0, 1] } }), 'x.safetensors'), /unsupported dtype Q4/);
    assert.throws(() => parseHeader(Buffer.from('{nope'), 'x.safetensors'), /not valid JSON/);
    const ok = parseHeader(header({ __metadata__: { format: 'pt' }, a: { dtype: 'BF16', shape: [2, 3], data_offsets: [0, 12] } }), 'x.safetensors');
    const json = header({ __metadata__: { format: 'pt' }, a: { dtype: 'BF16', shape: [2, 3], data_offsets: [0, 12] } });
    assert.deepEqual(ok.get('a'), { name: 'a', dtype: 'BF16', shape: [2, 3], file: 'x.safetensors', offset: 8 + json.length, length: 12 });
  });
  it('a header claiming more than the file holds is caught before reading', async () => {
    const dir = tempDir('builder-st-');
    const json = header({ a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } });
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(json.length));
    writeFileSync(join(dir, 'm.safetensors'), Buffer.concat([len, json, Buffer.alloc(8)]));
    await assert.rejects(readSafetensorsHeader(join(dir, 'm.safetensors')), /m\.safetensors, tensor a: ends at byte/);
  });
});
