import { ApiError } from '../../src-common/api/errors';
import type { PullProgressData } from '../../src-common/api/models';
import { DisposableStore, toDisposable } from '../../src-common/lifecycle';
import type { PageApi } from '../lib/api-session';
import type { ToastsStore } from '../lib/stores/toasts.svelte';
import { type CatalogRow, type HardwareInfo, isRunning, type VerifyReport } from './logic';

/**
 * The model manager as the page sees it. Everything durable lives on the main side: the catalog (installed, partial
 * and available models) is fetched when the panel opens and after every change; downloads report through
 * `models.progress` events, which keep coming after a page reload because the job runs in Node, not here.
 */
export class ModelsStore {
  private readonly api: PageApi;
  private readonly toasts: Pick<ToastsStore, 'error' | 'show'>;
  private readonly disposables = new DisposableStore();
  catalog = $state<CatalogRow[]>([]);
  hardware = $state<HardwareInfo | null>(null);
  /** The last progress event of each download this page has heard of, by model id. */
  progress = $state<Record<string, PullProgressData>>({});
  /** What is being done to a model right now (a request in flight), by model id. */
  busy = $state<Record<string, 'download' | 'pause' | 'resume' | 'cancel' | 'verify' | 'repair' | 'remove'>>({});
  verifyReports = $state<Record<string, VerifyReport>>({});
  /** The main side's answer to an import request it cannot serve (the headless host cannot browse this machine). */
  importNote = $state<string | null>(null);
  importing = $state(false);
  loading = $state(false);
  loadError = $state<string | null>(null);
  /** Set once the panel was opened: after that, reconnects refetch. */
  private wanted = false;
  private refreshCalls = 0;

  /** Downloads running now (for the title bar's badge). */
  running: PullProgressData[] = $derived(Object.values(this.progress).filter((p) => isRunning(p)));

  constructor(api: PageApi, toasts: Pick<ToastsStore, 'error' | 'show'>) {
    this.api = api;
    this.toasts = toasts;
    this.disposables.add(toDisposable(api.on('models.progress', (progress) => this.onProgress(progress))));
    this.disposables.add(
      toDisposable(
        api.onConnected(() => {
          if (this.wanted) void this.refresh(true);
        }),
      ),
    );
  }

  dispose(): Promise<void> {
    return this.disposables.dispose();
  }

  private onProgress(progress: PullProgressData): void {
    const before = this.progress[progress.id];
    this.progress[progress.id] = progress;
    if (before?.state === progress.state) return;
    if (progress.state === 'installed') {
      this.toasts.show('info', `${progress.name} is installed`);
      void this.refresh();
    } else if (progress.state === 'failed') {
      this.toasts.show('error', `Download of ${progress.name} failed: ${progress.error?.message ?? 'unknown error'}`);
      void this.refresh();
    } else if (progress.state === 'cancelled' || progress.state === 'paused') void this.refresh();
  }

  /**
   * Fetches the catalog (each row with its memory fit) and, when asked, the hardware facts: both probe the machine on
   * the main side, so changes to the list refetch only the catalog. Only the latest of overlapping calls is applied.
   */
  async refresh(withHardware = false): Promise<void> {
    this.wanted = true;
    this.loading = true;
    const call = ++this.refreshCalls;
    try {
      const [catalog, hardware] = await Promise.all([
        this.api.request('models.catalog'),
        withHardware || !this.hardware ? this.api.request('hardware.info') : Promise.resolve(this.hardware),
      ]);
      if (call !== this.refreshCalls) return;
      this.catalog = catalog;
      this.hardware = hardware;
      this.loadError = null;
      // A download that ended while this page was not listening leaves a stale entry: the catalog is the truth.
      for (const [id, progress] of Object.entries(this.progress)) {
        const row = catalog.find((r) => r.id === id);
        if (!isRunning(progress) && progress.state !== 'failed' && row?.status !== 'partial') delete this.progress[id];
      }
    } catch (error) {
      if (call !== this.refreshCalls) return;
      this.loadError = error instanceof Error ? error.message : String(error);
      this.toasts.error(error, 'Cannot list the models');
    } finally {
      if (call === this.refreshCalls) this.loading = false;
    }
  }

  private async act<T>(id: string, action: ModelsStore['busy'][string], what: string, run: () => Promise<T>): Promise<T | null> {
    this.busy[id] = action;
    try {
      return await run();
    } catch (error) {
      this.toasts.error(error, what);
      return null;
    } finally {
      delete this.busy[id];
    }
  }

  /** Starts a download: a catalog id, a hub repo (`org/name`) or a hub URL. Resolves true once the main side took it. */
  async download(source: string, key = source): Promise<boolean> {
    const started = await this.act(key, 'download', 'Cannot start the download', () => this.api.request('models.pull', { source }));
    if (!started) return false;
    this.seed(started);
    void this.refresh();
    return true;
  }

  async resume(id: string): Promise<void> {
    const started = await this.act(id, 'resume', `Cannot resume ${id}`, () => this.api.request('models.resume', { id }));
    if (started) this.seed(started);
  }

  /** Shows a row as running at once, before the first progress event arrives. */
  private seed(started: { id: string; name: string; bytesTotal: number; filesTotal: number }): void {
    const previous = this.progress[started.id];
    if (previous && isRunning(previous)) return;
    this.progress[started.id] = {
      id: started.id,
      name: started.name,
      state: 'downloading',
      bytesDone: previous?.bytesDone ?? 0,
      bytesTotal: started.bytesTotal,
      speedBps: 0,
      etaSeconds: null,
      filesDone: previous?.filesDone ?? 0,
      filesTotal: started.filesTotal,
      active: [],
    };
  }

  async pause(id: string): Promise<void> {
    await this.act(id, 'pause', `Cannot pause ${id}`, () => this.api.request('models.pause', { id }));
  }

  /** Stops a download (running or left unfinished) and deletes its partial files. */
  async cancel(id: string): Promise<void> {
    const ok = await this.act(id, 'cancel', `Cannot cancel ${id}`, () => this.api.request('models.cancel', { id }));
    if (!ok) return;
    delete this.progress[id];
    await this.refresh();
  }

  async verify(id: string, repair: boolean): Promise<void> {
    const report = await this.act(id, repair ? 'repair' : 'verify', repair ? `Cannot repair ${id}` : `Cannot verify ${id}`, () =>
      this.api.request('models.verify', { id, repair }),
    );
    if (!report) return;
    this.verifyReports[id] = report;
    if (report.repaired.length > 0) this.toasts.show('info', `Repaired ${report.repaired.length} file(s) of ${id}`);
    await this.refresh();
  }

  async remove(id: string): Promise<void> {
    const ok = await this.act(id, 'remove', `Cannot remove ${id}`, () => this.api.request('models.remove', { id }));
    if (!ok) return;
    delete this.verifyReports[id];
    delete this.progress[id];
    await this.refresh();
  }

  /**
   * Electron shows the platform's dialog; the headless host answers 'unsupported' with the CLI command to run
   * instead, which the panel shows as it came.
   */
  async importPack(): Promise<void> {
    this.importing = true;
    this.importNote = null;
    try {
      const imported = await this.api.request('models.import');
      if (imported.length > 0) this.toasts.show('info', `Imported ${imported.map((m) => m.name).join(', ')}`);
      await this.refresh();
    } catch (error) {
      if (error instanceof ApiError && error.code === 'unsupported') this.importNote = error.message;
      else this.toasts.error(error, 'Cannot import the model');
    } finally {
      this.importing = false;
    }
  }
}
