import type { AppServices } from '../api/app-services';
import { resolveHomeRoot } from '../core/app-home';
import { forkEngine } from '../engine/fork-engine';
import { inProcessEngine } from '../engine/in-process-engine';
import { createHeadlessApp } from '../host/headless-services';

/**
 * Where a command's engine runs: `process` (a forked child, as in the app: a native crash leaves the command
 * standing, and many questions keep the CLI's thread free) or `in-process` (one question: no second process to
 * start; see in-process-engine.ts).
 */
export type EnginePlacement = 'process' | 'in-process';

/**
 * Runs `work` with the app's services for one CLI command — the same composition root as the headless host and the
 * Electron shell — and always disposes them afterwards. The engine process starts with the first call that needs it.
 */
export async function withApp<T>(homeFlag: unknown, work: (app: AppServices) => Promise<T>, engine: EnginePlacement = 'process'): Promise<T> {
  const app = createHeadlessApp(resolveHomeRoot(homeFlag as string | undefined), engine === 'in-process' ? inProcessEngine : forkEngine);
  try {
    return await work(app);
  } finally {
    await app.dispose();
  }
}
