import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ApiError } from '../../src-common/api/errors';
import { managerForHome } from '../models/create-manager';
import { estimateFit } from '../models/fit';
import type { ModelManager } from '../models/manager';
import type { ModelSettings } from '../models/model-settings';
import { formatBytes } from '../models/progress';
import { DEFAULT_CONNECTIONS, DEFAULT_SPLIT_ABOVE_BYTES } from '../models/pull';
import { type Command, UsageError } from './command';
import { BUILD_OPTIONS, BUILD_USAGE, buildCommand } from './models-build';
import { progressPrinter } from './pull-progress';

const USAGE = `Usage: npm run diffa -- models <action> [options]

  list [--json]                          catalog, installed models and unfinished downloads, with memory fit
  pull <id|org/name|URL> [--revision R] [--connections N]
                                         download (or resume) a model; Ctrl+C pauses, run it again to resume;
                                         --connections: per large file, this time (see config)
  cancel <id>                            stop an unfinished download and delete its partial files
  import <folder|pack.tar>               install a model from a bundle folder or a model pack (verified first)
  export <id> <file.tar>                 write an installed model as a model pack (for a machine with no network)
  verify <id> [--repair]                 check every file's SHA-256; --repair re-downloads only the bad ones
  rm <id>                                delete an installed model
  move <dir>                             move the models folder (and remember it)
  hardware [--json]                      CPU, RAM, GPUs and which execution providers can run here, and why
  add <org/name|URL> [--revision R]      add a hub repo to your catalog (checked, not downloaded)
  ${BUILD_USAGE}
  config [--endpoint URL] [--mirrors URL,URL] [--proxy URL] [--no-proxy HOSTS] [--ca-file PEM] [--stall-seconds N]
         [--connections N] [--split-above-mb MB]
                                         show or change the hub, the other hubs pulls may use (nothing else is
                                         ever contacted), proxy, extra CA certificates, how long a silent
                                         connection is waited for before it is retried, and how many connections
                                         fetch byte ranges of one file larger than MB side by side (1: one stream)

Environment: HF_ENDPOINT (hub or mirror), HF_TOKEN (gated repos), HTTPS_PROXY/HTTP_PROXY/NO_PROXY,
NODE_EXTRA_CA_CERTS, DIFFA_HOME (or --home DIR).`;

export const modelsCommand: Command = {
  name: 'models',
  summary: 'Model manager: list, pull, build, import/export packs, verify/repair, rm, move, hardware',
  usage: USAGE,
  options: {
    json: { type: 'boolean' },
    revision: { type: 'string' },
    repair: { type: 'boolean' },
    endpoint: { type: 'string' },
    proxy: { type: 'string' },
    'no-proxy': { type: 'string' },
    'ca-file': { type: 'string' },
    'stall-seconds': { type: 'string' },
    connections: { type: 'string' },
    'split-above-mb': { type: 'string' },
    mirrors: { type: 'string' },
    ...BUILD_OPTIONS,
  },
  async run(values, positionals) {
    const [action, ...args] = positionals;
    const manager = managerForHome(values.home as string | undefined);
    try {
      switch (action) {
        case 'list':
          return await list(manager, values.json === true);
        case 'hardware':
          return await hardware(manager, values.json === true);
        case 'pull':
          return await pull(manager, need(args, 1, 'pull <id|org/name|URL>')[0] as string, values.revision as string | undefined, connectionsFlag(values));
        case 'cancel':
          await manager.cancel(need(args, 1, 'cancel <id>')[0] as string);
          console.log(`Cancelled; partial files deleted.`);
          return 0;
        case 'import':
          return await importPack(manager, need(args, 1, 'import <folder|pack.tar>')[0] as string);
        case 'export':
          return await exportPack(manager, ...(need(args, 2, 'export <id> <file.tar>') as [string, string]));
        case 'verify':
          return await verify(manager, need(args, 1, 'verify <id>')[0] as string, values.repair === true);
        case 'rm':
          manager.remove(need(args, 1, 'rm <id>')[0] as string);
          console.log(`Deleted ${args[0]}.`);
          return 0;
        case 'move': {
          const result = manager.move(need(args, 1, 'move <dir>')[0] as string);
          console.log(`Moved ${result.moved.length} entries; the models folder is now ${result.dir}`);
          return 0;
        }
        case 'add': {
          const plan = await manager.add(need(args, 1, 'add <org/name|URL>')[0] as string, values.revision as string | undefined);
          console.log(`Added ${plan.id} (${plan.repo}@${plan.revision}, ${plan.files.length} files) to your catalog; get it with: models pull ${plan.id}`);
          return 0;
        }
        case 'config':
          return config(manager, values);
        case 'build':
          return await buildCommand(values);
        default:
          throw new UsageError(action ? `Unknown action "${action}".\n\n${USAGE}` : USAGE);
      }
    } finally {
      await manager.dispose();
    }
  },
};

function need(args: string[], count: number, form: string): string[] {
  if (args.length < count) throw new UsageError(`models ${form}: missing argument`);
  return args;
}

async function list(manager: ModelManager, json: boolean): Promise<number> {
  const hw = await manager.hardware();
  const rows = await manager.listing(hw);
  if (json) {
    console.log(JSON.stringify({ models: rows, modelsDir: manager.modelsDir, hardware: hw }, null, 2));
    return 0;
  }
  const table = [
    ['ID', 'STATUS', 'SIZE', 'FIT', 'NAME'],
    ...rows.map((r) => [
      r.id,
      r.status === 'partial' ? `partial ${Math.floor((100 * r.bytesOnDisk) / Math.max(1, r.sizeBytes))}%` : r.bundled ? 'bundled' : r.status,
      formatBytes(r.sizeBytes),
      r.fit?.verdict ?? '?',
      r.name,
    ]),
  ];
  const widths = table[0]?.map((_, i) => Math.max(...table.map((row) => (row[i] ?? '').length))) ?? [];
  for (const row of table)
    console.log(
      row
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    );
  console.log(`\nModels folder: ${manager.modelsDir}`);
  for (const r of rows) {
    if (r.fit) console.log(`  ${r.id}: ${r.fit.reason}${r.memoryBasis ? ` (${r.memoryBasis})` : ''}`);
    if (r.build)
      console.log(
        `    built here from ${r.build.repos.join(', ')}: downloads ~${formatBytes(r.build.downloadBytes)}, needs ~${formatBytes(r.build.diskNeededBytes)} free disk while building${r.build.unavailable ? `; cannot be installed: ${r.build.unavailable}` : ''}`,
      );
    if (r.licence && !r.bundled && r.status !== 'installed') console.log(`    licence: ${r.licence}`);
  }
  return 0;
}

async function hardware(manager: ModelManager, json: boolean): Promise<number> {
  const hw = await manager.hardware();
  if (json) {
    const fits = manager.catalog().map((entry) => ({ id: entry.id, fit: estimateFit(entry, hw) }));
    console.log(JSON.stringify({ ...hw, fits }, null, 2));
    return 0;
  }
  console.log(`CPU: ${hw.cpu.model} (${hw.cpu.cores} cores, ${hw.platform}/${hw.arch})`);
  console.log(`RAM: ${formatBytes(hw.ram.totalBytes)} total, ${formatBytes(hw.ram.freeBytes)} free`);
  if (hw.gpus.length === 0) console.log('GPUs: none found');
  for (const gpu of hw.gpus) console.log(`GPU: ${gpu.name}${gpu.memoryBytes ? `, ${formatBytes(gpu.memoryBytes)}` : ''} (via ${gpu.source})`);
  for (const p of hw.providers) console.log(`  ${p.usable ? 'yes' : 'no '}  ${p.name.padEnd(9)} ${p.reason}`);
  return 0;
}

/** `--connections N` for one pull: a whole number from 1 to 16, or absent (the setting applies). */
function connectionsFlag(values: Record<string, unknown>): number | undefined {
  if (values.connections === undefined) return undefined;
  const n = Number(values.connections);
  if (!Number.isInteger(n) || n < 1 || n > 16) throw new UsageError(`--connections must be a whole number from 1 to 16, not "${values.connections}"`);
  return n;
}

async function pull(manager: ModelManager, input: string, revision: string | undefined, connections: number | undefined): Promise<number> {
  const printer = progressPrinter();
  const off = manager.onProgress((p) => printer.update(p));
  let stoppedBy: NodeJS.Signals | null = null;
  const { plan, done } = await manager.pull(input, revision, { connections });
  console.log(`Pulling ${plan.name} (${plan.id}) from ${plan.endpoint}/${plan.repo} at ${plan.commit.slice(0, 12)}: ${plan.files.length} files`);
  // Ctrl+C and SIGTERM pause instead of killing mid-write: every byte received is written out first (the next run
  // resumes from it), then the process exits with the signal's conventional code.
  const onSignal = (signal: NodeJS.Signals) => {
    if (stoppedBy) return;
    stoppedBy = signal;
    manager.pause(plan.id);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const dir = await done;
    printer.end();
    console.log(
      plan.repo.includes(' + ')
        ? `Installed ${plan.id} in ${dir} (built here; checkpoints verified as docs/models.md says, every bundle file's SHA-256 in its manifest)`
        : `Installed ${plan.id} in ${dir} (every file's SHA-256 verified)`,
    );
    return 0;
  } catch (error) {
    printer.end();
    if (stoppedBy) {
      console.error(`Paused by ${stoppedBy}; everything received is on disk. Run the same command again to resume.`);
      return stoppedBy === 'SIGTERM' ? 143 : 130;
    }
    throw error instanceof ApiError ? error : ApiError.wrap(error);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    off();
  }
}

async function importPack(manager: ModelManager, path: string): Promise<number> {
  const result = await manager.importPack(path);
  console.log(`Imported ${result.id} into ${result.dir} (every file's SHA-256 verified)`);
  return 0;
}

async function exportPack(manager: ModelManager, id: string, file: string): Promise<number> {
  const { bytes } = await manager.exportPack(id, file);
  console.log(`Wrote ${file} (${formatBytes(bytes)}); install it elsewhere with: npm run diffa -- models import ${file}`);
  return 0;
}

async function verify(manager: ModelManager, id: string, repair: boolean): Promise<number> {
  const report = await manager.verify(id, repair);
  if (report.problems.length === 0) {
    console.log(`${id}: all files match their SHA-256`);
    return 0;
  }
  for (const p of report.problems) console.log(`${p.path}: ${p.detail}`);
  if (report.repaired.length) {
    console.log(`${id}: repaired ${report.repaired.length} file(s) by downloading only those again`);
    return 0;
  }
  console.error(`${id}: ${report.problems.length} bad file(s); run with --repair to fetch them again`);
  return 1;
}

function config(manager: ModelManager, values: Record<string, unknown>): number {
  const patch = Object.fromEntries(
    Object.entries({
      hubEndpoint: values.endpoint,
      proxy: values.proxy,
      noProxy: values['no-proxy'],
      caFile: values['ca-file'],
      mirrors:
        values.mirrors === undefined || values.mirrors === ''
          ? values.mirrors
          : String(values.mirrors)
              .split(',')
              .map((m) => m.trim()),
      stallSeconds: numberOrClear(values['stall-seconds']),
      connections: numberOrClear(values.connections),
      splitAboveMB: numberOrClear(values['split-above-mb']),
    })
      .filter(([, v]) => v !== undefined)
      // An empty value clears the setting.
      .map(([k, v]) => [k, v === '' ? undefined : k === 'caFile' ? resolve(String(v)) : v]),
  );
  if (typeof patch.caFile === 'string' && !existsSync(patch.caFile)) throw new UsageError(`--ca-file ${patch.caFile} does not exist`);
  let settings: ModelSettings;
  try {
    settings = Object.keys(patch).length ? manager.updateSettings(patch) : manager.settings();
  } catch (error) {
    const issue = (error as { issues?: { path: string[]; message: string }[] }).issues?.[0];
    throw new UsageError(issue ? `${issue.path.join('.')}: ${issue.message}` : (error as Error).message);
  }
  console.log(`models folder  ${manager.modelsDir}`);
  console.log(`hub endpoint   ${settings.hubEndpoint ?? '(default)'}${process.env.HF_ENDPOINT ? `  (HF_ENDPOINT=${process.env.HF_ENDPOINT} wins)` : ''}`);
  console.log(`mirrors        ${settings.mirrors?.join(', ') || '(none)'}`);
  console.log(`proxy          ${settings.proxy ?? '(from HTTPS_PROXY/HTTP_PROXY)'}`);
  console.log(`no proxy       ${settings.noProxy ?? '(from NO_PROXY)'}`);
  console.log(`extra CA file  ${settings.caFile ?? '(none; NODE_EXTRA_CA_CERTS also works)'}`);
  console.log(`stall timeout  ${settings.stallSeconds ?? 30} s`);
  console.log(
    `connections    ${settings.connections ?? DEFAULT_CONNECTIONS} per file larger than ${settings.splitAboveMB ?? DEFAULT_SPLIT_ABOVE_BYTES / 1e6} MB`,
  );
  return 0;
}

/** A numeric flag: absent stays absent, empty clears the setting, anything else is a number for the schema to check. */
const numberOrClear = (value: unknown) => (value === undefined || value === '' ? value : Number(value));
