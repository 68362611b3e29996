import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * The reference Python tools (tools/*.py) for tests that compare the app with them. Debian's python3-torch installs
 * into the system interpreter; a PATH python3 (pyenv, venv) may lack it, so the first interpreter that has torch, onnx
 * and numpy is used. Without one the tests skip with `pythonMissing` — except in CI, where that is an error.
 */
const root = join(import.meta.dirname, '..', '..');
export const pythonEnv = { ...process.env, OMP_NUM_THREADS: '1' };
export const python = [process.env.DIFFA_PYTHON, 'python3', '/usr/bin/python3'].find(
  (p) => p && spawnSync(p, ['-c', 'import torch, onnx, numpy'], { env: pythonEnv }).status === 0,
);
export const pythonMissing = 'python3 with torch, onnx and numpy is needed (Debian: apt install python3-torch python3-onnx python3-numpy)';
if (!python && process.env.CI) throw new Error(pythonMissing);

/** Runs a tool from the repository's root; a non-zero exit fails the test with its output. */
export function py(...args: string[]) {
  const r = spawnSync(python as string, args, { cwd: root, env: pythonEnv, encoding: 'utf8' });
  assert.equal(r.status, 0, `${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  return r;
}
