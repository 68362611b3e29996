import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { TestHub } from '../src-main/models/testing/hub-server';
import { makeBundle, repoFiles } from '../src-main/models/testing/make-bundle';
import { formatEta } from '../src-renderer/lib/format';
import { fitLevel, type HardwareInfo, lastRun } from '../src-renderer/models/logic';
import { appReady, expect, openApp, test } from './fixtures';
import { REPO_ROOT, startHost } from './support/host';
import { writeSineWav } from './support/wav';

const ARTIFACTS = join(REPO_ROOT, 'e2e', 'artifacts');
mkdirSync(ARTIFACTS, { recursive: true });

async function openModels(page: Page): Promise<void> {
  await page.getByTestId('models-button').click();
  await expect(page.getByTestId('models-panel')).toBeVisible();
}

test('the models panel lists the bundled DIFFA-Tiny with its licence, verifies it, and explains import in a browser', async ({ page, host }) => {
  await openApp(page, host.url);
  await openModels(page);
  const tiny = page.locator('[data-testid="installed-model"][data-model-id="diffa-tiny"]');
  await expect(tiny).toContainText('DIFFA-Tiny');
  await expect(tiny.getByTestId('bundled-tag')).toHaveText('bundled');
  await expect(tiny.getByTestId('model-licence')).toHaveText('MIT');
  await expect(tiny.getByTestId('model-size')).not.toBeEmpty();
  // A bundled model cannot be removed: no Remove button, a sentence saying why.
  await expect(tiny.getByTestId('model-remove')).toHaveCount(0);
  await expect(tiny).toContainText('Ships with the app');

  // DIFFA-2 is offered with its licence, a memory fit saying how its figures were obtained, what it downloads and
  // the disk it needs while building; its button works only when this version ships the build template.
  const big = page.locator('[data-testid="catalog-model"][data-model-id="diffa-2-int4"]');
  await expect(big.getByTestId('fit')).toHaveAttribute('data-fit', /^(fits|tight|no)$/);
  await expect(big.getByTestId('fit-reason')).not.toBeEmpty();
  await expect(big.getByTestId('model-licence')).toContainText('no licence stated');
  await expect(big.getByTestId('memory-basis')).toContainText(/measured|estimate/);
  await expect(big.getByTestId('build-facts')).toContainText('GSAI-ML/LLaDA-8B-Instruct');
  if (existsSync(join(REPO_ROOT, 'models', 'templates', 'diffa2-int4', 'build-plan.json'))) await expect(big.getByTestId('model-download')).toBeEnabled();
  else {
    await expect(big.getByTestId('build-unavailable')).toContainText('build template');
    await expect(big.getByTestId('model-download')).toBeDisabled();
  }
  // The fp16 and fp32 templates ship with the app (DIFFA-2 and DIFFA v1): those entries install with one click too.
  for (const id of ['diffa-2-fp16', 'diffa-2-fp32', 'diffa-int4', 'diffa-fp16']) {
    const entry = page.locator(`[data-testid="catalog-model"][data-model-id="${id}"]`);
    await expect(entry.getByTestId('model-download')).toBeEnabled();
    await expect(entry.getByTestId('build-unavailable')).toHaveCount(0);
  }
  // DIFFA (v1) shows its non-commercial licence.
  await expect(page.locator('[data-testid="catalog-model"][data-model-id="diffa-int4"]').getByTestId('model-licence')).toContainText('CC-BY-NC-SA-4.0');

  // Verify hashes every file of the bundle.
  await tiny.getByTestId('model-verify').click();
  await expect(tiny.getByTestId('verify-report')).toHaveAttribute('data-ok', 'true', { timeout: 30_000 });

  // The headless host cannot browse this machine: the panel shows the API's message with the CLI command.
  await page.getByTestId('model-import').click();
  await expect(page.getByTestId('import-note')).toContainText('npm run diffa -- models import');

  // A source that is neither a catalog id, a repo nor a hub URL: the API's message as an error toast.
  await page.getByTestId('hub-source').fill('not a repo');
  await page.getByTestId('hub-source').press('Enter');
  const toast = page.locator('[data-testid="toast"][data-kind="error"]').last();
  await expect(toast).toContainText('is not a catalog id, a hub repo');
  await page.screenshot({ path: join(ARTIFACTS, 'models-panel.png') });

  // Escape closes the dialog (keyboard access); the Models button is back in reach.
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('models-panel')).toBeHidden();
  await expect(page.getByTestId('models-button')).toHaveAttribute('aria-expanded', 'false');
  await expect(page.getByTestId('models-button')).toBeFocused();
});

test('the hardware panel shows CPU, RAM, every provider with why it is usable or not, and a fit per catalog model', async ({ page, freshHost }) => {
  // A fresh home: "No answer yet" must not depend on which specs ran before in this worker.
  await openApp(page, freshHost.url);
  await openModels(page);
  // Keyboard: focus the selected tab and move with the arrow key.
  await page.getByTestId('models-tab-models').focus();
  await page.keyboard.press('ArrowRight');
  await expect(page.getByTestId('models-tab-hardware')).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByTestId('models-tab-hardware')).toBeFocused();

  const panel = page.getByTestId('hardware-panel');
  await expect(panel.getByTestId('hw-cpu')).toContainText(/\d+ cores/);
  await expect(panel.getByTestId('hw-ram')).toContainText(/\d.* (MB|GB|TB) total/);
  const cpu = panel.locator('[data-testid="hw-provider"][data-provider="cpu"]');
  await expect(cpu).toHaveAttribute('data-usable', 'true');
  await expect(cpu.getByTestId('hw-provider-reason')).not.toBeEmpty();
  const cuda = panel.locator('[data-testid="hw-provider"][data-provider="cuda"]');
  if ((await cuda.count()) > 0 && (await cuda.getAttribute('data-usable')) === 'false') {
    // On a machine without a working CUDA setup the reason says what is missing.
    await expect(cuda.getByTestId('hw-provider-reason')).toHaveText(/\w{3,}/);
  }
  await expect(panel.locator('[data-testid="hw-fit"][data-model-id="diffa-tiny"]')).toBeVisible();
  const diffa2 = panel.locator('[data-testid="hw-fit"][data-model-id="diffa-2-int4"]');
  await expect(diffa2.getByTestId('fit')).toHaveAttribute('data-fit', /^(fits|tight|no)$/);
  await expect(diffa2.getByTestId('hw-disk')).toContainText('free while building');
  await expect(diffa2.getByTestId('hw-basis')).toContainText(/measured|estimate/);
  await expect(panel.getByTestId('hw-last-run')).toContainText('No answer yet');
  await page.screenshot({ path: join(ARTIFACTS, 'hardware-panel.png') });
  // Colours come from the theme's variables: the same panel in the dark theme (the default theme follows the system).
  await page.emulateMedia({ colorScheme: 'dark' });
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await page.getByTestId('models-tab-models').click();
  await page.screenshot({ path: join(ARTIFACTS, 'models-panel-dark.png') });
});

test('after an answer, the hardware panel names the provider that ran it', async ({ page }) => {
  test.setTimeout(180_000);
  const dir = mkdtempSync(join(tmpdir(), 'diffa-models-e2e-'));
  const wav = join(dir, 'tone.wav');
  writeSineWav(wav, { seconds: 2 });
  const host = await startHost({ files: [wav] });
  try {
    await openApp(page, host.url);
    // Ask through a second API socket of the page's own origin (the chat panel is another test's subject).
    const status = await page.evaluate(async () => {
      const socket = new WebSocket(`ws://${location.host}/api`);
      await new Promise((resolve, reject) => {
        socket.onopen = resolve;
        socket.onerror = reject;
      });
      let next = 1;
      const waiting = new Map<number, (message: { ok: boolean; result?: unknown; error?: { message: string } }) => void>();
      let done: (status: string) => void = () => {};
      const finished = new Promise<string>((resolve) => {
        done = resolve;
      });
      socket.onmessage = (event) => {
        const message = JSON.parse(event.data);
        if (message.type === 'response') waiting.get(message.id)?.(message);
        else if (message.type === 'event' && message.event === 'chat.updated' && message.data.exchange.status !== 'pending') done(message.data.exchange.status);
      };
      const request = (method: string, params: unknown) =>
        new Promise<unknown>((resolve, reject) => {
          const id = next++;
          waiting.set(id, (m) => (m.ok ? resolve(m.result) : reject(new Error(m.error?.message))));
          socket.send(JSON.stringify({ type: 'request', id, method, params }));
        });
      const files = (await request('files.list', {})) as { id: string }[];
      await request('chat.ask', { fileId: files[0]?.id, regionId: null, question: 'What kind of sound is this?' });
      const result = await finished;
      socket.close();
      return result;
    });
    expect(status).toBe('done');
    // The answer is saved with the file's library on the main side: a reload loads it from there.
    await page.reload();
    await appReady(page);
    await openModels(page);
    await page.getByTestId('models-tab-hardware').click();
    const last = page.getByTestId('hw-last-run');
    await expect(last.getByTestId('hw-last-provider')).toHaveText(/^(cpu|cuda|tensorrt|dml|coreml|webgpu)$/, { timeout: 30_000 });
    await expect(last).toContainText('DIFFA-Tiny');
    await page.screenshot({ path: join(ARTIFACTS, 'hardware-last-run.png') });
  } finally {
    await host.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("fit levels and the last-run summary (the panel's rules)", () => {
  const hw = { ram: { totalBytes: 16e9, freeBytes: 4e9 }, gpus: [{ memoryBytes: 8e9 }] } as HardwareInfo;
  const fit = (verdict: 'gpu' | 'cpu' | 'too-big', needRamBytes: number, needVramBytes = 0) =>
    fitLevel({ verdict, needRamBytes, needVramBytes, reason: '' }, hw).level;
  expect(fit('too-big', 40e9)).toBe('no');
  expect(fit('cpu', 1e9)).toBe('fits');
  expect(fit('cpu', 6e9)).toBe('tight'); // more than is free now
  expect(fit('cpu', 14e9)).toBe('tight');
  expect(fit('gpu', 1e9, 2e9)).toBe('fits');
  expect(fit('gpu', 1e9, 7.5e9)).toBe('tight');
  const answer = (provider: string, attempts: { provider: string; ok: boolean; reason?: string }[]) => ({
    status: 'done',
    answer: { provider, model: { name: 'M' }, providerAttempts: attempts },
  });
  expect(lastRun([])).toBeNull();
  const run = lastRun([
    answer('cuda', []),
    answer('cpu', [
      { provider: 'cuda', ok: false, reason: 'libcudnn missing' },
      { provider: 'cpu', ok: true },
    ]),
    { status: 'pending', answer: null },
  ]);
  expect(run).toEqual({ provider: 'cpu', model: 'M', fallbacks: [{ provider: 'cuda', reason: 'libcudnn missing' }] });
  expect(formatEta(null)).toBe('–');
  expect(formatEta(200)).toBe('3 min 20 s');
});

test('a download from a hub shows progress, survives a page reload, pauses, resumes and ends installed', async ({ page }) => {
  test.setTimeout(120_000);
  const hub = await new TestHub().start();
  const bundle = makeBundle('test-model', { 'audio.onnx': 300_000, 'llm.onnx': 900_000, 'tokenizer.json': 2_000 });
  hub.addRepo('org/test-model', repoFiles(bundle));
  const total = repoFiles(bundle).reduce((sum, f) => sum + f.data.length, 0);
  // Slow enough to watch (and to reload the page mid-download), fast enough for a test.
  hub.rate = 100_000;
  const host = await startHost({ env: { HF_ENDPOINT: hub.url } });
  try {
    await openApp(page, host.url);
    await openModels(page);
    await page.getByTestId('hub-source').fill('org/test-model');
    await page.getByTestId('hub-download').click();

    const row = page.locator('[data-testid="download-row"][data-model-id="test-model"]');
    await expect(row).toHaveAttribute('data-state', 'downloading');
    await expect(row.getByTestId('download-speed')).toContainText('/s');
    await expect(row.getByTestId('download-files')).toContainText('of 4 complete');
    await expect(row.getByTestId('download-active')).toContainText('llm.onnx');
    // Each file in flight shows its own bytes, speed and time left.
    const llmRow = row.locator('[data-testid="download-file"][data-path="llm.onnx"]');
    await expect(llmRow.getByTestId('download-file-facts')).toContainText(/KB of 900 KB · [\d.]+ KB\/s · .+ left/);
    await expect.poll(async () => Number(await llmRow.getByRole('progressbar').getAttribute('aria-valuenow'))).toBeGreaterThan(0);
    await expect.poll(async () => Number(await row.getByTestId('download-bar').getAttribute('aria-valuenow'))).toBeGreaterThan(5);
    await page.screenshot({ path: join(ARTIFACTS, 'models-downloading.png') });

    // The job runs on the main side: after a reload the title bar and the panel pick it up from its events.
    await page.reload();
    await appReady(page);
    await expect(page.getByTestId('models-button-progress')).toBeVisible();
    await openModels(page);
    await expect(row).toHaveAttribute('data-state', 'downloading');
    const before = Number(await row.getByTestId('download-bar').getAttribute('aria-valuenow'));

    // By keyboard: the same button turns into Resume and keeps the focus.
    await row.getByTestId('download-pause').focus();
    await page.keyboard.press('Enter');
    await expect(row).toHaveAttribute('data-state', 'paused');
    await expect(row.getByTestId('download-resume')).toBeFocused();
    const served = [...hub.served.values()].reduce((a, b) => a + b, 0);
    expect(served).toBeLessThan(total);

    await row.getByTestId('download-resume').click();
    const installed = page.locator('[data-testid="installed-model"][data-model-id="test-model"]');
    await expect(installed).toBeVisible({ timeout: 60_000 });
    await expect(installed.getByTestId('model-licence')).toHaveText('MIT');
    await expect(row).toHaveCount(0);
    expect(before).toBeGreaterThan(0);
    // Resumed with Range: the hub sent each byte about once (a little slack for bytes in flight at the pause).
    const servedTotal = [...hub.served.values()].reduce((a, b) => a + b, 0);
    expect(servedTotal).toBeLessThan(total + 64_000);
    await page.screenshot({ path: join(ARTIFACTS, 'models-installed.png') });

    // A damaged file is found by Verify, and Repair re-fetches that file alone.
    const llm = join(host.home, 'models', 'test-model', 'llm.onnx');
    const damaged = readFileSync(llm);
    damaged[1000] = (damaged[1000] ?? 0) ^ 0xff;
    writeFileSync(llm, damaged);
    hub.rate = 0;
    hub.resetCounts();
    await installed.getByTestId('model-verify').click();
    const report = installed.getByTestId('verify-report');
    await expect(report).toHaveAttribute('data-ok', 'false');
    await expect(report).toContainText('llm.onnx');
    await installed.getByTestId('model-repair').click();
    await expect(report).toHaveAttribute('data-ok', 'true');
    await expect(report).toContainText('Repaired: llm.onnx');
    expect([...hub.served.entries()]).toEqual([['llm.onnx', 900_000]]);
    await page.screenshot({ path: join(ARTIFACTS, 'models-repaired.png') });

    // A downloaded model can be removed (after a confirmation); the repo stays in the catalog as added by the user.
    await installed.getByTestId('model-remove').click();
    await installed.getByTestId('model-remove-confirm').click();
    await expect(installed).toHaveCount(0);
    const offered = page.locator('[data-testid="catalog-model"][data-model-id="test-model"]');
    await expect(offered).toContainText('added by you');

    // Cancel stops a download and deletes its partial files: the row goes, the catalog offers the model again.
    hub.rate = 50_000;
    await offered.getByTestId('model-download').click();
    await expect(row).toHaveAttribute('data-state', 'downloading');
    await expect.poll(async () => Number(await row.getByTestId('download-bar').getAttribute('aria-valuenow'))).toBeGreaterThan(0);
    await row.getByTestId('download-cancel').click();
    await expect(row).toHaveCount(0);
    await expect(offered.getByTestId('model-download')).toBeEnabled();
    expect(existsSync(join(host.home, 'models', '.staging', 'test-model'))).toBe(false);

    // A file the hub cannot find fails the download: the row says why and offers Retry, the toast carries the message.
    hub.rate = 0;
    hub.fault('llm.onnx', { kind: 'status', status: 404 });
    await offered.getByTestId('model-download').click();
    await expect(row).toHaveAttribute('data-state', 'failed');
    await expect(row.getByTestId('download-error')).toContainText(/Could not download llm\.onnx for [\w-]+: not found on the server \(HTTP 404\)/);
    await expect(page.locator('[data-testid="toast"][data-kind="error"]').last()).toContainText('HTTP 404');
    await page.screenshot({ path: join(ARTIFACTS, 'models-failed.png') });
    await row.getByTestId('download-resume').click();
    await expect(installed).toBeVisible({ timeout: 30_000 });

    // A repo the hub does not have: the API's message as an error toast.
    await page.getByTestId('hub-source').fill('org/missing');
    await page.getByTestId('hub-download').click();
    await expect(page.locator('[data-testid="toast"][data-kind="error"]').last()).toContainText('not found');
  } finally {
    await host.stop();
    await hub.close();
  }
});

test('a download left unfinished when the host stopped is offered on the next start and resumes with Range', async ({ page }) => {
  test.setTimeout(120_000);
  const hub = await new TestHub().start();
  const bundle = makeBundle('big-model', { 'audio.onnx': 200_000, 'llm.onnx': 1_000_000, 'tokenizer.json': 2_000 });
  hub.addRepo('org/big-model', repoFiles(bundle));
  const total = repoFiles(bundle).reduce((sum, f) => sum + f.data.length, 0);
  hub.rate = 100_000;
  const home = mkdtempSync(join(tmpdir(), 'diffa-models-home-'));
  const env = { HF_ENDPOINT: hub.url };
  let host = await startHost({ home, env });
  try {
    await openApp(page, host.url);
    await openModels(page);
    await page.getByTestId('hub-source').fill(`${hub.url}/org/big-model`);
    await page.getByTestId('hub-download').click();
    const row = page.locator('[data-testid="download-row"][data-model-id="big-model"]');
    await expect.poll(async () => Number(await row.getByTestId('download-bar').getAttribute('aria-valuenow'))).toBeGreaterThan(10);

    // Quit the app mid-download; start it again on the same data folder.
    await host.stop();
    const before = hub.bytesServed('llm.onnx');
    host = await startHost({ home, env });
    await openApp(page, host.url);
    await openModels(page);
    await expect(row).toHaveAttribute('data-state', 'unfinished');
    await expect(row.getByTestId('download-state')).toContainText('resumes where it stopped');
    await expect(row.getByTestId('download-bytes')).not.toContainText(/^0 bytes/);
    await page.screenshot({ path: join(ARTIFACTS, 'models-unfinished.png') });
    await row.getByTestId('download-resume').click();
    await expect(page.locator('[data-testid="installed-model"][data-model-id="big-model"]')).toBeVisible({ timeout: 60_000 });
    // The resumed transfer asked for the missing bytes only.
    expect(before).toBeGreaterThan(0);
    expect([...hub.served.values()].reduce((a, b) => a + b, 0)).toBeLessThan(total + 64_000);
    expect(hub.requests.some((r) => r.path === 'llm.onnx' && r.range !== undefined && r.range !== 'bytes=0-')).toBe(true);
  } finally {
    await host.stop();
    await hub.close();
    rmSync(home, { recursive: true, force: true });
  }
});
