import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { tempDir } from '../test-support/temp-dir';
import { writeSineWav } from '../test-support/wav';

const entry = join(import.meta.dirname, 'main.ts');
const home = tempDir();
const files = tempDir('diffa-info-');
const diffa = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', entry, ...args], { encoding: 'utf8', env: { ...process.env, DIFFA_HOME: home } });

describe('diffa info', () => {
  const wav = writeSineWav(join(files, 'tone.wav'), 2, 1000, 16000);

  it('prints the facts of a region as JSON with the documented keys', () => {
    const run = diffa('info', '--audio', wav, '--start', '0.5', '--end', '1.5', '--json');
    assert.equal(run.status, 0, run.stderr);
    const json = JSON.parse(run.stdout);
    for (const key of ['duration_s', 'sample_rate', 'channels', 'bit_depth', 'peak_dbfs', 'true_peak_dbtp', 'rms_dbfs', 'lufs', 'clipped_runs', 'dc_offset']) {
      assert.ok(key in json, `key ${key}`);
    }
    assert.equal(json.duration_s, 1);
    assert.equal(json.sample_rate, 16000);
    assert.equal(json.bit_depth, 16);
    assert.ok(Math.abs(json.peak_dbfs + 6.02) < 0.01);
    assert.equal(json.clipped_runs, 0);
    assert.deepEqual(readdirSync(files), ['tone.wav'], 'nothing written next to the file');
  });

  it('prints a table for people', () => {
    const run = diffa('info', '--audio', wav);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /true peak\s+-6\.0\d dBTP/);
    assert.match(run.stdout, /16000 Hz, 1 ch, 16-bit/);
  });

  it('exits non-zero with the file and the problem for bad input', () => {
    writeFileSync(join(files, 'notes.wav'), 'hello');
    const run = diffa('info', '--audio', join(files, 'notes.wav'));
    assert.equal(run.status, 1);
    assert.match(run.stderr, /diffa info: Cannot read notes\.wav: not an audio format/);
    assert.match(diffa('info', '--audio', wav, '--start', '5').stderr, /after the end of the file/);
  });
});
