import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';

/**
 * The Python export traces each bundle graph with only the modules it reads: tracing audio.onnx with LLaDA
 * attached (and llm.onnx with Whisper attached) made PyTorch's exporter materialise the other half, > 64 GB at
 * full size. tools/check_export_memory.py makes the untraced half ~1.1 GB and bounds the trace's peak RSS growth
 * (measured here: ~20 MB with the fix, ~1.17 GB without).
 */
const root = join(import.meta.dirname, '..', '..');
const env = { ...process.env, OMP_NUM_THREADS: '1' };
const python = [process.env.DIFFA_PYTHON, 'python3', '/usr/bin/python3'].find(
  (p) => p && spawnSync(p, ['-c', 'import torch, onnx, numpy'], { env }).status === 0,
);
const missing = 'python3 with torch, onnx and numpy is needed (Debian: apt install python3-torch python3-onnx python3-numpy)';
if (!python && process.env.CI) throw new Error(missing);

describe('DIFFA-2 export memory', { skip: python ? false : missing }, () => {
  for (const graph of ['audio', 'llm']) {
    it(`${graph}.onnx is traced without the other half of the model`, () => {
      const r = spawnSync(python as string, ['tools/check_export_memory.py', '--graph', graph], { cwd: root, env, encoding: 'utf8' });
      const line = r.stdout.trim().split('\n').at(-1) ?? '';
      console.log(`# ${line}`);
      assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
      const report = JSON.parse(line) as { peak_growth: number; untraced_bytes: number };
      assert.ok(report.peak_growth < report.untraced_bytes / 4);
    });
  }
});
