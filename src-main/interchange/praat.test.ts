import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { exportText } from '../../src-common/interchange/formats';
import { sampleSource, TRICKY } from '../../src-common/interchange/test-sample';
import { readTextGrid } from '../../src-common/interchange/textgrid-read';
import { regionsFromAnnotation } from '../../src-common/interchange/to-regions';
import { tempDir } from '../test-support/temp-dir';
import { readAnnotationFile } from './annotation-file';

// Reads a TextGrid the way a linguist would, and prints what Praat sees: tiers, their kinds, counts and labels.
const SCRIPT = `form Tiers
  sentence Path
endform
tg = Read from file: path$
n = Get number of tiers
writeInfoLine: "tiers", tab$, n
for i to n
  name$ = Get tier name: i
  isInt = Is interval tier: i
  if isInt
    c = Get number of intervals: i
    appendInfoLine: "interval", tab$, c, tab$, name$
    for k to c
      lab$ = Get label of interval: i, k
      appendInfoLine: "label", tab$, replace$ (lab$, newline$, "\\n", 0)
    endfor
  else
    c = Get number of points: i
    appendInfoLine: "point", tab$, c, tab$, name$
  endif
endfor
`;

const praat = spawnSync('praat', ['--version'], { encoding: 'utf8' });
const missing = praat.error ? 'praat is not installed (apt-get install praat)' : false;

describe('exported TextGrids open in Praat', { skip: missing }, () => {
  it('reads every tier with the counts, kinds and tricky labels we wrote', () => {
    const dir = tempDir();
    const text = exportText('textgrid', sampleSource(), '');
    const path = join(dir, 'sample.TextGrid');
    writeFileSync(path, text);
    writeFileSync(join(dir, 'tiers.praat'), SCRIPT);
    const run = spawnSync('praat', ['--run', join(dir, 'tiers.praat'), path], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(run.status, 0, run.stderr);
    const lines = run.stdout.trim().split('\n');
    const ours = readTextGrid(text);
    assert.equal(lines[0], `tiers\t${ours.tiers.length}`);
    const praatTiers = lines.filter((l) => l.startsWith('interval\t') || l.startsWith('point\t')).map((l) => l.split('\t'));
    assert.deepEqual(
      praatTiers.map(([kind, count, name]) => [kind, Number(count), name]),
      ours.tiers.map((t) => [t.kind, t.items.length, t.name]),
    );
    const labels = lines.filter((l) => l.startsWith('label\t')).map((l) => l.slice(6).replace(/\\n/g, '\n'));
    for (const tricky of TRICKY.filter(Boolean)) assert.ok(labels.includes(tricky), `Praat reads ${JSON.stringify(tricky)}`);
  });

  it('reads back what Praat itself saves, in its long and short text formats (UTF-16 when not ASCII)', async () => {
    const dir = tempDir();
    const source = sampleSource();
    const path = join(dir, 'ours.TextGrid');
    writeFileSync(path, exportText('textgrid', source, ''));
    const script = join(dir, 'resave.praat');
    writeFileSync(
      script,
      `form Resave\n  sentence In\n  sentence Long\n  sentence Short\nendform\nRead from file: in$\nSave as text file: long$\nSave as short text file: short$\n`,
    );
    const [long, short] = [join(dir, 'long.TextGrid'), join(dir, 'short.TextGrid')];
    const run = spawnSync('praat', ['--run', script, path, long, short], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(run.status, 0, run.stderr);
    let n = 0;
    const expected = regionsFromAnnotation(readTextGrid(readFileSync(path, 'utf8')), { newId: () => `${++n}` });
    for (const file of [long, short]) {
      const back = regionsFromAnnotation(await readAnnotationFile(file), { newId: () => `${++n}` });
      assert.deepEqual(
        back.map((r) => [r.group, r.start, r.end, r.label]),
        expected.map((r) => [r.group, r.start, r.end, r.label]),
        file,
      );
    }
  });
});
