import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readEaf } from '../../src-common/interchange/eaf-read';
import { exportText } from '../../src-common/interchange/formats';
import { sampleSource } from '../../src-common/interchange/test-sample';
import { regionsFromAnnotation } from '../../src-common/interchange/to-regions';
import { main } from '../cli/cli';
import { tempDir } from '../test-support/temp-dir';
import { writeSineWav } from '../test-support/wav';

describe('CLI import and export', () => {
  it('imports a TextGrid into the library and exports it as EAF with the same regions (within 1 ms)', async () => {
    const dir = tempDir();
    const home = join(dir, 'home');
    const audio = writeSineWav(join(dir, 'take.wav'), 10);
    const grid = join(dir, 'take.TextGrid');
    const sample = { ...sampleSource(), exchanges: [] };
    writeFileSync(grid, exportText('textgrid', sample, ''));
    assert.equal(await main(['import', '--home', home, '--audio', audio, '--annotations', grid]), 0);
    assert.equal(await main(['export', '--home', home, '--audio', audio, '--format', 'eaf']), 0);
    let n = 0;
    const back = regionsFromAnnotation(readEaf(readFileSync(join(dir, 'take.eaf'), 'utf8')), { newId: () => `${++n}` });
    assert.equal(back.length, sample.regions.length);
    for (const r of sample.regions) {
      assert.ok(
        back.some((b) => Math.abs(b.start - r.start) <= 0.001 && Math.abs(b.end - r.end) <= 0.001 && b.label === r.label),
        `${r.label} at ${r.start}`,
      );
    }
    assert.equal(await main(['import', '--home', home, '--audio', audio, '--annotations', join(dir, 'missing.TextGrid')]), 1);
  });
});
