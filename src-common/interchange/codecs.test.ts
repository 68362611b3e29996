import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Region } from '../api/library';
import { readAudacityLabels } from './audacity';
import { validateEaf } from './eaf-validate';
import { detectImportFormat, exportText, readAnnotation } from './formats';
import { sampleSource, TRICKY } from './test-sample';
import { readTextGrid } from './textgrid-read';
import { regionsFromAnnotation, tierIntervals } from './to-regions';
import { parseXml } from './xml';

let ids = 0;
const newId = () => `r${++ids}`;

function assertSameRegions(actual: Region[], expected: Region[], tolerance: number, labels = true) {
  const key = (r: Region) => `${r.group ?? 'regions'}|${r.start.toFixed(2)}`;
  const sorted = (list: Region[]) => [...list].sort((a, b) => key(a).localeCompare(key(b)) || a.start - b.start);
  const [a, e] = [sorted(actual), sorted(expected)];
  assert.equal(a.length, e.length, `region count: ${a.map(key)} vs ${e.map(key)}`);
  a.forEach((r, i) => {
    const x = e[i] as Region;
    assert.ok(Math.abs(r.start - x.start) <= tolerance && Math.abs(r.end - x.end) <= tolerance, `${key(r)}: ${r.start}–${r.end} vs ${x.start}–${x.end}`);
    assert.equal(r.group, x.group ?? 'regions');
    if (labels) assert.equal(r.label, x.label);
  });
}

describe('interchange codecs', () => {
  const source = sampleSource();

  it('TextGrid: long format round trip keeps regions exactly, groups, points, labels with quotes, newlines and non-ASCII', () => {
    const text = exportText('textgrid', source, '');
    const back = readTextGrid(text);
    assert.ok(back.tiers.some((t) => t.kind === 'point'));
    // Praat's rule: an interval tier covers the whole file without gaps.
    for (const tier of back.tiers.filter((t) => t.kind === 'interval')) {
      assert.equal(tier.items[0]?.start, 0);
      assert.equal(tier.items[tier.items.length - 1]?.end, back.duration);
      for (let i = 1; i < tier.items.length; i++) assert.equal(tier.items[i]?.start, tier.items[i - 1]?.end);
    }
    assertSameRegions(regionsFromAnnotation(back, { newId }), source.regions, 0);
    const answers = regionsFromAnnotation(back, { newId, includeAnswerTiers: true }).filter((r) => r.group?.startsWith('Q: '));
    assert.deepEqual(
      answers
        .filter((r) => r.group === 'Q: What is said?')
        .map((r) => r.label)
        .sort(),
      // w0 was asked twice: its tier keeps the later answer (JSON and CSV keep both); the empty answer (only an end
      // marker) is not exported as an answer.
      [...TRICKY.slice(1).filter((t) => t !== ''), 'asked twice'].sort(),
    );
    // One tier per question, however its answers overlap.
    assert.deepEqual(
      back.tiers.filter((t) => t.name.startsWith('Q: ')).map((t) => t.name),
      ['Q: What is said?', 'Q: What kind of sound is this?'],
    );
  });

  it('TextGrid: reads the short text format and files with comments, and asks per interval of a tier', () => {
    const short = `File type = "ooTextFile"\nObject class = "TextGrid"\n\n0\n2.5\n<exists>\n2\n"IntervalTier"\n"words"\n0\n2.5\n3\n0\n1\n"a ""b"""\n1\n2\n""\n2\n2.5\n"c"\n"TextTier"\n"tones"\n0\n2.5\n1\n1.5\n"H*"\n`;
    const grid = readTextGrid(short);
    assert.deepEqual(
      grid.tiers.map((t) => [t.name, t.kind, t.items.length]),
      [
        ['words', 'interval', 3],
        ['tones', 'point', 1],
      ],
    );
    assert.deepEqual(tierIntervals(grid, 'words'), [
      { start: 0, end: 1, text: 'a "b"' },
      { start: 2, end: 2.5, text: 'c' },
    ]);
    assert.equal(tierIntervals(grid, 'missing'), null);
    const regions = regionsFromAnnotation(grid, { newId });
    assert.deepEqual(
      regions.map((r) => [r.group, r.start, r.end, r.label]),
      [
        ['words', 0, 1, 'a "b"'],
        ['tones', 1.5, 1.5, 'H*'],
        ['words', 2, 2.5, 'c'],
      ],
    );
    assert.equal(detectImportFormat('x.txt', short), 'textgrid');
  });

  it('EAF: valid against the EAF 3.0 structure, escapes text, links media, and reads back within 1 ms', () => {
    const text = exportText('eaf', source, '2026-01-01T00:00:00.000Z');
    assert.deepEqual(validateEaf(text), []);
    const root = parseXml(text);
    const media = root.children[0]?.children.find((c) => c.name === 'MEDIA_DESCRIPTOR');
    assert.equal(media?.attributes.MEDIA_URL, source.mediaUrl);
    assert.equal(media?.attributes.MIME_TYPE, 'audio/wav');
    const back = readAnnotation('eaf', text, 'x.eaf');
    assertSameRegions(regionsFromAnnotation(back, { newId }), source.regions, 0.001);
    const answers = back.tiers.find((t) => t.name === 'Q: What is said?')?.items.map((i) => i.text);
    for (const tricky of [...TRICKY.slice(1).filter((t) => t !== ''), 'asked twice'])
      assert.ok(answers?.includes(tricky), `answer ${JSON.stringify(tricky)} survives`);
  });

  it('EAF validator: finds broken references, order, duplicate ids and malformed XML', () => {
    const good = exportText('eaf', source, '2026-01-01T00:00:00Z');
    assert.match(validateEaf(good.replace('TIME_SLOT_REF2="ts2"', 'TIME_SLOT_REF2="ts999"')).join(), /missing time slot/);
    assert.match(validateEaf(good.replace('TIME_SLOT_ID="ts2"', 'TIME_SLOT_ID="ts1"')).join(), /used twice/);
    assert.match(validateEaf(good.replace('<TIME_ORDER>', '<TIME_ORDER><TIME_SLOT TIME_SLOT_ID="late" TIME_VALUE="99999"/>')).join(), /out of time order/);
    assert.match(validateEaf(good.replace(' DATE="2026-01-01T00:00:00Z"', '')).join(), /DATE/);
    assert.match(validateEaf(good.replace('&amp;', '&')).join(), /bare "&"/);
    assert.match(validateEaf(good.replace('</TIER>', '')).join(), /does not close/);
    const moved = good
      .replace(/(<LINGUISTIC_TYPE [^>]*\/>)/, '')
      .replace('<TIME_ORDER>', '$&')
      .replace('</HEADER>', '</HEADER>\n<LINGUISTIC_TYPE LINGUISTIC_TYPE_ID="diffa-default"/>');
    assert.match(validateEaf(moved).join(), /comes after/);
  });

  it('Audacity labels: frequency lines, tabs and newlines flattened, round trip within a microsecond', () => {
    const onlyRegions = { ...source, exchanges: [], regions: source.regions.filter((r) => r.group === null) };
    const text = exportText('audacity', onlyRegions, '');
    assert.equal(text, '3.000000\t4.000000\tbird\n\\\t2000.000000\t8000.500000\n');
    const tier = readAudacityLabels(`${text}1\t2\tx\n\t-1\t300\n5\n`);
    assert.deepEqual(tier.items, [
      { start: 3, end: 4, text: 'bird', lowHz: 2000, highHz: 8000.5 },
      { start: 1, end: 2, text: 'x', highHz: 300 },
      { start: 5, end: 5, text: '' },
    ]);
    const all = exportText('audacity', { ...source, exchanges: [] }, '');
    assert.ok(all.split('\n').every((line) => line.split('\t').length <= 3));
  });

  it('SRT and WebVTT: answers as cues in time order, escaped for VTT, never an empty cue', () => {
    const srt = exportText('srt', source, '');
    assert.match(srt, /^1\n00:00:00,000 --> 00:00:10,000\nWhat kind of sound is this\?\nspeech\n/);
    assert.ok(!/\n\n\n/.test(srt), 'no blank line inside a cue');
    assert.doesNotMatch(srt, /empty answer|no answer/, 'an answer that is only an end marker is left out by default');
    assert.match(exportText('srt', { ...source, emptyAnswers: 'mark' }, ''), /What is said\?\n\[no answer\]\n/);
    const vtt = exportText('vtt', source, '');
    assert.ok(vtt.startsWith('WEBVTT\n\nNOTE '));
    assert.match(vtt, /&lt;&amp;&gt; &amp; &lt;\/ANNOTATION_VALUE&gt;/);
    assert.match(vtt, /00:00:00\.123 --> 00:00:00\.988/);
  });

  it('CSV and JSON: one row per exchange with provenance; quotes, commas and newlines quoted', () => {
    const csv = exportText('csv', source, '');
    const header = csv.split('\r\n')[0] ?? '';
    for (const column of ['model_sha256', 'provider', 'sampler', 'seed', 'prompt', 'total_ms', 'confidence', 'unsure'])
      assert.ok(header.split(',').includes(column));
    assert.match(csv, /"two\nlines"/);
    assert.match(csv, /"say ""hi"""/);
    const json = JSON.parse(exportText('json', source, ''));
    assert.equal(json.length, source.exchanges.length - 1, 'the empty answer is left out');
    const marked = JSON.parse(exportText('json', { ...source, emptyAnswers: 'mark' }, ''));
    assert.equal(marked.length, source.exchanges.length);
    assert.ok(marked.some((r: { answer: string; no_answer: boolean }) => r.answer === '[no answer]' && r.no_answer));
    assert.equal(json[0].model_sha256, 'ab'.repeat(32));
    assert.equal(json[0].seed, 7);
    assert.equal(json.at(-1).status, 'failed');
    assert.equal(json.at(-1).error, 'engine crashed');
    assert.equal(json.at(-2).end, 10);
  });

  it('marks measured answers and answers to questions outside the training wherever they are exported', () => {
    const asked = source.exchanges.find((e) => e.id === 'e-whole');
    if (!asked) throw new Error('no sample exchange');
    const measured = {
      ...asked,
      id: 'm1',
      question: 'Is it clipped?',
      route: 'measured' as const,
      answer: null,
      measured: { measure: 'clipping' as const, text: 'No — no clipped runs.', standard: 'runs of ≥ 2 samples', facts: { clippedRuns: 0 } },
    };
    const outside = { ...asked, id: 'o1', question: 'What instrument is this?', route: 'outside' as const, askedAnyway: true };
    const unanswered = { ...asked, id: 'o2', question: 'Who is speaking?', route: 'outside' as const, answer: null };
    const marked = { ...source, exchanges: [measured, outside, unanswered] };
    const textGrid = exportText('textgrid', marked, '');
    assert.match(textGrid, /No — no clipped runs\. \[measured\]/);
    assert.match(textGrid, new RegExp(`${asked.answer?.answer} \\[outside training\\]`));
    assert.doesNotMatch(textGrid, /Who is speaking/, 'a question left unanswered is not exported as answered');
    const rows = JSON.parse(exportText('json', marked, ''));
    assert.deepEqual(
      rows.map((r: { route: string; outside_training: boolean }) => [r.route, r.outside_training]),
      [
        ['measured', false],
        ['outside', true],
        ['outside', true],
      ],
    );
    assert.equal(rows[0].measured_standard, 'runs of ≥ 2 samples');
    assert.equal(rows[2].answer, null);
  });
});
