import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { truncateSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { bundleLabel } from '../models/bundle';
import { makeBundle, writeBundle } from '../models/testing/make-bundle';
import { tempDir } from '../test-support/temp-dir';
import { publicMessage } from './public-error';

const hasTar = spawnSync('tar', ['--version']).status === 0;

/** CLI errors name the model and the file, never the app's staging folders (which the user cannot act on). */
describe('CLI error messages', () => {
  it('replace staging paths with the model they belong to', () => {
    assert.equal(
      publicMessage("ENOSPC: no space left on device, write '/home/u/.local/share/diffa/models/.staging/diffa-tiny/bundle/llm.onnx'"),
      'ENOSPC: no space left on device, write llm.onnx of the download of diffa-tiny',
    );
    assert.equal(
      publicMessage("EACCES: permission denied, rename 'C:\\Users\\u\\models\\.staging\\import-1a2b3c4d' -> 'C:\\Users\\u\\models\\x'"),
      "EACCES: permission denied, rename the model being imported -> 'C:\\Users\\u\\models\\x'",
    );
    assert.equal(
      publicMessage('/home/u/models/.staging/diffa-tiny/bundle/tokenizer.json: SHA-256 0a1b does not match the expected 2c3d'),
      'tokenizer.json of the download of diffa-tiny: SHA-256 0a1b does not match the expected 2c3d',
    );
    assert.equal(publicMessage('Cannot read tone.wav: the file is empty'), 'Cannot read tone.wav: the file is empty');
    assert.equal(bundleLabel('/m/.staging/diffa-tiny/bundle'), 'The download of diffa-tiny');
    assert.equal(bundleLabel('/m/diffa-tiny'), 'Model bundle /m/diffa-tiny');
  });

  it('`models import` of a damaged pack names the file and the problem, not the staging folder', { skip: !hasTar }, () => {
    const dir = tempDir();
    const source = writeBundle(makeBundle('damaged'), join(dir, 'usb', 'damaged'));
    truncateSync(join(source, 'llm.onnx'), 1000);
    const pack = join(dir, 'damaged.tar');
    spawnSync('tar', ['-cf', pack, '-C', join(dir, 'usb'), 'damaged']);
    const run = spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'main.ts'), 'models', 'import', pack], {
      encoding: 'utf8',
      env: { ...process.env, DIFFA_HOME: join(dir, 'home') },
    });
    assert.equal(run.status, 1, run.stderr);
    assert.match(run.stderr, /The model being imported: llm\.onnx has 1000 bytes/);
    assert.doesNotMatch(run.stderr, /\.staging/);
    assert.doesNotMatch(run.stderr, /^\s+at /m, 'no stack trace');
  });
});
