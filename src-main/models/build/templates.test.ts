import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pythonMissing as missing, py, python } from '../../test-support/python';
import { tempDir } from '../../test-support/temp-dir';
import { type BuildPlan, readBuildPlan } from './build-plan';

/**
 * The build templates the app ships (models/templates/<arch>-<dtype>/, made at DIFFA-2's and DIFFA's released sizes
 * by tools/make_diffa2_templates.py): each is what its dtype says, they describe one configuration, and the tool that
 * makes them from one trace writes, for each dtype, the bytes `tools/convert_diffa2.py --template` writes (the
 * builder's parity with the converter is build-parity.test.ts).
 */
const root = join(import.meta.dirname, '..', '..', '..');
const shipped = join(root, 'models', 'templates');
const DTYPES = { fp32: 'fp32', fp16: 'fp16', int4: 'fp16-int4' } as const;
type Dtype = keyof typeof DTYPES;
const BYTES = { float32: 4, float16: 2, uint8: 1 } as const;

for (const archName of ['diffa2', 'diffa'] as const) describeShipped(archName);

function describeShipped(archName: 'diffa2' | 'diffa'): void {
  const plans = Object.fromEntries((Object.keys(DTYPES) as Dtype[]).map((d) => [d, readBuildPlan(join(shipped, `${archName}-${d}`))])) as Record<
    Dtype,
    BuildPlan
  >;

  describe(`the shipped ${archName} build templates`, () => {
    for (const d of Object.keys(DTYPES) as Dtype[]) {
      it(`${archName}-${d}: its dtype, and every weight in place inside its data file`, () => {
        const plan = plans[d];
        assert.equal(plan.arch, archName);
        assert.equal(plan.dtype, DTYPES[d]);
        const arch = plan.manifest.architecture as { dtype: string; int4: boolean };
        assert.deepEqual([arch.dtype, arch.int4], [d === 'fp32' ? 'fp32' : 'fp16', d === 'int4']);
        for (const g of plan.graphs) {
          let end = 0;
          for (const e of [...g.tensors].sort((a, b) => a.offset - b.offset)) {
            assert.ok(e.offset >= end, `${g.data}: ${e.name} overlaps the tensor before it`);
            end = e.offset + e.length;
            if (e.op === 'copy' || e.op === 'transpose') {
              assert.equal(e.length, e.shape.reduce((a, b) => a * b, 1) * BYTES[e.dtype], `${e.name}: length of its shape`);
            }
            if (d === 'fp32') assert.equal(e.dtype, 'float32', `${e.name} is fp32`);
            if (d !== 'int4') assert.ok(!['q4', 'scales', 'zero_points'].includes(e.op), `${e.name}: no int4 in ${d}`);
          }
          assert.ok(end <= g.size, `${g.data}: the tensors fit in ${g.size} bytes`);
        }
        assert.equal(
          plan.graphs.some((g) => g.tensors.some((e) => e.op === 'q4')),
          d === 'int4',
        );
      });
    }

    it('describe one configuration, with the same sources read for every dtype', () => {
      const sources = (p: BuildPlan) =>
        p.graphs.flatMap((g) => g.tensors.filter((e) => e.op !== 'scales' && e.op !== 'zero_points').map((e) => e.source)).sort();
      for (const d of ['fp16', 'int4'] as const) {
        assert.deepEqual(plans[d].config, plans.fp32.config);
        assert.deepEqual(sources(plans[d]), sources(plans.fp32), `${d} reads what fp32 reads`);
      }
    });

    it('fp16 and int4 share the audio graph (int4 quantizes only the LLM)', () => {
      const audio = (d: Dtype) => readFileSync(join(shipped, `${archName}-${d}`, 'audio.onnx'));
      assert.ok(audio('fp16').equals(audio('int4')));
      assert.deepEqual(
        plans.fp16.graphs.find((g) => g.graph === 'audio.onnx'),
        plans.int4.graphs.find((g) => g.graph === 'audio.onnx'),
      );
    });
  });
}

describe('templates from one trace', { skip: python ? false : missing }, () => {
  for (const archName of ['diffa2', 'diffa'] as const) {
    it(`are, for each dtype, the converter's --arch ${archName} --template output byte for byte`, () => {
      const dir = tempDir('one-trace-');
      const ckpt = join(dir, 'ckpt');
      py('tools/make_diffa2_fixture.py', '--arch', archName, '--out', ckpt);
      const sources = [
        '--arch',
        archName,
        '--llada',
        join(ckpt, 'llada'),
        '--whisper',
        join(ckpt, 'whisper'),
        '--checkpoint',
        join(ckpt, archName, 'pytorch_model.bin'),
      ];
      py('tools/make_diffa2_templates.py', ...sources, '--out-root', join(dir, 'one-trace'));
      const flags = { fp32: ['--dtype', 'fp32'], fp16: ['--dtype', 'fp16'], int4: ['--dtype', 'fp16', '--int4'] };
      for (const [d, args] of Object.entries(flags)) {
        py('tools/convert_diffa2.py', ...sources, ...args, '--template', '--out', join(dir, `converter-${d}`));
        for (const f of ['audio.onnx', 'llm.onnx', 'build-plan.json']) {
          const a = readFileSync(join(dir, 'one-trace', `${archName}-${d}`, f));
          assert.ok(a.equals(readFileSync(join(dir, `converter-${d}`, f))), `${archName}-${d}/${f} differs from the converter's`);
        }
      }
    });
  }
});
