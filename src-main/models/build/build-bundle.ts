import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { open, rename, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { ApiError } from '../../../src-common/api/errors';
import { ensureSpace } from '../disk-space';
import { buildArchitecture } from './architectures';
import { BlockPool } from './block-pool';
import { readBuildPlan } from './build-plan';
import { fillManifest } from './bundle-manifest-fill';
import { Diffa2Sources } from './diffa2-sources';
import { OrderedHash } from './ordered-hash';
import { writeGraphData } from './write-graph-data';

/**
 * Builds a model bundle from released checkpoints and a graph template (build-plan.json + the .onnx graphs), with
 * no Python: every weight is streamed from the checkpoints into the external-data files the template names.
 * The bundle grows in `<out>.partial/`; `build-state.json` there records the next tensor of each data file after
 * that tensor is on disk, so a killed build resumes from the last finished tensor. The folder becomes `<out>` by
 * one rename once the manifest (with every file's SHA-256) is written.
 */
export interface BuildRequest {
  templateDir: string;
  llada: string;
  whisper: string;
  checkpoint: string;
  out: string;
  onProgress?: (p: BuildProgress) => void;
  signal?: AbortSignal;
  /** compute threads (default: one per core; 0 computes on the calling thread) */
  threads?: number;
}

export interface BuildProgress {
  phase: 'checking' | 'writing' | 'finishing' | 'done';
  bytesDone: number;
  bytesTotal: number;
  graph?: string;
}

interface BuildState {
  key: string;
  next: Record<string, number>;
}

function sourcesKey(req: BuildRequest, planText: string): string {
  const h = createHash('sha256').update(planText);
  for (const p of [req.llada, req.whisper, req.checkpoint]) h.update(`${resolve(p)}\n`);
  return h.digest('hex');
}

function writeState(path: string, state: BuildState) {
  writeFileSync(`${path}.tmp`, JSON.stringify(state));
  renameSync(`${path}.tmp`, path);
}

/** The same, off the thread that feeds the pipeline (a rename can wait for the disk's journal behind the build's writes) */
async function writeStateAsync(path: string, state: BuildState) {
  await writeFile(`${path}.tmp`, JSON.stringify(state));
  await rename(`${path}.tmp`, path);
}

/** The [start, end) ranges of a data file that no tensor covers (alignment padding, the tail): zeros. */
function paddingRanges(g: { size: number; tensors: { offset: number; length: number }[] }): [number, number][] {
  const ranges: [number, number][] = [];
  let at = 0;
  for (const t of [...g.tensors].sort((a, b) => a.offset - b.offset)) {
    if (t.offset > at) ranges.push([at, t.offset]);
    at = Math.max(at, t.offset + t.length);
  }
  if (g.size > at) ranges.push([at, g.size]);
  return ranges;
}

export async function buildBundle(req: BuildRequest): Promise<{ dir: string; manifest: Record<string, unknown>; resumed: boolean }> {
  const out = resolve(req.out);
  if (existsSync(out)) throw new ApiError('bad_request', `${out} already exists; choose another --out or remove it`);
  const plan = readBuildPlan(req.templateDir);
  const arch = buildArchitecture(plan.arch);
  const progress = (p: BuildProgress) => req.onProgress?.(p);
  const bytesTotal = plan.graphs.reduce((n, g) => n + g.size, 0);
  progress({ phase: 'checking', bytesDone: 0, bytesTotal });

  const sources = await Diffa2Sources.open(req);
  const wanted = new Map<string, number[]>();
  for (const g of plan.graphs) for (const e of g.tensors) wanted.set(e.source, e.source_shape);
  sources.check(wanted, { lora: arch.lora, label: arch.label });

  const partial = `${out}.partial`;
  const statePath = join(partial, 'build-state.json');
  const key = sourcesKey(req, readFileSync(join(req.templateDir, 'build-plan.json'), 'utf8'));
  let state: BuildState | null = null;
  try {
    const saved = JSON.parse(readFileSync(statePath, 'utf8')) as BuildState;
    if (saved.key === key) state = saved;
  } catch {
    // nothing to resume
  }
  const resumed = state !== null;
  if (!state) {
    rmSync(partial, { recursive: true, force: true });
    state = { key, next: {} };
  }
  mkdirSync(partial, { recursive: true });
  const already = plan.graphs.reduce((n, g) => {
    const next = state.next[g.data] ?? 0;
    const last = g.tensors[next - 1];
    return n + (last ? last.offset + last.length : 0);
  }, 0);
  await ensureSpace(dirname(out), bytesTotal - already + 64 * 1024 * 1024);
  writeState(statePath, state);

  let done = 0;
  // data files written from their first byte are hashed as they are written; a resumed one is read back at the end
  const sha256: Record<string, string> = {};
  const pool = new BlockPool(req.threads);
  try {
    for (const g of plan.graphs) {
      const file = join(partial, g.data);
      const startAt = state.next[g.data] ?? 0;
      if (startAt >= g.tensors.length && existsSync(file) && statSync(file).size === g.size) {
        done += g.size;
        continue;
      }
      const handle = await open(file, existsSync(file) ? 'r+' : 'w+');
      try {
        await handle.truncate(g.size);
        const before = done;
        const last = g.tensors[startAt - 1];
        progress({ phase: 'writing', bytesDone: before + (last ? last.offset + last.length : 0), bytesTotal, graph: g.graph });
        const hash = startAt === 0 ? new OrderedHash(g.size, paddingRanges(g)) : undefined;
        await writeGraphData(g, sources, plan.lora_alpha, handle, {
          startAt,
          signal: req.signal,
          pool,
          hash,
          onWritten: (written) => progress({ phase: 'writing', bytesDone: before + written, bytesTotal, graph: g.graph }),
          // called one at a time (the next checkpoint waits for this one)
          onEntry: async (next) => {
            (state as BuildState).next[g.data] = next;
            await writeStateAsync(statePath, state as BuildState);
          },
        });
        state.next[g.data] = g.tensors.length;
        writeState(statePath, state);
        const digest = hash?.digest();
        if (digest) sha256[g.data] = digest;
      } finally {
        await handle.close();
      }
      done += g.size;
    }
  } finally {
    await pool.close();
  }

  progress({ phase: 'finishing', bytesDone: bytesTotal, bytesTotal });
  const files: string[] = [];
  for (const g of plan.graphs) {
    copyFileSync(join(req.templateDir, g.graph), join(partial, g.graph));
    files.push(g.graph, g.data);
  }
  for (const f of ['tokenizer.json', 'tokenizer_config.json']) {
    if (existsSync(join(req.llada, f))) {
      copyFileSync(join(req.llada, f), join(partial, f));
      files.push(f);
    } else if (f === 'tokenizer.json') throw new ApiError('bad_model', `tokenizer.json is missing from ${req.llada}`);
  }
  const manifest = await fillManifest({
    plan,
    arch,
    llada: req.llada,
    whisper: req.whisper,
    checkpoint: req.checkpoint,
    bundleDir: partial,
    files,
    loraPairs: sources.lora.size,
    ignored: sources.ignored,
    sha256,
  });
  writeFileSync(join(partial, 'manifest.json'), JSON.stringify(manifest, null, 1));
  rmSync(statePath);
  renameSync(partial, out);
  progress({ phase: 'done', bytesDone: bytesTotal, bytesTotal });
  return { dir: out, manifest, resumed };
}
