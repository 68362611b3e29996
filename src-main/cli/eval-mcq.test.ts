import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { type McqFormat, readMcqFile } from '../eval/mcq-formats';
import { protocolDecoding } from '../eval/mcq-prompt';
import { judgeOutput } from '../eval/mcq-score';
import { fixtureEntries, fixtureWithAudio } from '../test-support/mcq-fixtures';
import { tempDir } from '../test-support/temp-dir';

const entry = join(import.meta.dirname, 'main.ts');
const home = tempDir();
const diffa = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', entry, 'eval', ...args], { encoding: 'utf8', env: { ...process.env, DIFFA_HOME: home } });

interface Report {
  format: string;
  decoding: Record<string, unknown>;
  items: number;
  scored: number;
  skipped: { index: number; id: string; problem: string }[];
  overall: { n: number; correct: number; accuracy: number; unmatched: number; empty: number };
  groups: Record<string, Record<string, { n: number; correct: number }>>;
  results: { index: number; id: string; answer: string; output: string; chosen: string | null; correct: boolean }[];
}

/** Every output the real engine gave is scored by the benchmark's rule, and the tallies add up. */
function assertScoredByTheRule(format: McqFormat, file: string, report: Report) {
  const items = new Map(readMcqFile(format, file).items.map((item) => [item.index, item]));
  for (const result of report.results) {
    const item = items.get(result.index);
    assert.ok(item, `result for item ${result.index}`);
    const { chosen, correct } = judgeOutput(format, item, result.output);
    assert.deepEqual({ chosen: result.chosen, correct: result.correct }, { chosen, correct }, `item ${result.id}: "${result.output}"`);
  }
  const correct = report.results.filter((r) => r.correct).length;
  assert.deepEqual(report.overall, {
    n: report.results.length,
    correct,
    accuracy: correct / report.results.length,
    unmatched: report.results.filter((r) => r.chosen === null).length,
    empty: report.results.filter((r) => r.output.trim() === '').length,
  });
  for (const byGroup of Object.values(report.groups))
    assert.equal(
      Object.values(byGroup).reduce((sum, t) => sum + t.n, 0),
      report.results.length,
    );
}

describe('diffa eval --format (MMAU, MMSU, MMAR through the real engine)', () => {
  it('MMAU: every question asked with the protocol decoding, scored, the bad entries named and left out', () => {
    const dir = tempDir();
    const file = fixtureWithAudio('mmau', dir);
    const good = fixtureEntries('mmau');
    const [first] = good;
    writeFileSync(
      file,
      JSON.stringify([...good, { ...first, id: 'not-a-list', choices: 'High, Low' }, { ...first, id: 'gone', audio_id: './test-mini-audios/gone.wav' }]),
    );
    const out = join(dir, 'predictions.json');
    const run = diffa('--format', 'mmau', file, '--json', '--out', out);
    assert.equal(run.status, 1, 'an entry left out makes the exit code 1');
    assert.match(run.stderr, /item 5 \(not-a-list\): "choices" must be a list of strings/);
    assert.match(run.stderr, /item 6 \(gone\): the audio file .*gone\.wav does not exist/);
    const report = JSON.parse(run.stdout) as Report;
    assert.equal(report.format, 'mmau');
    assert.deepEqual(report.decoding, protocolDecoding(false));
    assert.equal(report.items, 6);
    assert.equal(report.scored, good.length, 'the good entries are all scored');
    assert.deepEqual(
      report.skipped.map((s) => s.id),
      ['not-a-list', 'gone'],
    );
    assert.deepEqual(Object.keys(report.groups), ['task', 'difficulty', 'sub-category']);
    assertScoredByTheRule('mmau', file, report);
    // The predictions file holds the entries as published, with the output under the key MMAU's scorer reads.
    const written = JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>[];
    assert.deepEqual(
      written.map((row) => [row.id, row.model_prediction, row.model_output, row.match]),
      report.results.map((r) => [r.id, r.output, r.output, r.correct ? 1 : 0]),
    );
    assert.equal(written[0]?.['sub-category'], first?.['sub-category']);
  });

  it('MMSU: JSON Lines, the letter rule, accuracy per category printed, predictions as JSON Lines', () => {
    const dir = tempDir();
    const file = fixtureWithAudio('mmsu', dir);
    const out = join(dir, 'res.jsonl');
    const text = diffa('--format', 'mmsu', file, '--out', out);
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /^MMSU: 3 of 3 questions scored \(low-confidence, 16 steps, block 16, 16 tokens\)$/m);
    assert.match(text.stdout, /^category\n {2}perception +\d+\.\d\d % {2}\(\d\/2/m);
    assert.match(text.stdout, /^ {2}reasoning \/ semantics \/ pragmatics +\d+\.\d\d % {2}\(\d\/1/m);
    const overall = /^overall +\d+\.\d\d % {2}\((\d)\/3/m.exec(text.stdout);
    assert.ok(overall, text.stdout);
    // The output sits under "response", the key MMSU's scorer reads; "match" is the letter rule's verdict.
    const items = readMcqFile('mmsu', file).items;
    const rows = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.deepEqual(
      rows.map((row) => row.id),
      items.map((item) => item.id),
    );
    for (const [i, row] of rows.entries()) {
      const item = items[i] as (typeof items)[number];
      assert.equal(row.match, judgeOutput('mmsu', item, String(row.response)).correct ? 1 : 0);
    }
    assert.equal(String(rows.filter((row) => row.match === 1).length), overall[1]);
  });

  it('MMAR: --accelerate is the factor rule, decoding flags still override, --limit takes the first entries', () => {
    const dir = tempDir();
    const file = fixtureWithAudio('mmar', dir);
    const run = diffa('--format', 'mmar', file, '--json', '--accelerate', '--gen-length', '8', '--block-length', '8', '--limit', '2');
    assert.equal(run.status, 0, run.stderr);
    const report = JSON.parse(run.stdout) as Report;
    assert.deepEqual(
      report.results.map((r) => r.index),
      [1, 2],
    );
    assert.deepEqual(report.decoding, { ...protocolDecoding(true), genLength: 8, blockLength: 8 });
    assert.deepEqual(Object.keys(report.groups), ['modality', 'category', 'sub-category']);
    assertScoredByTheRule('mmar', file, report);
  });

  it('says what is wrong with the command line', () => {
    assert.match(diffa('--format', 'mmlu', 'x.json').stderr, /--format must be one of mmau, mmsu, mmar/);
    assert.match(diffa('--format', 'mmau').stderr, /needs the benchmark's JSON file/);
    assert.match(diffa('--format', 'mmau', 'x.json', '--ablate', 'silence').stderr, /--ablate is for the app's own eval folders/);
    const missing = diffa('--format', 'mmau', join(home, 'nope.json'));
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /No benchmark file at .*nope\.json/);
  });
});
