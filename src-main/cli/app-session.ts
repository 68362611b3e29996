import type { AppServices } from '../api/app-services';
import { resolveHomeRoot } from '../core/app-home';
import { createHeadlessApp } from '../host/headless-services';

/**
 * Runs `work` with the app's services for one CLI command — the same composition root as the headless host and the
 * Electron shell — and always disposes them afterwards. The engine process starts with the first call that needs it.
 */
export async function withApp<T>(homeFlag: unknown, work: (app: AppServices) => Promise<T>): Promise<T> {
  const app = createHeadlessApp(resolveHomeRoot(homeFlag as string | undefined));
  try {
    return await work(app);
  } finally {
    await app.dispose();
  }
}
