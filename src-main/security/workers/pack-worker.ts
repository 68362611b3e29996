import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parentPort } from 'node:worker_threads';
import { importModel } from '../../models/pack';
import { errorData, type GuardedReply } from '../fuzz-support';

/** Fuzz worker: imports one `.tar` model pack into a models folder, the way `models.import` does. */
export interface PackJob {
  pack: string;
  modelsDir: string;
}
export interface PackOutcome {
  id: string;
  dir: string;
}

/** Every file under `dir`, relative to it. */
export function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)));
}

parentPort?.on('message', async ({ id, job }: { id: number; job: PackJob }) => {
  let reply: GuardedReply<PackOutcome>;
  try {
    reply = { ok: true, result: await importModel(job.pack, job.modelsDir) };
  } catch (error) {
    reply = { ok: false, error: errorData(error) };
  }
  parentPort?.postMessage({ id, reply });
});
parentPort?.postMessage({ ready: true });
