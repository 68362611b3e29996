/**
 * The chat's latency as a person sees it, in Chromium against the real headless host and DIFFA-Tiny on CPU:
 *   - first step on screen: from the Ask click to the frame that paints the first denoising step (target ≤ 300 ms);
 *   - renderer long tasks (> 50 ms, PerformanceObserver 'longtask') while steps stream (target: none).
 * The reference, in the same run: a second API client (Node, WebSocket) asking the same question and timing its own
 * first `chat.step` event, i.e. what the host and engine need before the renderer has anything to draw.
 *
 *   npm run bench:chat                          # 10 questions per window size (8 and 32 tokens, faithful)
 *   BENCH_ROUNDS=20 BENCH_GEN=8,32,128 npm run bench:chat
 *   BENCH_PART=heard npm run bench:chat         # only the heard-part comparison below
 *
 * The first question of a host loads the model and is reported apart ("cold").
 *
 * Then the heard part: a "whole file" question about a long file (BENCH_LONG_MIN minutes, default 22; 0 skips it)
 * against a question about a 6 s region of the same file, alternating, over the API (goal: whole file ≤ 1.5× the
 * region, since the engine decodes and resamples only the part the model hears).
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, locateChromium } from '../e2e/support/browser';
import { startHost } from '../e2e/support/host';
import { writeSineWav } from '../e2e/support/wav';

const rounds = Number(process.env.BENCH_ROUNDS ?? 10);
const gens = (process.env.BENCH_GEN ?? '8,32').split(',').map(Number);
const QUESTION = 'What kind of sound is this?';
const longMinutes = Number(process.env.BENCH_LONG_MIN ?? 22);

interface PageRound {
  firstStepMs: number;
  appFirstStepMs: number | null;
  totalMs: number;
  steps: number;
  longTasks: number[];
}

/**
 * In the page (a string: this file is type-checked for Node, without the DOM): long tasks, the Ask click, and the
 * first frame after the live view shows step ≥ 1 (the requestAnimationFrame callback of the frame that paints it).
 */
const INSTRUMENT = `(() => {
  const b = (window.__bench = { longTasks: [], click: 0, first: 0 });
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) b.longTasks.push({ start: e.startTime, duration: e.duration });
  }).observe({ type: 'longtask', buffered: true });
  document.addEventListener('click', (event) => {
    if (event.target.closest('[data-testid="ask-submit"]')) { b.click = performance.now(); b.first = 0; }
  }, true);
  new MutationObserver(() => {
    if (!b.click || b.first) return;
    const live = document.querySelector('[data-testid="denoise-view"][data-live="true"]');
    if (live && Number(live.getAttribute('data-step')) >= 1) {
      b.first = -1;
      requestAnimationFrame(() => { b.first = performance.now(); });
    }
  }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-step', 'data-live'] });
})()`;

/** The round just finished, read in the page; the app's own mark (`diffa:first-step`) beside the observer's time. */
const READ = `(() => {
  const b = window.__bench;
  const end = performance.now();
  const mark = performance.getEntriesByName('diffa:first-step').at(-1);
  const view = [...document.querySelectorAll('[data-testid="denoise-view"]')].at(-1);
  return {
    firstStepMs: b.first > 0 ? b.first - b.click : NaN,
    appFirstStepMs: mark && mark.detail ? mark.detail.ms : null,
    totalMs: end - b.click,
    steps: Number(view ? view.getAttribute('data-step') : 0),
    longTasks: b.longTasks.filter((t) => t.start + t.duration >= b.click).map((t) => t.duration),
  };
})()`;

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;
};
const ms = (v: number) => (Number.isFinite(v) ? `${Math.round(v)} ms` : '–');

async function apiCall<T>(origin: string, token: string, method: string, params: object): Promise<T> {
  const { WebSocket } = await import('ws');
  const socket = new WebSocket(`${origin.replace('http', 'ws')}/api?token=${token}`, { origin });
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  const reply = new Promise<{ result: T }>((resolve) =>
    socket.on('message', (data) => {
      const m = JSON.parse(String(data));
      if (m.type === 'response' && m.id === 1) resolve(m);
    }),
  );
  socket.send(JSON.stringify({ type: 'request', id: 1, method, params }));
  const { result } = await reply;
  socket.close();
  return result;
}

/** A second API client: asks and times its own first chat.step and the end (chat.updated), over the WebSocket. */
async function referenceRound(
  origin: string,
  token: string,
  fileId: string,
  regionId: string,
  decoding: object,
): Promise<{ firstStepMs: number; totalMs: number }> {
  const { WebSocket } = await import('ws');
  const socket = new WebSocket(`${origin.replace('http', 'ws')}/api?token=${token}`, { origin });
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  const started = performance.now();
  let first = Number.NaN;
  let exchangeId = '';
  const done = new Promise<number>((resolve) => {
    socket.on('message', (data) => {
      const m = JSON.parse(String(data));
      if (m.type === 'response' && m.id === 1) exchangeId = m.result?.id ?? '';
      if (m.type === 'event' && m.event === 'chat.step' && Number.isNaN(first)) first = performance.now() - started;
      if (m.type === 'event' && m.event === 'chat.updated' && m.data.exchange.id === exchangeId && m.data.exchange.status !== 'pending')
        resolve(performance.now() - started);
    });
  });
  socket.send(JSON.stringify({ type: 'request', id: 1, method: 'chat.ask', params: { fileId, regionId, question: QUESTION, decoding } }));
  const totalMs = await done;
  socket.close();
  return { firstStepMs: first, totalMs };
}

interface LongRound {
  totalMs: number;
  decodeMs: number;
  engineMs: number;
  heardSeconds: number;
}

/** One question over the API; the time to its end and the engine's own timings (decode + resample, whole answer). */
async function timedAsk(origin: string, token: string, fileId: string, regionId: string | null): Promise<LongRound> {
  const { WebSocket } = await import('ws');
  const socket = new WebSocket(`${origin.replace('http', 'ws')}/api?token=${token}`, { origin });
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  const started = performance.now();
  let exchangeId = '';
  const done = new Promise<LongRound>((resolve, reject) => {
    socket.on('message', (data) => {
      const m = JSON.parse(String(data));
      if (m.type === 'response' && m.id === 1) exchangeId = m.result?.id ?? '';
      if (m.type === 'event' && m.event === 'chat.updated' && m.data.exchange.id === exchangeId && m.data.exchange.status !== 'pending') {
        const answer = m.data.exchange.answer;
        if (!answer) reject(new Error(`the question ${m.data.exchange.status}: ${m.data.exchange.error}`));
        else
          resolve({
            totalMs: performance.now() - started,
            decodeMs: answer.timings.decodeMs,
            engineMs: answer.timings.totalMs,
            heardSeconds: answer.heardSeconds,
          });
      }
    });
  });
  const decoding = { sampler: 'low-confidence', steps: 8, genLength: 8, blockLength: 8 };
  socket.send(JSON.stringify({ type: 'request', id: 1, method: 'chat.ask', params: { fileId, regionId, question: QUESTION, decoding } }));
  try {
    return await done;
  } finally {
    socket.close();
  }
}

/** A whole-file question about a long file against a 6 s region of it, alternating, on one host. */
async function benchHeardPart(dir: string): Promise<void> {
  const minutes = longMinutes;
  const path = writeSineWav(join(dir, 'long.wav'), { seconds: minutes * 60, frequency: 330, sampleRate: 44_100, channels: 2 });
  const host = await startHost({ files: [path] });
  try {
    const [file] = await apiCall<{ id: string }[]>(host.origin, host.token, 'files.list', {});
    const fileId = file?.id ?? '';
    // Waits for the peaks pass the host starts on open, so it does not run beside the timed questions.
    await apiCall(host.origin, host.token, 'audio.peaks', { id: fileId, width: 16 });
    await apiCall(host.origin, host.token, 'regions.save', { fileId, region: { id: 'six', start: 300, end: 306 } });
    await timedAsk(host.origin, host.token, fileId, 'six'); // cold: the model loads
    const whole: LongRound[] = [];
    const region: LongRound[] = [];
    // The engine keeps a region's audio embeddings (keyed by the file's identity, ctime included): changing the
    // file's mode before each question changes its ctime, so every timed question decodes its audio again.
    let mode = 0o644;
    const cold = () => {
      mode = mode === 0o644 ? 0o640 : 0o644;
      chmodSync(path, mode);
    };
    for (let i = 0; i < Math.max(3, Math.round(rounds / 2)); i++) {
      cold();
      whole.push(await timedAsk(host.origin, host.token, fileId, null));
      cold();
      region.push(await timedAsk(host.origin, host.token, fileId, 'six'));
    }
    const median = (list: LongRound[], key: keyof LongRound) =>
      quantile(
        list.map((r) => r[key]),
        0.5,
      );
    console.log(`\nheard part: a ${minutes}-minute 44.1 kHz stereo WAV, ${whole.length} alternating rounds each (8 steps)`);
    console.log('| question | heard | decode + resample median | engine total median | answer (API) median |');
    console.log('| --- | --- | --- | --- | --- |');
    for (const [name, list] of [
      ['whole file', whole],
      ['6 s region', region],
    ] as const) {
      console.log(
        `| ${name} | ${median(list, 'heardSeconds').toFixed(1)} s | ${ms(median(list, 'decodeMs'))} | ${ms(median(list, 'engineMs'))} | ${ms(median(list, 'totalMs'))} |`,
      );
    }
    console.log(`whole file / region, answer median: ${(median(whole, 'totalMs') / median(region, 'totalMs')).toFixed(2)}× (goal ≤ 1.5×)`);
  } finally {
    await host.stop();
  }
}

async function main(): Promise<void> {
  if (process.env.BENCH_PART === 'heard') {
    const dir = mkdtempSync(join(tmpdir(), 'diffa-bench-heard-'));
    try {
      await benchHeardPart(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    return;
  }
  const browserPath = locateChromium();
  if (!browserPath.path) throw new Error(browserPath.error);
  const dir = mkdtempSync(join(tmpdir(), 'diffa-bench-chat-'));
  // A file of its own for each question the page asks (a new thread: no history growing the prompt round by round),
  // each with different content (the library is keyed by content); the reference asks about a new region each time.
  const count = 1 + rounds * gens.length;
  const wavs = Array.from({ length: count + 1 }, (_, i) =>
    writeSineWav(join(dir, `bench-${String(i).padStart(3, '0')}.wav`), { seconds: 3, frequency: 200 + 11 * i, sampleRate: 16_000 }),
  );
  const host = await startHost({ files: wavs });
  const browser = await chromium.launch({ executablePath: browserPath.path, args: CHROMIUM_ARGS, headless: true });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(host.url);
    await page.locator('[data-testid="app-shell"][data-connection="open"]').waitFor();
    await page.getByTestId('ask-input').waitFor();
    await page.getByTestId('preset').getByLabel('Faithful').check();

    await page.evaluate(INSTRUMENT);

    let nextFile = 0;
    const askInPage = async (genLength: number): Promise<PageRound> => {
      const name = `bench-${String(nextFile++).padStart(3, '0')}.wav`;
      await page.getByTestId('file-item').filter({ hasText: name }).getByRole('button', { name, exact: true }).click();
      await page.getByTestId('file-name').filter({ hasText: name }).waitFor();
      if (await page.getByTestId('workspace').count()) {
        await page.locator('[data-testid="workspace"][data-ready="true"]').waitFor({ timeout: 60_000 });
        await page.getByTestId('peaks-progress').waitFor({ state: 'detached', timeout: 60_000 });
      }
      await page.waitForTimeout(300);
      const before = await page.getByTestId('exchange').count();
      await page.getByText('Decoding:').click();
      const gen = page.getByTestId('decoding-gen');
      await gen.fill(String(genLength));
      await gen.press('Tab');
      await page.getByText('Decoding:').click();
      await page.getByTestId('ask-input').fill(QUESTION);
      await page.getByTestId('ask-submit').click();
      const mine = page.getByTestId('exchange').nth(before);
      await mine.locator('xpath=self::*[@data-status!="pending"]').waitFor({ timeout: 300_000 });
      const result = (await page.evaluate(READ)) as PageRound;
      if ((await mine.getAttribute('data-status')) !== 'done') throw new Error(`the answer ${await mine.getByTestId('exchange-status').textContent()}`);
      return result;
    };

    const open = await apiCall<{ id: string; name: string }[]>(host.origin, host.token, 'files.list', {});
    const refFile = open.find((f) => f.name === `bench-${String(count).padStart(3, '0')}.wav`)?.id ?? '';
    const model = await apiCall<{ decoding: { blockLength: number } }>(host.origin, host.token, 'models.details', { id: 'diffa-tiny' });
    const cold = await askInPage(8);
    console.log(`cold (engine start + model load): first step on screen ${ms(cold.firstStepMs)}, answer ${ms(cold.totalMs)}\n`);
    console.log(
      '| gen (steps) | rounds | first step on screen: median / p90 / max | app mark median | reference first chat.step median | renderer + transport | long tasks > 50 ms while streaming (count, max) | answer median |',
    );
    console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const gen of gens) {
      const pageRounds: PageRound[] = [];
      let failed = 0;
      const refRounds: { firstStepMs: number; totalMs: number }[] = [];
      for (let i = 0; i < rounds; i++) {
        try {
          pageRounds.push(await askInPage(gen));
        } catch (error) {
          console.error(`round ${i + 1} (gen ${gen}) failed: ${(error as Error).message.split('\n')[0]?.trim()}`);
          failed++;
          continue;
        }
        const regionId = `bench-${gen}-${i}`;
        await apiCall(host.origin, host.token, 'regions.save', { fileId: refFile, region: { id: regionId, start: 0, end: 3 } });
        // the page's own decoding: faithful, the model's block length when it divides the window (as the page resolves it)
        const blockLength = gen % model.decoding.blockLength === 0 ? model.decoding.blockLength : gen;
        refRounds.push(
          await referenceRound(host.origin, host.token, refFile, regionId, { sampler: 'low-confidence', steps: gen, genLength: gen, blockLength }),
        );
      }
      const first = pageRounds.map((r) => r.firstStepMs).filter(Number.isFinite);
      const app = pageRounds.map((r) => r.appFirstStepMs).filter((v): v is number => v !== null);
      const ref = refRounds.map((r) => r.firstStepMs).filter(Number.isFinite);
      const long = pageRounds.flatMap((r) => r.longTasks);
      const med = quantile(first, 0.5);
      const refMed = quantile(ref, 0.5);
      console.log(
        `| ${gen} (${pageRounds[0]?.steps ?? '?'}) | ${pageRounds.length}${failed ? ` (${failed} failed)` : ''} | ${ms(med)} / ${ms(quantile(first, 0.9))} / ${ms(Math.max(...first))} | ${ms(quantile(app, 0.5))} | ${ms(refMed)} | ${ms(med - refMed)} | ${long.length}, ${long.length ? ms(Math.max(...long)) : '–'} | ${ms(
          quantile(
            pageRounds.map((r) => r.totalMs),
            0.5,
          ),
        )} |`,
      );
    }
  } finally {
    await browser.close();
    await host.stop();
  }
  try {
    if (longMinutes > 0) await benchHeardPart(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
