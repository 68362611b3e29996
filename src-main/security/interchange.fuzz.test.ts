import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import * as fc from 'fast-check';
import { writeAudacityLabels } from '../../src-common/interchange/audacity';
import { writeEaf } from '../../src-common/interchange/eaf-write';
import type { ImportFormat } from '../../src-common/interchange/formats';
import { writeTextGrid } from '../../src-common/interchange/textgrid-write';
import type { Annotation } from '../../src-common/interchange/tiers';
import { fuzzParameters, fuzzWorker, type GuardedReply, GuardedWorker } from './fuzz-support';
import type { ImportJob, ImportOutcome } from './workers/interchange-worker';

/**
 * The annotation importers (Praat TextGrid, ELAN EAF, Audacity labels) under mutated real files and random text:
 * each input is read or refused with an error that names the format ("TextGrid: …", "EAF: …", "XML: …",
 * "Labels: …"), never a TypeError or RangeError; what is read becomes regions the library can store; nothing
 * takes more than 3 s (checked in a worker that is replaced when it hangs).
 */
const worker = new GuardedWorker<ImportJob, ImportOutcome>(fuzzWorker('interchange-worker.ts'), 3000);
after(() => worker.close());

const sample: Annotation = {
  duration: 4.5,
  tiers: [
    {
      name: 'words',
      kind: 'interval',
      items: [
        { start: 0.1, end: 0.8, text: 'dog "bark"' },
        { start: 1, end: 2.25, text: 'car & horn <loud>' },
      ],
    },
    { name: 'events', kind: 'point', items: [{ start: 3, end: 3, text: 'click' }] },
  ],
};
const seeds: { fileName: string; format: ImportFormat; text: string }[] = [
  { fileName: 'sample.TextGrid', format: 'textgrid', text: writeTextGrid(sample) },
  { fileName: 'sample.eaf', format: 'eaf', text: writeEaf(sample, { date: '2026-01-01T00:00:00Z', mediaUrl: 'file:///tmp/a.wav' }) },
  {
    fileName: 'labels.txt',
    format: 'audacity',
    text: writeAudacityLabels([...(sample.tiers[0]?.items ?? []), { start: 3, end: 3.5, text: 'hz', lowHz: 100, highHz: 2000 }]),
  },
];

const TYPED = /^(TextGrid|EAF|XML|Labels): /;

function assertClean(reply: GuardedReply<ImportOutcome>, what: () => string): void {
  if ('hang' in reply) assert.fail(`${what()}: no answer after ${reply.ms} ms (hang)`);
  if ('crashed' in reply) assert.fail(`${what()}: crashed the worker: ${reply.crashed}`);
  if (!reply.ok) {
    assert.ok(['Error', 'XmlError'].includes(reply.error.name), `${what()}: threw ${reply.error.name}: ${reply.error.message}\n${reply.error.stack}`);
    assert.match(reply.error.message, TYPED, what());
  } else assert.equal(reply.result.invalidRegion, null, `${what()}: a region the library would refuse`);
}

/** Text edits that matter to these formats: quotes, angle brackets, entities, numbers out of range, cuts. */
const TOKENS = [
  '"',
  '""',
  '<',
  '>',
  '/>',
  '&',
  '&#0;',
  '&#x110000;',
  '&amp',
  '\n',
  '\r',
  '\t',
  '\\\t',
  '!',
  '[',
  ']',
  '<exists>',
  '1e999',
  '-1e999',
  'NaN',
  '-0.5',
  '99999999999',
  '0',
  ']]>',
  '<![CDATA[',
  '<!--',
  '\uFEFF',
  '\u0000',
  '\ud800',
];
const textEdit = fc.record({
  at: fc.double({ min: 0, max: 1, noNaN: true }),
  remove: fc.nat({ max: 12 }),
  insert: fc.oneof(fc.constantFrom(...TOKENS), fc.string({ maxLength: 8 })),
});
const mutate = (text: string, edits: { at: number; remove: number; insert: string }[]) =>
  edits.reduce((t, { at, remove, insert }) => {
    const i = Math.floor(t.length * at);
    return t.slice(0, i) + insert + t.slice(i + remove);
  }, text);

describe('fuzz: annotation importers', () => {
  it('the seeds import', async () => {
    for (const seed of seeds) {
      const reply = await worker.run(seed);
      assert.ok('ok' in reply && reply.ok && reply.result.regions > 0, `${seed.fileName}: ${JSON.stringify(reply)}`);
    }
  });

  it('mutated TextGrid, EAF and label files', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...seeds), fc.array(textEdit, { minLength: 1, maxLength: 6 }), fc.boolean(), async (seed, edits, detect) => {
        const text = mutate(seed.text, edits);
        const job = detect ? { fileName: 'dropped', text } : { fileName: seed.fileName, text, format: seed.format };
        assertClean(await worker.run(job), () => `${seed.format} ${JSON.stringify(edits)}`);
      }),
      fuzzParameters(300),
    );
  });

  it('random text, read as each format and as whatever it looks like', async () => {
    const format = fc.constantFrom<ImportFormat | undefined>('textgrid', 'eaf', 'audacity', undefined);
    const text = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.string({ unit: fc.constantFrom(...TOKENS, 'a', ' ', '1', '.', '='), maxLength: 80 }).map((s) => s),
    );
    await fc.assert(
      fc.asyncProperty(format, text, async (f, t) => {
        assertClean(await worker.run(f ? { fileName: 'x', text: t, format: f } : { fileName: 'x.txt', text: t }), () => `${f}: ${JSON.stringify(t)}`);
      }),
      fuzzParameters(300),
    );
  });

  it('times out of range (1e999 is Infinity) are refused (TextGrid) or left out as unaligned (EAF)', async () => {
    const grid = 'File type = "ooTextFile"\nObject class = "TextGrid"\n0\n5\n<exists>\n1\n"IntervalTier"\n"w"\n0\n5\n1\n0\n1e999\n"x"\n';
    const reply = await worker.run({ fileName: 'inf.TextGrid', text: grid });
    assert.ok('ok' in reply && !reply.ok && /^TextGrid: the number 1e999 is out of range/.test(reply.error.message), JSON.stringify(reply));
    const eaf = (value: string) =>
      `<ANNOTATION_DOCUMENT><TIME_ORDER><TIME_SLOT TIME_SLOT_ID="a" TIME_VALUE="0"/><TIME_SLOT TIME_SLOT_ID="b" TIME_VALUE="${value}"/></TIME_ORDER><TIER TIER_ID="t"><ANNOTATION><ALIGNABLE_ANNOTATION TIME_SLOT_REF1="a" TIME_SLOT_REF2="b"><ANNOTATION_VALUE>x</ANNOTATION_VALUE></ALIGNABLE_ANNOTATION></ANNOTATION></TIER></ANNOTATION_DOCUMENT>`;
    for (const value of ['1e999', '-1e999', 'soon']) {
      const out = await worker.run({ fileName: 'inf.eaf', text: eaf(value) });
      assert.ok('ok' in out && out.ok && out.result.regions === 0 && out.result.invalidRegion === null, `${value}: ${JSON.stringify(out)}`);
    }
    const fine = await worker.run({ fileName: 'ok.eaf', text: eaf('1500') });
    assert.ok('ok' in fine && fine.ok && fine.result.regions === 1);
  });

  it('large inputs stay fast: deep nesting, many tiers, long strings', async () => {
    const big = [
      { fileName: 'deep.eaf', text: `<ANNOTATION_DOCUMENT>${'<A>'.repeat(50_000)}${'</A>'.repeat(50_000)}</ANNOTATION_DOCUMENT>` },
      {
        fileName: 'many.TextGrid',
        text: `File type = "ooTextFile"\nObject class = "TextGrid"\n0\n1\n<exists>\n99999999\n${'"IntervalTier" "t" 0 1 1 0 1 "x"\n'.repeat(20_000)}`,
      },
      { fileName: 'long.txt', text: `0\t1\t${'x'.repeat(800_000)}\n` },
      { fileName: 'unclosed.TextGrid', text: `File type = "ooTextFile\n${'a'.repeat(800_000)}` },
      { fileName: 'attrs.eaf', text: `<ANNOTATION_DOCUMENT${' a="1"'.repeat(1)}${' '.repeat(200_000)}/>` },
    ];
    for (const job of big) assertClean(await worker.run(job), () => job.fileName);
  });
});
