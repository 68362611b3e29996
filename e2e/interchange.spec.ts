import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Download, Page } from '@playwright/test';
import { decodeAnnotationBytes, parseQuestions, previewAnnotation } from '../src-renderer/interchange/logic';
import { expect, openApp, test } from './fixtures';
import { apiCall } from './support/api-call';
import { REPO_ROOT, type RunningHost } from './support/host';
import { sineWav } from './support/wav';

/**
 * The interchange UI (sidebar "Annotations") against the real headless host and the bundled DIFFA-Tiny: import a
 * UTF-16 TextGrid with two tiers, ask one question for every interval of a tier, export TextGrid and CSV as
 * downloads, and run a small batch to its end. Screenshots go to e2e/artifacts/interchange-*.png.
 */

const ARTIFACTS = join(REPO_ROOT, 'e2e', 'artifacts');
mkdirSync(ARTIFACTS, { recursive: true });
const QUESTION = 'What kind of sound is this?';

interface Region {
  start: number;
  end: number;
  label: string;
  group: string | null;
}

/** Opens a generated tone (its own frequency per test: the library is keyed by the audio's content). */
async function openClip(page: Page, host: RunningHost, name: string, frequency: number): Promise<string> {
  await openApp(page, host.url);
  const chooser = page.waitForEvent('filechooser');
  await page.getByTestId('open-file').click();
  await (await chooser).setFiles([{ name, mimeType: 'audio/wav', buffer: sineWav({ seconds: 2, frequency, sampleRate: 16_000 }) }]);
  await expect(page.getByTestId('file-name')).toHaveText(name);
  const open = await apiCall<{ id: string; name: string }[]>(host, 'files.list', {});
  const file = open.filter((f) => f.name === name).at(-1);
  if (!file) throw new Error(`${name} is not open`);
  return file.id;
}

/** A long-format TextGrid with an interval tier (gaps included, as Praat requires) and a point tier. */
function textGrid(): string {
  return [
    'File type = "ooTextFile"',
    'Object class = "TextGrid"',
    '',
    'xmin = 0',
    'xmax = 2',
    'tiers? <exists>',
    'size = 2',
    'item []:',
    '    item [1]:',
    '        class = "IntervalTier"',
    '        name = "words"',
    '        xmin = 0',
    '        xmax = 2',
    '        intervals: size = 5',
    ...[
      [0, 0.3, ''],
      [0.3, 0.8, 'hello'],
      [0.8, 1, ''],
      [1, 1.6, 'wörld'],
      [1.6, 2, ''],
    ].flatMap(([xmin, xmax, text], i) => [
      `        intervals [${i + 1}]:`,
      `            xmin = ${xmin}`,
      `            xmax = ${xmax}`,
      `            text = "${text}"`,
    ]),
    '    item [2]:',
    '        class = "TextTier"',
    '        name = "events"',
    '        xmin = 0',
    '        xmax = 2',
    '        points: size = 2',
    '        points [1]:',
    '            number = 0.5',
    '            mark = "click"',
    '        points [2]:',
    '            number = 1.2',
    '            mark = "pop"',
    '',
  ].join('\n');
}

/** UTF-16 big-endian with a byte-order mark: how Praat saves a TextGrid that holds non-ASCII text. */
function utf16be(text: string): Buffer {
  const le = Buffer.from(`\uFEFF${text}`, 'utf16le');
  for (let i = 0; i < le.length; i += 2) [le[i], le[i + 1]] = [le[i + 1] as number, le[i] as number];
  return le;
}

async function downloaded(page: Page, format: string): Promise<{ name: string; text: string }> {
  const waiting = page.waitForEvent('download');
  await page.getByTestId('export-button').click();
  await expect(page.getByTestId('export-menu')).toBeVisible();
  await page.getByTestId(`export-${format}`).click();
  const download: Download = await waiting;
  const path = await download.path();
  return { name: download.suggestedFilename(), text: readFileSync(path, 'utf8') };
}

test('import a two-tier TextGrid, ask about every interval of a tier, export TextGrid and CSV', async ({ page, host }) => {
  test.setTimeout(240_000);
  const fileId = await openClip(page, host, 'tiers.wav', 523);

  // Import: the page decodes the UTF-16 file, lists both tiers, and the regions arrive in the library.
  await page.getByTestId('import-button').click();
  const dialog = page.getByTestId('import-dialog');
  await expect(dialog).toBeVisible();
  await dialog.getByTestId('import-file').setInputFiles({ name: 'tiers.TextGrid', mimeType: 'text/plain', buffer: utf16be(textGrid()) });
  const tiers = dialog.getByTestId('import-tier');
  await expect(tiers).toHaveCount(2);
  await expect(tiers.nth(0)).toContainText('words');
  await expect(tiers.nth(0)).toContainText('2 intervals');
  await expect(tiers.nth(1)).toContainText('events');
  await expect(tiers.nth(1)).toContainText('2 points');
  await expect(dialog.getByTestId('import-submit')).toHaveText('Import 2 tiers');
  await page.screenshot({ path: join(ARTIFACTS, 'interchange-import.png') });
  await dialog.getByTestId('import-submit').click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId('toast').filter({ hasText: 'Imported 4 regions' })).toBeVisible();

  const doc = await apiCall<{ regions: Region[] }>(host, 'library.get', { id: fileId });
  const summary = doc.regions.map((r) => `${r.group}:${r.label}@${r.start}-${r.end}`).sort();
  expect(summary).toEqual(['events:click@0.5-0.5', 'events:pop@1.2-1.2', 'words:hello@0.3-0.8', 'words:wörld@1-1.6']);
  // The waveform's region list (another engineer's) shows them too where it is built in.
  if (await page.getByTestId('region-list').count()) await expect(page.getByTestId('region-row')).toHaveCount(4);

  // Importing again with "replace" keeps one copy of each tier's regions.
  await page.getByTestId('import-button').click();
  await dialog.getByTestId('import-file').setInputFiles({ name: 'tiers.TextGrid', mimeType: 'text/plain', buffer: utf16be(textGrid()) });
  await dialog.getByTestId('import-tier').filter({ hasText: 'events' }).getByRole('checkbox').uncheck();
  await dialog.getByTestId('import-replace').check();
  await expect(dialog.getByTestId('import-submit')).toHaveText('Import');
  await dialog.getByTestId('import-submit').click();
  await expect(page.getByTestId('toast').filter({ hasText: 'Imported 2 regions (tier words)' })).toBeVisible();
  expect((await apiCall<{ regions: Region[] }>(host, 'library.get', { id: fileId })).regions).toHaveLength(4);

  // Ask per tier: one question for both intervals of "words"; the sidebar counts the answers as they arrive.
  await page.getByTestId('ask-tier-button').click();
  const ask = page.getByTestId('ask-tier-dialog');
  await expect(ask.getByTestId('ask-tier-question')).toBeFocused();
  await expect(ask.getByTestId('ask-tier-group')).toHaveValue('words');
  await expect(ask.getByTestId('ask-tier-group').locator('option', { hasText: 'events' })).toBeDisabled();
  await ask.getByTestId('ask-tier-question').fill(QUESTION);
  await expect(ask.getByTestId('ask-tier-submit')).toHaveText('Ask 2 questions');
  await ask.getByTestId('ask-tier-submit').click();
  await expect(ask).toBeHidden();
  await expect(page.getByTestId('ask-tier-progress')).toBeVisible();
  await expect(page.getByTestId('ask-tier-count')).toHaveText('2 / 2', { timeout: 180_000 });
  await expect(page.getByTestId('ask-tier-progress')).toContainText('words: done');
  await page.screenshot({ path: join(ARTIFACTS, 'interchange-ask-tier.png') });

  // Export as TextGrid: the regions' tiers and one tier for the question.
  const grid = await downloaded(page, 'textgrid');
  expect(grid.name).toBe('tiers.TextGrid');
  expect(grid.text).toContain('File type = "ooTextFile"');
  expect(grid.text).toContain('name = "words"');
  expect(grid.text).toContain('name = "events"');
  expect(grid.text).toContain('text = "wörld"');
  expect(grid.text).toContain('mark = "click"');
  expect(grid.text).toContain(`name = "Q: ${QUESTION}"`);

  // And as CSV: a header and one row per answer, with provenance.
  const csv = await downloaded(page, 'csv');
  expect(csv.name).toBe('tiers.csv');
  const lines = csv.text.trimEnd().split('\r\n');
  expect(lines[0]).toMatch(/^file,exchange_id,status,error,region_id,region_label,region_group,start,end,question,answer,/);
  expect(lines).toHaveLength(3);
  for (const line of lines.slice(1)) {
    expect(line).toContain('tiers.wav');
    expect(line).toContain(QUESTION);
    expect(line).toContain('diffa-tiny');
  }
  expect(csv.text).toContain('hello');
  expect(csv.text).toContain('wörld');

  // The export menu works from the keyboard.
  await page.getByTestId('export-button').focus();
  await page.keyboard.press('ArrowDown');
  await expect(page.getByTestId('export-textgrid')).toBeFocused();
  await page.keyboard.press('End');
  // The last item is the option for answers that are only an end marker; the formats are above it.
  await expect(page.getByTestId('export-mark-empty')).toBeFocused();
  await expect(page.getByTestId('export-mark-empty')).toHaveAttribute('aria-checked', 'false');
  await page.keyboard.press('ArrowUp');
  await expect(page.getByTestId('export-json')).toBeFocused();
  await page.screenshot({ path: join(ARTIFACTS, 'interchange-export-menu.png') });
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('export-menu')).toHaveCount(0);
  await expect(page.getByTestId('export-button')).toBeFocused();
});

test.describe('interchange logic (no page)', () => {
  test('annotation bytes: UTF-16 with either BOM or none, UTF-8 with or without BOM, Windows-1252 fallback', () => {
    const text = 'File type = "ooTextFile"\ntext = "wörld ə"';
    expect(decodeAnnotationBytes(new Uint8Array(utf16be(text)))).toBe(text);
    expect(decodeAnnotationBytes(new Uint8Array(Buffer.from(`\uFEFF${text}`, 'utf16le')))).toBe(text);
    expect(decodeAnnotationBytes(new Uint8Array(Buffer.from(text, 'utf16le')))).toBe(text);
    expect(decodeAnnotationBytes(new Uint8Array(Buffer.from(`\uFEFF${text}`, 'utf8')))).toBe(text);
    expect(decodeAnnotationBytes(new Uint8Array(Buffer.from(text, 'utf8')))).toBe(text);
    expect(decodeAnnotationBytes(new Uint8Array([0x63, 0x61, 0x66, 0xe9]))).toBe('café');
  });

  test('tier preview: lanes and point tiers merge into their group, gaps are not counted, answer tiers are marked', () => {
    const grid = textGrid()
      .replace('size = 2', 'size = 4')
      .concat(
        [
          '    item [3]:',
          '        class = "IntervalTier"',
          '        name = "Q: What is it?"',
          '        xmin = 0',
          '        xmax = 2',
          '        intervals: size = 1',
          '        intervals [1]:',
          '            xmin = 0',
          '            xmax = 2',
          '            text = "a tone"',
          '    item [4]:',
          '        class = "IntervalTier"',
          '        name = "words #2"',
          '        xmin = 0',
          '        xmax = 2',
          '        intervals: size = 2',
          '        intervals [1]:',
          '            xmin = 0',
          '            xmax = 0.5',
          '            text = "overlap"',
          '        intervals [2]:',
          '            xmin = 0.5',
          '            xmax = 2',
          '            text = ""',
          '',
        ].join('\n'),
      );
    const preview = previewAnnotation('x.TextGrid', grid);
    expect(preview.format).toBe('textgrid');
    expect(preview.tiers).toEqual([
      { group: 'words', kind: 'interval', items: 3, answers: false },
      { group: 'events', kind: 'point', items: 2, answers: false },
      { group: 'Q: What is it?', kind: 'interval', items: 1, answers: true },
    ]);
    const labels = previewAnnotation('take 1.txt', '0.5\t1.0\tdog\n\\\t200\t4000\n1.5\t1.5\tclick\n');
    expect(labels).toEqual({ format: 'audacity', duration: 1.5, tiers: [{ group: 'take 1', kind: 'interval', items: 2, answers: false }] });
    expect(() => previewAnnotation('notes.doc', 'Dear reader')).toThrow('not a TextGrid, EAF or Audacity label file');
  });

  test('questions: one per line, trimmed, blank lines, comments and repeats dropped', () => {
    expect(parseQuestions(' What is it?\r\n\n# note\nWho speaks? \nWhat is it?\n')).toEqual(['What is it?', 'Who speaks?']);
  });
});

test('an Audacity label file dropped on the import dialog is read there (not opened as audio)', async ({ page, host }) => {
  await openClip(page, host, 'dropped-labels.wav', 622);
  await page.getByTestId('import-button').click();
  const dialog = page.getByTestId('import-dialog');
  await page.evaluate(() => {
    const transfer = new DataTransfer();
    transfer.items.add(new File(['0.2\t0.9\tdog\n1.1\t1.7\tcat\n'], 'animals.txt', { type: 'text/plain' }));
    const zone = document.querySelector('[data-testid="import-drop"]');
    if (!zone) throw new Error('no drop zone');
    for (const type of ['dragenter', 'dragover', 'drop']) zone.dispatchEvent(new DragEvent(type, { dataTransfer: transfer, bubbles: true, cancelable: true }));
  });
  await expect(dialog.getByTestId('import-source')).toHaveText('animals.txt · Audacity labels');
  await expect(dialog.getByTestId('import-tier')).toHaveText(['animals 2 intervals']);
  await expect(page.getByTestId('drop-overlay')).toHaveCount(0);
  await expect(page.getByTestId('toast')).toHaveCount(0);
  await dialog.getByTestId('import-submit').click();
  await expect(page.getByTestId('toast').filter({ hasText: 'Imported 2 regions (tier animals) from animals.txt' })).toBeVisible();
  await expect(page.getByTestId('file-item').filter({ hasText: 'animals.txt' })).toHaveCount(0);
  const open = await apiCall<{ name: string }[]>(host, 'files.list', {});
  expect(open.some((f) => f.name === 'animals.txt')).toBe(false);
});

test('an unreadable annotation file is reported in the dialog', async ({ page, host }) => {
  await openClip(page, host, 'bad-import.wav', 587);
  await page.getByTestId('import-button').click();
  const dialog = page.getByTestId('import-dialog');
  await dialog.getByTestId('import-file').setInputFiles({ name: 'notes.eaf', mimeType: 'application/xml', buffer: Buffer.from('<ANNOTATION_DOCUMENT><oops') });
  await expect(dialog.getByTestId('import-problem')).toContainText('Cannot read notes.eaf');
  await expect(dialog.getByTestId('import-submit')).toBeDisabled();
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();

  // An error from the API reaches the person as a toast with its message (a question over the 2000-character limit).
  await page.getByTestId('batch-button').click();
  const batch = page.getByTestId('batch-dialog');
  await batch.getByTestId('batch-questions').fill('x'.repeat(2001));
  await batch.getByTestId('batch-start').click();
  const toast = page.getByTestId('toast').filter({ hasText: 'Cannot start the batch' });
  await expect(toast).toBeVisible();
  await expect(toast).toHaveAttribute('role', 'alert');
  await expect(batch.getByTestId('batch-start')).toBeEnabled();
  await page.screenshot({ path: join(ARTIFACTS, 'interchange-error-toast.png') });
});

test('a batch over open files runs to its end, lists the file that failed and says where the answers went', async ({ page, host }) => {
  test.setTimeout(180_000);
  await openClip(page, host, 'batch-clip.wav', 659);
  // RIFF/WAVE magic (accepted as a WAV when opened), but no fmt chunk: the batch cannot read it and goes on.
  const broken = Buffer.alloc(64);
  broken.write('RIFF', 0, 'ascii');
  broken.writeUInt32LE(56, 4);
  broken.write('WAVE', 8, 'ascii');
  broken.write('junk', 12, 'ascii');
  broken.writeUInt32LE(44, 16);
  const chooser = page.waitForEvent('filechooser');
  await page.getByTestId('open-file').click();
  await (await chooser).setFiles([{ name: 'broken-batch.wav', mimeType: 'audio/wav', buffer: broken }]);
  await expect(page.getByTestId('file-name')).toHaveText('broken-batch.wav');

  await page.getByTestId('batch-button').click();
  const dialog = page.getByTestId('batch-dialog');
  const openCount = await page.getByTestId('file-item').count();
  await expect(dialog.getByTestId('batch-file')).toHaveCount(openCount);
  // Every open file starts ticked.
  await expect(dialog.getByTestId('batch-start')).toHaveText(`Start: ${openCount} files × 0 questions`);
  for (const item of await dialog.getByTestId('batch-file').all()) {
    const name = (await item.textContent()) ?? '';
    await item.getByRole('checkbox').setChecked(name.includes('batch-clip.wav') || name.includes('broken-batch.wav'));
  }
  await dialog.getByTestId('batch-questions').fill(`${QUESTION}\n\n# a comment line is skipped\n`);
  await dialog.getByTestId('batch-format').selectOption('csv');
  await expect(dialog.getByTestId('batch-start')).toHaveText('Start: 2 files × 1 question');
  await page.screenshot({ path: join(ARTIFACTS, 'interchange-batch-form.png') });
  await dialog.getByTestId('batch-start').click();

  const progress = dialog.getByTestId('batch-progress');
  await expect(progress).toBeVisible();
  await expect(progress).toHaveAttribute('data-state', 'finished', { timeout: 150_000 });
  await expect(progress.getByTestId('batch-count')).toHaveText('2 / 2');
  await expect(progress.getByTestId('batch-detail')).toContainText('2 files · 1 answered');
  await expect(progress.getByTestId('batch-detail')).toContainText('1 failed');
  await expect(progress.getByTestId('batch-failures')).toContainText('broken-batch.wav');
  const outPath = (await progress.getByTestId('batch-out').textContent()) ?? '';
  expect(outPath.startsWith(join(host.home, 'exports'))).toBe(true);
  expect(outPath.endsWith('answers.csv')).toBe(true);
  expect(existsSync(outPath)).toBe(true);
  const out = readFileSync(outPath, 'utf8');
  expect(out).toContain('batch-clip.wav');
  expect(out).toContain(QUESTION);
  // In a browser the answers are offered as a download too (the page cannot open the host's folder).
  const download = page.waitForEvent('download');
  await progress.getByTestId('batch-download').click();
  const saved = await download;
  expect(saved.suggestedFilename()).toBe('answers.csv');
  expect(readFileSync(await saved.path(), 'utf8')).toBe(out);
  await expect(page.getByTestId('batch-mini')).toHaveAttribute('data-state', 'finished');
  await page.screenshot({ path: join(ARTIFACTS, 'interchange-batch-done.png') });

  // A longer batch shows its progress as answers arrive, and stops when cancelled. A batch answers with the chat's
  // decoding: 256 one-token steps per answer (LLaDA's low-confidence remasking never stops early) and 200 answers,
  // so the batch is still running when Cancel is clicked however fast the machine is.
  await dialog.getByTestId('batch-close').click();
  await page.locator('details.decoding summary').click();
  const gen = page.getByTestId('decoding-gen-length');
  await gen.fill('256');
  await gen.press('Tab');
  await expect(page.locator('details.decoding summary')).toContainText(/faithful\s*· low-confidence · 256 steps · gen\s*256/);
  await page.getByTestId('batch-button').click();
  await dialog.getByTestId('batch-new').click();
  await expect(dialog.getByTestId('batch-decoding')).toContainText('Decoding as in the chat: faithful · low-confidence · 256 steps · gen 256');
  // Questions the model was trained for (the router answers others without it, at once): one question, 100 takes.
  await dialog.getByTestId('batch-questions').fill(Array.from({ length: 100 }, (_, i) => `What kind of sound is this? (take ${i + 1})`).join('\n'));
  await expect(dialog.getByTestId('batch-start')).toHaveText('Start: 2 files × 100 questions');
  await dialog.getByTestId('batch-start').click();
  await expect(progress).toHaveAttribute('data-state', 'running');
  await expect(progress.getByTestId('batch-state')).toContainText('Asking about', { timeout: 60_000 });
  await expect.poll(async () => Number((await progress.getByTestId('batch-count').textContent())?.split(' / ')[0]), { timeout: 120_000 }).toBeGreaterThan(0);
  await expect(progress.getByTestId('batch-count')).toContainText(' / 200');
  await page.screenshot({ path: join(ARTIFACTS, 'interchange-batch-running.png') });
  await dialog.getByTestId('batch-cancel').click();
  await expect(progress).toHaveAttribute('data-state', 'cancelled', { timeout: 30_000 });
  await expect(progress.getByTestId('batch-state')).toHaveText('Cancelled');

  // Dark theme (set from a second client: the modal dialog keeps the page's own theme menu out of reach).
  await apiCall(host, 'settings.update', { theme: 'dark' });
  await expect(page.getByTestId('app-shell')).toHaveAttribute('data-theme-effective', 'dark');
  await page.screenshot({ path: join(ARTIFACTS, 'interchange-batch-dark.png') });
  await dialog.getByTestId('batch-close').click();
  await expect(dialog).toBeHidden();
  await apiCall(host, 'settings.update', { theme: 'system' });
});
