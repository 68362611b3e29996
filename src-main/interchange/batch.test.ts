import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { validateEaf } from '../../src-common/interchange/eaf-validate';
import { readTextGrid } from '../../src-common/interchange/textgrid-read';
import { main } from '../cli/cli';
import { openAppHome } from '../core/app-home';
import { bundledModelsDir } from '../core/resources';
import { EngineClient } from '../engine/engine-client';
import { engineEnv, forkEngine } from '../engine/fork-engine';
import { tempDir } from '../test-support/temp-dir';
import { writeSineWav } from '../test-support/wav';
import { listInputs } from './batch-inputs';
import { type BatchOptions, planBatch } from './batch-plan';
import { type BatchProgress, runBatch } from './batch-run';

// Short answers keep this test quick on two busy cores; the batch logic does not depend on their length.
const DECODING = { steps: 4, genLength: 4, blockLength: 4 };

describe('batch: folders × questions → annotation files, resumable, failures reported', () => {
  const root = tempDir();
  const home = openAppHome(join(root, 'home'));
  const engine = new EngineClient(forkEngine(engineEnv(home.cache)));
  after(() => engine.dispose());
  const input = join(root, 'in');
  mkdirSync(join(input, 'sub'), { recursive: true });
  writeSineWav(join(input, 'a.wav'), 1, 440);
  writeSineWav(join(input, 'sub', 'b.wav'), 1, 880);
  writeFileSync(join(input, 'sub', 'broken.wav'), 'not audio at all');
  writeFileSync(
    join(input, 'a.TextGrid'),
    'File type = "ooTextFile"\nObject class = "TextGrid"\n\n0\n1\n<exists>\n1\n"IntervalTier"\n"words"\n0\n1\n3\n0\n0.4\n"one"\n0.4\n0.6\n""\n0.6\n1\n"two"\n',
  );
  const options = async (patch: Partial<BatchOptions>): Promise<BatchOptions> => ({
    inputs: await listInputs([input]),
    questions: ['What kind of sound is this?'],
    format: 'textgrid',
    out: join(root, 'out'),
    modelDir: join(bundledModelsDir(), 'diffa-tiny'),
    decoding: DECODING,
    provider: 'cpu',
    ...patch,
  });

  it('writes one TextGrid per input mirroring folders, reports the broken file and goes on; a rerun skips finished answers', async () => {
    const plan = await planBatch(await options({}));
    const seen: BatchProgress[] = [];
    const summary = await runBatch(plan, engine, { onProgress: (p) => seen.push(p) });
    assert.equal(summary.answered, 2);
    assert.equal(summary.failed, 1);
    assert.deepEqual(
      summary.failures.map((f) => f.file),
      ['sub/broken.wav'],
    );
    assert.ok(
      seen.some((p) => p.failure?.file === 'sub/broken.wav'),
      'the failure is reported as it happens',
    );
    assert.ok(summary.engineMs > 0);
    const grid = readTextGrid(readFileSync(join(root, 'out', 'sub', 'b.TextGrid'), 'utf8'));
    assert.deepEqual(
      grid.tiers.map((t) => t.name),
      ['Q: What kind of sound is this?'],
    );
    assert.equal(grid.duration, 1);

    const again = await runBatch(await planBatch(await options({})), engine);
    assert.equal(again.answered, 0);
    assert.equal(again.skipped, 2);
    assert.equal(again.failed, 1, 'the failed file is tried again');
  });

  it('asks per interval of a sidecar tier into one CSV, and EAF outputs are valid', async () => {
    const csvPath = join(root, 'tier.csv');
    const summary = await runBatch(await planBatch(await options({ inputs: [join(input, 'a.wav')], tier: 'words', format: 'csv', out: csvPath })), engine);
    assert.equal(summary.answered, 2, 'two labelled intervals; the empty one is a gap');
    const rows = readFileSync(csvPath, 'utf8').trim().split('\r\n');
    assert.equal(rows.length, 3);
    assert.match(rows[1] ?? '', /^a\.wav,[^,]+,done,,1,one,words,0,0\.4,What kind of sound is this\?/);

    const eafOut = join(root, 'eaf');
    await runBatch(await planBatch(await options({ inputs: [join(input, 'a.wav')], tier: 'words', format: 'eaf', out: eafOut })), engine);
    const eaf = readFileSync(join(eafOut, 'a.eaf'), 'utf8');
    assert.deepEqual(validateEaf(eaf), []);
    assert.match(eaf, /RELATIVE_MEDIA_URL="\.\.\/in\/a\.wav"/);
  });

  it('CLI: exit 1 only when everything failed, 0 when something was answered', async () => {
    const out = join(root, 'cli.jsonl');
    const args = [
      'batch',
      '--home',
      home.root,
      '--question',
      'What kind of sound is this?',
      '--format',
      'jsonl',
      '--out',
      out,
      '--steps',
      '4',
      '--gen-length',
      '4',
      '--block-length',
      '4',
    ];
    assert.equal(await main([...args, '--input', join(input, 'sub', 'broken.wav')]), 1);
    assert.equal(await main([...args, '--input', join(input, 'sub')]), 0);
    const lines = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(lines.length, 1);
    assert.equal(lines[0].file, 'b.wav');
    assert.equal(lines[0].model_id, 'diffa-tiny');
    rmSync(out);
  });
});
