import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiError } from '../../src-common/api/errors';
import type { BuildProgress } from './build/build-bundle';
import { runBuildInWorker } from './build/run-build-worker';
import { fetchInputFile, fetchWhisperSubset, type InputFetchOptions, inputPath, subsetSize, type WhisperSubsetRecord } from './build-inputs';
import type { BuildJobPlan } from './build-job-plan';
import { loadBundle } from './bundle';
import { ensureSpace, freeSpace } from './disk-space';
import { installBundle } from './install';
import { type ActiveFile, type PullProgress, progressSnapshot, SpeedMeter } from './progress';
import { type PullOptions, runPool } from './pull';
import {
  type BuildInput,
  type BuildInputFile,
  buildBytesOnDisk,
  buildDownloadBytes,
  partPath,
  readStagingState,
  removeStaging,
  type StagingState,
  sizeOf,
  stagingBundle,
  stagingDir,
  writeStagingState,
} from './staging';

/**
 * Installs a catalog model that is built on this machine, as one job with the downloader's guarantees:
 *   1. download: the checkpoints the bundle needs into `<staging>/inputs/` (build-inputs.ts), resumable, verified;
 *   2. build: the app's builder in a worker thread, into `<staging>/bundle` (growing in `bundle.partial/`, whose
 *      build-state.json lets a killed build resume from the last finished tensor);
 *   3. install: the manifest takes the catalog's id and name, the provenance (`.diffa-build.json`: every repo, commit
 *      and file, the Whisper subset's checks) is written, and the folder is renamed into the models folder.
 * state.json pins every repo to a commit, so a resume days later (pause, quit, crash) fetches the same bytes.
 * The checkpoints are deleted once the model is installed.
 */
export const BUILD_RECORD = '.diffa-build.json';

export interface BuildJobOptions extends PullOptions {
  /** Test seam: how the build step runs (default: a worker thread). */
  runBuild?: typeof runBuildInWorker;
}

function sameBuild(previous: StagingState | null, plan: BuildJobPlan): boolean {
  const a = previous?.build;
  const b = plan.build;
  if (!a || a.arch !== b.arch || a.dtype !== b.dtype || a.bundleBytes !== b.bundleBytes || a.inputs.length !== b.inputs.length) return false;
  return a.inputs.every((x, i) => {
    const y = b.inputs[i] as BuildInput;
    return (
      x.role === y.role &&
      x.endpoint === y.endpoint &&
      x.repo === y.repo &&
      x.commit === y.commit &&
      JSON.stringify(x.files) === JSON.stringify(y.files) &&
      x.subset?.prefix === y.subset?.prefix
    );
  });
}

/** Staging for this plan; a leftover of other commits or files is thrown away rather than mixed in. */
function prepareStaging(plan: BuildJobPlan, modelsDir: string): StagingState {
  const previous = readStagingState(modelsDir, plan.id);
  if (previous && sameBuild(previous, plan)) return previous;
  if (previous) removeStaging(modelsDir, plan.id);
  const state: StagingState = { version: 1, id: plan.id, name: plan.name, source: null, files: [], createdAt: new Date().toISOString(), build: plan.build };
  writeStagingState(modelsDir, state);
  return state;
}

export async function runBuildJob(plan: BuildJobPlan, options: BuildJobOptions): Promise<string> {
  const { modelsDir, signal } = options;
  const state = prepareStaging(plan, modelsDir);
  const build = state.build as NonNullable<StagingState['build']>;
  const bundle = stagingBundle(modelsDir, plan.id);
  const steps: NonNullable<PullProgress['steps']> = [
    { name: 'download', label: 'Download the checkpoints', state: 'running' },
    { name: 'build', label: `Build the ${build.dtype} bundle`, state: 'pending' },
  ];
  const files = build.inputs.flatMap((input) => input.files.map((file) => ({ input, file })));
  let phase: PullProgress['state'] = 'resolving';
  let bytesDone = 0;
  let bytesTotal = buildDownloadBytes(build);
  let filesDone = 0;
  const active = new Map<string, ActiveFile>();
  let meter = new SpeedMeter();
  const report = () =>
    options.onProgress?.(
      progressSnapshot(
        { id: plan.id, name: plan.name, state: phase, bytesDone, bytesTotal, filesDone, filesTotal: files.length, steps: steps.map((s) => ({ ...s })) },
        meter,
        active,
      ),
    );
  report();
  const ticker = setInterval(report, options.progressIntervalMs ?? 250);
  try {
    const bundleDone = existsSync(join(bundle, 'manifest.json'));
    // The Whisper subset's size comes from the remote header, read once and kept in state.json.
    const whisper = build.inputs.find((i) => i.subset);
    if (
      !bundleDone &&
      whisper?.subset &&
      whisper.subset.bytes === undefined &&
      !existsSync(inputPath(modelsDir, plan.id, whisper, whisper.files[0] as BuildInputFile))
    ) {
      whisper.subset.bytes = await subsetSize(whisper, { ...options, id: plan.id, onFileBytes: () => {} });
      writeStagingState(modelsDir, state);
      bytesTotal = buildDownloadBytes(build);
    }
    const onDisk = buildBytesOnDisk(modelsDir, plan.id, build);
    const builtAlready = bundleDone ? build.bundleBytes : 0;
    await ensureSpace(stagingDir(modelsDir, plan.id), bytesTotal - onDisk + build.bundleBytes - builtAlready, options.freeSpace ?? freeSpace);

    // 1. download
    let whisperRecord: WhisperSubsetRecord | null = null;
    if (!bundleDone) {
      phase = 'downloading';
      bytesDone = Math.min(onDisk, bytesTotal);
      const pending = files.filter(({ input, file }) => {
        const path = inputPath(modelsDir, plan.id, input, file);
        return input.subset ? true : !(existsSync(path) && sizeOf(path) === file.size);
      });
      filesDone = files.length - pending.length;
      // A change of step is reported at once, not at the next tick: a fast download may end before it.
      report();
      const fetchOptions: InputFetchOptions = {
        ...options,
        id: plan.id,
        onFileBytes: (path, delta) => {
          bytesDone += delta;
          const f = active.get(path);
          if (f) f.done += delta;
        },
      };
      const stop = new AbortController();
      const forward = () => stop.abort();
      signal.addEventListener('abort', forward, { once: true });
      if (signal.aborted) stop.abort();
      try {
        await runPool(pending, options.parallel ?? 3, stop, async ({ input, file }) => {
          const label = `${input.repo}/${file.path}`;
          const path = inputPath(modelsDir, plan.id, input, file);
          const have = sizeOf(partPath(path)) ?? 0;
          const size = input.subset?.bytes ?? file.size;
          active.set(label, { done: Math.min(have, size), size, meter: new SpeedMeter() });
          if (input.subset) whisperRecord = await fetchWhisperSubset(input, { ...fetchOptions, signal: stop.signal });
          else await fetchInputFile(input, file, { ...fetchOptions, signal: stop.signal });
          active.delete(label);
          filesDone++;
        });
      } finally {
        signal.removeEventListener('abort', forward);
      }
      bytesDone = bytesTotal;
    } else {
      filesDone = files.length;
    }
    steps[0] = { ...(steps[0] as (typeof steps)[number]), state: 'done' };

    // 2. build, in a worker thread
    steps[1] = { ...(steps[1] as (typeof steps)[number]), state: 'running' };
    phase = 'building';
    active.clear();
    meter = new SpeedMeter();
    bytesDone = 0;
    bytesTotal = build.bundleBytes;
    report();
    let resumedBuild = false;
    if (!bundleDone) {
      const input = (role: BuildInput['role']) => build.inputs.find((i) => i.role === role) as BuildInput;
      const roleDir = (role: BuildInput['role']) => join(stagingDir(modelsDir, plan.id), 'inputs', role);
      const checkpoint = input('checkpoint');
      const result = await (options.runBuild ?? runBuildInWorker)(
        {
          templateDir: plan.templateDir,
          llada: roleDir('llada'),
          whisper: roleDir('whisper'),
          checkpoint: inputPath(modelsDir, plan.id, checkpoint, checkpoint.files[0] as BuildInputFile),
          out: bundle,
        },
        {
          signal,
          onProgress: (p: BuildProgress) => {
            bytesDone = p.bytesDone;
            bytesTotal = p.bytesTotal;
          },
        },
      );
      resumedBuild = result.resumed;
      if (resumedBuild) options.log?.(`${plan.id}: the build resumed from the last finished tensor`);
    }
    bytesDone = bytesTotal;
    steps[1] = { ...(steps[1] as (typeof steps)[number]), state: 'done' };

    // 3. install
    phase = 'installing';
    report();
    whisperRecord ??= readWhisperRecord(modelsDir, plan.id, build);
    finishManifest(bundle, plan);
    writeFileSync(join(bundle, BUILD_RECORD), JSON.stringify({ ...provenance(plan, build, whisperRecord), resumedBuild }, null, 1));
    const dir = installBundle(bundle, modelsDir, plan.id);
    removeStaging(modelsDir, plan.id);
    phase = 'installed';
    report();
    return dir;
  } catch (error) {
    if (signal.aborted) throw new ApiError('cancelled', 'Stopped');
    const code = (error as NodeJS.ErrnoException).code;
    if (!(error instanceof ApiError) && (code === 'ENOSPC' || code === 'EDQUOT'))
      throw new ApiError('io_error', `${plan.name}: the disk is full; free some space and pull again (it resumes where it stopped)`, { code });
    throw error;
  } finally {
    clearInterval(ticker);
  }
}

function readWhisperRecord(modelsDir: string, id: string, build: NonNullable<StagingState['build']>): WhisperSubsetRecord | null {
  const whisper = build.inputs.find((i) => i.subset);
  if (!whisper) return null;
  try {
    return JSON.parse(readFileSync(join(stagingDir(modelsDir, id), 'inputs', 'whisper', 'subset.json'), 'utf8')) as WhisperSubsetRecord;
  } catch {
    return null;
  }
}

/** The template's manifest names the architecture; the installed model takes the catalog's id, name and licence. */
function finishManifest(bundle: string, plan: BuildJobPlan): void {
  const path = join(bundle, 'manifest.json');
  const manifest = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  if (manifest.id === plan.id && manifest.name === plan.name && manifest.licence === plan.licence) return;
  Object.assign(manifest, { id: plan.id, name: plan.name, licence: plan.licence, ...(plan.description ? { description: plan.description } : {}) });
  writeFileSync(`${path}.tmp`, JSON.stringify(manifest, null, 1));
  renameSync(`${path}.tmp`, path);
  loadBundle(bundle); // still a valid bundle
}

function provenance(plan: BuildJobPlan, build: NonNullable<StagingState['build']>, whisper: WhisperSubsetRecord | null) {
  return {
    format: 'diffa-build-record',
    version: 1,
    id: plan.id,
    arch: build.arch,
    dtype: build.dtype,
    builtAt: new Date().toISOString(),
    inputs: build.inputs.map((i) => ({
      role: i.role,
      endpoint: i.endpoint,
      repo: i.repo,
      revision: i.revision,
      commit: i.commit,
      files: i.files.map((f) => ({
        path: f.path,
        size: f.size,
        ...(f.sha256 ? { sha256: f.sha256, checked: i.subset ? 'no: only some tensors were fetched (see whisperSubset)' : 'sha256' } : {}),
        ...(f.gitOid ? { gitBlob: f.gitOid, checked: 'git blob id' } : {}),
      })),
    })),
    whisperSubset: whisper,
  };
}
