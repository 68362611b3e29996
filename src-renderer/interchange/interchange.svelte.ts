import type { DecodingSettings } from '../../src-common/api/inference';
import type { Exchange } from '../../src-common/api/library';
import type { ModelDetails } from '../../src-common/api/model-details';
import type { ModelSummary } from '../../src-common/api/schemas';
import type { BatchProgressEvent } from '../../src-common/interchange/api-schemas';
import type { ExportFormat } from '../../src-common/interchange/formats';
import { DisposableStore, toDisposable } from '../../src-common/lifecycle';
import { CHAT_MODEL_KEY } from '../chat/chat.svelte';
import type { PageApi } from '../lib/api-session';
import type { KeyValueStorage } from '../lib/env';
import type { FilesStore } from '../lib/stores/files.svelte';
import type { ToastsStore } from '../lib/stores/toasts.svelte';
import type { WorkspaceStore } from '../lib/stores/workspace-store.svelte';
import { type BatchFormat, plural } from './logic';

export type InterchangeDialog = 'import' | 'askTier' | 'batch';

export interface AskTierRun {
  fileId: string;
  fileName: string;
  group: string | null;
  question: string;
  /** Status of each exchange the request queued, by id. */
  statuses: Record<string, Exchange['status']>;
  total: number;
  done: number;
  failed: number;
}

export interface BatchRun {
  batchId: string;
  outPath: string;
  total: number;
  fileCount: number;
  format: BatchFormat;
  progress: BatchProgressEvent | null;
  failures: { file: string; message: string }[];
  state: BatchProgressEvent['state'];
}

export interface InterchangeDeps {
  api: PageApi;
  files: Pick<FilesStore, 'selected' | 'selectedId' | 'open'>;
  workspace: Pick<WorkspaceStore, 'load' | 'addExchange'>;
  toasts: Pick<ToastsStore, 'error' | 'show'>;
  storage: KeyValueStorage;
  /** Hands a text file to the person (a download in the page). */
  save(fileName: string, mimeType: string, text: string): void;
  log?: (message: string, error: unknown) => void;
}

/**
 * Export, import, "ask per tier" and batch from the page. Long-running work (an ask-per-tier run, a batch) lives
 * here rather than in a dialog, so its progress stays visible in the sidebar after the dialog is closed.
 */
export class InterchangeStore {
  private readonly deps: InterchangeDeps;
  private readonly disposables = new DisposableStore();
  dialog = $state<InterchangeDialog | null>(null);
  exporting = $state<ExportFormat | null>(null);
  /** Answers that are only an end marker: left out of exports, or written as "[no answer]" (never as answers). */
  markEmptyAnswers = $state(false);
  models = $state<ModelSummary[]>([]);
  modelId = $state<string | null>(null);
  details = $state<ModelDetails | null>(null);
  askRun = $state<AskTierRun | null>(null);
  batch = $state<BatchRun | null>(null);
  batchStarting = $state(false);
  /** Progress events that arrived before `batch.start` replied (the reply names the batch). */
  private early: BatchProgressEvent[] = [];
  /** Exchanges finished before `interchange.askTier` replied with their ids. */
  private finishedEarly = new Map<string, Exchange['status']>();

  constructor(deps: InterchangeDeps) {
    this.deps = deps;
    this.disposables.add(toDisposable(deps.api.on('chat.updated', ({ exchange }) => this.exchangeUpdated(exchange))));
    this.disposables.add(toDisposable(deps.api.on('batch.progress', (event) => this.batchProgress(event))));
  }

  dispose(): Promise<void> {
    return this.disposables.dispose();
  }

  open(dialog: InterchangeDialog): void {
    this.dialog = dialog;
    if (dialog !== 'import' && this.models.length === 0) void this.loadModels();
  }

  close(): void {
    this.dialog = null;
  }

  // ——— export ———

  async exportAs(format: ExportFormat): Promise<void> {
    const file = this.deps.files.selected;
    if (!file || this.exporting) return;
    this.exporting = format;
    try {
      const emptyAnswers = this.markEmptyAnswers ? 'mark' : 'skip';
      const result = await this.deps.api.request('interchange.export', { fileId: file.id, format, emptyAnswers });
      this.deps.save(result.fileName, result.mimeType, result.text);
      this.deps.toasts.show('info', `Saved ${result.fileName}`);
    } catch (error) {
      this.deps.toasts.error(error, `Cannot export ${file.name}`);
    } finally {
      this.exporting = null;
    }
  }

  // ——— import ———

  /** Imports an annotation file's chosen tiers as regions of a file; true when it worked. */
  async importAnnotations(input: {
    fileId: string;
    fileName: string;
    text: string;
    tiers: string[];
    includeAnswerTiers: boolean;
    replace: boolean;
  }): Promise<boolean> {
    try {
      const result = await this.deps.api.request('interchange.import', input);
      if (this.deps.files.selectedId === input.fileId) await this.deps.workspace.load(input.fileId, true);
      const groups = input.tiers.length === 1 ? `tier ${input.tiers[0]}` : `${input.tiers.length} tiers`;
      this.deps.toasts.show('info', `Imported ${plural(result.imported, 'region')} (${groups}) from ${input.fileName}`);
      return true;
    } catch (error) {
      this.deps.toasts.error(error, `Cannot import ${input.fileName}`);
      return false;
    }
  }

  // ——— models (for ask-per-tier and batch) ———

  async loadModels(): Promise<void> {
    try {
      this.models = await this.deps.api.request('models.list');
      const wanted =
        [this.modelId, this.deps.storage.get(CHAT_MODEL_KEY), 'diffa-tiny'].find((id) => id && this.models.some((m) => m.id === id)) ?? this.models[0]?.id;
      await this.chooseModel(wanted ?? null);
    } catch (error) {
      this.deps.toasts.error(error, 'Cannot list the installed models');
    }
  }

  async chooseModel(id: string | null): Promise<void> {
    this.modelId = id;
    this.details = null;
    if (!id) return;
    try {
      const details = await this.deps.api.request('models.details', { id });
      if (this.modelId === id) this.details = details;
    } catch (error) {
      // Suggestions are a convenience: free text still works.
      (this.deps.log ?? console.error)('models.details failed:', error);
    }
  }

  // ——— ask per tier ———

  askRunning: boolean = $derived(this.askRun !== null && this.askRun.done + this.askRun.failed < this.askRun.total);

  async askTier(fileId: string, group: string | null, question: string): Promise<boolean> {
    const file = this.deps.files.open.find((f) => f.id === fileId);
    this.finishedEarly.clear();
    const run: AskTierRun = { fileId, fileName: file?.name ?? '', group, question, statuses: {}, total: 0, done: 0, failed: 0 };
    this.askRun = run;
    try {
      const { exchanges } = await this.deps.api.request('interchange.askTier', {
        fileId,
        group,
        question,
        ...(this.modelId ? { modelId: this.modelId } : {}),
      });
      const statuses: Record<string, Exchange['status']> = {};
      for (const e of exchanges) statuses[e.id] = this.finishedEarly.get(e.id) ?? e.status;
      this.finishedEarly.clear();
      this.askRun = { ...run, statuses, total: exchanges.length };
      this.recount();
      if (this.deps.files.selectedId === fileId) for (const e of exchanges) this.deps.workspace.addExchange(e);
      if (exchanges.length === 0) this.deps.toasts.show('info', `Tier ${group ?? '(no group)'} has no intervals to ask about`);
      return true;
    } catch (error) {
      this.askRun = null;
      this.deps.toasts.error(error, 'Cannot ask about the tier');
      return false;
    }
  }

  async cancelAsk(): Promise<void> {
    const run = this.askRun;
    if (!run) return;
    const pending = Object.entries(run.statuses).filter(([, s]) => s === 'pending');
    try {
      await Promise.all(pending.map(([exchangeId]) => this.deps.api.request('chat.cancel', { exchangeId })));
    } catch (error) {
      this.deps.toasts.error(error, 'Cannot cancel the questions');
    }
  }

  dismissAsk(): void {
    if (!this.askRunning) this.askRun = null;
  }

  private exchangeUpdated(exchange: Exchange): void {
    const run = this.askRun;
    if (!run || exchange.status === 'pending') return;
    if (run.total === 0) {
      // The request has not replied yet: remember, the reply lists the ids.
      this.finishedEarly.set(exchange.id, exchange.status);
      return;
    }
    if (!(exchange.id in run.statuses)) return;
    run.statuses[exchange.id] = exchange.status;
    this.recount();
  }

  private recount(): void {
    const run = this.askRun;
    if (!run) return;
    const values = Object.values(run.statuses);
    run.done = values.filter((s) => s === 'done').length;
    run.failed = values.filter((s) => s !== 'done' && s !== 'pending').length;
  }

  // ——— batch ———

  batchRunning: boolean = $derived(this.batch?.state === 'running');

  async startBatch(input: { fileIds: string[]; questions: string[]; tier?: string; format: BatchFormat; decoding?: DecodingSettings }): Promise<boolean> {
    if (this.batchStarting || this.batchRunning) return false;
    this.batchStarting = true;
    this.early = [];
    try {
      const result = await this.deps.api.request('batch.start', { ...input, ...(this.modelId ? { modelId: this.modelId } : {}) });
      this.batch = {
        ...result,
        fileCount: input.fileIds.length,
        format: input.format,
        progress: null,
        failures: [],
        state: 'running',
      };
      for (const event of this.early.splice(0)) this.batchProgress(event);
      return true;
    } catch (error) {
      this.deps.toasts.error(error, 'Cannot start the batch');
      return false;
    } finally {
      this.batchStarting = false;
    }
  }

  async cancelBatch(): Promise<void> {
    const run = this.batch;
    if (run?.state !== 'running') return;
    try {
      await this.deps.api.request('batch.cancel', { batchId: run.batchId });
    } catch (error) {
      this.deps.toasts.error(error, 'Cannot cancel the batch');
    }
  }

  dismissBatch(): void {
    if (!this.batchRunning) this.batch = null;
  }

  /** The ended batch's output files as downloads (a browser cannot open the host's output folder). */
  async downloadBatch(): Promise<void> {
    const run = this.batch;
    if (!run || run.state === 'running') return;
    try {
      const { files } = await this.deps.api.request('batch.output', { batchId: run.batchId });
      if (files.length === 0) this.deps.toasts.show('info', 'The batch wrote no answers');
      for (const file of files) this.deps.save(file.fileName, file.mimeType, file.text);
    } catch (error) {
      this.deps.toasts.error(error, 'Cannot download the answers');
    }
  }

  private batchProgress(event: BatchProgressEvent): void {
    const run = this.batch;
    if (!run) {
      if (this.batchStarting) this.early.push(event);
      return;
    }
    if (event.batchId !== run.batchId) return;
    run.progress = event;
    run.total = event.total;
    run.outPath = event.outPath;
    if (event.failure && !run.failures.some((f) => f.file === event.failure?.file && f.message === event.failure.message)) {
      run.failures.push(event.failure);
    }
    if (run.state === 'running' && event.state !== 'running') {
      run.state = event.state;
      if (event.state === 'finished')
        this.deps.toasts.show(
          'info',
          `Batch finished: ${plural(event.answered + event.skipped, 'answer')}${event.failed ? `, ${event.failed} failed` : ''}, in ${event.outPath}`,
        );
      else if (event.state === 'failed') this.deps.toasts.show('error', `The batch failed${event.failure ? `: ${event.failure.message}` : ''}`);
    }
  }
}
