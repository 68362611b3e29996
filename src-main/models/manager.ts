import { dirname, join, resolve } from 'node:path';
import type { Dispatcher } from 'undici';
import { ApiError } from '../../src-common/api/errors';
import type { AppHome } from '../core/app-home';
import { type BuildJobOptions, runBuildJob } from './build-job';
import { type BuildJobPlan, planBuild, templateFor } from './build-job-plan';
import { addUserCatalogEntry, type BuildRecipe, type CatalogEntry, loadCatalog } from './catalog';
import type { FreeSpace } from './disk-space';
import { estimateFit, type ModelFit } from './fit';
import { type HardwareInfo, type HardwareProbe, hardwareInfo, systemProbe } from './hardware';
import { type PullPlan, parseHubSource, planFromHub } from './hub';
import { removeInstalled } from './install';
import { type InstalledModel, listInstalledModels } from './installed-models';
import { hubEndpoint, hubPolicy, hubToken, type ModelSettings, readModelSettings, writeModelSettings } from './model-settings';
import { moveModelsFolder } from './move';
import { createDispatcher } from './network';
import { exportModel, importModel, type PackProgress } from './pack';
import type { OpenPart } from './part-file';
import type { PullProgress } from './progress';
import { pullModel } from './pull';
import { repairModel } from './repair';
import { buildDownloadBytes, listStaged, readStagingState, removeStaging, type StagingState } from './staging';
import { checkModel, type FileProblem } from './verify';

export interface ModelManagerOptions {
  home: AppHome;
  bundledDir: string;
  /** The app's catalog file (models/catalog.json beside the bundled models). */
  catalogPath: string;
  /** Build templates (`<arch>-<dtype>/`); default: `templates/` beside the catalog file. */
  templatesDir?: string;
  /** Test seam: how a build step runs (default: in a worker thread). */
  runBuild?: BuildJobOptions['runBuild'];
  env?: NodeJS.ProcessEnv;
  probe?: HardwareProbe;
  /** Test seams and tuning. */
  dispatcher?: Dispatcher;
  freeSpace?: FreeSpace;
  openPart?: OpenPart;
  stallMs?: number;
  backoffMs?: number;
  maxRetries?: number;
  log?: (line: string) => void;
}

export interface CatalogListing {
  id: string;
  name: string;
  licence: string;
  description: string;
  sizeBytes: number;
  bundled: boolean;
  origin: 'catalog' | 'user' | 'installed';
  source: string | null;
  /** installed: ready to use; partial: an unfinished download (resumable); available: can be pulled. */
  status: 'installed' | 'partial' | 'available';
  bytesOnDisk: number;
  recommendedProvider: string | null;
  fit: ModelFit | null;
  /** How the memory figures were obtained (measured, or estimated from what). */
  memoryBasis: string | null;
  /** A model built on this machine from released checkpoints: what it fetches and needs, or why it cannot be built. */
  build: BuildListing | null;
}

export interface BuildListing {
  arch: string;
  dtype: string;
  /** Bytes fetched from the hubs (the catalog's estimate until the file lists are read). */
  downloadBytes: number;
  /** Free disk the install needs at its peak: the checkpoints and the bundle side by side. */
  diskNeededBytes: number;
  repos: string[];
  /** Why this version of the app cannot build it (a missing template, an architecture the builder lacks), or null. */
  unavailable: string | null;
}

export interface VerifyReport {
  id: string;
  ok: boolean;
  problems: FileProblem[];
  repaired: string[];
}

interface Job {
  controller: AbortController;
  reason: 'pause' | 'cancel' | null;
  done: Promise<string>;
  last: PullProgress | null;
}

/**
 * The model manager's one entry point, shared by the CLI and the API handlers: catalog, pulls (one job per model,
 * with pause/resume/cancel), import/export, verify/repair, delete and moving the models folder.
 */
export class ModelManager {
  private readonly jobs = new Map<string, Job>();
  private readonly listeners = new Set<(progress: PullProgress) => void>();
  private dispatcherCache: Dispatcher | undefined;

  constructor(private readonly options: ModelManagerOptions) {}

  get modelsDir(): string {
    return this.options.home.models;
  }

  private get env(): NodeJS.ProcessEnv {
    return this.options.env ?? process.env;
  }

  private get dispatcher(): Dispatcher {
    this.dispatcherCache ??= this.options.dispatcher ?? createDispatcher(readModelSettings(this.options.home), this.env);
    return this.dispatcherCache;
  }

  /** Pauses running downloads so their partial files are flushed (the next start resumes them). */
  async dispose(): Promise<void> {
    for (const job of this.jobs.values()) {
      job.reason = 'pause';
      job.controller.abort();
    }
    await Promise.allSettled([...this.jobs.values()].map((j) => j.done));
    if (this.dispatcherCache && !this.options.dispatcher) await this.dispatcherCache.close();
  }

  onProgress(listener: (progress: PullProgress) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(progress: PullProgress): void {
    const job = this.jobs.get(progress.id);
    if (job) job.last = progress;
    for (const listener of this.listeners) listener(progress);
  }

  installed(): InstalledModel[] {
    return listInstalledModels(this.options.bundledDir, this.modelsDir);
  }

  catalog(): CatalogEntry[] {
    return loadCatalog(this.options.catalogPath, this.modelsDir);
  }

  hardware(): Promise<HardwareInfo> {
    return hardwareInfo(this.options.probe ?? systemProbe);
  }

  /** Catalog entries, installed models and unfinished downloads in one list, each with its memory fit. */
  async listing(hw?: HardwareInfo): Promise<CatalogListing[]> {
    const installed = new Map(this.installed().map((m) => [m.id, m]));
    const staged = new Map(listStaged(this.modelsDir).map((s) => [s.state.id, s]));
    const rows: CatalogListing[] = [];
    const seen = new Set<string>();
    const row = (entry: CatalogEntry | null, id: string): CatalogListing => {
      const model = installed.get(id);
      const partial = staged.get(id);
      const stagedBytes = partial?.state.build ? buildDownloadBytes(partial.state.build) : partial?.state.files.reduce((s, f) => s + f.size, 0);
      const sizeBytes = model?.sizeBytes ?? stagedBytes ?? entry?.sizeBytes ?? 0;
      const status = model ? 'installed' : partial ? 'partial' : 'available';
      return {
        id,
        name: model?.name ?? entry?.name ?? partial?.state.name ?? id,
        licence: model?.licence ?? entry?.licence ?? 'unknown',
        description: model?.description ?? entry?.description ?? '',
        sizeBytes,
        bundled: model?.bundled ?? entry?.bundled ?? false,
        origin: entry?.origin ?? 'installed',
        source: entry?.source
          ? `${entry.source.repo}@${entry.source.revision}`
          : partial?.state.source
            ? `${partial.state.source.repo}@${partial.state.source.revision}`
            : null,
        status,
        bytesOnDisk: model ? model.sizeBytes : (partial?.bytesOnDisk ?? 0),
        recommendedProvider: entry?.recommendedProvider ?? null,
        fit: hw ? estimateFit({ sizeBytes: model?.sizeBytes ?? entry?.sizeBytes ?? sizeBytes, memory: entry?.memory }, hw) : null,
        memoryBasis: entry?.memory?.basis ?? null,
        build: entry?.build ? this.buildListing(entry as CatalogEntry & { build: BuildRecipe }) : null,
      };
    };
    for (const entry of this.catalog()) {
      seen.add(entry.id);
      rows.push(row(entry, entry.id));
    }
    for (const id of [...installed.keys(), ...staged.keys()]) {
      if (seen.has(id)) continue;
      seen.add(id);
      rows.push(row(null, id));
    }
    return rows;
  }

  private get templatesDir(): string {
    return this.options.templatesDir ?? join(dirname(this.options.catalogPath), 'templates');
  }

  private buildListing(entry: CatalogEntry & { build: BuildRecipe }): BuildListing {
    const b = entry.build;
    return {
      arch: b.arch,
      dtype: b.dtype,
      downloadBytes: b.downloadBytes,
      diskNeededBytes: b.downloadBytes + entry.sizeBytes,
      repos: [b.llada.repo, b.whisper.repo, b.checkpoint.repo],
      unavailable: templateFor(b, this.templatesDir).missing,
    };
  }

  /** A built model's job plan: the one an unfinished build pinned, or a fresh one from the catalog entry. */
  private async buildPlan(input: string, revision: string | undefined, staged: StagingState | null, signal?: AbortSignal): Promise<BuildJobPlan | null> {
    const entry = this.catalog().find((e) => e.id === input);
    if (staged?.build && !revision) {
      const policy = hubPolicy(readModelSettings(this.options.home), this.env);
      for (const i of staged.build.inputs) policy.requireHub(i.endpoint);
      const template = templateFor({ arch: staged.build.arch, dtype: staged.build.dtype } as BuildRecipe, this.templatesDir);
      if (template.missing) throw new ApiError('unsupported', `${staged.name} cannot be built: ${template.missing}`);
      return {
        id: staged.id,
        name: staged.name,
        licence: entry?.licence ?? 'unknown',
        description: entry?.description ?? '',
        templateDir: template.dir,
        build: staged.build,
      };
    }
    if (!entry?.build) return null;
    const settings = readModelSettings(this.options.home);
    const policy = hubPolicy(settings, this.env);
    return planBuild(entry as CatalogEntry & { build: BuildRecipe }, {
      client: { dispatcher: this.dispatcher, token: hubToken(this.env), signal, policy },
      policy,
      endpoint: hubEndpoint(settings, this.env),
      templatesDir: this.templatesDir,
      revision,
    });
  }

  /** Turns what the user typed (catalog id, unfinished download, `org/name`, or a hub URL) into a pinned plan. */
  async plan(input: string, revision?: string, signal?: AbortSignal): Promise<PullPlan> {
    const settings = readModelSettings(this.options.home);
    const endpoint = hubEndpoint(settings, this.env);
    const policy = hubPolicy(settings, this.env);
    const client = { dispatcher: this.dispatcher, token: hubToken(this.env), signal, policy };
    // An unfinished download resumes exactly what it started (same commit), whatever the branch says now.
    const staged = /^[a-z0-9][a-z0-9._-]*$/.test(input) ? readStagingState(this.modelsDir, input) : null;
    if (staged?.source && !revision) {
      policy.requireHub(staged.source.endpoint);
      return { id: staged.id, name: staged.name, ...staged.source, files: staged.files };
    }
    const entry = this.catalog().find((e) => e.id === input);
    if (entry) {
      if (entry.bundled) throw new ApiError('bad_request', `${entry.name} ships with the app: there is nothing to download`);
      if (!entry.source) throw new ApiError('bad_model', `Catalog entry ${entry.id} has no source to download from`);
      const source = { endpoint: entry.source.endpoint ?? endpoint, repo: entry.source.repo, revision: revision ?? entry.source.revision };
      if (entry.files && !revision) {
        // Pinned in the catalog: no API call, every byte checked against the catalog's hashes.
        policy.requireHub(source.endpoint);
        return { id: entry.id, name: entry.name, ...source, commit: source.revision, files: entry.files };
      }
      return planFromHub(client, source);
    }
    const source = parseHubSource(input, endpoint, revision);
    if (!source) throw new ApiError('bad_request', `"${input}" is not a catalog id, a hub repo (org/name) or a hub URL`);
    return planFromHub(client, source);
  }

  /** Adds a hub repo (id or URL) to the user's catalog without downloading it; its manifest is checked first. */
  async add(input: string, revision?: string): Promise<PullPlan> {
    const plan = await this.plan(input, revision);
    this.remember(plan);
    return plan;
  }

  private remember(plan: PullPlan): void {
    if (this.catalog().some((e) => e.id === plan.id && e.origin === 'catalog')) return;
    addUserCatalogEntry(this.modelsDir, {
      id: plan.id,
      name: plan.name,
      licence: 'unknown',
      description: '',
      sizeBytes: plan.files.reduce((s, f) => s + f.size, 0),
      bundled: false,
      source: {
        repo: plan.repo,
        revision: plan.revision,
        ...(plan.endpoint !== hubEndpoint(readModelSettings(this.options.home), this.env) ? { endpoint: plan.endpoint } : {}),
      },
    });
  }

  /**
   * Starts (or resumes) a pull and returns once the plan is known; progress arrives through onProgress and the
   * returned promise settles when the model is installed (or the job fails, pauses or is cancelled).
   */
  async pull(input: string, revision?: string, tuning: { connections?: number } = {}): Promise<{ plan: PullPlan; done: Promise<string> }> {
    const staged = /^[a-z0-9][a-z0-9._-]*$/.test(input) ? readStagingState(this.modelsDir, input) : null;
    const build = await this.buildPlan(input, revision, staged);
    if (build) {
      const checkpoint = build.build.inputs.find((i) => i.role === 'checkpoint') ?? build.build.inputs[0];
      const plan: PullPlan = {
        id: build.id,
        name: build.name,
        endpoint: checkpoint?.endpoint ?? '',
        repo: build.build.inputs.map((i) => i.repo).join(' + '),
        revision: checkpoint?.revision ?? '',
        commit: checkpoint?.commit ?? '',
        files: build.build.inputs.flatMap((i) =>
          i.files.map((f) => ({ path: `${i.repo}/${f.path}`, size: i.subset?.bytes ?? f.size, sha256: f.sha256 ?? '' })),
        ),
      };
      return this.launch(plan, (signal) => runBuildJob(build, { ...this.pullOptions(signal, tuning), runBuild: this.options.runBuild }));
    }
    const plan = await this.plan(input, revision);
    if (!this.catalog().some((e) => e.id === plan.id)) this.remember(plan);
    return this.launch(plan, (signal) => pullModel(plan, this.pullOptions(signal, tuning)));
  }

  private pullOptions(signal: AbortSignal, tuning: { connections?: number } = {}) {
    return {
      modelsDir: this.modelsDir,
      dispatcher: this.dispatcher,
      token: hubToken(this.env),
      signal,
      onProgress: (p: PullProgress) => this.emit(p),
      freeSpace: this.options.freeSpace,
      openPart: this.options.openPart,
      policy: hubPolicy(readModelSettings(this.options.home), this.env),
      stallMs: this.stallMs(),
      ...this.splitting(),
      ...(tuning.connections === undefined ? {} : { connections: tuning.connections }),
      backoffMs: this.options.backoffMs,
      maxRetries: this.options.maxRetries,
      log: this.options.log,
    };
  }

  /**
   * Runs one job (a download, or a build) for a plan: pause, resume and cancel apply alike, and its end is reported
   * by event whether or not the caller awaits the returned promise.
   */
  private launch(plan: PullPlan, run: (signal: AbortSignal) => Promise<string>): { plan: PullPlan; done: Promise<string> } {
    if (this.jobs.has(plan.id)) throw new ApiError('bad_request', `${plan.id} is already downloading`);
    const controller = new AbortController();
    const job: Job = { controller, reason: null, last: null, done: Promise.resolve('') };
    job.done = run(controller.signal).then(
      (dir) => {
        this.jobs.delete(plan.id);
        return dir;
      },
      (error: unknown) => {
        this.jobs.delete(plan.id);
        const reason = job.reason;
        if (reason === 'cancel') removeStaging(this.modelsDir, plan.id);
        const last = job.last ?? {
          id: plan.id,
          name: plan.name,
          bytesDone: 0,
          bytesTotal: 0,
          filesDone: 0,
          filesTotal: plan.files.length,
          active: [],
          speedBps: 0,
          etaSeconds: null,
        };
        const state = reason === 'pause' ? 'paused' : reason === 'cancel' ? 'cancelled' : 'failed';
        const apiError = ApiError.wrap(error);
        this.emit({
          ...last,
          state,
          speedBps: 0,
          etaSeconds: null,
          active: [],
          ...(state === 'failed' ? { error: { code: apiError.code, message: apiError.message } } : {}),
        });
        throw apiError;
      },
    );
    this.jobs.set(plan.id, job);
    // The caller may not await `done` (the API returns at once); an unobserved failure is already reported by event.
    job.done.catch(() => {});
    return { plan, done: job.done };
  }

  private stop(id: string, reason: 'pause' | 'cancel'): boolean {
    const job = this.jobs.get(id);
    if (!job) return false;
    job.reason = reason;
    job.controller.abort();
    return true;
  }

  pause(id: string): void {
    if (!this.stop(id, 'pause')) throw new ApiError('not_found', `${id} is not downloading`);
  }

  /** Resumes a paused download, or one left unfinished by an earlier run of the app. */
  async resume(id: string): Promise<{ plan: PullPlan; done: Promise<string> }> {
    if (this.jobs.has(id)) throw new ApiError('bad_request', `${id} is already downloading`);
    if (!readStagingState(this.modelsDir, id)) throw new ApiError('not_found', `There is no unfinished download of ${id}`);
    return this.pull(id);
  }

  /** Stops a download and deletes its partial files. */
  async cancel(id: string): Promise<void> {
    const job = this.jobs.get(id);
    if (job) {
      this.stop(id, 'cancel');
      await job.done.catch(() => {});
    } else if (readStagingState(this.modelsDir, id)) removeStaging(this.modelsDir, id);
    else throw new ApiError('not_found', `${id} is not downloading`);
  }

  importPack(path: string, onProgress?: (p: PackProgress) => void) {
    return importModel(path, this.modelsDir, onProgress);
  }

  exportPack(id: string, file: string, onProgress?: (p: PackProgress) => void) {
    return exportModel(this.modelDir(id), file, onProgress);
  }

  private modelDir(id: string): string {
    const model = this.installed().find((m) => m.id === id);
    if (!model) throw new ApiError('not_found', `No model "${id}" is installed (see \`models list\`)`);
    return model.dir;
  }

  async verify(id: string, repair = false, onFile?: (path: string, index: number, total: number) => void): Promise<VerifyReport> {
    const dir = this.modelDir(id);
    const { manifest, problems } = await checkModel(dir, onFile);
    if (!repair || problems.length === 0) return { id, ok: problems.length === 0, problems, repaired: [] };
    const repaired = await repairModel(dir, manifest, problems, {
      modelsDir: this.modelsDir,
      dispatcher: this.dispatcher,
      token: hubToken(this.env),
      signal: new AbortController().signal,
      policy: hubPolicy(readModelSettings(this.options.home), this.env),
      stallMs: this.stallMs(),
      ...this.splitting(),
      backoffMs: this.options.backoffMs,
      maxRetries: this.options.maxRetries,
      log: this.options.log,
    });
    return { id, ok: true, problems, repaired };
  }

  remove(id: string): void {
    const model = this.installed().find((m) => m.id === id);
    if (model?.bundled) throw new ApiError('bad_request', `${model.name} ships with the app and cannot be deleted`);
    if (this.jobs.has(id)) throw new ApiError('bad_request', `${id} is downloading; cancel it first`);
    if (!model && readStagingState(this.modelsDir, id)) {
      removeStaging(this.modelsDir, id);
      return;
    }
    removeInstalled(this.modelsDir, id);
  }

  /** The idle time before a connection is retried: the option (tests), else the setting, else the downloader's default. */
  private stallMs(): number | undefined {
    const seconds = readModelSettings(this.options.home).stallSeconds;
    return this.options.stallMs ?? (seconds === undefined ? undefined : seconds * 1000);
  }

  /** Connections per large file and the size above which a file is split, from the settings (else the defaults). */
  private splitting(): { connections?: number; splitAboveBytes?: number } {
    const { connections, splitAboveMB } = readModelSettings(this.options.home);
    return { connections, splitAboveBytes: splitAboveMB === undefined ? undefined : Math.round(splitAboveMB * 1e6) };
  }

  settings(): ModelSettings {
    return readModelSettings(this.options.home);
  }

  /** Changes network settings; the next request uses them (the HTTP agent is rebuilt). */
  updateSettings(patch: Partial<ModelSettings>): ModelSettings {
    const current = readModelSettings(this.options.home);
    const next = writeModelSettings(this.options.home, { ...current, ...patch }, true);
    if (this.dispatcherCache && !this.options.dispatcher) void this.dispatcherCache.close();
    this.dispatcherCache = undefined;
    return next;
  }

  /** Moves every model to `target` and makes it the models folder from now on. */
  move(target: string): { moved: string[]; dir: string } {
    if (this.jobs.size > 0) throw new ApiError('bad_request', 'Downloads are running; pause them before moving the models folder');
    const result = moveModelsFolder(this.modelsDir, target);
    const dir = resolve(target);
    writeModelSettings(this.options.home, { modelsDir: dir });
    this.options.home.models = dir;
    return { ...result, dir };
  }

  status(id: string): PullProgress | null {
    return this.jobs.get(id)?.last ?? null;
  }
}
